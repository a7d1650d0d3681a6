// `hubspot check` and `hubspot setup --apply` for the tickets target: the "Feature requests" pipeline with a
// stage per Canny status, the "Feature request" property group with the `fr_` properties, and the sync's
// association label on ticket → company and ticket → contact. The portal's limits are read first: a portal
// without room for what setup needs gets a report naming the limit, and setup then writes nothing at all.
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../failures';
import { diffSchema, FEATURE_REQUEST_SCHEMA, type SchemaProblem } from '../domain/feature-request';
import {
  CANNY_STATUSES,
  TICKET_PIPELINE,
  TICKET_PROPERTIES,
  TICKET_PROPERTY_GROUP,
  TICKETS,
} from '../domain/request-target';
import {
  createPipeline,
  createPipelineStage,
  createPropertyGroup,
  customPropertyLimits,
  listPropertyGroups,
  pipelineLimit,
  type PipelineInfo,
} from './hubspot-admin';
import type { HubspotGateway } from './hubspot';

/** The stage of each status in the pipeline (matched by label, as setup created them); missing ones absent. */
export function stagesOf(pipeline: PipelineInfo): Record<string, string> {
  const stages: Record<string, string> = {};
  for (const status of CANNY_STATUSES) {
    const stage = pipeline.stages.find((s) => !s.archived && s.label.trim().toLowerCase() === status);
    if (stage) stages[status] = stage.id;
  }
  return stages;
}

/**
 * Whether a pipeline labelled Feature requests is the sync's: setup made it with a stage per status, and a
 * person may have renamed one or two since. One a person made under that label for their own use (New,
 * Waiting on us, Closed, …) shares a status label now and then, never most of them.
 */
export function isSyncPipeline(pipeline: PipelineInfo): boolean {
  return Object.keys(stagesOf(pipeline)).length > CANNY_STATUSES.length / 2;
}

/** The `fr_` ticket properties the portal lacks or holds differently. */
export async function ticketPropertyProblems(gateway: HubspotGateway): Promise<SchemaProblem[]> {
  const properties = await gateway.listProperties(TICKETS.objectType);
  return diffSchema(
    {
      ...FEATURE_REQUEST_SCHEMA,
      name: TICKETS.objectType,
      properties: TICKET_PROPERTIES,
      associatedObjects: [],
    },
    {
      exists: true,
      properties: Object.fromEntries(
        properties.map((p) => [
          p.name,
          { type: p.type, hasUniqueValue: p.hasUniqueValue, options: p.options },
        ]),
      ),
      associatedObjects: [],
    },
  ).map((p) => ({ ...p, subject: `${TICKETS.objectType}.${p.subject}`, message: `ticket ${p.message}` }));
}

/** What the tickets target lacks in this portal (the labels are checked by the caller, as for the object). */
export async function inspectTickets(
  gateway: HubspotGateway,
  pipeline: PipelineInfo | undefined,
): Promise<SchemaProblem[]> {
  const problems: SchemaProblem[] = [];
  if (!pipeline) {
    problems.push({
      kind: 'pipeline-missing',
      subject: 'tickets.pipeline',
      message: `ticket pipeline "${TICKET_PIPELINE.label}" is missing (one stage per Canny status)`,
    });
  } else if (!isSyncPipeline(pipeline)) {
    problems.push({
      kind: 'pipeline-taken',
      subject: 'tickets.pipeline',
      message:
        `a ticket pipeline labelled "${TICKET_PIPELINE.label}" exists and is not the sync's (most of its stages ` +
        'are not Canny statuses): rename it in HubSpot (Settings → Objects → Tickets → Pipelines), then run setup ' +
        'again; it wrote nothing',
    });
  } else {
    const stages = stagesOf(pipeline);
    for (const status of CANNY_STATUSES.filter((s) => stages[s] === undefined))
      problems.push({
        kind: 'stage-missing',
        subject: `tickets.pipeline.${status}`,
        message: `stage "${status}" of the "${TICKET_PIPELINE.label}" pipeline is missing`,
      });
  }
  if (!(await listPropertyGroups(gateway, TICKETS.objectType)).includes(TICKET_PROPERTY_GROUP.name))
    problems.push({
      kind: 'group-missing',
      subject: `tickets.${TICKET_PROPERTY_GROUP.name}`,
      message: `ticket property group "${TICKET_PROPERTY_GROUP.label}" is missing`,
    });
  problems.push(...(await ticketPropertyProblems(gateway)));
  return problems;
}

/**
 * The limits setup would run into: the custom properties it creates (ticket properties and the company key,
 * `needed`), and the pipeline. Each is a problem a person must solve; a limit HubSpot does not report is a
 * warning.
 */
export async function limitProblems(
  gateway: HubspotGateway,
  needs: { overall: number; tickets: number },
  pipelineMissing: boolean,
  warnings: string[],
): Promise<SchemaProblem[]> {
  const problems: SchemaProblem[] = [];
  try {
    if (needs.overall > 0) {
      const limits = await customPropertyLimits(gateway, TICKETS.objectTypeId);
      for (const [scope, limit, needed] of [
        ['the portal', limits.overall, needs.overall],
        ['tickets', limits.object, needs.tickets],
      ] as const) {
        // One problem is enough where tickets' limit is the portal's.
        if (problems.length > 0) break;
        if (limit && needed > 0 && limit.usage + needed > limit.limit)
          problems.push({
            kind: 'limit-reached',
            subject: 'custom-properties',
            message:
              `${scope} may hold ${limit.limit} custom properties and holds ${limit.usage}; setup needs ` +
              `${needed} more (${limit.limit - limit.usage} free). Delete unused custom properties in HubSpot ` +
              '(Settings → Properties), then run setup again: it wrote nothing',
          });
      }
    }
    if (pipelineMissing) {
      const limit = await pipelineLimit(gateway, TICKETS.objectTypeId);
      if (limit && limit.usage >= limit.limit)
        problems.push({
          kind: 'limit-reached',
          subject: 'tickets.pipelines',
          message:
            `the portal may hold ${limit.limit} ticket pipeline(s) and holds ${limit.usage}; setup needs one ` +
            `more for "${TICKET_PIPELINE.label}" (Starter and free portals have few). Archive an unused ticket ` +
            'pipeline or upgrade, then run setup again: it wrote nothing',
        });
    }
  } catch (err) {
    if (!(err instanceof ApplicationFailure)) throw err;
    if (err.type !== FailureType.HubspotForbidden && err.type !== FailureType.HubspotValidation) throw err;
    warnings.push(`could not read the portal's limits (${err.message}): setup may stop at one`);
  }
  return problems;
}

/** Creates what `inspectTickets` found missing, in the order HubSpot needs (the group before its properties). */
export async function applyTickets(
  gateway: HubspotGateway,
  problems: SchemaProblem[],
  pipeline: PipelineInfo | undefined,
): Promise<string[]> {
  const applied: string[] = [];
  if (problems.some((p) => p.kind === 'group-missing')) {
    await createPropertyGroup(gateway, TICKETS.objectType, TICKET_PROPERTY_GROUP);
    applied.push(`created ticket property group "${TICKET_PROPERTY_GROUP.label}"`);
  }
  for (const problem of problems.filter((p) => p.kind === 'property-missing')) {
    const definition = TICKET_PROPERTIES.find((p) => `${TICKETS.objectType}.${p.name}` === problem.subject);
    if (!definition) continue;
    await gateway.createProperty(TICKETS.objectType, { ...definition });
    applied.push(`created ticket property ${definition.name}`);
  }
  if (problems.some((p) => p.kind === 'pipeline-missing')) {
    await createPipeline(gateway, TICKETS.objectType, { ...TICKET_PIPELINE, displayOrder: 99 });
    applied.push(
      `created ticket pipeline "${TICKET_PIPELINE.label}" with ${TICKET_PIPELINE.stages.length} stages`,
    );
  } else if (pipeline) {
    for (const stage of TICKET_PIPELINE.stages) {
      if (
        !problems.some((p) => p.kind === 'stage-missing' && p.subject === `tickets.pipeline.${stage.label}`)
      )
        continue;
      await createPipelineStage(gateway, TICKETS.objectType, pipeline.id, stage);
      applied.push(`created stage "${stage.label}" of the "${TICKET_PIPELINE.label}" pipeline`);
    }
  }
  return applied;
}
