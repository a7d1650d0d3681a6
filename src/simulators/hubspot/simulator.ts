// The HubSpot simulator: one portal (portal.ts) served over HTTP by the API modules (objects, search, schemas,
// properties and their groups, associations, pipelines, limits tracking), behind the router's version, token,
// scope and rate-limit checks; plus the programmatic API tests, the demo and the benchmarks use to set the
// portal up (its tier among it) and look inside it.
import { SimServer, Simulator } from '../http-kit';
import { AssociationsApi } from './associations';
import { Access } from './auth';
import { errorBody } from './errors';
import { LimitsTrackingApi } from './limits-tracking';
import {
  COMPANIES,
  CONTACTS,
  COMPUTED,
  type Json,
  type Pipeline,
  type SimObject,
  type SchemaEgg,
} from './model';
import { ObjectsApi } from './objects';
import { Portal } from './portal';
import { PipelinesApi } from './pipelines';
import { PropertiesApi } from './properties';
import { PropertyGroupsApi } from './property-groups';
import { RateLimits } from './rate-limits';
import { Router, type Api } from './router';
import { SchemasApi, schemaOf, type SchemaWithProperties } from './schemas';
import { SearchApi } from './search';
import { ticketCreateDefaults } from './tickets';
import type { PortalLimits, Tier } from './tier';
import { ValidationRules, type ValidationRule } from './validation-rules';
import { coerceValue, numericId } from './values';
import { versionOfPath, type NumberedApis } from './versions';

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
  /**
   * The portal's subscription (default `enterprise`): below it no custom objects, on `free` and `starter` no
   * custom association labels, and each tier's limits of ticket pipelines and custom properties.
   */
  tier?: Tier;
}

type SeedRow = { properties: Record<string, string>; createdAt?: string };

export class HubspotSimulator extends Simulator {
  readonly server: SimServer;
  readonly numberedApis: NumberedApis;
  private readonly portal: Portal;
  private readonly limits: RateLimits;
  private readonly access: Access;
  private readonly rules: ValidationRules;
  private readonly properties: PropertiesApi;
  private readonly schemaApi: SchemasApi;
  private readonly associationApi: AssociationsApi;

  constructor(options: HubspotSimulatorOptions = {}) {
    super();
    this.portal = new Portal(
      options.portalId ?? 12_345_678,
      options.objectTypeIdBase ?? 2_100_000,
      options.searchIndexLagMs ?? 0,
      options.tier ?? 'enterprise',
    );
    this.access = new Access(options.accessToken ?? 'hubspot-sim-token');
    this.numberedApis = options.numberedApis ?? 'refuse';
    this.limits = new RateLimits({
      requestsPer10s: options.requestsPer10s ?? 190,
      searchPerSecond: options.searchPerSecond ?? 5,
      dailyLimit: options.dailyLimit ?? 1_000_000,
    });
    this.rules = new ValidationRules(this.portal);
    this.properties = new PropertiesApi(this.portal);
    this.schemaApi = new SchemasApi(this.portal, this.properties);
    this.associationApi = new AssociationsApi(this.portal);
    this.server = new SimServer({
      name: 'hubspot',
      seed: options.seed ?? 1,
      rateLimitResponse: (rule) => this.limits.tenSecondlyResponse(rule.retryAfterSeconds ?? 1),
      serverErrorResponse: (status) => ({ status, body: errorBody('INTERNAL_ERROR', 'internal error') }),
      notFoundResponse: (req) => ({
        status: 404,
        body: errorBody('OBJECT_NOT_FOUND', `Unable to find a route for ${req.method} ${req.path}`),
      }),
    });
    this.registerRoutes(new Router(this.server, this.access, this.limits, this.numberedApis).api);
    this.server.onReset(() => {
      this.portal.reset();
      this.associationApi.reset();
      this.limits.reset();
      this.rules.rules = [];
      this.properties.validations.clear();
    });
    this.server.setStateProvider(() => this.snapshot());
  }

  get portalId(): number {
    return this.portal.portalId;
  }

  get objectTypeIdBase(): number {
    return this.portal.objectTypeIdBase;
  }

  get accessToken(): string {
    return this.access.accessToken;
  }

  set accessToken(value: string) {
    this.access.accessToken = value;
  }

  get searchIndexLagMs(): number {
    return this.portal.searchIndexLagMs;
  }

  set searchIndexLagMs(value: number) {
    this.portal.searchIndexLagMs = value;
  }

  get dailyLimit(): number {
    return this.limits.dailyLimit;
  }

  set dailyLimit(value: number) {
    this.limits.dailyLimit = value;
  }

  get requestsPer10s(): number {
    return this.limits.window.max;
  }

  set requestsPer10s(value: number) {
    this.limits.window.max = value;
  }

  get searchPerSecond(): number {
    return this.limits.searchWindow.max;
  }

  set searchPerSecond(value: number) {
    this.limits.searchWindow.max = value;
  }

  /** The portal's subscription tier. */
  get tier(): Tier {
    return this.portal.subscription.tier;
  }

  /** Moves the portal to another tier, with that tier's limits (replacing any `setLimits`). */
  setTier(tier: Tier): void {
    this.portal.subscription.setTier(tier);
  }

  /** Overrides some of the tier's limits (until `setTier` or `reset`). */
  setLimits(limits: Partial<PortalLimits>): void {
    const subscription = this.portal.subscription;
    subscription.limits = { ...subscription.limits, ...limits };
  }

  /**
   * Clears data (back to the built-in types, no custom schemas, the default pipeline), the request log, faults
   * and limits; the tier goes back to the constructor's, with its limits.
   */
  reset(): void {
    this.server.reset();
  }

  // ---------------------------------------------------------------------------------------------
  // Programmatic data API (tests, demo, benchmarks). None of it is rate limited or logged.

  seedCompanies(rows: SeedRow[]): string[] {
    return this.seed(COMPANIES, rows);
  }

  seedContacts(rows: SeedRow[]): string[] {
    return this.seed(CONTACTS, rows);
  }

  /** Seeds any type; unknown properties become string properties so a portal-specific ARR property works. */
  seed(objectType: string, rows: SeedRow[]): string[] {
    const type = this.portal.typeOrThrow(objectType, true);
    return rows.map((row) => {
      const changes = new Map<string, string>();
      for (const [name, raw] of Object.entries(row.properties)) {
        const def = this.portal.ensureProperty(type, name);
        if (COMPUTED.has(name)) continue;
        const coerced = coerceValue(def, raw);
        if ('error' in coerced) throw new Error(`seed ${type.name}: ${coerced.error}`);
        changes.set(name, coerced.value);
      }
      ticketCreateDefaults(type, changes);
      const conflict = this.portal.uniqueConflict(type, undefined, changes);
      if (conflict) throw new Error(`seed ${type.name}: ${conflict.message}`);
      const created = row.createdAt ?? row.properties.createdate;
      const at = created ? Date.parse(created) : Date.now();
      if (!Number.isFinite(at)) throw new Error(`seed ${type.name}: invalid createdAt ${created}`);
      // Seeded rows stand for data that existed long before, so search sees them at once.
      return this.portal.insert(type, changes, at, false).id;
    });
  }

  objects(objectType: string): SimObject[] {
    const type = this.portal.typeOrThrow(objectType, true);
    return [...type.records.values()].map((record) => this.portal.toSimObject(type, record));
  }

  getObject(objectType: string, id: string): SimObject | undefined {
    const type = this.portal.typeOrThrow(objectType, true);
    const record = type.records.get(id);
    return record ? this.portal.toSimObject(type, record) : undefined;
  }

  /** Simulates a user editing a record in HubSpot's UI (e.g. a company's ARR); bumps updatedAt. */
  setProperty(objectType: string, id: string, name: string, value: string): void {
    const type = this.portal.typeOrThrow(objectType, true);
    const record = type.records.get(id);
    if (!record) throw new Error(`No ${type.name} with id ${id}`);
    if (COMPUTED.has(name)) throw new Error(`${name} is computed by HubSpot and cannot be set`);
    const def = this.portal.ensureProperty(type, name);
    const coerced = coerceValue(def, value);
    if ('error' in coerced) throw new Error(coerced.error);
    const changes = new Map([[name, coerced.value]]);
    const conflict = this.portal.uniqueConflict(type, id, changes);
    if (conflict) throw new Error(conflict.message);
    this.portal.update(type, record, changes);
  }

  /** Removes a property definition and its values, so a test can make a portal "miss a property". */
  deleteProperty(objectType: string, name: string): void {
    const type = this.portal.typeOrThrow(objectType, true);
    type.properties.delete(name);
    type.unique.delete(name);
    type.indexes.delete(name);
    for (const record of type.records.values()) record.props.delete(name);
  }

  /** To-ids associated with a record, ascending. */
  associations(fromType: string, fromId: string, toType: string): string[] {
    const from = this.portal.typeOrThrow(fromType, true);
    const to = this.portal.typeOrThrow(toType, true);
    const targets = this.portal.graph.targets(from.objectTypeId, to.objectTypeId, fromId);
    return targets ? [...targets.keys()].sort(numericId) : [];
  }

  /** The token loses these scopes: calls that need one answer 403 MISSING_SCOPES (empty: every scope back). */
  denyScopes(scopes: string[]): void {
    this.access.deniedScopes = new Set(scopes);
  }

  /**
   * The portal's validation rules (replacing any set before; empty: none). From API version 2026-09 on, a
   * write they refuse answers 400 VALIDATION_ERROR "Some required properties were not set." with the
   * properties in `context.properties`: per record in a traced batch create, for the whole batch otherwise.
   * Older versions ignore them, as HubSpot does.
   */
  setValidationRules(rules: ValidationRule[]): void {
    this.rules.rules = [...rules];
  }

  /** The format rules the property validations API lists for a type (`{propertyName, propertyValidationRules}`). */
  setPropertyValidations(objectType: string, rules: Json[]): void {
    const type = this.portal.typeOrThrow(objectType, true);
    this.properties.validations.set(type.objectTypeId, rules);
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
    this.associationApi.failingReads = count;
  }

  /**
   * The next `count` dated association removals (`batch/archive`, `batch/labels/archive`) leave their first
   * input in place and name it in the 200 body's `errors`, as 2026-09's BatchResponseVoid can.
   */
  failAssociationArchives(count = 1): void {
    this.associationApi.failingArchives = count;
  }

  /** Associates two records with the default type, as a user or an import would. */
  associate(fromType: string, fromId: string, toType: string, toId: string): void {
    const from = this.portal.typeOrThrow(fromType, true);
    const to = this.portal.typeOrThrow(toType, true);
    const def = this.portal.graph.defaultBetween(from.objectTypeId, to.objectTypeId);
    if (!def) throw new Error(`${from.name} and ${to.name} cannot be associated`);
    if (!from.records.has(fromId) || !to.records.has(toId)) throw new Error('Unknown record');
    this.portal.graph.link(def, fromId, toId);
  }

  /** An object type's pipelines with their stages (tickets: the default one and any created). */
  pipelines(objectType: string): Pipeline[] {
    const type = this.portal.typeOrThrow(objectType, true);
    return structuredClone(this.portal.pipelines.list(type.objectTypeId));
  }

  schemas(): SchemaWithProperties[] {
    return this.schemaApi.list();
  }

  /** Creates a custom object schema without going through HTTP (no limits, no log). */
  createSchemaDirect(egg: SchemaEgg): SchemaWithProperties {
    return schemaOf(this.schemaApi.create(egg));
  }

  /** The whole portal as plain JSON, served at `GET /_sim/state`. */
  snapshot(): Json {
    return {
      portalId: this.portalId,
      tier: this.tier,
      dailyUsed: this.limits.dailyUsed,
      schemas: this.schemas(),
      objectTypes: [...this.portal.types.values()].map((type) => ({
        objectTypeId: type.objectTypeId,
        name: type.name,
        count: type.records.size,
        properties: [...type.properties.keys()],
        records: this.objects(type.objectTypeId),
      })),
      associations: this.portal.graph.snapshot(),
      pipelines: this.portal.pipelines.snapshot(),
    };
  }

  private registerRoutes(api: Api): void {
    new ObjectsApi(this.portal, this.rules).register(api);
    new SearchApi(this.portal).register(api);
    this.schemaApi.register(api);
    // Groups first: `…/groups` would otherwise match the properties API's `…/:propertyName`.
    new PropertyGroupsApi(this.portal).register(api);
    this.properties.register(api);
    this.associationApi.register(api);
    new PipelinesApi(this.portal).register(api);
    new LimitsTrackingApi(this.portal).register(api);
    // PortalInformationResponse (Account Info v3): the fields HubSpot marks required.
    api('GET', '/account-info/v3/details', () => ({
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
  }
}
