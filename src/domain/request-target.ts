// Where a portal keeps the feature requests: the `feature_request` custom object (Enterprise portals) or
// tickets in a "Feature requests" pipeline (every tier). The sync plans, fingerprints and stores requests by
// the contract's property names (src/domain/feature-request.ts) in either target; this file alone says what
// those names are called on a ticket, and which stage a status puts it in.
import { FEATURE_REQUEST_SCHEMA, type PropertyDefinition } from './feature-request';

/** HUBSPOT_TARGET: `auto` picks the custom object where the portal holds it or can create it. */
export const TARGET_SETTINGS = ['custom-object', 'tickets', 'auto'] as const;
export type TargetSetting = (typeof TARGET_SETTINGS)[number];
export type TargetKind = Exclude<TargetSetting, 'auto'>;

/**
 * The target a run writes to, as the portal check resolved it. Absent (runs before tickets, and every run on
 * the custom object) means the custom object. Tickets carry the pipeline and the stage of each status: ids
 * HubSpot generated in this portal.
 */
export type RequestTarget =
  { kind: 'custom-object' } | { kind: 'tickets'; pipelineId: string; stages: Record<string, string> };

export const TICKETS = { objectType: 'tickets', objectTypeId: '0-5' } as const;

/** The statuses Canny gives a post, in their board order, each a stage of the Feature requests pipeline. */
export const CANNY_STATUSES = [
  'open',
  'under review',
  'planned',
  'in progress',
  'complete',
  'closed',
] as const;

/** The pipeline `hubspot setup --apply` creates in a tickets portal: one stage per status, labelled with it. */
export const TICKET_PIPELINE = {
  label: 'Feature requests',
  stages: CANNY_STATUSES.map((status, displayOrder) => ({
    label: status,
    displayOrder,
    // A ticket in a closed stage counts as closed in HubSpot's help desk reports.
    metadata: { ticketState: status === 'complete' || status === 'closed' ? 'CLOSED' : 'OPEN' },
  })),
};

/** The property group of the sync's ticket properties. */
export const TICKET_PROPERTY_GROUP = { name: 'feature_request', label: 'Feature request', displayOrder: -1 };

const TICKET_PREFIX = 'fr_';
/** Contract properties a ticket holds in its own properties rather than in an `fr_` one. */
const TICKET_NATIVE: Record<string, string> = { name: 'subject', description: 'content' };
const FROM_TICKET_NATIVE = Object.fromEntries(
  Object.entries(TICKET_NATIVE).map(([name, own]) => [own, name]),
);

/** A contract property's name on a ticket (`external_id` → `fr_external_id`, `name` → `subject`). */
export const ticketPropertyName = (name: string): string => TICKET_NATIVE[name] ?? `${TICKET_PREFIX}${name}`;

const isTickets = (
  target: RequestTarget | undefined,
): target is Extract<RequestTarget, { kind: 'tickets' }> => target?.kind === 'tickets';

/** The portal's name of a contract property (`external_id` → `fr_external_id` on tickets). */
export function portalName(target: RequestTarget | undefined, name: string): string {
  return isTickets(target) ? ticketPropertyName(name) : name;
}

/**
 * How a write treats a ticket's place: `create` (an upsert that may create it) puts it in the stage of its
 * status, `open` for a status the pipeline has no stage for (Canny added one: HubSpot creates no ticket
 * without a stage); `move` (its status changed) puts it in that status's stage, if there is one; `keep`
 * leaves it where it is (a person may have moved it).
 */
export type StageWrite = 'create' | 'move' | 'keep';

/**
 * The properties to write, by the portal's names. On tickets, the pipeline and stage go in the same write as
 * the status, as `stage` says.
 */
export function toPortal(
  target: RequestTarget | undefined,
  properties: Record<string, string>,
  stage: StageWrite = 'create',
): Record<string, string> {
  if (!isTickets(target)) return properties;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(properties)) out[portalName(target, name)] = value;
  const status = properties.status;
  if (stage !== 'keep' && status !== undefined) {
    const id = target.stages[status] ?? (stage === 'create' ? target.stages[CANNY_STATUSES[0]] : undefined);
    if (id !== undefined) {
      out.hs_pipeline = target.pipelineId;
      out.hs_pipeline_stage = id;
    }
  }
  return out;
}

/** A record's properties by the contract's names (the portal's own ones, such as `hs_object_id`, are kept). */
export function fromPortal<V>(
  target: RequestTarget | undefined,
  properties: Record<string, V>,
): Record<string, V> {
  if (!isTickets(target)) return properties;
  const out: Record<string, V> = {};
  for (const [name, value] of Object.entries(properties)) {
    const contract =
      FROM_TICKET_NATIVE[name] ?? (name.startsWith(TICKET_PREFIX) ? name.slice(TICKET_PREFIX.length) : name);
    out[contract] = value;
  }
  return out;
}

/**
 * The custom properties a tickets portal needs: every contract property but the title and the description
 * (`subject` and `content` hold them), prefixed `fr_`, in the "Feature request" group.
 */
export const TICKET_PROPERTIES: PropertyDefinition[] = FEATURE_REQUEST_SCHEMA.properties
  .filter((p) => TICKET_NATIVE[p.name] === undefined)
  .map((p) => ({
    ...p,
    name: ticketPropertyName(p.name),
    label: `FR ${p.label}`,
    groupName: TICKET_PROPERTY_GROUP.name,
  }));

/** What a run names as its target: in `status`, the summary and Slack. */
export function targetLabel(target: RequestTarget | undefined, objectName = 'feature_request'): string {
  return isTickets(target) ? `tickets (pipeline "${TICKET_PIPELINE.label}")` : `custom object ${objectName}`;
}
