// The search API (`POST /crm/objects/{v}/{objectType}/search`): filter groups ORed, filters ANDed, the
// query, sorts, paging up to the 10,000-result cap, its own rate limit, and the search index's lag (search sees
// what the index held `searchIndexLagMs` ago).
import type { SimRequest, SimResponse } from '../http-kit';
import { bodyObject, HubspotError, isObject, stringList } from './errors';
import { COMPUTED, type Json, type ObjectTypeState, type StoredRecord } from './model';
import type { Portal } from './portal';
import type { Api } from './router';
import { compareValues, numericId, tokenMatches } from './values';

const SEARCH_MAX_LIMIT = 200;
const SEARCH_MAX_RESULTS = 10_000;
const MAX_FILTER_GROUPS = 5;
const MAX_FILTERS_PER_GROUP = 6;
const SEARCH_OPERATORS = new Set([
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
]);

interface SearchFilter {
  propertyName: string;
  operator: string;
  value?: string;
  highValue?: string;
  values?: string[];
}

interface SearchRequest {
  groups: SearchFilter[][];
  limit: number;
  after: number;
  query: string;
  sorts: Array<{ propertyName: string; descending: boolean }>;
  properties: string[];
}

export class SearchApi {
  constructor(private readonly portal: Portal) {}

  register(api: Api): void {
    api('POST', '/crm/v3/objects/:objectType/search', (req) => this.search(req), 'search');
  }

  private search(req: SimRequest): SimResponse {
    const type = this.portal.typeOrThrow(req.params.objectType!);
    const request = parseSearch(type, bodyObject(req));
    const { matched, ids } = this.matching(type, request);
    const { after, limit } = request;
    const page = ids.slice(after, after + limit);
    const shown = request.properties.length ? request.properties : type.defaultProperties;
    const response: Json = {
      total: ids.length,
      results: page.map((id) => this.portal.present(type, type.records.get(id)!, shown, matched.get(id))),
    };
    if (after + limit < ids.length) response.paging = { next: { after: String(after + limit) } };
    return { status: 200, body: response };
  }

  /** The ids that match, sorted, with the values search saw for each. */
  private matching(
    type: ObjectTypeState,
    request: SearchRequest,
  ): { matched: Map<string, Map<string, string>>; ids: string[] } {
    const now = Date.now();
    const lagging = this.portal.searchIndexLagMs > 0;
    const matched = new Map<string, Map<string, string>>();
    const consider = (record: StoredRecord, filters: SearchFilter[]): void => {
      if (matched.has(record.id)) return;
      const view = this.portal.searchView(record, now);
      if (!view) return;
      if (filters.every((f) => this.filterMatches(type, record, view, f))) matched.set(record.id, view);
    };
    for (const filters of request.groups.length > 0 ? request.groups : [[]]) {
      // Index lookup for EQ/IN on plain string properties; the index holds live values, so with lag we scan.
      const indexed = lagging ? undefined : filters.find((f) => indexable(type, f));
      if (indexed) {
        const index = indexFor(type, indexed.propertyName);
        const keys = indexed.operator === 'EQ' ? [indexed.value ?? ''] : (indexed.values ?? []);
        for (const key of keys) {
          for (const id of index.get(key.toLowerCase()) ?? []) consider(type.records.get(id)!, filters);
        }
      } else {
        for (const record of type.records.values()) consider(record, filters);
      }
    }
    let ids = [...matched.keys()];
    const query = request.query;
    if (query) {
      ids = ids.filter((id) =>
        type.defaultProperties.some((name) =>
          (matched.get(id)!.get(name) ?? '').toLowerCase().includes(query),
        ),
      );
    }
    ids.sort((a, b) => {
      for (const sort of request.sorts) {
        const x = this.viewValue(type, type.records.get(a)!, matched.get(a)!, sort.propertyName) ?? '';
        const y = this.viewValue(type, type.records.get(b)!, matched.get(b)!, sort.propertyName) ?? '';
        const c = compareValues(type.properties.get(sort.propertyName), x, y);
        if (c !== 0) return sort.descending ? -c : c;
      }
      return numericId(a, b);
    });
    return { matched, ids };
  }

  private viewValue(
    type: ObjectTypeState,
    record: StoredRecord,
    view: Map<string, string>,
    name: string,
  ): string | undefined {
    return COMPUTED.has(name) ? this.portal.currentValue(type, record, name) : view.get(name);
  }

  private filterMatches(
    type: ObjectTypeState,
    record: StoredRecord,
    view: Map<string, string>,
    filter: SearchFilter,
  ): boolean {
    const def = type.properties.get(filter.propertyName);
    const raw = this.viewValue(type, record, view, filter.propertyName);
    const value = raw === undefined || raw === '' ? undefined : raw;
    const eq = (other: string): boolean => value !== undefined && compareValues(def, value, other) === 0;
    const cmp = (other: string | undefined): number => compareValues(def, value!, other ?? '');
    switch (filter.operator) {
      case 'HAS_PROPERTY':
        return value !== undefined;
      case 'NOT_HAS_PROPERTY':
        return value === undefined;
      case 'EQ':
        return eq(filter.value ?? '');
      case 'NEQ':
        return !eq(filter.value ?? '');
      case 'IN':
        return (filter.values ?? []).some(eq);
      case 'NOT_IN':
        return !(filter.values ?? []).some(eq);
      case 'GT':
        return value !== undefined && cmp(filter.value) > 0;
      case 'GTE':
        return value !== undefined && cmp(filter.value) >= 0;
      case 'LT':
        return value !== undefined && cmp(filter.value) < 0;
      case 'LTE':
        return value !== undefined && cmp(filter.value) <= 0;
      case 'BETWEEN':
        return value !== undefined && cmp(filter.value) >= 0 && cmp(filter.highValue) <= 0;
      case 'CONTAINS_TOKEN':
        return value !== undefined && tokenMatches(value, filter.value ?? '');
      case 'NOT_CONTAINS_TOKEN':
        return value === undefined || !tokenMatches(value, filter.value ?? '');
      default:
        return false;
    }
  }
}

/** A search body as HubSpot checks it: at most 5 groups of 6 filters on known properties, a limit ≤ 200. */
function parseSearch(type: ObjectTypeState, body: Json): SearchRequest {
  const rawGroups = Array.isArray(body.filterGroups) ? body.filterGroups : [];
  if (rawGroups.length > MAX_FILTER_GROUPS) {
    throw new HubspotError(
      400,
      'VALIDATION_ERROR',
      `Too many filter groups: ${rawGroups.length} (max ${MAX_FILTER_GROUPS})`,
    );
  }
  const groups = rawGroups.map((group) => {
    const filters = isObject(group) && Array.isArray(group.filters) ? group.filters : [];
    if (filters.length > MAX_FILTERS_PER_GROUP) {
      throw new HubspotError(
        400,
        'VALIDATION_ERROR',
        `Too many filters in a filter group: ${filters.length} (max ${MAX_FILTERS_PER_GROUP})`,
      );
    }
    return filters.map(parseFilter);
  });
  for (const filter of groups.flat()) {
    if (!type.properties.has(filter.propertyName)) {
      throw new HubspotError(400, 'VALIDATION_ERROR', `Invalid search property: ${filter.propertyName}`, {
        context: { propertyName: [filter.propertyName] },
      });
    }
  }
  const { limit, after } = parsePaging(body);
  const query = typeof body.query === 'string' ? body.query.trim().toLowerCase() : '';
  return {
    groups,
    limit,
    after,
    query,
    sorts: parseSorts(body.sorts),
    properties: stringList(body.properties),
  };
}

function parsePaging(body: Json): { limit: number; after: number } {
  const limit = body.limit === undefined ? 10 : Number(body.limit);
  if (!Number.isInteger(limit) || limit < 0 || limit > SEARCH_MAX_LIMIT) {
    throw new HubspotError(
      400,
      'VALIDATION_ERROR',
      `limit must be between 0 and ${SEARCH_MAX_LIMIT}, got ${String(body.limit)}`,
    );
  }
  const after = body.after === undefined || body.after === null || body.after === '' ? 0 : Number(body.after);
  if (!Number.isInteger(after) || after < 0) {
    throw new HubspotError(400, 'VALIDATION_ERROR', `Invalid after: ${String(body.after)}`);
  }
  if (after + limit > SEARCH_MAX_RESULTS) {
    throw new HubspotError(
      400,
      'VALIDATION_ERROR',
      `The search API cannot page past ${SEARCH_MAX_RESULTS} results (after ${after} + limit ${limit}); narrow the filters instead.`,
    );
  }
  return { limit, after };
}

function parseFilter(raw: unknown): SearchFilter {
  if (!isObject(raw) || typeof raw.propertyName !== 'string' || typeof raw.operator !== 'string') {
    throw new HubspotError(400, 'VALIDATION_ERROR', 'Each filter needs a propertyName and an operator');
  }
  const scalar = (v: unknown): string | undefined =>
    typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
  if (!SEARCH_OPERATORS.has(raw.operator)) {
    throw new HubspotError(400, 'VALIDATION_ERROR', `Invalid operator: ${raw.operator}`);
  }
  return {
    propertyName: raw.propertyName,
    operator: raw.operator,
    value: scalar(raw.value),
    highValue: scalar(raw.highValue),
    values: Array.isArray(raw.values)
      ? raw.values.map(scalar).filter((v): v is string => v !== undefined)
      : undefined,
  };
}

function parseSorts(raw: unknown): Array<{ propertyName: string; descending: boolean }> {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((sort) => {
    if (typeof sort === 'string' && sort) {
      return [{ propertyName: sort.replace(/^-/, ''), descending: sort.startsWith('-') }];
    }
    if (isObject(sort) && typeof sort.propertyName === 'string') {
      return [{ propertyName: sort.propertyName, descending: sort.direction === 'DESCENDING' }];
    }
    return [];
  });
}

function indexable(type: ObjectTypeState, filter: SearchFilter): boolean {
  if (filter.operator !== 'EQ' && filter.operator !== 'IN') return false;
  const def = type.properties.get(filter.propertyName);
  return !!def && !COMPUTED.has(def.name) && (def.type === 'string' || def.type === 'enumeration');
}

function indexFor(type: ObjectTypeState, name: string): Map<string, Set<string>> {
  let index = type.indexes.get(name);
  if (!index) {
    index = new Map();
    for (const record of type.records.values()) {
      const value = record.props.get(name);
      if (!value) continue;
      const key = value.toLowerCase();
      let ids = index.get(key);
      if (!ids) index.set(key, (ids = new Set()));
      ids.add(record.id);
    }
    type.indexes.set(name, index);
  }
  return index;
}
