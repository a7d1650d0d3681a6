// The object APIs (`/crm/objects/{v}/{objectType}`) for every type, built-in or custom: list, get, create,
// update and archive one record; batch read and archive here, batch writes in batch-writes.ts, search in
// search.ts.
import type { SimRequest, SimResponse } from '../http-kit';
import { BatchWrites } from './batch-writes';
import { batchBody, bodyObject, HubspotError, idOf, inputsOf, stringList } from './errors';
import { MAX_BATCH, type Json } from './model';
import type { Portal } from './portal';
import {
  checkIdProperty,
  conflictError,
  inlineAssociations,
  lookup,
  validateProperties,
} from './record-inputs';
import type { Api } from './router';
import { ticketCreateDefaults, ticketRefusal } from './tickets';
import type { ValidationRules } from './validation-rules';
import { iso, numericId } from './values';

export class ObjectsApi {
  private readonly batch: BatchWrites;

  constructor(
    private readonly portal: Portal,
    rules: ValidationRules,
  ) {
    this.batch = new BatchWrites(portal, rules);
  }

  register(api: Api): void {
    const objects = '/crm/v3/objects/:objectType';
    api('POST', `${objects}/batch/create`, (req) => this.batch.create(req));
    api('POST', `${objects}/batch/read`, (req) => this.batchRead(req));
    api('POST', `${objects}/batch/update`, (req) => this.batch.update(req, false));
    api('POST', `${objects}/batch/upsert`, (req) => this.batch.update(req, true));
    api('POST', `${objects}/batch/archive`, (req) => this.batchArchive(req));
    // POST …/search is registered by SearchApi, on the search limit.
    api('GET', objects, (req) => this.list(req));
    api('POST', objects, (req) => this.createOne(req));
    api('GET', `${objects}/:objectId`, (req) => this.getOne(req));
    api('PATCH', `${objects}/:objectId`, (req) => this.updateOne(req));
    api('DELETE', `${objects}/:objectId`, (req) => {
      const type = this.portal.typeOrThrow(req.params.objectType!);
      const record = type.records.get(req.params.objectId!);
      if (record) this.portal.remove(type, record);
      return { status: 204 };
    });
  }

  private batchRead(req: SimRequest): SimResponse {
    const startedAt = iso(Date.now());
    const type = this.portal.typeOrThrow(req.params.objectType!);
    const body = bodyObject(req);
    const inputs = inputsOf(req, MAX_BATCH);
    const idProperty = typeof body.idProperty === 'string' ? body.idProperty : undefined;
    checkIdProperty(type, idProperty);
    const requested = stringList(body.properties);
    const results: Json[] = [];
    const missing: string[] = [];
    const seen = new Set<string>();
    for (const input of inputs) {
      const id = idOf(input.id) ?? '';
      const record = lookup(type, id, idProperty);
      if (!record) missing.push(id);
      else if (!seen.has(record.id)) {
        seen.add(record.id);
        results.push(this.portal.present(type, record, requested));
      }
    }
    const errors = missing.length
      ? [
          new HubspotError(
            404,
            'OBJECT_NOT_FOUND',
            `Could not get some ${type.singular.toUpperCase()} objects, they may be deleted or not exist. Check that ids are valid.`,
            { context: { ids: missing } },
          ),
        ]
      : [];
    return { status: errors.length ? 207 : 200, body: batchBody(results, errors, startedAt) };
  }

  private batchArchive(req: SimRequest): SimResponse {
    const type = this.portal.typeOrThrow(req.params.objectType!);
    // HubSpot answers 204 whether or not the ids exist.
    for (const input of inputsOf(req, MAX_BATCH)) {
      const record = type.records.get(idOf(input.id) ?? '');
      if (record) this.portal.remove(type, record);
    }
    return { status: 204 };
  }

  private list(req: SimRequest): SimResponse {
    const type = this.portal.typeOrThrow(req.params.objectType!);
    const limit = Math.min(Math.max(Number(req.query.get('limit') ?? 10) || 10, 1), 100);
    const after = req.query.get('after');
    const requested = req.query.getAll('properties').flatMap((p) => p.split(','));
    const ids = [...type.records.keys()]
      .sort(numericId)
      .filter((id) => !after || Number(id) >= Number(after));
    const page = ids.slice(0, limit);
    const body: Json = {
      results: page.map((id) =>
        this.portal.present(
          type,
          type.records.get(id)!,
          requested.length ? requested : type.defaultProperties,
        ),
      ),
    };
    if (ids.length > limit) body.paging = { next: { after: String(Number(page[page.length - 1]) + 1) } };
    return { status: 200, body };
  }

  private getOne(req: SimRequest): SimResponse {
    const type = this.portal.typeOrThrow(req.params.objectType!);
    const idProperty = req.query.get('idProperty') ?? undefined;
    checkIdProperty(type, idProperty);
    const record = lookup(type, req.params.objectId!, idProperty);
    if (!record) {
      throw new HubspotError(404, 'OBJECT_NOT_FOUND', `Object not found.  objectId are usually numeric.`, {
        context: { id: [req.params.objectId!] },
      });
    }
    const requested = req.query.getAll('properties').flatMap((p) => p.split(','));
    return {
      status: 200,
      body: this.portal.present(type, record, requested.length ? requested : type.defaultProperties),
    };
  }

  private createOne(req: SimRequest): SimResponse {
    const type = this.portal.typeOrThrow(req.params.objectType!);
    const body = bodyObject(req);
    const validated = validateProperties(type, body.properties);
    if ('error' in validated) throw validated.error;
    ticketCreateDefaults(type, validated.changes);
    const refused = ticketRefusal(this.portal, type, undefined, validated.changes);
    if (refused) throw refused;
    const conflict = this.portal.uniqueConflict(type, undefined, validated.changes);
    if (conflict) throw conflictError(conflict);
    const associations = inlineAssociations(this.portal, type, body.associations);
    const record = this.portal.insert(type, validated.changes, Date.now());
    for (const [def, toId] of associations) this.portal.graph.link(def, record.id, toId);
    return { status: 201, body: this.portal.present(type, record, 'all') };
  }

  private updateOne(req: SimRequest): SimResponse {
    const type = this.portal.typeOrThrow(req.params.objectType!);
    const idProperty = req.query.get('idProperty') ?? undefined;
    checkIdProperty(type, idProperty);
    const record = lookup(type, req.params.objectId!, idProperty);
    if (!record) throw new HubspotError(404, 'OBJECT_NOT_FOUND', 'Object not found.');
    const validated = validateProperties(type, bodyObject(req).properties);
    if ('error' in validated) throw validated.error;
    const refused = ticketRefusal(this.portal, type, record, validated.changes);
    if (refused) throw refused;
    const conflict = this.portal.uniqueConflict(type, record.id, validated.changes);
    if (conflict) throw conflictError(conflict);
    this.portal.update(type, record, validated.changes);
    return { status: 200, body: this.portal.present(type, record, 'all') };
  }
}
