// A loopback stand-in for the parts of HubSpot's CRM API the sync touches (objects, search, schemas,
// properties, associations v4), faithful enough that `@hubspot/api-client` cannot tell it from the real
// service — including the parts that break integrations: exact success codes (the client throws on any
// other 2xx), 207 multi-status batches, the 10-second, per-second search and daily limits with their
// 429 bodies, the 10,000-result search cap and search-index lag. Facts: ../../../shared/reference/hubspot.md.
import { randomUUID } from 'node:crypto';
import { RollingWindow, SimServer, Simulator, type SimRequest, type SimResponse } from './http-kit';
import {
  datedStatus,
  datedTemplate,
  enforcesRules,
  missingRequired,
  requiredMessage,
  SERVED_DATE_VERSIONS,
  versionOfPath,
  type NumberedApis,
  type ValidationRule,
} from './hubspot-versions';

export type { NumberedApis, ValidationRule } from './hubspot-versions';

export interface HubspotSimulatorOptions {
  seed?: number;
  portalId?: number;
  /** Custom schemas get objectTypeId `2-<base + n>`, so a "sandbox" and a "production" instance differ. */
  objectTypeIdBase?: number;
  requestsPer10s?: number;
  searchPerSecond?: number;
  dailyLimit?: number;
  /** Records written less than this long ago are invisible (new) or stale (updated) in search. */
  searchIndexLagMs?: number;
  accessToken?: string;
  /**
   * The numbered paths (`/crm/v3/…`, `/crm/v4/…`): `refuse` (the default) answers them as HubSpot answers an
   * unsupported version, so that every test proves the product calls the dated API only; `serve` answers them
   * as before (the simulator's own tests of the v3/v4 shapes through the client's generated APIs).
   */
  numberedApis?: NumberedApis;
}

export type PropertyType = 'string' | 'number' | 'datetime' | 'date' | 'enumeration' | 'bool';

export interface PropertyOption {
  label: string;
  value: string;
  displayOrder?: number;
  hidden?: boolean;
}

export interface PropertyDefinition {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: string;
  groupName: string;
  description: string;
  hasUniqueValue: boolean;
  options: PropertyOption[];
  hubspotDefined: boolean;
  calculated: boolean;
  externalOptions: boolean;
  formField: boolean;
  hidden: boolean;
  displayOrder: number;
  archived: boolean;
  createdAt: string;
  updatedAt: string;
  modificationMetadata: { archivable: boolean; readOnlyDefinition: boolean; readOnlyValue: boolean };
}

export interface SimObject {
  id: string;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

export interface SchemaEgg {
  name: string;
  labels: { singular?: string; plural?: string };
  primaryDisplayProperty?: string;
  secondaryDisplayProperties?: string[];
  requiredProperties?: string[];
  searchableProperties?: string[];
  description?: string;
  properties: Array<Partial<PropertyDefinition> & { name: string }>;
  associatedObjects?: string[];
}

export interface SchemaAssociation {
  id: string;
  name: string;
  fromObjectTypeId: string;
  toObjectTypeId: string;
  createdAt: string;
  updatedAt: string;
}

export interface SchemaRecord {
  id: string;
  objectTypeId: string;
  fullyQualifiedName: string;
  name: string;
  labels: { singular?: string; plural?: string };
  description?: string;
  primaryDisplayProperty?: string;
  secondaryDisplayProperties: string[];
  requiredProperties: string[];
  searchableProperties: string[];
  associations: SchemaAssociation[];
  archived: boolean;
  createdAt: string;
  updatedAt: string;
}

interface StoredRecord {
  id: string;
  props: Map<string, string>;
  createdAt: number;
  updatedAt: number;
  /** What search sees over time; only kept while `searchIndexLagMs > 0`. Absent = current values. */
  versions?: Array<{ at: number; props: Map<string, string> | null }>;
}

interface ObjectTypeState {
  objectTypeId: string;
  /** `companies`, `contacts` or the schema's name. */
  name: string;
  singular: string;
  aliases: Set<string>;
  schema?: SchemaRecord;
  properties: Map<string, PropertyDefinition>;
  records: Map<string, StoredRecord>;
  /** Unique-value property → stored value key → record id. */
  unique: Map<string, Map<string, string>>;
  /** Lazily built EQ/IN indexes: property → lowercased value → ids. */
  indexes: Map<string, Map<string, Set<string>>>;
  defaultProperties: string[];
  groupName: string;
}

interface AssociationDefinition {
  typeId: number;
  inverseTypeId: number;
  category: 'HUBSPOT_DEFINED' | 'USER_DEFINED';
  label: string | null;
  name: string;
  fromObjectTypeId: string;
  toObjectTypeId: string;
  /** Created by associate/default. */
  isDefault: boolean;
}

type Json = Record<string, unknown>;

const MAX_BATCH = 100;
const MAX_ASSOCIATION_READ = 1_000;
const ASSOCIATIONS_PAGE = 500;
const MAX_STRING = 65_536;
const SEARCH_MAX_LIMIT = 200;
const SEARCH_MAX_RESULTS = 10_000;
const MAX_FILTER_GROUPS = 5;
const MAX_FILTERS_PER_GROUP = 6;
const TEN_SECONDS = 10_000;
const COMPANIES = '0-2';
const CONTACTS = '0-1';
/** Properties HubSpot computes; writes to them are ignored, reads derive them from the record. */
const COMPUTED = new Set([
  'hs_object_id',
  'createdate',
  'hs_createdate',
  'hs_lastmodifieddate',
  'lastmodifieddate',
]);
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
const PROPERTY_TYPES = new Set<PropertyType>(['string', 'number', 'datetime', 'date', 'enumeration', 'bool']);
const BUILT_IN_TARGETS: Record<string, string> = {
  COMPANY: COMPANIES,
  CONTACT: CONTACTS,
  DEAL: '0-3',
  TICKET: '0-5',
};

/** Thrown by handlers; the route wrapper turns it into HubSpot's error body. */
class HubspotError extends Error {
  constructor(
    readonly status: number,
    readonly category: string,
    message: string,
    readonly extra: { errors?: Json[]; context?: Record<string, string[]>; subCategory?: string } = {},
  ) {
    super(message);
  }
}

/** The granular scope a call needs: schemas, or the objects of its type, to read or to write. */
function scopeOf(method: string, req: SimRequest): string | undefined {
  const reads = method === 'GET' || req.path.endsWith('/search') || req.path.endsWith('/batch/read');
  const access = reads ? 'read' : 'write';
  if (req.path.startsWith('/crm-object-schemas/') || req.path.startsWith('/crm/v3/schemas'))
    return `crm.schemas.custom.${access}`;
  const type = req.params.objectType ?? req.params.fromObjectType;
  if (type === undefined) return undefined;
  const kind = ['companies', '0-2'].includes(type)
    ? 'companies'
    : ['contacts', '0-1'].includes(type)
      ? 'contacts'
      : 'custom';
  return `crm.objects.${kind}.${access}`;
}

function errorBody(category: string, message: string, extra: HubspotError['extra'] = {}): Json {
  return { status: 'error', message, correlationId: randomUUID(), category, ...extra };
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function bodyObject(req: SimRequest): Json {
  if (!isObject(req.body))
    throw new HubspotError(400, 'VALIDATION_ERROR', 'Invalid input JSON: expected an object');
  return req.body;
}

function inputsOf(req: SimRequest, max: number): Json[] {
  const inputs = bodyObject(req).inputs;
  if (!Array.isArray(inputs)) {
    throw new HubspotError(400, 'VALIDATION_ERROR', 'Invalid input JSON: `inputs` must be an array');
  }
  if (inputs.length > max) {
    throw new HubspotError(
      400,
      'VALIDATION_ERROR',
      `Batch input size exceeds the limit of ${max}: got ${inputs.length}`,
      {
        context: { limit: [String(max)], size: [String(inputs.length)] },
      },
    );
  }
  return inputs.map((input) => (isObject(input) ? input : {}));
}

function stringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value === 'string' && value) return value.split(',');
  return [];
}

function idOf(value: unknown): string | undefined {
  if (typeof value === 'string' && value) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (isObject(value)) return idOf(value.id);
  return undefined;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function numericId(a: string, b: string): number {
  return Number(a) - Number(b);
}

function standardProperty(
  name: string,
  type: PropertyType,
  groupName: string,
  extra: Partial<PropertyDefinition> = {},
): PropertyDefinition {
  const stamp = '2019-08-06T02:41:52.000Z';
  return {
    name,
    label: name,
    type,
    fieldType: type === 'number' ? 'number' : type === 'datetime' || type === 'date' ? 'date' : 'text',
    groupName,
    description: '',
    hasUniqueValue: false,
    options: [],
    hubspotDefined: true,
    calculated: false,
    externalOptions: false,
    formField: false,
    hidden: false,
    displayOrder: -1,
    archived: false,
    createdAt: stamp,
    updatedAt: stamp,
    modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: COMPUTED.has(name) },
    ...extra,
  };
}

/** Normalises a value the way HubSpot stores it, or names why it is invalid. */
/**
 * HubSpot refuses a contact email it finds malformed (INVALID_EMAIL) where a looser check, like the sync's,
 * accepts it: here a local part with two dots in a row, or one that starts or ends with a dot (RFC 5321's
 * dot-atom; HubSpot's exact rule is *unconfirmed*, docs/reference/hubspot.md).
 */
function acceptedEmail(email: string): boolean {
  const local = email.split('@')[0] ?? '';
  return local !== '' && !local.includes('..') && !local.startsWith('.') && !local.endsWith('.');
}

function coerceValue(
  def: PropertyDefinition,
  raw: unknown,
): { value: string } | { error: string; code: string } {
  if (raw === null || raw === undefined) return { value: '' };
  if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
    return { error: `Property "${def.name}" expects a scalar value`, code: 'INVALID_VALUE' };
  }
  const text = String(raw);
  if (text === '') return { value: '' };
  switch (def.type) {
    case 'number': {
      const n = Number(text.trim());
      if (text.trim() === '' || !Number.isFinite(n)) {
        return { error: `${text} was not a valid number.`, code: 'INVALID_DOUBLE' };
      }
      // HubSpot echoes numbers in canonical form ("12.50" comes back as "12.5").
      return { value: String(n) };
    }
    case 'bool': {
      const lower = text.toLowerCase();
      if (lower !== 'true' && lower !== 'false') {
        return { error: `${text} was not a valid boolean (true/false).`, code: 'INVALID_BOOLEAN' };
      }
      return { value: lower };
    }
    case 'datetime':
    case 'date': {
      const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
      if (!Number.isFinite(ms))
        return { error: `${text} was not a valid ${def.type}.`, code: 'INVALID_DATE' };
      if (def.type === 'date') {
        if (ms % 86_400_000 !== 0) {
          return { error: `${text} is not midnight UTC, as date values must be.`, code: 'INVALID_DATE' };
        }
        return { value: iso(ms).slice(0, 10) };
      }
      return { value: iso(ms) };
    }
    case 'enumeration': {
      if (def.options.length > 0) {
        const allowed = new Set(def.options.map((o) => o.value));
        const bad = text.split(';').find((part) => !allowed.has(part));
        if (bad !== undefined) {
          return {
            error: `${bad} was not one of the allowed options: ${[...allowed].join(', ')}`,
            code: 'INVALID_OPTION',
          };
        }
      }
      return { value: text };
    }
    case 'string':
      if (text.length > MAX_STRING) {
        return {
          error: `Property "${def.name}" value is ${text.length} characters long; the limit is ${MAX_STRING}.`,
          code: 'INVALID_LENGTH',
        };
      }
      return { value: def.name === 'email' ? text.trim().toLowerCase() : text };
  }
}

function asMs(value: string): number {
  return /^-?\d+$/.test(value) ? Number(value) : Date.parse(value);
}

function isNumeric(value: string): boolean {
  return value.trim() !== '' && Number.isFinite(Number(value));
}

function compareValues(def: PropertyDefinition | undefined, a: string, b: string): number {
  if (def && (def.type === 'datetime' || def.type === 'date')) {
    const x = asMs(a);
    const y = asMs(b);
    if (Number.isFinite(x) && Number.isFinite(y)) return x - y;
  }
  if (isNumeric(a) && isNumeric(b)) return Number(a) - Number(b);
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function tokenMatches(value: string, token: string): boolean {
  const pattern = new RegExp(
    `^${token
      .toLowerCase()
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return value
    .toLowerCase()
    .split(/[^\p{L}\p{N}@._-]+/u)
    .some((word) => pattern.test(word));
}

interface SearchFilter {
  propertyName: string;
  operator: string;
  value?: string;
  highValue?: string;
  values?: string[];
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

export class HubspotSimulator extends Simulator {
  readonly server: SimServer;
  readonly portalId: number;
  readonly objectTypeIdBase: number;
  accessToken: string;
  searchIndexLagMs: number;
  dailyLimit: number;

  private readonly window: RollingWindow;
  private readonly searchWindow: RollingWindow;
  private dailyUsed = 0;
  private dailyDay = '';
  private types = new Map<string, ObjectTypeState>();
  private nextId = 1;
  private schemaCount = 0;
  private nextAssociationTypeId: number;
  private readonly associationTypeIdStart: number;
  private definitions = new Map<number, AssociationDefinition>();
  /** See `failAssociationReads`. */
  private failingAssociationReads = 0;
  /** See `failAssociationArchives`. */
  private failingAssociationArchives = 0;
  /** See `denyScopes`. */
  private deniedScopes = new Set<string>();
  /** See `setValidationRules`. */
  private validationRules: ValidationRule[] = [];
  /** See `setPropertyValidations`: served by the property validations API, not enforced on writes. */
  private propertyValidations = new Map<string, Json[]>();
  readonly numberedApis: NumberedApis;
  /** `${fromTypeId}|${toTypeId}` → from id → to id → association type ids (both directions stored). */
  private edges = new Map<string, Map<string, Map<string, Set<number>>>>();

  constructor(options: HubspotSimulatorOptions = {}) {
    super();
    this.portalId = options.portalId ?? 12_345_678;
    this.objectTypeIdBase = options.objectTypeIdBase ?? 2_100_000;
    this.accessToken = options.accessToken ?? 'hubspot-sim-token';
    this.numberedApis = options.numberedApis ?? 'refuse';
    this.searchIndexLagMs = options.searchIndexLagMs ?? 0;
    this.dailyLimit = options.dailyLimit ?? 1_000_000;
    this.window = new RollingWindow(options.requestsPer10s ?? 190, TEN_SECONDS);
    this.searchWindow = new RollingWindow(options.searchPerSecond ?? 5, 1_000);
    // Custom association type ids differ between portals just as objectTypeIds do.
    this.associationTypeIdStart = 100 + ((Math.imul(this.objectTypeIdBase, 2_654_435_761) >>> 0) % 400);
    this.nextAssociationTypeId = this.associationTypeIdStart;
    this.server = new SimServer({
      name: 'hubspot',
      seed: options.seed ?? 1,
      rateLimitResponse: (rule) => this.tenSecondlyResponse(rule.retryAfterSeconds ?? 1),
      serverErrorResponse: (status) => ({
        status,
        body: errorBody('INTERNAL_ERROR', 'internal error'),
      }),
      notFoundResponse: (req) => ({
        status: 404,
        body: errorBody('OBJECT_NOT_FOUND', `Unable to find a route for ${req.method} ${req.path}`),
      }),
    });
    this.initData();
    this.registerRoutes();
    this.server.onReset(() => {
      this.initData();
      this.validationRules = [];
      this.propertyValidations.clear();
    });
    this.server.setStateProvider(() => this.snapshot());
  }

  get requestsPer10s(): number {
    return this.window.max;
  }

  set requestsPer10s(value: number) {
    this.window.max = value;
  }

  get searchPerSecond(): number {
    return this.searchWindow.max;
  }

  set searchPerSecond(value: number) {
    this.searchWindow.max = value;
  }

  /** Clears data (back to the built-in types, no custom schemas), the request log, faults and limits. */
  reset(): void {
    this.server.reset();
  }

  // ---------------------------------------------------------------------------------------------
  // Programmatic data API (tests, demo, benchmarks). None of it is rate limited or logged.

  seedCompanies(rows: Array<{ properties: Record<string, string>; createdAt?: string }>): string[] {
    return this.seed(COMPANIES, rows);
  }

  seedContacts(rows: Array<{ properties: Record<string, string>; createdAt?: string }>): string[] {
    return this.seed(CONTACTS, rows);
  }

  /** Seeds any type; unknown properties become string properties so a portal-specific ARR property works. */
  seed(
    objectType: string,
    rows: Array<{ properties: Record<string, string>; createdAt?: string }>,
  ): string[] {
    const type = this.typeOrThrow(objectType, true);
    return rows.map((row) => {
      const changes = new Map<string, string>();
      for (const [name, raw] of Object.entries(row.properties)) {
        const def = this.ensureProperty(type, name);
        if (COMPUTED.has(name)) continue;
        const coerced = coerceValue(def, raw);
        if ('error' in coerced) throw new Error(`seed ${type.name}: ${coerced.error}`);
        changes.set(name, coerced.value);
      }
      const conflict = this.uniqueConflict(type, undefined, changes);
      if (conflict) throw new Error(`seed ${type.name}: ${conflict.message}`);
      const created = row.createdAt ?? row.properties.createdate;
      const at = created ? Date.parse(created) : Date.now();
      if (!Number.isFinite(at)) throw new Error(`seed ${type.name}: invalid createdAt ${created}`);
      // Seeded rows stand for data that existed long before, so search sees them at once.
      return this.insert(type, changes, at, false).id;
    });
  }

  objects(objectType: string): SimObject[] {
    const type = this.typeOrThrow(objectType, true);
    return [...type.records.values()].map((record) => this.toSimObject(type, record));
  }

  getObject(objectType: string, id: string): SimObject | undefined {
    const type = this.typeOrThrow(objectType, true);
    const record = type.records.get(id);
    return record ? this.toSimObject(type, record) : undefined;
  }

  /** Simulates a user editing a record in HubSpot's UI (e.g. a company's ARR); bumps updatedAt. */
  setProperty(objectType: string, id: string, name: string, value: string): void {
    const type = this.typeOrThrow(objectType, true);
    const record = type.records.get(id);
    if (!record) throw new Error(`No ${type.name} with id ${id}`);
    if (COMPUTED.has(name)) throw new Error(`${name} is computed by HubSpot and cannot be set`);
    const def = this.ensureProperty(type, name);
    const coerced = coerceValue(def, value);
    if ('error' in coerced) throw new Error(coerced.error);
    const changes = new Map([[name, coerced.value]]);
    const conflict = this.uniqueConflict(type, id, changes);
    if (conflict) throw new Error(conflict.message);
    this.update(type, record, changes);
  }

  /** Removes a property definition and its values, so a test can make a portal "miss a property". */
  deleteProperty(objectType: string, name: string): void {
    const type = this.typeOrThrow(objectType, true);
    type.properties.delete(name);
    type.unique.delete(name);
    type.indexes.delete(name);
    for (const record of type.records.values()) record.props.delete(name);
  }

  /** To-ids associated with a record, ascending. */
  associations(fromType: string, fromId: string, toType: string): string[] {
    const from = this.typeOrThrow(fromType, true);
    const to = this.typeOrThrow(toType, true);
    const targets = this.edges.get(`${from.objectTypeId}|${to.objectTypeId}`)?.get(fromId);
    return targets ? [...targets.keys()].sort(numericId) : [];
  }

  /** The token loses these scopes: calls that need one answer 403 MISSING_SCOPES (empty: every scope back). */
  denyScopes(scopes: string[]): void {
    this.deniedScopes = new Set(scopes);
  }

  /**
   * The portal's validation rules (replacing any set before; empty: none). From API version 2026-09 on, a
   * write they refuse answers 400 VALIDATION_ERROR "Some required properties were not set." with the
   * properties in `context.properties`: per record in a traced batch create, for the whole batch otherwise.
   * Older versions ignore them, as HubSpot does.
   */
  setValidationRules(rules: ValidationRule[]): void {
    this.validationRules = [...rules];
  }

  /** The format rules the property validations API lists for a type (`{propertyName, propertyValidationRules}`). */
  setPropertyValidations(objectType: string, rules: Json[]): void {
    const type = this.typeOrThrow(objectType, true);
    this.propertyValidations.set(type.objectTypeId, rules);
  }

  /** Requests per API version named in their path (`v3`, `v4`, `2026-09`, `other`), admin calls excluded. */
  requestsByApiVersion(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const entry of this.server.requests()) {
      const version = versionOfPath(entry.path);
      counts[version] = (counts[version] ?? 0) + 1;
    }
    return counts;
  }

  /**
   * The next `count` association batch reads answer one input (their first) with a per-input error that is
   * not "nothing associated", inside a 207: a read that failed, for the sync to take as one.
   */
  failAssociationReads(count = 1): void {
    this.failingAssociationReads = count;
  }

  /**
   * The next `count` dated association removals (`batch/archive`, `batch/labels/archive`) leave their first
   * input in place and name it in the 200 body's `errors`, as 2026-09's BatchResponseVoid can.
   */
  failAssociationArchives(count = 1): void {
    this.failingAssociationArchives = count;
  }

  /** Associates two records with the default type, as a user or an import would. */
  associate(fromType: string, fromId: string, toType: string, toId: string): void {
    const from = this.typeOrThrow(fromType, true);
    const to = this.typeOrThrow(toType, true);
    const def = this.defaultDefinition(from.objectTypeId, to.objectTypeId);
    if (!def) throw new Error(`${from.name} and ${to.name} cannot be associated`);
    if (!from.records.has(fromId) || !to.records.has(toId)) throw new Error('Unknown record');
    this.link(def, fromId, toId);
  }

  schemas(): Array<SchemaRecord & { properties: PropertyDefinition[] }> {
    return [...this.types.values()].flatMap((t) => (t.schema ? [this.schemaOf(t)] : []));
  }

  /** Creates a custom object schema without going through HTTP (no limits, no log). */
  createSchemaDirect(egg: SchemaEgg): SchemaRecord & { properties: PropertyDefinition[] } {
    return this.schemaOf(this.createSchema(egg));
  }

  /** The whole portal as plain JSON, served at `GET /_sim/state`. */
  snapshot(): Json {
    return {
      portalId: this.portalId,
      dailyUsed: this.dailyUsed,
      schemas: this.schemas(),
      objectTypes: [...this.types.values()].map((type) => ({
        objectTypeId: type.objectTypeId,
        name: type.name,
        count: type.records.size,
        properties: [...type.properties.keys()],
        records: this.objects(type.objectTypeId),
      })),
      associations: [...this.edges.entries()].map(([pair, byFrom]) => ({
        pair,
        links: [...byFrom.entries()].flatMap(([fromId, targets]) =>
          [...targets.entries()].map(([toId, typeIds]) => ({ fromId, toId, typeIds: [...typeIds] })),
        ),
      })),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Data model

  private initData(): void {
    this.types = new Map();
    this.definitions = new Map();
    this.edges = new Map();
    this.failingAssociationReads = 0;
    this.failingAssociationArchives = 0;
    this.nextId = 1;
    this.schemaCount = 0;
    this.nextAssociationTypeId = this.associationTypeIdStart;
    this.dailyUsed = 0;
    this.window.reset();
    this.searchWindow.reset();

    const companies = this.addType(COMPANIES, 'companies', 'company', 'companyinformation', [
      'name',
      'domain',
      'createdate',
      'hs_lastmodifieddate',
      'hs_object_id',
    ]);
    for (const def of [
      standardProperty('name', 'string', 'companyinformation', { label: 'Company name' }),
      standardProperty('domain', 'string', 'companyinformation', { label: 'Company Domain Name' }),
      standardProperty('annualrevenue', 'number', 'companyinformation', { label: 'Annual Revenue' }),
      // An enumeration in HubSpot; a string here (the simulator checks no option lists).
      standardProperty('industry', 'string', 'companyinformation', { label: 'Industry' }),
      standardProperty('hs_additional_domains', 'enumeration', 'companyinformation', {
        label: 'Additional Domains',
        fieldType: 'checkbox',
      }),
    ]) {
      companies.properties.set(def.name, def);
    }
    const contacts = this.addType(CONTACTS, 'contacts', 'contact', 'contactinformation', [
      'email',
      'firstname',
      'lastname',
      'createdate',
      'lastmodifieddate',
      'hs_object_id',
    ]);
    for (const def of [
      // HubSpot reports email as non-unique, yet enforces it and accepts it as an upsert idProperty.
      standardProperty('email', 'string', 'contactinformation', { label: 'Email' }),
      standardProperty('firstname', 'string', 'contactinformation', { label: 'First Name' }),
      standardProperty('lastname', 'string', 'contactinformation', { label: 'Last Name' }),
      standardProperty('company', 'string', 'contactinformation', { label: 'Company Name' }),
      standardProperty('jobtitle', 'string', 'contactinformation', { label: 'Job Title' }),
      standardProperty('lifecyclestage', 'string', 'contactinformation', { label: 'Lifecycle Stage' }),
      standardProperty('lastmodifieddate', 'datetime', 'contactinformation'),
    ]) {
      contacts.properties.set(def.name, def);
    }
    contacts.unique.set('email', new Map());

    // Built-in association type ids are the same in every portal.
    this.addDefinitionPair(CONTACTS, COMPANIES, 279, 280, 'HUBSPOT_DEFINED', null, true);
    this.addDefinitionPair(CONTACTS, COMPANIES, 1, 2, 'HUBSPOT_DEFINED', 'Primary', false);
  }

  private addType(
    objectTypeId: string,
    name: string,
    singular: string,
    groupName: string,
    defaultProperties: string[],
    schema?: SchemaRecord,
  ): ObjectTypeState {
    const type: ObjectTypeState = {
      objectTypeId,
      name,
      singular,
      aliases: new Set([objectTypeId, name.toLowerCase(), singular.toLowerCase()]),
      schema,
      properties: new Map(),
      records: new Map(),
      unique: new Map(),
      indexes: new Map(),
      defaultProperties,
      groupName,
    };
    if (schema) type.aliases.add(schema.fullyQualifiedName.toLowerCase());
    const computed: Array<[string, PropertyType]> = [
      ['hs_object_id', 'number'],
      ['createdate', 'datetime'],
      ['hs_lastmodifieddate', 'datetime'],
    ];
    if (schema) computed.push(['hs_createdate', 'datetime']);
    for (const [prop, propType] of computed) {
      type.properties.set(prop, standardProperty(prop, propType, groupName));
    }
    this.types.set(objectTypeId, type);
    return type;
  }

  /**
   * Finds an object type as HubSpot's URLs name it: `companies`, `0-2`, a custom objectTypeId or
   * fullyQualifiedName. `loose` also accepts a custom schema's bare name (programmatic API only).
   */
  private findType(objectType: string, loose = false): ObjectTypeState | undefined {
    const key = objectType.toLowerCase();
    for (const type of this.types.values()) {
      if (type.aliases.has(key) && (loose || !type.schema || key !== type.name.toLowerCase())) return type;
    }
    return undefined;
  }

  private typeOrThrow(objectType: string, loose = false): ObjectTypeState {
    const type = this.findType(objectType, loose);
    if (type) return type;
    if (loose) throw new Error(`Unknown object type ${objectType}`);
    throw new HubspotError(400, 'VALIDATION_ERROR', `Unable to infer object type from: ${objectType}`);
  }

  private ensureProperty(type: ObjectTypeState, name: string): PropertyDefinition {
    let def = type.properties.get(name);
    if (!def) {
      def = standardProperty(name, 'string', type.groupName, {
        hubspotDefined: false,
        modificationMetadata: { archivable: true, readOnlyDefinition: false, readOnlyValue: false },
      });
      type.properties.set(name, def);
    }
    return def;
  }

  private isUnique(type: ObjectTypeState, name: string): boolean {
    return type.unique.has(name);
  }

  private uniqueKey(name: string, value: string): string {
    return name === 'email' ? value.toLowerCase() : value;
  }

  /** A unique-value property another record already holds, or a duplicate inside `pending`. */
  private uniqueConflict(
    type: ObjectTypeState,
    selfId: string | undefined,
    changes: Map<string, string>,
    pending?: Map<string, Set<string>>,
  ): { property: string; value: string; message: string } | undefined {
    for (const [name, value] of changes) {
      const index = type.unique.get(name);
      if (!index || value === '') continue;
      const key = this.uniqueKey(name, value);
      const holder = index.get(key);
      const claimedInBatch = pending?.get(name)?.has(key) ?? false;
      if ((holder !== undefined && holder !== selfId) || claimedInBatch) {
        const message =
          name === 'email' && holder !== undefined
            ? `Contact already exists. Existing ID: ${holder}`
            : `Property values were not valid: ${JSON.stringify([{ isValid: false, message: `${value} already has that value.`, error: 'INVALID_UNIQUE_VALUE', name }])}`;
        return { property: name, value, message };
      }
    }
    return undefined;
  }

  /**
   * HubSpot's refusal of a repeated unique value. A contact's email is a 409 CONFLICT ("Contact already exists.
   * Existing ID: …", as HubSpot's clients report it); a custom unique property (`hasUniqueValue`) fails property
   * validation, a 400 VALIDATION_ERROR "… already has that value", as integrations meet it in the wild (the
   * exact error code is *unconfirmed*). Either way nothing is written to the record that holds the value.
   */
  private conflictError(conflict: { property: string; message: string }): HubspotError {
    const extra = { context: { propertyName: [conflict.property] } };
    return conflict.property === 'email'
      ? new HubspotError(409, 'CONFLICT', conflict.message, extra)
      : new HubspotError(400, 'VALIDATION_ERROR', conflict.message, {
          ...extra,
          errors: [{ message: conflict.message, code: 'INVALID_UNIQUE_VALUE', in: conflict.property }],
        });
  }

  private currentValue(type: ObjectTypeState, record: StoredRecord, name: string): string | undefined {
    switch (name) {
      case 'hs_object_id':
        return record.id;
      case 'createdate':
      case 'hs_createdate':
        return iso(record.createdAt);
      case 'hs_lastmodifieddate':
        return iso(record.updatedAt);
      case 'lastmodifieddate':
        return type.objectTypeId === CONTACTS ? iso(record.updatedAt) : record.props.get(name);
      default:
        return record.props.get(name);
    }
  }

  private setValue(type: ObjectTypeState, record: StoredRecord, name: string, value: string): void {
    const old = record.props.get(name);
    if (old === value) return;
    const unique = type.unique.get(name);
    const index = type.indexes.get(name);
    if (old !== undefined && old !== '') {
      unique?.delete(this.uniqueKey(name, old));
      index?.get(old.toLowerCase())?.delete(record.id);
    }
    record.props.set(name, value);
    if (value !== '') {
      unique?.set(this.uniqueKey(name, value), record.id);
      if (index) {
        const key = value.toLowerCase();
        let ids = index.get(key);
        if (!ids) index.set(key, (ids = new Set()));
        ids.add(record.id);
      }
    }
  }

  private insert(
    type: ObjectTypeState,
    changes: Map<string, string>,
    at: number,
    lagged = true,
  ): StoredRecord {
    const record: StoredRecord = {
      id: String(this.nextId++),
      props: new Map(),
      createdAt: at,
      updatedAt: at,
    };
    type.records.set(record.id, record);
    for (const [name, value] of changes) this.setValue(type, record, name, value);
    if (lagged && this.searchIndexLagMs > 0) {
      record.versions = [
        { at: 0, props: null },
        { at, props: new Map(record.props) },
      ];
    }
    return record;
  }

  private update(type: ObjectTypeState, record: StoredRecord, changes: Map<string, string>): void {
    const now = Date.now();
    if (this.searchIndexLagMs > 0 && !record.versions)
      record.versions = [{ at: 0, props: new Map(record.props) }];
    for (const [name, value] of changes) this.setValue(type, record, name, value);
    // Strictly increasing so "modified since" logic sees every write, even two in one millisecond.
    record.updatedAt = Math.max(now, record.updatedAt + 1);
    if (record.versions) record.versions.push({ at: record.updatedAt, props: new Map(record.props) });
  }

  private remove(type: ObjectTypeState, record: StoredRecord): void {
    for (const name of [...record.props.keys()]) this.setValue(type, record, name, '');
    type.records.delete(record.id);
    for (const [pair, byFrom] of this.edges) {
      const [fromTypeId, toTypeId] = pair.split('|') as [string, string];
      if (fromTypeId !== type.objectTypeId) continue;
      const targets = byFrom.get(record.id);
      if (!targets) continue;
      byFrom.delete(record.id);
      const reverse = this.edges.get(`${toTypeId}|${fromTypeId}`);
      for (const toId of targets.keys()) reverse?.get(toId)?.delete(record.id);
    }
  }

  /** The values search sees for a record now, or null while it is not yet indexed. */
  private searchView(record: StoredRecord, now: number): Map<string, string> | null {
    if (!record.versions || this.searchIndexLagMs <= 0) return record.props;
    const cutoff = now - this.searchIndexLagMs;
    let visible: Map<string, string> | null = null;
    let keepFrom = 0;
    for (let i = 0; i < record.versions.length; i++) {
      const version = record.versions[i]!;
      if (version.at > cutoff) break;
      visible = version.props;
      keepFrom = i;
    }
    if (keepFrom > 0) record.versions.splice(0, keepFrom);
    if (record.versions.length === 1) {
      // Fully indexed: search sees the live values from now on.
      record.versions = undefined;
      return record.props;
    }
    return visible;
  }

  private toSimObject(type: ObjectTypeState, record: StoredRecord): SimObject {
    const properties: Record<string, string> = {};
    for (const [name, value] of record.props) properties[name] = value;
    for (const name of this.computedNames(type))
      properties[name] = this.currentValue(type, record, name) ?? '';
    return {
      id: record.id,
      properties,
      createdAt: iso(record.createdAt),
      updatedAt: iso(record.updatedAt),
      archived: false,
    };
  }

  private computedNames(type: ObjectTypeState): string[] {
    const names = ['hs_object_id', 'createdate', 'hs_lastmodifieddate'];
    if (type.objectTypeId === CONTACTS) names.push('lastmodifieddate');
    if (type.schema) names.push('hs_createdate');
    return names;
  }

  /** An API object: the requested (or all set) properties plus the ones HubSpot always returns. */
  private present(
    type: ObjectTypeState,
    record: StoredRecord,
    requested: string[] | 'all',
    props: Map<string, string> = record.props,
  ): Json {
    const properties: Record<string, string | null> = {};
    if (requested === 'all') {
      for (const [name, value] of props) properties[name] = value;
    } else {
      for (const name of requested) {
        if (!type.properties.has(name)) continue;
        properties[name] = COMPUTED.has(name)
          ? (this.currentValue(type, record, name) ?? null)
          : (props.get(name) ?? null);
      }
    }
    for (const name of this.computedNames(type))
      properties[name] = this.currentValue(type, record, name) ?? null;
    return {
      id: record.id,
      properties,
      createdAt: iso(record.createdAt),
      updatedAt: iso(record.updatedAt),
      archived: false,
    };
  }

  /** Validates input properties; returns the normalised changes or the per-record error. */
  private validateProperties(
    type: ObjectTypeState,
    raw: unknown,
  ): { changes: Map<string, string> } | { error: HubspotError } {
    const changes = new Map<string, string>();
    if (raw !== undefined && !isObject(raw)) {
      return { error: new HubspotError(400, 'VALIDATION_ERROR', '`properties` must be an object') };
    }
    const problems: Array<{ name: string; message: string; code: string }> = [];
    for (const [name, value] of Object.entries(raw ?? {})) {
      const def = type.properties.get(name);
      if (!def) {
        problems.push({ name, message: `Property "${name}" does not exist`, code: 'PROPERTY_DOESNT_EXIST' });
        continue;
      }
      if (COMPUTED.has(name)) continue;
      const coerced = coerceValue(def, value);
      if ('error' in coerced) problems.push({ name, message: coerced.error, code: coerced.code });
      else if (type.objectTypeId === CONTACTS && name === 'email' && !acceptedEmail(coerced.value))
        problems.push({ name, message: `Email address ${coerced.value} is invalid`, code: 'INVALID_EMAIL' });
      else changes.set(name, coerced.value);
    }
    if (problems.length === 0) return { changes };
    const detail = problems.map((p) => ({ isValid: false, message: p.message, error: p.code, name: p.name }));
    return {
      error: new HubspotError(
        400,
        'VALIDATION_ERROR',
        `Property values were not valid: ${JSON.stringify(detail)}`,
        {
          errors: problems.map((p) => ({ message: p.message, code: p.code, in: p.name })),
          context: { propertyName: problems.map((p) => p.name) },
        },
      ),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Limits

  private rateHeaders(): Record<string, string> {
    return {
      'X-HubSpot-RateLimit-Max': String(this.window.max),
      'X-HubSpot-RateLimit-Remaining': String(this.window.remaining()),
      'X-HubSpot-RateLimit-Interval-Milliseconds': String(TEN_SECONDS),
      'X-HubSpot-RateLimit-Daily': String(this.dailyLimit),
      'X-HubSpot-RateLimit-Daily-Remaining': String(Math.max(0, this.dailyLimit - this.dailyUsed)),
    };
  }

  private rateLimitBody(message: string, policyName: string): Json {
    return {
      status: 'error',
      message,
      errorType: 'RATE_LIMIT',
      correlationId: randomUUID(),
      policyName,
      requestId: randomUUID(),
    };
  }

  private tenSecondlyResponse(retryAfterSeconds: number): SimResponse {
    return {
      status: 429,
      headers: { ...this.rateHeaders(), 'Retry-After': String(retryAfterSeconds) },
      body: this.rateLimitBody('You have reached your ten_secondly_rolling limit.', 'TEN_SECONDLY_ROLLING'),
    };
  }

  /** Returns a 429 when a limit is exhausted, after counting the request against the others. */
  private checkLimits(search: boolean): SimResponse | undefined {
    const now = Date.now();
    const day = iso(now).slice(0, 10);
    if (day !== this.dailyDay) {
      this.dailyDay = day;
      this.dailyUsed = 0;
    }
    if (this.dailyUsed >= this.dailyLimit) {
      const midnight = Date.parse(`${day}T00:00:00.000Z`) + 86_400_000;
      return {
        status: 429,
        headers: { ...this.rateHeaders(), 'Retry-After': String(Math.ceil((midnight - now) / 1000)) },
        body: this.rateLimitBody('You have reached your daily limit.', 'DAILY'),
      };
    }
    if (search) {
      if (!this.searchWindow.hit(now)) {
        return {
          status: 429,
          headers: {
            'Retry-After': String(Math.max(1, Math.ceil(this.searchWindow.retryAfterMs(now) / 1000))),
          },
          body: this.rateLimitBody('You have reached your secondly limit.', 'SECONDLY'),
        };
      }
    } else if (!this.window.hit(now)) {
      return this.tenSecondlyResponse(Math.max(1, Math.ceil(this.window.retryAfterMs(now) / 1000)));
    }
    this.dailyUsed += 1;
    return undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // Routes

  /**
   * Registers an authenticated, rate-limited HubSpot route on its numbered path and on its dated one
   * (`/crm/objects/2026-09/…`). The numbered one answers as an unsupported version unless `numberedApis` is
   * `serve`; the dated one answers an unknown date likewise, and with the dated status codes.
   */
  private api(
    method: string,
    template: string,
    handler: (req: SimRequest) => SimResponse,
    limit: 'standard' | 'search' = 'standard',
  ): void {
    this.route(method, template, handler, limit, false);
    const dated = datedTemplate(template);
    if (dated) this.route(method, dated, handler, limit, true);
  }

  private route(
    method: string,
    template: string,
    handler: (req: SimRequest) => SimResponse,
    limit: 'standard' | 'search',
    dated: boolean,
  ): void {
    this.server.route(method, template, (req) => {
      const version = dated ? req.params.apiVersion! : versionOfPath(req.path);
      if (dated ? !SERVED_DATE_VERSIONS.includes(version) : this.numberedApis === 'refuse')
        // HubSpot answers a retired or unknown version with a 404 (docs/reference/hubspot.md).
        return {
          status: 404,
          body: errorBody(
            'OBJECT_NOT_FOUND',
            `API version ${version} is not supported for ${method} ${req.path}: use a date-based version ` +
              `(${SERVED_DATE_VERSIONS.join(', ')})`,
          ),
        };
      const auth = req.headers.authorization;
      if (auth !== `Bearer ${this.accessToken}`) {
        return {
          status: 401,
          body: errorBody(
            'INVALID_AUTHENTICATION',
            auth
              ? 'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview'
              : 'Authentication credentials not found.',
          ),
        };
      }
      const scope = scopeOf(method, req);
      if (scope !== undefined && this.deniedScopes.has(scope))
        // HubSpot's answer to a token without a scope the call needs (docs/reference/hubspot.md).
        return {
          status: 403,
          body: errorBody(
            'MISSING_SCOPES',
            "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
            {
              // The 2026-09 error body names them in `context.missingScopes` (its OpenAPI `Error`).
              ...(dated ? { context: { missingScopes: [scope] } } : {}),
              errors: [
                {
                  message: 'One or more of the following scopes are required.',
                  context: { requiredGranularScopes: [scope] },
                },
              ],
            },
          ),
        };
      const limited = this.checkLimits(limit === 'search');
      if (limited) return limited;
      let answer: SimResponse;
      try {
        answer = handler(req);
      } catch (err) {
        if (!(err instanceof HubspotError)) throw err;
        answer = { status: err.status, body: errorBody(err.category, err.message, err.extra) };
      }
      if (dated) answer = { ...answer, ...datedStatus(method, template, answer.status, answer.body) };
      // Search responses carry no rate-limit headers: they do not draw on the 10-second window.
      if (limit === 'standard') answer.headers = { ...this.rateHeaders(), ...(answer.headers ?? {}) };
      return answer;
    });
  }

  private registerRoutes(): void {
    const objects = '/crm/v3/objects/:objectType';
    this.api('POST', `${objects}/batch/create`, (req) => this.batchCreate(req));
    this.api('POST', `${objects}/batch/read`, (req) => this.batchRead(req));
    this.api('POST', `${objects}/batch/update`, (req) => this.batchUpdate(req, false));
    this.api('POST', `${objects}/batch/upsert`, (req) => this.batchUpdate(req, true));
    this.api('POST', `${objects}/batch/archive`, (req) => this.batchArchive(req));
    this.api('POST', `${objects}/search`, (req) => this.search(req), 'search');
    this.api('GET', objects, (req) => this.list(req));
    this.api('POST', objects, (req) => this.createOne(req));
    this.api('GET', `${objects}/:objectId`, (req) => this.getOne(req));
    this.api('PATCH', `${objects}/:objectId`, (req) => this.updateOne(req));
    this.api('DELETE', `${objects}/:objectId`, (req) => {
      const type = this.typeOrThrow(req.params.objectType!);
      const record = type.records.get(req.params.objectId!);
      if (record) this.remove(type, record);
      return { status: 204 };
    });

    for (const base of ['/crm-object-schemas/v3/schemas', '/crm/v3/schemas']) {
      this.api('GET', base, () => ({ status: 200, body: { results: this.schemas() } }));
      this.api('POST', base, (req) => {
        // The 2026-09 ObjectSchemaEgg requires allowsSensitiveProperties, which v3 left optional.
        if (req.params.apiVersion && typeof bodyObject(req).allowsSensitiveProperties !== 'boolean')
          throw new HubspotError(
            400,
            'VALIDATION_ERROR',
            'Invalid input JSON: Missing required field: allowsSensitiveProperties',
          );
        return {
          status: 201,
          body: this.schemaOf(this.createSchema(bodyObject(req) as unknown as SchemaEgg)),
        };
      });
      this.api('GET', `${base}/:objectType`, (req) => {
        const type = this.findType(req.params.objectType!);
        if (!type?.schema) {
          throw new HubspotError(
            404,
            'OBJECT_NOT_FOUND',
            `Unable to find object type ${req.params.objectType} in portal ${this.portalId}`,
          );
        }
        return { status: 200, body: this.schemaOf(type) };
      });
      this.api('POST', `${base}/:objectType/associations`, (req) => this.createSchemaAssociation(req));
    }

    const properties = '/crm/v3/properties/:objectType';
    this.api('GET', properties, (req) => {
      const type = this.typeOrThrow(req.params.objectType!);
      return { status: 200, body: { results: [...type.properties.values()] } };
    });
    this.api('POST', `${properties}/batch/create`, (req) => {
      const type = this.typeOrThrow(req.params.objectType!);
      const inputs = inputsOf(req, MAX_BATCH);
      const created = inputs.map((input) => this.createProperty(type, input));
      return { status: 201, body: this.batchBody(created, []) };
    });
    this.api('POST', properties, (req) => {
      const type = this.typeOrThrow(req.params.objectType!);
      return { status: 201, body: this.createProperty(type, bodyObject(req)) };
    });
    this.api('GET', `${properties}/:propertyName`, (req) => {
      const type = this.typeOrThrow(req.params.objectType!);
      const def = type.properties.get(req.params.propertyName!);
      if (!def) {
        throw new HubspotError(
          404,
          'OBJECT_NOT_FOUND',
          `Unable to find property ${req.params.propertyName} for object type ${type.objectTypeId}`,
        );
      }
      return { status: 200, body: def };
    });

    // PortalInformationResponse (Account Info v3): the fields HubSpot marks required.
    this.api('GET', '/account-info/v3/details', () => ({
      status: 200,
      body: {
        portalId: this.portalId,
        accountType: 'STANDARD',
        timeZone: 'US/Eastern',
        companyCurrency: 'USD',
        additionalCurrencies: [],
        utcOffset: '-05:00',
        utcOffsetMilliseconds: -18_000_000,
        uiDomain: 'app.hubspot.com',
        dataHostingLocation: 'na1',
      },
    }));

    // Property validations: the format rules an admin set, per property (GET only; not enforced here).
    this.api('GET', '/crm/v3/property-validations/:objectTypeId', (req) => {
      const type = this.typeOrThrow(req.params.objectTypeId!);
      return { status: 200, body: { results: this.propertyValidations.get(type.objectTypeId) ?? [] } };
    });

    const assoc = '/crm/v4/associations/:fromObjectType/:toObjectType';
    this.api('POST', `${assoc}/batch/associate/default`, (req) => this.associateDefault(req));
    this.api('POST', `${assoc}/batch/create`, (req) => this.associateLabeled(req));
    this.api('POST', `${assoc}/batch/read`, (req) => this.readAssociations(req));
    this.api('POST', `${assoc}/batch/archive`, (req) => this.archiveAssociations(req, false));
    this.api('POST', `${assoc}/batch/labels/archive`, (req) => this.archiveAssociations(req, true));
    this.api('GET', `${assoc}/labels`, (req) => {
      const [from, to] = this.associationTypes(req);
      return { status: 200, body: { results: this.definitionsBetween(from, to).map((d) => this.specOf(d)) } };
    });
    this.api('POST', `${assoc}/labels`, (req) => this.createLabel(req));
  }

  // ---- objects

  private batchBody(results: unknown[], errors: HubspotError[], startedAt = iso(Date.now())): Json {
    const body: Json = { status: 'COMPLETE', results, startedAt, completedAt: iso(Date.now()) };
    if (errors.length > 0) {
      body.numErrors = errors.length;
      body.errors = errors.map((e) => ({
        status: 'error',
        category: e.category,
        message: e.message,
        ...e.extra,
      }));
    }
    return body;
  }

  private batchCreate(req: SimRequest): SimResponse {
    const startedAt = iso(Date.now());
    const type = this.typeOrThrow(req.params.objectType!);
    const inputs = inputsOf(req, MAX_BATCH);
    const traceIds = inputs.map((input) =>
      typeof input.objectWriteTraceId === 'string' ? input.objectWriteTraceId : '',
    );
    // HubSpot only reports per-record outcomes (207) when every input carries a distinct objectWriteTraceId;
    // otherwise a single bad record fails the whole batch.
    const traced = traceIds.every((t) => t !== '') && new Set(traceIds).size === traceIds.length;
    const pending = new Map<string, Set<string>>();
    const planned: Array<{
      changes: Map<string, string>;
      associations: Array<[AssociationDefinition, string]>;
    } | null> = [];
    const errors: HubspotError[] = [];
    inputs.forEach((input, i) => {
      const fail = (err: HubspotError): void => {
        if (traceIds[i])
          err.extra.context = { ...(err.extra.context ?? {}), objectWriteTraceId: [traceIds[i]] };
        errors.push(err);
        planned.push(null);
      };
      const validated = this.validateProperties(type, input.properties);
      if ('error' in validated) return fail(validated.error);
      const refused = this.ruleRefusal(req, type, undefined, validated.changes);
      if (refused) return fail(refused);
      const conflict = this.uniqueConflict(type, undefined, validated.changes, pending);
      if (conflict) {
        return fail(this.conflictError(conflict));
      }
      let associations: Array<[AssociationDefinition, string]>;
      try {
        associations = this.inlineAssociations(type, input.associations);
      } catch (err) {
        if (err instanceof HubspotError) return fail(err);
        throw err;
      }
      for (const [name, value] of validated.changes) {
        if (!type.unique.has(name) || value === '') continue;
        let claimed = pending.get(name);
        if (!claimed) pending.set(name, (claimed = new Set()));
        claimed.add(this.uniqueKey(name, value));
      }
      planned.push({ changes: validated.changes, associations });
    });
    if (errors.length > 0 && !traced) {
      const first = errors[0]!;
      throw new HubspotError(first.status, first.category, first.message, first.extra);
    }
    const now = Date.now();
    const results = planned.flatMap((plan, i) => {
      if (!plan) return [];
      const record = this.insert(type, plan.changes, now);
      for (const [def, toId] of plan.associations) this.link(def, record.id, toId);
      const body = this.present(type, record, 'all');
      if (traceIds[i]) body.objectWriteTraceId = traceIds[i];
      return [body];
    });
    return { status: errors.length > 0 ? 207 : 201, body: this.batchBody(results, errors, startedAt) };
  }

  /** A write the portal's validation rules refuse (API version 2026-09 on), as HubSpot answers it. */
  private ruleRefusal(
    req: SimRequest,
    type: ObjectTypeState,
    existing: StoredRecord | undefined,
    changes: ReadonlyMap<string, string>,
  ): HubspotError | undefined {
    if (!enforcesRules(req.params.apiVersion)) return undefined;
    const rules = this.validationRules.filter((r) => this.findType(r.objectType, true) === type);
    if (rules.length === 0) return undefined;
    const after = new Map([...(existing?.props ?? []), ...changes]);
    const missing = missingRequired(rules, existing === undefined, after);
    if (missing.length === 0) return undefined;
    return new HubspotError(400, 'VALIDATION_ERROR', requiredMessage(type.singular, existing === undefined), {
      context: { properties: missing },
    });
  }

  private inlineAssociations(type: ObjectTypeState, raw: unknown): Array<[AssociationDefinition, string]> {
    if (!Array.isArray(raw)) return [];
    const links: Array<[AssociationDefinition, string]> = [];
    for (const item of raw) {
      if (!isObject(item)) continue;
      const toId = idOf(item.to);
      const types = Array.isArray(item.types) ? item.types : [];
      for (const spec of types) {
        const typeId = isObject(spec) ? Number(spec.associationTypeId) : NaN;
        const def = this.definitions.get(typeId);
        if (!def || def.fromObjectTypeId !== type.objectTypeId || !toId) {
          throw new HubspotError(
            400,
            'VALIDATION_ERROR',
            `Invalid association type ${typeId} from ${type.name}`,
          );
        }
        if (!this.types.get(def.toObjectTypeId)?.records.has(toId)) {
          throw new HubspotError(
            404,
            'OBJECT_NOT_FOUND',
            `No ${def.toObjectTypeId} with id ${toId} to associate`,
          );
        }
        links.push([def, toId]);
      }
    }
    return links;
  }

  /** Resolves inputs to records by id or by a unique `idProperty`. */
  private lookup(
    type: ObjectTypeState,
    id: string,
    idProperty: string | undefined,
  ): StoredRecord | undefined {
    if (!idProperty || idProperty === 'hs_object_id') return type.records.get(id);
    const holder = type.unique.get(idProperty)?.get(this.uniqueKey(idProperty, id));
    return holder === undefined ? undefined : type.records.get(holder);
  }

  private checkIdProperty(type: ObjectTypeState, idProperty: string | undefined): void {
    if (!idProperty || idProperty === 'hs_object_id') return;
    if (!type.properties.has(idProperty)) {
      throw new HubspotError(400, 'VALIDATION_ERROR', `Property "${idProperty}" does not exist`, {
        context: { propertyName: [idProperty] },
      });
    }
    if (!this.isUnique(type, idProperty)) {
      throw new HubspotError(
        400,
        'VALIDATION_ERROR',
        `Unable to perform update/upsert by non-unique ${type.singular} property: ${idProperty}`,
        { context: { propertyName: [idProperty] } },
      );
    }
  }

  private batchRead(req: SimRequest): SimResponse {
    const startedAt = iso(Date.now());
    const type = this.typeOrThrow(req.params.objectType!);
    const body = bodyObject(req);
    const inputs = inputsOf(req, MAX_BATCH);
    const idProperty = typeof body.idProperty === 'string' ? body.idProperty : undefined;
    this.checkIdProperty(type, idProperty);
    const requested = stringList(body.properties);
    const results: Json[] = [];
    const missing: string[] = [];
    const seen = new Set<string>();
    for (const input of inputs) {
      const id = idOf(input.id) ?? '';
      const record = this.lookup(type, id, idProperty);
      if (!record) missing.push(id);
      else if (!seen.has(record.id)) {
        seen.add(record.id);
        results.push(this.present(type, record, requested));
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
    return { status: errors.length ? 207 : 200, body: this.batchBody(results, errors, startedAt) };
  }

  private batchUpdate(req: SimRequest, upsert: boolean): SimResponse {
    const startedAt = iso(Date.now());
    const type = this.typeOrThrow(req.params.objectType!);
    const inputs = inputsOf(req, MAX_BATCH);
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const input of inputs) {
      const idProperty = typeof input.idProperty === 'string' ? input.idProperty : undefined;
      this.checkIdProperty(type, idProperty);
      const id = idOf(input.id);
      if (!id) throw new HubspotError(400, 'VALIDATION_ERROR', 'Every input needs an `id`');
      const key = `${idProperty ?? 'hs_object_id'}:${idProperty ? this.uniqueKey(idProperty, id) : id}`;
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
    const results: Json[] = [];
    const errors: HubspotError[] = [];
    // HubSpot documents per-record outcomes (207) for batch create with objectWriteTraceIds only: an upsert
    // input it refuses for its values refuses the whole batch, and nothing of it is written.
    if (upsert) {
      for (const input of inputs) {
        const validated = this.validateProperties(type, input.properties);
        if ('error' in validated) throw validated.error;
        const idProperty = typeof input.idProperty === 'string' ? input.idProperty : undefined;
        const existing = this.lookup(type, idOf(input.id)!, idProperty);
        const refused = this.ruleRefusal(req, type, existing, validated.changes);
        if (refused) throw refused;
      }
    }
    for (const input of inputs) {
      const id = idOf(input.id)!;
      const idProperty = typeof input.idProperty === 'string' ? input.idProperty : undefined;
      const validated = this.validateProperties(type, input.properties);
      if ('error' in validated) {
        errors.push(validated.error);
        continue;
      }
      const { changes } = validated;
      const existing = this.lookup(type, id, idProperty);
      if (!existing && (!upsert || !idProperty || idProperty === 'hs_object_id')) {
        errors.push(
          new HubspotError(
            404,
            'OBJECT_NOT_FOUND',
            `No ${type.singular} with ${idProperty ?? 'id'} ${id} exists`,
            {
              context: { ids: [id] },
            },
          ),
        );
        continue;
      }
      if (!existing && idProperty) {
        const def = type.properties.get(idProperty)!;
        const coerced = coerceValue(def, id);
        if ('error' in coerced) {
          errors.push(
            new HubspotError(400, 'VALIDATION_ERROR', coerced.error, {
              context: { propertyName: [idProperty] },
            }),
          );
          continue;
        }
        // The id names the record: a differing value for the same property in `properties` loses.
        changes.set(idProperty, coerced.value);
      }
      const conflict = this.uniqueConflict(type, existing?.id, changes);
      if (conflict) {
        errors.push(this.conflictError(conflict));
        continue;
      }
      const refused = this.ruleRefusal(req, type, existing, changes);
      if (refused) {
        errors.push(refused);
        continue;
      }
      let record: StoredRecord;
      if (existing) {
        this.update(type, existing, changes);
        record = existing;
      } else {
        record = this.insert(type, changes, Date.now());
      }
      const body = this.present(type, record, 'all');
      if (upsert) body.new = !existing;
      results.push(body);
    }
    return { status: errors.length ? 207 : 200, body: this.batchBody(results, errors, startedAt) };
  }

  private batchArchive(req: SimRequest): SimResponse {
    const type = this.typeOrThrow(req.params.objectType!);
    // HubSpot answers 204 whether or not the ids exist.
    for (const input of inputsOf(req, MAX_BATCH)) {
      const record = type.records.get(idOf(input.id) ?? '');
      if (record) this.remove(type, record);
    }
    return { status: 204 };
  }

  private list(req: SimRequest): SimResponse {
    const type = this.typeOrThrow(req.params.objectType!);
    const limit = Math.min(Math.max(Number(req.query.get('limit') ?? 10) || 10, 1), 100);
    const after = req.query.get('after');
    const requested = req.query.getAll('properties').flatMap((p) => p.split(','));
    const ids = [...type.records.keys()]
      .sort(numericId)
      .filter((id) => !after || Number(id) >= Number(after));
    const page = ids.slice(0, limit);
    const body: Json = {
      results: page.map((id) =>
        this.present(type, type.records.get(id)!, requested.length ? requested : type.defaultProperties),
      ),
    };
    if (ids.length > limit) body.paging = { next: { after: String(Number(page[page.length - 1]) + 1) } };
    return { status: 200, body };
  }

  private getOne(req: SimRequest): SimResponse {
    const type = this.typeOrThrow(req.params.objectType!);
    const idProperty = req.query.get('idProperty') ?? undefined;
    this.checkIdProperty(type, idProperty);
    const record = this.lookup(type, req.params.objectId!, idProperty);
    if (!record) {
      throw new HubspotError(404, 'OBJECT_NOT_FOUND', `Object not found.  objectId are usually numeric.`, {
        context: { id: [req.params.objectId!] },
      });
    }
    const requested = req.query.getAll('properties').flatMap((p) => p.split(','));
    return {
      status: 200,
      body: this.present(type, record, requested.length ? requested : type.defaultProperties),
    };
  }

  private createOne(req: SimRequest): SimResponse {
    const type = this.typeOrThrow(req.params.objectType!);
    const body = bodyObject(req);
    const validated = this.validateProperties(type, body.properties);
    if ('error' in validated) throw validated.error;
    const conflict = this.uniqueConflict(type, undefined, validated.changes);
    if (conflict) throw this.conflictError(conflict);
    const associations = this.inlineAssociations(type, body.associations);
    const record = this.insert(type, validated.changes, Date.now());
    for (const [def, toId] of associations) this.link(def, record.id, toId);
    return { status: 201, body: this.present(type, record, 'all') };
  }

  private updateOne(req: SimRequest): SimResponse {
    const type = this.typeOrThrow(req.params.objectType!);
    const idProperty = req.query.get('idProperty') ?? undefined;
    this.checkIdProperty(type, idProperty);
    const record = this.lookup(type, req.params.objectId!, idProperty);
    if (!record) throw new HubspotError(404, 'OBJECT_NOT_FOUND', 'Object not found.');
    const validated = this.validateProperties(type, bodyObject(req).properties);
    if ('error' in validated) throw validated.error;
    const conflict = this.uniqueConflict(type, record.id, validated.changes);
    if (conflict) throw this.conflictError(conflict);
    this.update(type, record, validated.changes);
    return { status: 200, body: this.present(type, record, 'all') };
  }

  // ---- search

  private search(req: SimRequest): SimResponse {
    const type = this.typeOrThrow(req.params.objectType!);
    const body = bodyObject(req);
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
    const limit = body.limit === undefined ? 10 : Number(body.limit);
    if (!Number.isInteger(limit) || limit < 0 || limit > SEARCH_MAX_LIMIT) {
      throw new HubspotError(
        400,
        'VALIDATION_ERROR',
        `limit must be between 0 and ${SEARCH_MAX_LIMIT}, got ${String(body.limit)}`,
      );
    }
    const after =
      body.after === undefined || body.after === null || body.after === '' ? 0 : Number(body.after);
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

    const now = Date.now();
    const lagging = this.searchIndexLagMs > 0;
    const matched = new Map<string, Map<string, string>>();
    const consider = (record: StoredRecord, filters: SearchFilter[]): void => {
      if (matched.has(record.id)) return;
      const view = this.searchView(record, now);
      if (!view) return;
      if (filters.every((f) => this.filterMatches(type, record, view, f))) matched.set(record.id, view);
    };
    const query = typeof body.query === 'string' ? body.query.trim().toLowerCase() : '';
    const effectiveGroups = groups.length > 0 ? groups : [[]];
    for (const filters of effectiveGroups) {
      // Index lookup for EQ/IN on plain string properties; the index holds live values, so with lag we scan.
      const indexed = lagging ? undefined : filters.find((f) => this.indexable(type, f));
      if (indexed) {
        const index = this.indexFor(type, indexed.propertyName);
        const keys = indexed.operator === 'EQ' ? [indexed.value ?? ''] : (indexed.values ?? []);
        for (const key of keys) {
          for (const id of index.get(key.toLowerCase()) ?? []) consider(type.records.get(id)!, filters);
        }
      } else {
        for (const record of type.records.values()) consider(record, filters);
      }
    }
    let ids = [...matched.keys()];
    if (query) {
      ids = ids.filter((id) =>
        type.defaultProperties.some((name) =>
          (matched.get(id)!.get(name) ?? '').toLowerCase().includes(query),
        ),
      );
    }
    const sorts = this.parseSorts(body.sorts);
    ids.sort((a, b) => {
      for (const sort of sorts) {
        const x = this.viewValue(type, type.records.get(a)!, matched.get(a)!, sort.propertyName) ?? '';
        const y = this.viewValue(type, type.records.get(b)!, matched.get(b)!, sort.propertyName) ?? '';
        const c = compareValues(type.properties.get(sort.propertyName), x, y);
        if (c !== 0) return sort.descending ? -c : c;
      }
      return numericId(a, b);
    });
    const requested = stringList(body.properties);
    const page = ids.slice(after, after + limit);
    const response: Json = {
      total: ids.length,
      results: page.map((id) =>
        this.present(
          type,
          type.records.get(id)!,
          requested.length ? requested : type.defaultProperties,
          matched.get(id),
        ),
      ),
    };
    if (after + limit < ids.length) response.paging = { next: { after: String(after + limit) } };
    return { status: 200, body: response };
  }

  private parseSorts(raw: unknown): Array<{ propertyName: string; descending: boolean }> {
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

  private indexable(type: ObjectTypeState, filter: SearchFilter): boolean {
    if (filter.operator !== 'EQ' && filter.operator !== 'IN') return false;
    const def = type.properties.get(filter.propertyName);
    return !!def && !COMPUTED.has(def.name) && (def.type === 'string' || def.type === 'enumeration');
  }

  private indexFor(type: ObjectTypeState, name: string): Map<string, Set<string>> {
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

  private viewValue(
    type: ObjectTypeState,
    record: StoredRecord,
    view: Map<string, string>,
    name: string,
  ): string | undefined {
    return COMPUTED.has(name) ? this.currentValue(type, record, name) : view.get(name);
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
        return value !== undefined && compareValues(def, value, filter.value ?? '') > 0;
      case 'GTE':
        return value !== undefined && compareValues(def, value, filter.value ?? '') >= 0;
      case 'LT':
        return value !== undefined && compareValues(def, value, filter.value ?? '') < 0;
      case 'LTE':
        return value !== undefined && compareValues(def, value, filter.value ?? '') <= 0;
      case 'BETWEEN':
        return (
          value !== undefined &&
          compareValues(def, value, filter.value ?? '') >= 0 &&
          compareValues(def, value, filter.highValue ?? '') <= 0
        );
      case 'CONTAINS_TOKEN':
        return value !== undefined && tokenMatches(value, filter.value ?? '');
      case 'NOT_CONTAINS_TOKEN':
        return value === undefined || !tokenMatches(value, filter.value ?? '');
      default:
        return false;
    }
  }

  // ---- schemas and properties

  private createSchema(egg: SchemaEgg): ObjectTypeState {
    if (typeof egg.name !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*$/.test(egg.name)) {
      throw new HubspotError(400, 'VALIDATION_ERROR', `Invalid object type name: ${String(egg.name)}`);
    }
    if (!isObject(egg.labels)) throw new HubspotError(400, 'VALIDATION_ERROR', '`labels` is required');
    if (!Array.isArray(egg.properties))
      throw new HubspotError(400, 'VALIDATION_ERROR', '`properties` is required');
    const taken = [...this.types.values()].some(
      (t) => t.name.toLowerCase() === egg.name.toLowerCase() || t.singular === egg.name.toLowerCase(),
    );
    if (taken) {
      throw new HubspotError(
        409,
        'CONFLICT',
        `Object type with name ${egg.name} already exists in portal ${this.portalId}`,
      );
    }
    const names = new Set(egg.properties.map((p) => p.name));
    for (const name of [egg.primaryDisplayProperty, ...(egg.requiredProperties ?? [])]) {
      if (name !== undefined && !names.has(name)) {
        throw new HubspotError(
          400,
          'VALIDATION_ERROR',
          `Property ${name} is not among the schema's properties`,
        );
      }
    }
    const targets = (egg.associatedObjects ?? []).map((target) => {
      const resolved = BUILT_IN_TARGETS[target.toUpperCase()] ?? this.findType(target)?.objectTypeId;
      if (!resolved) throw new HubspotError(400, 'VALIDATION_ERROR', `Unknown associated object: ${target}`);
      return resolved;
    });
    this.schemaCount += 1;
    const digits = this.objectTypeIdBase + this.schemaCount;
    const now = iso(Date.now());
    const schema: SchemaRecord = {
      id: String(digits),
      objectTypeId: `2-${digits}`,
      fullyQualifiedName: `p${this.portalId}_${egg.name}`,
      name: egg.name,
      labels: { singular: egg.labels.singular, plural: egg.labels.plural },
      description: egg.description,
      primaryDisplayProperty: egg.primaryDisplayProperty,
      secondaryDisplayProperties: egg.secondaryDisplayProperties ?? [],
      requiredProperties: egg.requiredProperties ?? [],
      searchableProperties: egg.searchableProperties ?? [],
      associations: [],
      archived: false,
      createdAt: now,
      updatedAt: now,
    };
    const groupName = `${egg.name}_information`;
    const type = this.addType(
      schema.objectTypeId,
      egg.name,
      egg.name,
      groupName,
      [egg.primaryDisplayProperty, 'hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'].filter(
        (n): n is string => !!n,
      ),
      schema,
    );
    try {
      for (const property of egg.properties) this.createProperty(type, property);
    } catch (err) {
      this.types.delete(type.objectTypeId);
      this.schemaCount -= 1;
      throw err;
    }
    for (const target of targets) schema.associations.push(this.schemaAssociation(type, target));
    return type;
  }

  private schemaAssociation(type: ObjectTypeState, target: string): SchemaAssociation {
    const forward = this.nextAssociationTypeId++;
    const inverse = this.nextAssociationTypeId++;
    const targetName = this.types.get(target)?.singular ?? target;
    this.addDefinitionPair(type.objectTypeId, target, forward, inverse, 'HUBSPOT_DEFINED', null, true);
    const now = iso(Date.now());
    return {
      id: String(forward),
      name: `${type.name}_to_${targetName}`.toUpperCase(),
      fromObjectTypeId: type.objectTypeId,
      toObjectTypeId: target,
      createdAt: now,
      updatedAt: now,
    };
  }

  private createSchemaAssociation(req: SimRequest): SimResponse {
    const type = this.typeOrThrow(req.params.objectType!);
    if (!type.schema) throw new HubspotError(400, 'VALIDATION_ERROR', `${type.name} is not a custom object`);
    const body = bodyObject(req);
    const target = typeof body.toObjectTypeId === 'string' ? this.findType(body.toObjectTypeId) : undefined;
    if (!target)
      throw new HubspotError(
        400,
        'VALIDATION_ERROR',
        `Unknown toObjectTypeId ${String(body.toObjectTypeId)}`,
      );
    const existing = type.schema.associations.find((a) => a.toObjectTypeId === target.objectTypeId);
    if (existing) return { status: 201, body: existing };
    const association = this.schemaAssociation(type, target.objectTypeId);
    type.schema.associations.push(association);
    return { status: 201, body: association };
  }

  private schemaOf(type: ObjectTypeState): SchemaRecord & { properties: PropertyDefinition[] } {
    return structuredClone({ ...type.schema!, properties: [...type.properties.values()] });
  }

  private createProperty(type: ObjectTypeState, raw: Json): PropertyDefinition {
    const name = raw.name;
    if (typeof name !== 'string' || !/^[a-z][a-z0-9_]*$/.test(name)) {
      throw new HubspotError(
        400,
        'VALIDATION_ERROR',
        `Invalid property name: ${String(name)} (lowercase letters, digits, _)`,
      );
    }
    if (type.properties.has(name)) {
      throw new HubspotError(
        409,
        'CONFLICT',
        `A property named ${name} already exists for ${type.objectTypeId}`,
        {
          context: { propertyName: [name] },
        },
      );
    }
    const propType = raw.type as PropertyType;
    if (!PROPERTY_TYPES.has(propType)) {
      throw new HubspotError(
        400,
        'VALIDATION_ERROR',
        `Invalid property type ${String(raw.type)} for ${name}`,
      );
    }
    const now = iso(Date.now());
    const options = Array.isArray(raw.options)
      ? raw.options.filter(isObject).map((o, i) => ({
          label: String(o.label ?? o.value),
          value: String(o.value),
          displayOrder: typeof o.displayOrder === 'number' ? o.displayOrder : i,
          hidden: o.hidden === true,
        }))
      : [];
    const def: PropertyDefinition = {
      ...standardProperty(name, propType, type.groupName),
      label: typeof raw.label === 'string' ? raw.label : name,
      fieldType:
        typeof raw.fieldType === 'string' ? raw.fieldType : standardProperty(name, propType, '').fieldType,
      groupName: typeof raw.groupName === 'string' ? raw.groupName : type.groupName,
      description: typeof raw.description === 'string' ? raw.description : '',
      hasUniqueValue: raw.hasUniqueValue === true,
      formField: raw.formField === true,
      options,
      hubspotDefined: false,
      createdAt: now,
      updatedAt: now,
      modificationMetadata: { archivable: true, readOnlyDefinition: false, readOnlyValue: false },
    };
    type.properties.set(name, def);
    if (def.hasUniqueValue) {
      const index = new Map<string, string>();
      for (const record of type.records.values()) {
        const value = record.props.get(name);
        if (value) index.set(value, record.id);
      }
      type.unique.set(name, index);
    }
    return def;
  }

  // ---- associations

  private addDefinitionPair(
    fromTypeId: string,
    toTypeId: string,
    forward: number,
    inverse: number,
    category: AssociationDefinition['category'],
    label: string | null,
    isDefault: boolean,
    inverseLabel: string | null = label,
    name = '',
  ): void {
    this.definitions.set(forward, {
      typeId: forward,
      inverseTypeId: inverse,
      category,
      label,
      name,
      fromObjectTypeId: fromTypeId,
      toObjectTypeId: toTypeId,
      isDefault,
    });
    this.definitions.set(inverse, {
      typeId: inverse,
      inverseTypeId: forward,
      category,
      label: inverseLabel,
      name: name ? `${name}_inverse` : '',
      fromObjectTypeId: toTypeId,
      toObjectTypeId: fromTypeId,
      isDefault,
    });
  }

  private definitionsBetween(from: ObjectTypeState, to: ObjectTypeState): AssociationDefinition[] {
    return [...this.definitions.values()]
      .filter((d) => d.fromObjectTypeId === from.objectTypeId && d.toObjectTypeId === to.objectTypeId)
      .sort((a, b) => a.typeId - b.typeId);
  }

  private defaultDefinition(fromTypeId: string, toTypeId: string): AssociationDefinition | undefined {
    for (const def of this.definitions.values()) {
      if (def.isDefault && def.fromObjectTypeId === fromTypeId && def.toObjectTypeId === toTypeId) return def;
    }
    return undefined;
  }

  private specOf(def: AssociationDefinition): Json {
    return { category: def.category, typeId: def.typeId, label: def.label };
  }

  private associationTypes(req: SimRequest): [ObjectTypeState, ObjectTypeState] {
    return [this.typeOrThrow(req.params.fromObjectType!), this.typeOrThrow(req.params.toObjectType!)];
  }

  private link(def: AssociationDefinition, fromId: string, toId: string): void {
    const add = (pair: string, a: string, b: string, typeId: number): void => {
      let byFrom = this.edges.get(pair);
      if (!byFrom) this.edges.set(pair, (byFrom = new Map<string, Map<string, Set<number>>>()));
      let targets = byFrom.get(a);
      if (!targets) byFrom.set(a, (targets = new Map<string, Set<number>>()));
      let types = targets.get(b);
      if (!types) targets.set(b, (types = new Set()));
      types.add(typeId);
    };
    add(`${def.fromObjectTypeId}|${def.toObjectTypeId}`, fromId, toId, def.typeId);
    add(`${def.toObjectTypeId}|${def.fromObjectTypeId}`, toId, fromId, def.inverseTypeId);
  }

  /** Removes some (or, with no `typeIds`, all) associations between two records, both directions. */
  private unlink(
    from: ObjectTypeState,
    to: ObjectTypeState,
    fromId: string,
    toId: string,
    typeIds?: number[],
  ): void {
    const forward = this.edges.get(`${from.objectTypeId}|${to.objectTypeId}`)?.get(fromId);
    const reverse = this.edges.get(`${to.objectTypeId}|${from.objectTypeId}`)?.get(toId);
    const forwardTypes = forward?.get(toId);
    const reverseTypes = reverse?.get(fromId);
    if (!typeIds) {
      forward?.delete(toId);
      reverse?.delete(fromId);
      return;
    }
    for (const typeId of typeIds) {
      forwardTypes?.delete(typeId);
      const inverse = this.definitions.get(typeId)?.inverseTypeId;
      if (inverse !== undefined) reverseTypes?.delete(inverse);
    }
    if (forwardTypes?.size === 0) forward?.delete(toId);
    if (reverseTypes?.size === 0) reverse?.delete(fromId);
  }

  private pairInputs(
    req: SimRequest,
    from: ObjectTypeState,
    to: ObjectTypeState,
    toIsList: boolean,
  ): Array<{ input: Json; fromId: string; toIds: string[]; error?: HubspotError }> {
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
    const [from, to] = this.associationTypes(req);
    const def = this.defaultDefinition(from.objectTypeId, to.objectTypeId);
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
      this.link(def, fromId, toId);
      for (const [a, b, spec] of [
        [fromId, toId, def],
        [toId, fromId, this.definitions.get(def.inverseTypeId)!],
      ] as const) {
        results.push({
          from: { id: a },
          to: { id: b },
          associationSpec: { associationCategory: spec.category, associationTypeId: spec.typeId },
        });
      }
    }
    // The client accepts only 200 here, so a partial failure surfaces as an ApiException with code 207.
    return { status: errors.length ? 207 : 200, body: this.batchBody(results, errors, startedAt) };
  }

  private associateLabeled(req: SimRequest): SimResponse {
    const startedAt = iso(Date.now());
    const [from, to] = this.associationTypes(req);
    const results: Json[] = [];
    const errors: HubspotError[] = [];
    for (const { input, fromId, toIds, error } of this.pairInputs(req, from, to, false)) {
      const toId = toIds[0]!;
      const specs = Array.isArray(input.types) ? input.types.filter(isObject) : [];
      const defs = specs.map((spec) => this.definitions.get(Number(spec.associationTypeId)));
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
      const plain = this.defaultDefinition(from.objectTypeId, to.objectTypeId);
      if (plain) this.link(plain, fromId, toId);
      for (const def of defs) this.link(def!, fromId, toId);
      results.push({
        fromObjectTypeId: from.objectTypeId,
        fromObjectId: Number(fromId),
        toObjectTypeId: to.objectTypeId,
        toObjectId: Number(toId),
        labels: defs.flatMap((d) => (d!.label ? [d!.label] : [])),
      });
    }
    return { status: errors.length ? 207 : 201, body: this.batchBody(results, errors, startedAt) };
  }

  private readAssociations(req: SimRequest): SimResponse {
    const startedAt = iso(Date.now());
    const [from, to] = this.associationTypes(req);
    const byFrom = this.edges.get(`${from.objectTypeId}|${to.objectTypeId}`);
    const results: Json[] = [];
    const errors: HubspotError[] = [];
    let failOne = this.failingAssociationReads > 0;
    if (failOne) this.failingAssociationReads--;
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
      const targets = byFrom?.get(fromId);
      if (!targets || targets.size === 0) {
        // HubSpot reports "nothing associated" as a per-input error, so a 207 is routine here.
        errors.push(
          new HubspotError(
            404,
            'OBJECT_NOT_FOUND',
            `No ${to.name} is associated with ${from.singular} ${fromId}.`,
            {
              subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND',
              context: { fromObjectId: [fromId] },
            },
          ),
        );
        continue;
      }
      const after = typeof input.after === 'string' ? Number(input.after) : 0;
      const toIds = [...targets.keys()].sort(numericId).filter((id) => Number(id) >= after);
      const page = toIds.slice(0, ASSOCIATIONS_PAGE);
      const result: Json = {
        from: { id: fromId },
        to: page.map((toId) => ({
          toObjectId: Number(toId),
          associationTypes: [...targets.get(toId)!]
            .sort((a, b) => a - b)
            .flatMap((typeId) => {
              const def = this.definitions.get(typeId);
              return def ? [this.specOf(def)] : [];
            }),
        })),
      };
      const next = toIds[ASSOCIATIONS_PAGE];
      if (next !== undefined) result.paging = { next: { after: next } };
      results.push(result);
    }
    return { status: errors.length ? 207 : 200, body: this.batchBody(results, errors, startedAt) };
  }

  private archiveAssociations(req: SimRequest, labelsOnly: boolean): SimResponse {
    const [from, to] = this.associationTypes(req);
    // A dated answer can refuse a removal inside its 200 body (BatchResponseVoid's errors): see failAssociationArchives.
    let refuseOne = req.params.apiVersion !== undefined && this.failingAssociationArchives > 0;
    if (refuseOne) this.failingAssociationArchives--;
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
      if (labelsOnly) {
        const typeIds = (Array.isArray(input.types) ? input.types.filter(isObject) : []).map((t) =>
          Number(t.associationTypeId),
        );
        this.unlink(from, to, fromId, idOf(input.to) ?? '', typeIds);
      } else {
        const toIds = Array.isArray(input.to) ? input.to.map((t) => idOf(t) ?? '') : [idOf(input.to) ?? ''];
        for (const toId of toIds) this.unlink(from, to, fromId, toId);
      }
    }
    if (errors.length > 0) return { status: 200, body: this.batchBody([], errors) };
    return { status: 204 };
  }

  private createLabel(req: SimRequest): SimResponse {
    const [from, to] = this.associationTypes(req);
    const body = bodyObject(req);
    if (typeof body.label !== 'string' || typeof body.name !== 'string') {
      throw new HubspotError(400, 'VALIDATION_ERROR', 'A label needs `label` and `name`');
    }
    const name = body.name;
    const clash = this.definitionsBetween(from, to).some((d) => d.name === name);
    if (clash) throw new HubspotError(409, 'CONFLICT', `An association label named ${name} already exists`);
    if (!this.defaultDefinition(from.objectTypeId, to.objectTypeId)) {
      throw new HubspotError(
        400,
        'VALIDATION_ERROR',
        `${from.objectTypeId} and ${to.objectTypeId} cannot be associated`,
      );
    }
    const forward = this.nextAssociationTypeId++;
    const inverse = this.nextAssociationTypeId++;
    const inverseLabel = typeof body.inverseLabel === 'string' ? body.inverseLabel : body.label;
    this.addDefinitionPair(
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
    const created = [this.definitions.get(forward)!, this.definitions.get(inverse)!];
    return { status: 200, body: { results: created.map((d) => this.specOf(d)) } };
  }
}
