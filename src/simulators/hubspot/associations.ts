// The associations API (`/crm/associations/{v}/{from}/{to}`, v4): associate with the default type or under
// labels, read (with "nothing associated" as a per-input error), remove pairs or only labels, and list and
// create labels; plus the faults a test can inject into reads and removals.
import type { SimRequest, SimResponse } from '../http-kit';
import { specOf } from './association-graph';
import { batchBody, bodyObject, HubspotError, idOf, inputsOf, isObject } from './errors';
import { MAX_BATCH, type Json, type ObjectTypeState } from './model';
import type { Portal } from './portal';
import type { Api } from './router';
import { iso, numericId } from './values';

const MAX_ASSOCIATION_READ = 1_000;
const ASSOCIATIONS_PAGE = 500;

interface PairInput {
  input: Json;
  fromId: string;
  toIds: string[];
  error?: HubspotError;
}

export class AssociationsApi {
  /** See `failAssociationReads`. */
  failingReads = 0;
  /** See `failAssociationArchives`. */
  failingArchives = 0;

  constructor(private readonly portal: Portal) {}

  reset(): void {
    this.failingReads = 0;
    this.failingArchives = 0;
  }

  register(api: Api): void {
    const assoc = '/crm/v4/associations/:fromObjectType/:toObjectType';
    api('POST', `${assoc}/batch/associate/default`, (req) => this.associateDefault(req));
    api('POST', `${assoc}/batch/create`, (req) => this.associateLabeled(req));
    api('POST', `${assoc}/batch/read`, (req) => this.read(req));
    api('POST', `${assoc}/batch/archive`, (req) => this.archive(req, false));
    api('POST', `${assoc}/batch/labels/archive`, (req) => this.archive(req, true));
    api('GET', `${assoc}/labels`, (req) => {
      const [from, to] = this.types(req);
      const defs = this.portal.graph.between(from.objectTypeId, to.objectTypeId);
      return { status: 200, body: { results: defs.map(specOf) } };
    });
    api('POST', `${assoc}/labels`, (req) => this.createLabel(req));
  }

  private types(req: SimRequest): [ObjectTypeState, ObjectTypeState] {
    return [
      this.portal.typeOrThrow(req.params.fromObjectType!),
      this.portal.typeOrThrow(req.params.toObjectType!),
    ];
  }

  private pairInputs(
    req: SimRequest,
    from: ObjectTypeState,
    to: ObjectTypeState,
    toIsList: boolean,
  ): PairInput[] {
    return inputsOf(req, MAX_BATCH).map((input) => {
      const fromId = idOf(input.from) ?? '';
      const toIds =
        toIsList && Array.isArray(input.to) ? input.to.map((t) => idOf(t) ?? '') : [idOf(input.to) ?? ''];
      const missing = [
        ...(from.records.has(fromId) ? [] : [`${from.singular} ${fromId}`]),
        ...toIds.filter((id) => !to.records.has(id)).map((id) => `${to.singular} ${id}`),
      ];
      const error = missing.length
        ? new HubspotError(404, 'OBJECT_NOT_FOUND', `No object found for ${missing.join(', ')}`, {
            context: { fromObjectId: [fromId], toObjectId: toIds },
          })
        : undefined;
      return { input, fromId, toIds, error };
    });
  }

  private associateDefault(req: SimRequest): SimResponse {
    const startedAt = iso(Date.now());
    const [from, to] = this.types(req);
    const graph = this.portal.graph;
    const def = graph.defaultBetween(from.objectTypeId, to.objectTypeId);
    if (!def) {
      throw new HubspotError(
        400,
        'VALIDATION_ERROR',
        `There is no association definition between ${from.objectTypeId} and ${to.objectTypeId}; declare it in the schema first.`,
      );
    }
    const results: Json[] = [];
    const errors: HubspotError[] = [];
    for (const { fromId, toIds, error } of this.pairInputs(req, from, to, false)) {
      if (error) {
        errors.push(error);
        continue;
      }
      const toId = toIds[0]!;
      graph.link(def, fromId, toId);
      for (const [a, b, spec] of [
        [fromId, toId, def],
        [toId, fromId, graph.get(def.inverseTypeId)!],
      ] as const) {
        results.push({
          from: { id: a },
          to: { id: b },
          associationSpec: { associationCategory: spec.category, associationTypeId: spec.typeId },
        });
      }
    }
    // The client accepts only 200 here, so a partial failure surfaces as an ApiException with code 207.
    return { status: errors.length ? 207 : 200, body: batchBody(results, errors, startedAt) };
  }

  private associateLabeled(req: SimRequest): SimResponse {
    const startedAt = iso(Date.now());
    const [from, to] = this.types(req);
    const graph = this.portal.graph;
    const results: Json[] = [];
    const errors: HubspotError[] = [];
    for (const { input, fromId, toIds, error } of this.pairInputs(req, from, to, false)) {
      const toId = toIds[0]!;
      const specs = Array.isArray(input.types) ? input.types.filter(isObject) : [];
      const defs = specs.map((spec) => graph.get(Number(spec.associationTypeId)));
      const invalid = defs.findIndex(
        (d) => !d || d.fromObjectTypeId !== from.objectTypeId || d.toObjectTypeId !== to.objectTypeId,
      );
      if (specs.length === 0 || invalid >= 0) {
        errors.push(
          new HubspotError(
            400,
            'VALIDATION_ERROR',
            `Invalid association type ${JSON.stringify(specs[invalid]?.associationTypeId ?? '(none)')} from ${from.objectTypeId} to ${to.objectTypeId}`,
          ),
        );
        continue;
      }
      if (error) {
        errors.push(error);
        continue;
      }
      // A labelled pair is an association too: HubSpot keeps the plain (unlabelled) type with any label, so a
      // record shows the other as associated whatever its labels (docs/reference/hubspot.md, *unconfirmed*).
      const plain = graph.defaultBetween(from.objectTypeId, to.objectTypeId);
      if (plain) graph.link(plain, fromId, toId);
      for (const def of defs) graph.link(def!, fromId, toId);
      results.push({
        fromObjectTypeId: from.objectTypeId,
        fromObjectId: Number(fromId),
        toObjectTypeId: to.objectTypeId,
        toObjectId: Number(toId),
        labels: defs.flatMap((d) => (d!.label ? [d!.label] : [])),
      });
    }
    return { status: errors.length ? 207 : 201, body: batchBody(results, errors, startedAt) };
  }

  private read(req: SimRequest): SimResponse {
    const startedAt = iso(Date.now());
    const [from, to] = this.types(req);
    const results: Json[] = [];
    const errors: HubspotError[] = [];
    let failOne = this.failingReads > 0;
    if (failOne) this.failingReads--;
    for (const input of inputsOf(req, MAX_ASSOCIATION_READ)) {
      const fromId = idOf(input.id) ?? '';
      if (failOne) {
        // A read that failed for this input (see failAssociationReads): no result, an error that is not
        // "nothing associated".
        failOne = false;
        errors.push(
          new HubspotError(500, 'INTERNAL_ERROR', `Failed to read the associations of ${fromId}.`, {
            context: { fromObjectId: [fromId] },
          }),
        );
        continue;
      }
      const outcome = this.readOne(from, to, fromId, input.after);
      if (outcome instanceof HubspotError) errors.push(outcome);
      else results.push(outcome);
    }
    return { status: errors.length ? 207 : 200, body: batchBody(results, errors, startedAt) };
  }

  /** One record's associations, a page of 500 from `after`; HubSpot reports "none" as a per-input error. */
  private readOne(
    from: ObjectTypeState,
    to: ObjectTypeState,
    fromId: string,
    afterRaw: unknown,
  ): Json | HubspotError {
    const graph = this.portal.graph;
    const targets = graph.targets(from.objectTypeId, to.objectTypeId, fromId);
    if (!targets || targets.size === 0) {
      return new HubspotError(
        404,
        'OBJECT_NOT_FOUND',
        `No ${to.name} is associated with ${from.singular} ${fromId}.`,
        {
          subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND',
          context: { fromObjectId: [fromId] },
        },
      );
    }
    const after = typeof afterRaw === 'string' ? Number(afterRaw) : 0;
    const toIds = [...targets.keys()].sort(numericId).filter((id) => Number(id) >= after);
    const page = toIds.slice(0, ASSOCIATIONS_PAGE);
    const result: Json = {
      from: { id: fromId },
      to: page.map((toId) => ({
        toObjectId: Number(toId),
        associationTypes: [...targets.get(toId)!]
          .sort((a, b) => a - b)
          .flatMap((typeId) => {
            const def = graph.get(typeId);
            return def ? [specOf(def)] : [];
          }),
      })),
    };
    const next = toIds[ASSOCIATIONS_PAGE];
    if (next !== undefined) result.paging = { next: { after: next } };
    return result;
  }

  private archive(req: SimRequest, labelsOnly: boolean): SimResponse {
    const [from, to] = this.types(req);
    // A dated answer can refuse a removal inside its 200 body (BatchResponseVoid's errors): see failAssociationArchives.
    let refuseOne = req.params.apiVersion !== undefined && this.failingArchives > 0;
    if (refuseOne) this.failingArchives--;
    const errors: HubspotError[] = [];
    for (const input of inputsOf(req, MAX_BATCH)) {
      const fromId = idOf(input.from) ?? '';
      if (refuseOne) {
        refuseOne = false;
        errors.push(
          new HubspotError(500, 'INTERNAL_ERROR', `Failed to remove the associations of ${fromId}`, {
            context: { fromObjectId: [fromId] },
          }),
        );
        continue;
      }
      const unlink = (toId: string, typeIds?: number[]): void =>
        this.portal.graph.unlink(from.objectTypeId, to.objectTypeId, fromId, toId, typeIds);
      if (labelsOnly) {
        const types = Array.isArray(input.types) ? input.types.filter(isObject) : [];
        unlink(
          idOf(input.to) ?? '',
          types.map((t) => Number(t.associationTypeId)),
        );
      } else {
        const toIds = Array.isArray(input.to) ? input.to.map((t) => idOf(t) ?? '') : [idOf(input.to) ?? ''];
        for (const toId of toIds) unlink(toId);
      }
    }
    if (errors.length > 0) return { status: 200, body: batchBody([], errors) };
    return { status: 204 };
  }

  private createLabel(req: SimRequest): SimResponse {
    const [from, to] = this.types(req);
    // Custom association labels need Professional or Enterprise (HubSpot's knowledge base, "Create and use
    // association labels"); the refusal's body is *unconfirmed*.
    const subscription = this.portal.subscription;
    if (!subscription.hasCustomAssociationLabels)
      throw subscription.refusal('custom association labels', 'a Professional or Enterprise subscription');
    const graph = this.portal.graph;
    const body = bodyObject(req);
    if (typeof body.label !== 'string' || typeof body.name !== 'string') {
      throw new HubspotError(400, 'VALIDATION_ERROR', 'A label needs `label` and `name`');
    }
    const name = body.name;
    const clash = graph.between(from.objectTypeId, to.objectTypeId).some((d) => d.name === name);
    if (clash) throw new HubspotError(409, 'CONFLICT', `An association label named ${name} already exists`);
    if (!graph.defaultBetween(from.objectTypeId, to.objectTypeId)) {
      throw new HubspotError(
        400,
        'VALIDATION_ERROR',
        `${from.objectTypeId} and ${to.objectTypeId} cannot be associated`,
      );
    }
    const forward = graph.allocateTypeId();
    const inverse = graph.allocateTypeId();
    const inverseLabel = typeof body.inverseLabel === 'string' ? body.inverseLabel : body.label;
    graph.addPair(
      from.objectTypeId,
      to.objectTypeId,
      forward,
      inverse,
      'USER_DEFINED',
      body.label,
      false,
      inverseLabel,
      name,
    );
    const created = [graph.get(forward)!, graph.get(inverse)!];
    return { status: 200, body: { results: created.map(specOf) } };
  }
}
