// The object APIs' batch writes: create (per-record outcomes only when every input is traced), update, and upsert
// by a unique property (a refused input refuses the whole upsert batch).
import type { SimRequest, SimResponse } from '../http-kit';
import { batchBody, HubspotError, idOf, inputsOf } from './errors';
import {
  MAX_BATCH,
  type AssociationDefinition,
  type Json,
  type ObjectTypeState,
  type StoredRecord,
} from './model';
import { uniqueKey, type Portal } from './portal';
import {
  checkIdProperty,
  conflictError,
  inlineAssociations,
  lookup,
  validateProperties,
} from './record-inputs';
import { ticketCreateDefaults, ticketRefusal } from './tickets';
import type { ValidationRules } from './validation-rules';
import { coerceValue, iso } from './values';

interface CreatePlan {
  changes: Map<string, string>;
  associations: Array<[AssociationDefinition, string]>;
}

export class BatchWrites {
  constructor(
    private readonly portal: Portal,
    private readonly rules: ValidationRules,
  ) {}

  create(req: SimRequest): SimResponse {
    const startedAt = iso(Date.now());
    const type = this.portal.typeOrThrow(req.params.objectType!);
    const inputs = inputsOf(req, MAX_BATCH);
    const traceIds = inputs.map((input) =>
      typeof input.objectWriteTraceId === 'string' ? input.objectWriteTraceId : '',
    );
    // HubSpot only reports per-record outcomes (207) when every input carries a distinct objectWriteTraceId;
    // otherwise a single bad record fails the whole batch.
    const traced = traceIds.every((t) => t !== '') && new Set(traceIds).size === traceIds.length;
    const pending = new Map<string, Set<string>>();
    const errors: HubspotError[] = [];
    const planned = inputs.map((input, i): CreatePlan | null => {
      const plan = this.planCreate(req, type, input, pending);
      if (!(plan instanceof HubspotError)) return plan;
      if (traceIds[i])
        plan.extra.context = { ...(plan.extra.context ?? {}), objectWriteTraceId: [traceIds[i]] };
      errors.push(plan);
      return null;
    });
    if (errors.length > 0 && !traced) {
      const first = errors[0]!;
      throw new HubspotError(first.status, first.category, first.message, first.extra);
    }
    const now = Date.now();
    const results = planned.flatMap((plan, i) => {
      if (!plan) return [];
      const record = this.portal.insert(type, plan.changes, now);
      for (const [def, toId] of plan.associations) this.portal.graph.link(def, record.id, toId);
      const body = this.portal.present(type, record, 'all');
      if (traceIds[i]) body.objectWriteTraceId = traceIds[i];
      return [body];
    });
    return { status: errors.length > 0 ? 207 : 201, body: batchBody(results, errors, startedAt) };
  }

  /** One create input's changes and associations, or why it is refused; claims its unique values in `pending`. */
  private planCreate(
    req: SimRequest,
    type: ObjectTypeState,
    input: Json,
    pending: Map<string, Set<string>>,
  ): CreatePlan | HubspotError {
    const validated = validateProperties(type, input.properties);
    if ('error' in validated) return validated.error;
    ticketCreateDefaults(type, validated.changes);
    const refused = this.refusal(req, type, undefined, validated.changes);
    if (refused) return refused;
    const conflict = this.portal.uniqueConflict(type, undefined, validated.changes, pending);
    if (conflict) return conflictError(conflict);
    let associations: Array<[AssociationDefinition, string]>;
    try {
      associations = inlineAssociations(this.portal, type, input.associations);
    } catch (err) {
      if (err instanceof HubspotError) return err;
      throw err;
    }
    for (const [name, value] of validated.changes) {
      if (!type.unique.has(name) || value === '') continue;
      let claimed = pending.get(name);
      if (!claimed) pending.set(name, (claimed = new Set()));
      claimed.add(uniqueKey(name, value));
    }
    return { changes: validated.changes, associations };
  }

  /** Why HubSpot refuses this write: a ticket's own checks (every version), then the portal's rules (2026-09 on). */
  private refusal(
    req: SimRequest,
    type: ObjectTypeState,
    existing: StoredRecord | undefined,
    changes: ReadonlyMap<string, string>,
  ): HubspotError | undefined {
    return (
      ticketRefusal(this.portal, type, existing, changes) ?? this.rules.refusal(req, type, existing, changes)
    );
  }

  update(req: SimRequest, upsert: boolean): SimResponse {
    const startedAt = iso(Date.now());
    const type = this.portal.typeOrThrow(req.params.objectType!);
    const inputs = inputsOf(req, MAX_BATCH);
    checkUpdateInputs(type, inputs);
    // HubSpot documents per-record outcomes (207) for batch create with objectWriteTraceIds only: an upsert
    // input it refuses for its values refuses the whole batch, and nothing of it is written.
    if (upsert) this.refuseUpsertBatch(req, type, inputs);
    const results: Json[] = [];
    const errors: HubspotError[] = [];
    for (const input of inputs) {
      const outcome = this.writeOne(req, type, input, upsert);
      if (outcome instanceof HubspotError) errors.push(outcome);
      else results.push(outcome);
    }
    return { status: errors.length ? 207 : 200, body: batchBody(results, errors, startedAt) };
  }

  private refuseUpsertBatch(req: SimRequest, type: ObjectTypeState, inputs: Json[]): void {
    for (const input of inputs) {
      const validated = validateProperties(type, input.properties);
      if ('error' in validated) throw validated.error;
      const idProperty = typeof input.idProperty === 'string' ? input.idProperty : undefined;
      const existing = lookup(type, idOf(input.id)!, idProperty);
      if (!existing) ticketCreateDefaults(type, validated.changes);
      const refused = this.refusal(req, type, existing, validated.changes);
      if (refused) throw refused;
    }
  }

  /** Updates (or, upserting by a unique property, creates) one input's record; its body or its error. */
  private writeOne(
    req: SimRequest,
    type: ObjectTypeState,
    input: Json,
    upsert: boolean,
  ): Json | HubspotError {
    const id = idOf(input.id)!;
    const idProperty = typeof input.idProperty === 'string' ? input.idProperty : undefined;
    const validated = validateProperties(type, input.properties);
    if ('error' in validated) return validated.error;
    const { changes } = validated;
    const existing = lookup(type, id, idProperty);
    if (!existing && (!upsert || !idProperty || idProperty === 'hs_object_id')) {
      return new HubspotError(
        404,
        'OBJECT_NOT_FOUND',
        `No ${type.singular} with ${idProperty ?? 'id'} ${id} exists`,
        {
          context: { ids: [id] },
        },
      );
    }
    if (!existing && idProperty) {
      const coerced = coerceValue(type.properties.get(idProperty)!, id);
      if ('error' in coerced) {
        return new HubspotError(400, 'VALIDATION_ERROR', coerced.error, {
          context: { propertyName: [idProperty] },
        });
      }
      // The id names the record: a differing value for the same property in `properties` loses.
      changes.set(idProperty, coerced.value);
      ticketCreateDefaults(type, changes);
    }
    const conflict = this.portal.uniqueConflict(type, existing?.id, changes);
    if (conflict) return conflictError(conflict);
    const refused = this.refusal(req, type, existing, changes);
    if (refused) return refused;
    let record = existing;
    if (record) this.portal.update(type, record, changes);
    else record = this.portal.insert(type, changes, Date.now());
    const body = this.portal.present(type, record, 'all');
    if (upsert) body.new = !existing;
    return body;
  }
}

/** Every input names a record (by id or a unique idProperty), and none twice: else the batch is refused. */
function checkUpdateInputs(type: ObjectTypeState, inputs: Json[]): void {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const input of inputs) {
    const idProperty = typeof input.idProperty === 'string' ? input.idProperty : undefined;
    checkIdProperty(type, idProperty);
    const id = idOf(input.id);
    if (!id) throw new HubspotError(400, 'VALIDATION_ERROR', 'Every input needs an `id`');
    const key = `${idProperty ?? 'hs_object_id'}:${idProperty ? uniqueKey(idProperty, id) : id}`;
    if (seen.has(key)) duplicates.add(id);
    seen.add(key);
  }
  if (duplicates.size > 0) {
    throw new HubspotError(
      400,
      'VALIDATION_ERROR',
      `Duplicate IDs found in batch input: [${[...duplicates].join(', ')}]`,
    );
  }
}
