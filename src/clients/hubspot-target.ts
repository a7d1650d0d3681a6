// Which target a portal's feature requests live in (HUBSPOT_TARGET, src/domain/request-target.ts), and why.
// `auto` keeps the target that already holds requests, else takes the custom object where the portal can
// create one, else tickets. A portal whose other target already holds requests is refused: switching would
// leave two copies that disagree, and migrating is not something the sync does.
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../failures';
import { TICKET_PIPELINE, TICKETS, type TargetKind, type TargetSetting } from '../domain/request-target';
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
}

const forbidden = (err: unknown): err is ApplicationFailure =>
  err instanceof ApplicationFailure && err.type === FailureType.HubspotForbidden;

/** The portal's Feature requests pipeline (by label: ids differ between portals), if any. */
export function featurePipeline(pipelines: PipelineInfo[]): PipelineInfo | undefined {
  return pipelines.find(
    (p) => !p.archived && p.label.trim().toLowerCase() === TICKET_PIPELINE.label.toLowerCase(),
  );
}

/** How many records a target holds (0 when it holds none): one search, one record read. */
async function holdings(gateway: HubspotGateway, kind: TargetKind, found: TargetFinding): Promise<number> {
  if (kind === 'custom-object') {
    if (!found.schema) return 0;
    return (await gateway.searchPage(found.schema.objectTypeId, [], ['hs_object_id'], undefined, 1)).total;
  }
  if (!found.pipeline) return 0;
  const filters = [{ propertyName: 'hs_pipeline', operator: 'EQ' as const, value: found.pipeline.id }];
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
  const chosen = await choose(gateway, settings, found, schemas);
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
  schemas: SchemaInfo[],
): Promise<{ kind: TargetKind; why: string }> {
  if (settings.target !== 'auto') return { kind: settings.target, why: `HUBSPOT_TARGET=${settings.target}` };
  if (found.schema)
    return { kind: 'custom-object', why: `auto: the portal holds the custom object ${settings.objectName}` };
  if (found.pipeline)
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
    // The limits API is out of reach: a portal holding another custom object can hold ours.
    const reason = err instanceof Error ? err.message : String(err);
    if (found.schemasRefused)
      return {
        kind: 'tickets',
        why: `auto: the portal refused to list custom objects (${found.schemasRefused}), and its limits are unread`,
      };
    return schemas.length > 0
      ? { kind: 'custom-object', why: `auto: the portal holds custom objects (its limits unread: ${reason})` }
      : {
          kind: 'tickets',
          why: `auto: the portal holds no custom object and its limits are unread (${reason})`,
        };
  }
}
