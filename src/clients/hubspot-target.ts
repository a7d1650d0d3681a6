// Which target a portal's feature requests live in (HUBSPOT_TARGET, src/domain/request-target.ts), and why.
// `auto` keeps the target that already holds requests, else takes the custom object where the portal can
// create one, else tickets. A portal whose other target already holds requests is refused: switching would
// leave two copies that disagree, and migrating is not something the sync does.
import { ApplicationFailure } from '@temporalio/common';
import { FailureType, NON_RETRYABLE_FAILURES } from '../failures';
import {
  ticketPropertyName,
  TICKET_PIPELINE,
  TICKETS,
  type TargetKind,
  type TargetSetting,
} from '../domain/request-target';
import { isSyncPipeline } from './hubspot-setup-tickets';
import { customObjectTypeLimit, listPipelines, type PipelineInfo } from './hubspot-admin';
import { schemaNamed, type HubspotGateway, type SchemaInfo } from './hubspot';

export interface TargetFinding {
  kind: TargetKind;
  /** Why this target: what the portal holds, or what it can hold. */
  why: string;
  /** Set when the portal's other target already holds requests: nothing may be written. */
  refused?: string;
  /** The sync's custom object, if the portal holds it. */
  schema?: SchemaInfo;
  /** The Feature requests ticket pipeline, if the portal holds it. */
  pipeline?: PipelineInfo;
  /** Whether the portal lets this token list custom objects (a 403 there: no Enterprise, or no scope). */
  schemasRefused?: string;
  /** How many custom objects the portal lists (any, the sync's or not). */
  schemaCount?: number;
}

const forbidden = (err: unknown): err is ApplicationFailure =>
  err instanceof ApplicationFailure && err.type === FailureType.HubspotForbidden;

/**
 * The portal's Feature requests pipeline, by label (ids differ between portals): the sync's if one of that
 * label is, else any, so that `hubspot check` can say it is a person's.
 */
export function featurePipeline(pipelines: PipelineInfo[]): PipelineInfo | undefined {
  const labelled = pipelines.filter(
    (p) => !p.archived && p.label.trim().toLowerCase() === TICKET_PIPELINE.label.toLowerCase(),
  );
  return labelled.find(isSyncPipeline) ?? labelled[0];
}

/**
 * How many requests a target holds (0 when it holds none), by the sync's own key: any record of the custom
 * object, and tickets carrying `fr_external_id`, in any pipeline (a person may have renamed or archived the
 * sync's). One search, one record read; a token that may not read tickets holds none of them.
 */
async function holdings(gateway: HubspotGateway, kind: TargetKind, found: TargetFinding): Promise<number> {
  if (kind === 'custom-object') {
    if (!found.schema) return 0;
    return (await gateway.searchPage(found.schema.objectTypeId, [], ['hs_object_id'], undefined, 1)).total;
  }
  const key = ticketPropertyName('external_id');
  try {
    if (!(await gateway.listProperties(TICKETS.objectType)).some((p) => p.name === key)) return 0;
  } catch (err) {
    if (forbidden(err)) return 0;
    throw err;
  }
  const filters = [{ propertyName: key, operator: 'HAS_PROPERTY' as const }];
  return (await gateway.searchPage(TICKETS.objectType, [{ filters }], ['hs_object_id'], undefined, 1)).total;
}

const NAMES: Record<TargetKind, (objectName: string) => string> = {
  'custom-object': (objectName) => `the custom object ${objectName}`,
  tickets: () => `tickets in the "${TICKET_PIPELINE.label}" pipeline`,
};

/** The target to use in this portal, as HUBSPOT_TARGET asks and the portal allows. */
export async function findTarget(
  gateway: HubspotGateway,
  settings: { target: TargetSetting; objectName: string },
): Promise<TargetFinding> {
  const found: Omit<TargetFinding, 'kind' | 'why'> = {};
  let schemas: SchemaInfo[] = [];
  try {
    schemas = await gateway.listSchemas();
    const schema = schemaNamed(schemas, settings.objectName);
    if (schema) found.schema = schema;
  } catch (err) {
    if (!forbidden(err)) throw err;
    found.schemasRefused = err.message;
  }
  try {
    const pipeline = featurePipeline(await listPipelines(gateway, TICKETS.objectType));
    if (pipeline) found.pipeline = pipeline;
  } catch (err) {
    // A token without the tickets scope: the tickets target is out of reach, and holds nothing of ours.
    if (!forbidden(err) || settings.target === 'tickets') throw err;
  }
  found.schemaCount = schemas.length;
  const chosen = await choose(gateway, settings, found);
  const finding: TargetFinding = { ...found, ...chosen };
  const other: TargetKind = chosen.kind === 'tickets' ? 'custom-object' : 'tickets';
  const held = await holdings(gateway, other, finding);
  if (held > 0)
    finding.refused =
      `the portal already holds ${held} feature request(s) as ${NAMES[other](settings.objectName)}, and ` +
      `HUBSPOT_TARGET=${settings.target} would write them as ${NAMES[chosen.kind](settings.objectName)}: ` +
      `set HUBSPOT_TARGET=${other} (moving requests from one target to the other is not supported)`;
  return finding;
}

async function choose(
  gateway: HubspotGateway,
  settings: { target: TargetSetting; objectName: string },
  found: Omit<TargetFinding, 'kind' | 'why'>,
): Promise<{ kind: TargetKind; why: string }> {
  if (settings.target !== 'auto') return { kind: settings.target, why: `HUBSPOT_TARGET=${settings.target}` };
  if (found.schema)
    return { kind: 'custom-object', why: `auto: the portal holds the custom object ${settings.objectName}` };
  if (found.pipeline && isSyncPipeline(found.pipeline))
    return { kind: 'tickets', why: `auto: the portal holds the "${TICKET_PIPELINE.label}" ticket pipeline` };
  // A token that may not list custom objects still learns from the limit whether the portal can hold one: on
  // an Enterprise portal, the missing scope is then the problem to report, not a reason for tickets.
  try {
    const { limit, usage } = await customObjectTypeLimit(gateway);
    if (limit === 0)
      return {
        kind: 'tickets',
        why: 'auto: the portal cannot hold a custom object (its limit is 0: custom objects need Enterprise)',
      };
    if (usage >= limit)
      return { kind: 'tickets', why: `auto: the portal uses all ${limit} of its custom object types` };
    return {
      kind: 'custom-object',
      why: `auto: the portal can create a custom object (${usage} of ${limit} custom object types used)`,
    };
  } catch (err) {
    // Only an answer that will not change decides: a rate limit or an outage must not make tickets of an
    // Enterprise portal whose first setup meets it.
    if (
      !(err instanceof ApplicationFailure) ||
      !NON_RETRYABLE_FAILURES.includes(err.type as FailureType) ||
      err.type === FailureType.HubspotDailyLimit
    )
      throw err;
    // A token that may list neither custom objects nor their limit cannot tell: the custom object's check then
    // names the missing scope, rather than tickets starting a second copy of requests it cannot see.
    if (found.schemasRefused || (found.schemaCount ?? 0) > 0)
      return {
        kind: 'custom-object',
        why: `auto: the portal's custom-object limit is unread (${err.message})`,
      };
    return {
      kind: 'tickets',
      why: `auto: the portal holds no custom object and its custom-object limit is unread (${err.message})`,
    };
  }
}
