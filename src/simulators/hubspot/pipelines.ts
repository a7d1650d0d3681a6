// The pipelines API (`/crm/pipelines/{v}/{objectType}`, HubSpot's 2026-09 pipelines reference) for tickets:
// list, create and read pipelines, list, create and read their stages. A pipeline's label is unique per object
// type and a stage's label within its pipeline; a create past the tier's ticket-pipeline limit is refused.
import type { SimRequest, SimResponse } from '../http-kit';
import { bodyObject, HubspotError, isObject } from './errors';
import { TICKETS, type Json, type ObjectTypeState, type Pipeline } from './model';
import type { StageInput } from './pipeline-store';
import type { Portal } from './portal';
import type { Api } from './router';
import { limitReached } from './tier';

const TICKET_STATES = new Set(['OPEN', 'CLOSED']);

export class PipelinesApi {
  constructor(private readonly portal: Portal) {}

  register(api: Api): void {
    const pipelines = '/crm/v3/pipelines/:objectType';
    api('GET', pipelines, (req) => ({
      status: 200,
      body: { results: this.portal.pipelines.list(this.typeOf(req).objectTypeId) },
    }));
    api('POST', pipelines, (req) => this.create(req));
    api('GET', `${pipelines}/:pipelineId`, (req) => ({ status: 200, body: this.pipelineOf(req) }));
    api('GET', `${pipelines}/:pipelineId/stages`, (req) => ({
      status: 200,
      body: { results: this.pipelineOf(req).stages },
    }));
    api('POST', `${pipelines}/:pipelineId/stages`, (req) => this.createStage(req));
    api('GET', `${pipelines}/:pipelineId/stages/:stageId`, (req) => {
      const pipeline = this.pipelineOf(req);
      const stage = pipeline.stages.find((s) => s.id === req.params.stageId);
      if (!stage) {
        throw new HubspotError(
          404,
          'OBJECT_NOT_FOUND',
          `Unable to find stage ${req.params.stageId} in pipeline ${pipeline.id}`,
        );
      }
      return { status: 200, body: stage };
    });
  }

  /** The object type of a pipelines call: tickets only (the simulator has no deals). */
  private typeOf(req: SimRequest): ObjectTypeState {
    const type = this.portal.typeOrThrow(req.params.objectType!);
    if (type.objectTypeId !== TICKETS) {
      throw new HubspotError(
        400,
        'VALIDATION_ERROR',
        `Pipelines are not supported for object type ${type.objectTypeId}`,
      );
    }
    return type;
  }

  private pipelineOf(req: SimRequest): Pipeline {
    const type = this.typeOf(req);
    const pipeline = this.portal.pipelines.find(type.objectTypeId, req.params.pipelineId!);
    if (!pipeline) {
      throw new HubspotError(
        404,
        'OBJECT_NOT_FOUND',
        `Unable to find pipeline ${req.params.pipelineId} for object type ${type.objectTypeId}`,
      );
    }
    return pipeline;
  }

  private create(req: SimRequest): SimResponse {
    const type = this.typeOf(req);
    const body = bodyObject(req);
    const label = requiredString(body, 'label');
    const displayOrder = requiredInteger(body, 'displayOrder');
    if (!Array.isArray(body.stages) || body.stages.length === 0)
      throw new HubspotError(
        400,
        'VALIDATION_ERROR',
        'Invalid input JSON: a pipeline needs at least one stage',
      );
    const stages = body.stages.map(stageInput);
    const repeated = stages.find((s, i) => stages.findIndex((o) => sameLabel(o.label, s.label)) !== i);
    if (repeated) {
      throw new HubspotError(
        400,
        'VALIDATION_ERROR',
        `Stage labels must be unique within a pipeline: "${repeated.label}" appears more than once`,
      );
    }
    const existing = this.portal.pipelines.list(type.objectTypeId);
    if (existing.some((p) => sameLabel(p.label, label))) {
      throw new HubspotError(
        409,
        'CONFLICT',
        `A pipeline labelled "${label}" already exists for object type ${type.objectTypeId}`,
      );
    }
    const limit = this.portal.subscription.limits.ticketPipelines;
    if (existing.length + 1 > limit) throw limitReached('ticket pipelines', limit, existing.length);
    const pipeline = this.portal.pipelines.add(type.objectTypeId, { label, displayOrder, stages });
    return { status: 201, body: pipeline };
  }

  private createStage(req: SimRequest): SimResponse {
    const pipeline = this.pipelineOf(req);
    const input = stageInput(bodyObject(req));
    if (pipeline.stages.some((s) => sameLabel(s.label, input.label))) {
      throw new HubspotError(
        409,
        'CONFLICT',
        `A stage labelled "${input.label}" already exists in pipeline ${pipeline.id}`,
      );
    }
    return { status: 201, body: this.portal.pipelines.addStage(pipeline, input) };
  }
}

/** Labels compare as HubSpot's UI shows them: whatever their case and surrounding spaces (*unconfirmed*). */
function sameLabel(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

function requiredString(body: Json, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '')
    throw new HubspotError(400, 'VALIDATION_ERROR', `Invalid input JSON: Missing required field: ${field}`);
  return value;
}

function requiredInteger(body: Json, field: string): number {
  const value = body[field];
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new HubspotError(400, 'VALIDATION_ERROR', `Invalid input JSON: Missing required field: ${field}`);
  return value;
}

/** A PipelineStageInput; a ticket stage's `ticketState` is OPEN (the default here) or CLOSED. */
function stageInput(raw: unknown): StageInput {
  const body = isObject(raw) ? raw : {};
  const label = requiredString(body, 'label');
  const displayOrder = requiredInteger(body, 'displayOrder');
  if (!isObject(body.metadata))
    throw new HubspotError(400, 'VALIDATION_ERROR', 'Invalid input JSON: Missing required field: metadata');
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(body.metadata)) metadata[key] = String(value);
  metadata.ticketState ??= 'OPEN';
  if (!TICKET_STATES.has(metadata.ticketState)) {
    throw new HubspotError(
      400,
      'VALIDATION_ERROR',
      `Invalid ticketState ${metadata.ticketState} for stage "${label}": OPEN or CLOSED`,
    );
  }
  return { label, displayOrder, metadata };
}
