// HubspotGateway: every HubSpot call the sync makes, through the official client, one HTTP request per
// method call (search paging aside). Temporal owns retries: the client's own retries are off and every
// failure becomes a typed ApplicationFailure (src/failures.ts). Per-record errors of multi-status (207)
// batches are returned, never thrown, so one bad record never sinks its batch.
import { Client } from '@hubspot/api-client';
import { CancelledFailure } from '@temporalio/common';
import { COMPANY_KEY_PROPERTY } from '../domain/company-match';
import { withoutEmails } from '../domain/email';
import { emailRef } from './email-ref';
import { failure, FailureType } from '../failures';
import { HUBSPOT_API_VERSION, HubspotApi, isApiError } from './hubspot-api';
import {
  isRecordRefusal,
  NO_ASSOCIATIONS_FOUND,
  recordErrors,
  refusedRecord,
  translateHubspotError,
  type BatchErrorShape,
  type RecordError,
} from './hubspot-errors';
import type { RequestCounter } from './source';

export type { RecordError } from './hubspot-errors';
export { HUBSPOT_AUTH_HINT, HUBSPOT_SCOPES, translateHubspotError } from './hubspot-errors';

export const HUBSPOT_BATCH_LIMIT = 100;
export const HUBSPOT_ASSOCIATION_READ_LIMIT = 1_000;
export const HUBSPOT_SEARCH_PAGE_LIMIT = 200;
/** Values in one IN filter. */
export const HUBSPOT_SEARCH_IN_LIMIT = 100;
/** Filter groups (OR-ed) in one search: HubSpot's documented maximum. */
export const HUBSPOT_SEARCH_GROUPS = 5;
/**
 * Domains per company search: three groups of 50 domains and their `www.` forms (`domain`), and two groups of
 * the same 150 as sync keys (`feedback_sync_domain`): 5 groups, the most HubSpot allows. The key goes into the
 * same search rather than a batch read by key because that keeps one request per find activity (as the search
 * queue's rate assumes) and costs 1/150 request per domain, against 1/250 + 1/100 with a separate read.
 */
export const COMPANY_SEARCH_DOMAINS = 150;
/**
 * Emails per contact search: two groups of 100. An email names at most one contact, so the answer always
 * fits one page (≤200) and every search activity sends exactly one request, as the search queue's rate
 * assumes; five groups of 100 would page whenever more than 40% of the emails are known.
 */
export const CONTACT_SEARCH_EMAILS = HUBSPOT_SEARCH_PAGE_LIMIT;
/** The company property the sync owns: a unique key that makes creating a company safe to repeat. */
export { COMPANY_KEY_PROPERTY };

export interface HubspotRecord {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
}

/** An associated record, with every association type the pair carries (the default one, labels). */
export interface TypedTarget {
  toId: string;
  /** A type with a `label` is a label someone gave the pair; the unlabelled one is the plain association. */
  types: Array<{ typeId: number; category: string; label?: string }>;
}

export interface UpsertResult {
  id: string;
  /** HubSpot's `new` flag: created by this request rather than updated. */
  created: boolean;
  properties: Record<string, string | null>;
}

/** A company the sync asked to create: created now, or found holding its sync key (created before). */
export interface CompanyRef {
  id: string;
  /** The domain it was created for: its sync key. */
  domain: string;
  properties: Record<string, string | null>;
}

export interface SchemaInfo {
  objectTypeId: string;
  fullyQualifiedName: string;
  name: string;
  properties: Array<{ name: string; type: string; hasUniqueValue: boolean }>;
  /** objectTypeIds this object is associated with (0-1 contacts, 0-2 companies). */
  associatedObjectTypeIds: string[];
}

/** The schema of this name among a portal's: by name, or its fully qualified name (`p<portal>_<name>`). */
export function schemaNamed(schemas: SchemaInfo[], name: string): SchemaInfo | undefined {
  return schemas.find(
    (s) => s.name === name || s.fullyQualifiedName === name || s.fullyQualifiedName.endsWith(`_${name}`),
  );
}

export interface PropertyInfo {
  name: string;
  type: string;
  hasUniqueValue: boolean;
  /** An enumeration's option values. */
  options: string[];
  /** Set by HubSpot alone: calculated, or with a read-only value. */
  readOnly: boolean;
}

/** A format rule an admin set on a property (the property validations API; `MAX_LENGTH`, `REGEX`, …). */
export interface PropertyRule {
  property: string;
  ruleType: string;
  ruleArguments: string[];
}

export interface HubspotGatewayOptions {
  accessToken: string;
  baseUrl: string;
  counter?: RequestCounter;
  /** A request that has not answered by then fails as a retryable NetworkError (default 60 s). */
  timeoutMs?: number;
  /**
   * The activity's cancellation: once it is aborted no new request is sent (the one in flight is waited for,
   * so that the run gives its writer lease back only after its last write answered).
   */
  signal?: AbortSignal;
  /** HubSpot's date-based API version every call names (`HUBSPOT_API_VERSION`; default 2026-09). */
  apiVersion?: string;
  /**
   * Values every company or contact the sync creates carries, to meet a portal's validation rules
   * (`HUBSPOT_COMPANY_DEFAULTS`, `HUBSPOT_CONTACT_DEFAULTS`). Never written to an existing record.
   */
  defaults?: CreateDefaults;
}

export interface CreateDefaults {
  company?: Record<string, string>;
  contact?: Record<string, string>;
}

/** The raw JSON shapes this gateway reads (2026-09 reference; the same as v3/v4 for these fields). */
interface ObjectJson {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  objectWriteTraceId?: string;
  new?: boolean;
}
interface BatchJson<R> {
  results: R[];
  errors?: BatchErrorShape[];
}
interface SearchJson {
  total: number;
  results: ObjectJson[];
  paging?: { next?: { after?: string } };
}
interface AssociationRowJson {
  from: { id: string };
  to: Array<{
    toObjectId: string | number;
    associationTypes: Array<{ typeId: number; category: string; label?: string | null }>;
  }>;
  paging?: { next?: { after?: string } };
}
interface SchemaJson {
  objectTypeId?: string;
  fullyQualifiedName?: string;
  name: string;
  properties: Array<{ name: string; type: string; hasUniqueValue?: boolean }>;
  associations: Array<{ fromObjectTypeId: string; toObjectTypeId: string }>;
}

/** Search filter operators the sync uses (HubSpot's `Filter.operator`). */
export type FilterOperator = 'IN' | 'GT' | 'EQ' | 'HAS_PROPERTY';

const DEFAULT_TIMEOUT_MS = 60_000;

class RequestTimeout extends Error {}

/** Association inputs for pairs under one USER_DEFINED label (the sync's own): to create or to archive. */
function labelledPairs(pairs: Array<{ from: string; to: string }>, labelTypeId: number) {
  return pairs.map((p) => ({
    from: { id: p.from },
    to: { id: p.to },
    types: [
      {
        associationCategory: 'USER_DEFINED',
        associationTypeId: labelTypeId,
      },
    ],
  }));
}

export class HubspotGateway {
  private readonly api: HubspotApi;
  private readonly defaults: Required<CreateDefaults>;
  private readonly counter?: RequestCounter;
  private readonly timeoutMs: number;
  private readonly signal?: AbortSignal;
  /** Named in errors that point at a wrong HUBSPOT_BASE_URL (it carries no secret). */
  private readonly baseUrl: string;

  constructor(options: HubspotGatewayOptions) {
    // numberOfApiCallRetries: 0: Temporal's retry policy is the only retry loop (no stacked retries).
    const client = new Client({
      accessToken: options.accessToken,
      basePath: options.baseUrl.replace(/\/+$/, ''),
      numberOfApiCallRetries: 0,
    });
    this.api = new HubspotApi(client, options.apiVersion ?? HUBSPOT_API_VERSION);
    this.defaults = { company: options.defaults?.company ?? {}, contact: options.defaults?.contact ?? {} };
    this.counter = options.counter;
    this.signal = options.signal;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.signal?.aborted) throw new CancelledFailure(`cancelled before HubSpot ${what}: no request sent`);
    // The client has no request timeout, and an activity learns of its own timeout only by heartbeating: a
    // hung request would hold a worker slot forever. It is abandoned here instead, and retried by Temporal.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new RequestTimeout(
              `no answer from ${this.baseUrl} in ${this.timeoutMs} ms (HUBSPOT_REQUEST_TIMEOUT_MS)`,
            ),
          ),
        this.timeoutMs,
      );
    });
    const request = fn();
    request.catch(() => undefined); // an abandoned request may still fail later: nobody is listening then
    try {
      const result = await Promise.race([request, deadline]);
      this.counter?.count('hubspot', false);
      return result;
    } catch (err) {
      this.counter?.count('hubspot', isApiError(err) && err.code === 429);
      throw translateHubspotError(err, what, this.baseUrl);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The date-based API version this gateway calls. */
  get apiVersion(): string {
    return this.api.version;
  }

  /** The paths of the API version this gateway calls (src/clients/hubspot-admin.ts builds on them). */
  get paths(): HubspotApi {
    return this.api;
  }

  /** A GET or POST outside the gateway's own calls (portal administration: hubspot-admin.ts). */
  request<T>(what: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    return method === 'GET' ? this.get<T>(what, path) : this.post<T>(what, path, body);
  }

  private get<T>(what: string, path: string): Promise<T> {
    return this.call(what, () => this.api.send<T>('GET', path));
  }

  private post<T>(what: string, path: string, body: unknown): Promise<T> {
    return this.call(what, () => this.api.send<T>('POST', path, body));
  }

  /** A batch call: its answer must carry `results` (a 2xx without them is a server fault, retried). */
  private async batch<R>(what: string, path: string, body: unknown): Promise<BatchJson<R>> {
    const response = await this.post<BatchJson<R> | undefined>(what, path, body);
    if (!Array.isArray(response?.results))
      throw failure(FailureType.HubspotServerError, `HubSpot ${what} answered without results`);
    return response;
  }

  /**
   * An association removal. 2026-09 answers 200 with a batch body whose `errors` name pairs it did not remove
   * (v4 answered 204 and nothing more): any such error fails the call, retried, so that no request is
   * committed while HubSpot still holds a pair the run removes (docs/reference/hubspot.md).
   */
  private async archive(what: string, path: string, body: unknown): Promise<void> {
    const response = await this.post<BatchJson<unknown> | undefined>(what, path, body);
    // A pair or record already gone is removed, as the run wants (a retried removal meets its own work).
    const errors = (response?.errors ?? []).filter((e) => e.category !== 'OBJECT_NOT_FOUND');
    if (errors.length > 0)
      throw failure(
        FailureType.HubspotServerError,
        `HubSpot ${what}: ${errors.length} removal(s) refused (${withoutEmails(errors[0]!.message ?? 'no message', emailRef)}${errors[0]!.category ? `, ${errors[0]!.category}` : ''})`,
      );
  }

  // ---- schema and properties -------------------------------------------------------------------

  async listSchemas(): Promise<SchemaInfo[]> {
    const response = await this.get<{ results: SchemaJson[] }>('list schemas', this.api.schemas());
    return response.results.map((schema) => ({
      objectTypeId: schema.objectTypeId ?? '',
      fullyQualifiedName: schema.fullyQualifiedName ?? '',
      name: schema.name,
      properties: schema.properties.map((p) => ({
        name: p.name,
        type: p.type,
        hasUniqueValue: p.hasUniqueValue ?? false,
      })),
      associatedObjectTypeIds: schema.associations.map((a) =>
        a.fromObjectTypeId === schema.objectTypeId ? a.toObjectTypeId : a.fromObjectTypeId,
      ),
    }));
  }

  /** The custom object's schema in this portal, found by name: object type ids differ per portal. */
  async findSchema(name: string): Promise<SchemaInfo | undefined> {
    return schemaNamed(await this.listSchemas(), name);
  }

  async createSchema(definition: {
    name: string;
    labels: { singular: string; plural: string };
    primaryDisplayProperty: string;
    requiredProperties: string[];
    searchableProperties: string[];
    secondaryDisplayProperties?: string[];
    allowsSensitiveProperties: boolean;
    properties: Array<Record<string, unknown>>;
    associatedObjects: string[];
  }): Promise<void> {
    await this.post('create schema', this.api.schemas(), definition);
  }

  async createSchemaAssociation(objectTypeId: string, toObjectTypeId: string): Promise<void> {
    await this.post(
      `create association ${objectTypeId}→${toObjectTypeId}`,
      this.api.schemas(`/${encodeURIComponent(objectTypeId)}/associations`),
      { fromObjectTypeId: objectTypeId, toObjectTypeId },
    );
  }

  /** The portal (HubSpot account) the token belongs to: `GET /account-info/2026-09/details`. */
  async portalId(): Promise<string> {
    const body = await this.get<{ portalId?: unknown }>('read account details', this.api.accountDetails());
    if (typeof body.portalId !== 'number' && typeof body.portalId !== 'string')
      throw failure(FailureType.HubspotServerError, 'HubSpot account details answered without a portalId');
    return String(body.portalId);
  }

  /** The labels of the association between two object types (USER_DEFINED ones carry a label text). */
  async listAssociationLabels(
    fromType: string,
    toType: string,
  ): Promise<Array<{ typeId: number; category: string; label?: string }>> {
    const response = await this.get<{
      results: Array<{ typeId: number; category: string; label?: string | null }>;
    }>(`list ${fromType}→${toType} association labels`, this.api.associations(fromType, toType, '/labels'));
    return response.results.map((r) => ({
      typeId: r.typeId,
      category: String(r.category),
      ...(r.label ? { label: r.label } : {}),
    }));
  }

  async createAssociationLabel(
    fromType: string,
    toType: string,
    definition: { label: string; name: string },
  ): Promise<void> {
    await this.post(
      `create ${fromType}→${toType} association label`,
      this.api.associations(fromType, toType, '/labels'),
      definition,
    );
  }

  async listProperties(objectType: string): Promise<PropertyInfo[]> {
    const response = await this.get<{
      results: Array<{
        name: string;
        type: string;
        hasUniqueValue?: boolean;
        calculated?: boolean;
        options?: Array<{ value: string }>;
        modificationMetadata?: { readOnlyValue?: boolean };
      }>;
    }>(`list ${objectType} properties`, this.api.properties(objectType));
    return response.results.map((p) => ({
      name: p.name,
      type: p.type,
      hasUniqueValue: p.hasUniqueValue ?? false,
      options: (p.options ?? []).map((o) => o.value),
      readOnly: p.calculated === true || p.modificationMetadata?.readOnlyValue === true,
    }));
  }

  /** The format rules set on a type's properties (`GET /crm/property-validations/2026-09/{objectTypeId}`). */
  async listPropertyRules(objectTypeId: string): Promise<PropertyRule[]> {
    const response = await this.get<{
      results: Array<{
        propertyName: string;
        propertyValidationRules: Array<{ ruleType: string; ruleArguments?: string[] }>;
      }>;
    }>(`list ${objectTypeId} property validation rules`, this.api.propertyValidations(objectTypeId));
    return response.results.flatMap((r) =>
      r.propertyValidationRules.map((rule) => ({
        property: r.propertyName,
        ruleType: rule.ruleType,
        ruleArguments: rule.ruleArguments ?? [],
      })),
    );
  }

  async createProperty(objectType: string, property: Record<string, unknown>): Promise<void> {
    await this.post(
      `create ${objectType} property ${String(property.name)}`,
      this.api.properties(objectType),
      property,
    );
  }

  // ---- companies ---------------------------------------------------------------------------------

  /**
   * Companies whose `domain` is one of `domains` (or its `www.` form), or whose sync key is one of them, all
   * pages; the sync key is always among the properties read. HubSpot's string filters ignore case. Records
   * created seconds ago may be missing (search-index lag): callers never rely on search to find what they
   * just created.
   */
  async searchCompaniesByDomain(domains: string[], properties: string[]): Promise<HubspotRecord[]> {
    if (domains.length > COMPANY_SEARCH_DOMAINS)
      throw new Error(`at most ${COMPANY_SEARCH_DOMAINS} domains per search`);
    if (domains.length === 0) return [];
    const values = domains.flatMap((d) => [d, `www.${d}`]);
    const groups = [...inGroups('domain', values), ...inGroups(COMPANY_KEY_PROPERTY, domains)];
    if (groups.length > HUBSPOT_SEARCH_GROUPS)
      throw new Error(`more than ${HUBSPOT_SEARCH_GROUPS} filter groups`);
    return this.searchAll('companies', groups, [...new Set([...properties, COMPANY_KEY_PROPERTY])]);
  }

  /**
   * Creates companies, create-only: a batch create never writes to an existing record, so a company someone
   * edited keeps its edits. Each carries the sync key, which HubSpot keeps unique: a create repeated after its
   * first attempt landed (a lost answer, a retried activity) is refused, and the refused inputs are looked up
   * by key with a batch read, which unlike search has no index lag. Those come back as `existing`, with the
   * `properties` asked for.
   */
  async createCompanies(
    companies: Array<{ domain: string; name: string }>,
    properties: string[],
  ): Promise<{ created: CompanyRef[]; existing: CompanyRef[]; errors: RecordError[] }> {
    if (companies.length === 0) return { created: [], existing: [], errors: [] };
    if (companies.length > HUBSPOT_BATCH_LIMIT)
      throw new Error(`at most ${HUBSPOT_BATCH_LIMIT} inputs per batch`);
    const keys = companies.map((c) => c.domain);
    const companyOf = new Map(companies.map((c) => [c.domain, c]));
    // A distinct objectWriteTraceId on every input makes HubSpot answer per record: one refused input does not
    // sink the batch, and the trace id names the input an error is about. Should HubSpot still refuse a whole
    // batch for one input's values, it is split down to that input (splitOnRefusal).
    const outcome = await this.splitOnRefusal(keys, async (part) => {
      const response = await this.batch<ObjectJson>(
        'batch create companies',
        this.api.objects('companies', '/batch/create'),
        {
          inputs: part.map((domain) => ({
            properties: {
              ...this.defaults.company,
              domain,
              name: companyOf.get(domain)!.name,
              [COMPANY_KEY_PROPERTY]: domain,
            },
            associations: [],
            objectWriteTraceId: domain,
          })),
        },
      );
      return {
        results: response.results.map((r) => ({
          id: r.id,
          domain: r.properties[COMPANY_KEY_PROPERTY] ?? r.objectWriteTraceId ?? '',
          properties: r.properties,
        })),
        errors: recordErrors(response, part),
      };
    });
    const created = outcome.results;
    const createdKeys = new Set(created.map((c) => c.domain));
    const refused = keys.filter((k) => !createdKeys.has(k));
    if (refused.length === 0) return { created, existing: [], errors: [] };
    const found = await this.batchRead('companies', refused, COMPANY_KEY_PROPERTY, [
      ...new Set([...properties, 'domain', COMPANY_KEY_PROPERTY]),
    ]);
    const existing = found.map((r) => ({
      id: r.id,
      domain: r.properties[COMPANY_KEY_PROPERTY] ?? '',
      properties: r.properties,
    }));
    const existingKeys = new Set(existing.map((c) => c.domain));
    const errors = refused
      .filter((key) => !existingKeys.has(key))
      .map(
        (key): RecordError =>
          outcome.errors.find((e) => e.key === key) ?? {
            key,
            message: 'HubSpot created no company and holds none with this key',
          },
      );
    return { created, existing, errors };
  }

  // ---- contacts ----------------------------------------------------------------------------------

  /**
   * Contacts whose primary email is one of `emails` (at most 200: OR-ed groups of 100), all pages, on
   * the search budget. Search lags writes by seconds: never use it to find what this run just created.
   */
  async searchContactsByEmail(emails: string[]): Promise<Array<{ id: string; email: string }>> {
    if (emails.length > CONTACT_SEARCH_EMAILS)
      throw new Error(`at most ${CONTACT_SEARCH_EMAILS} emails per search`);
    if (emails.length === 0) return [];
    const records = await this.searchAll('contacts', inGroups('email', emails), ['email']);
    return records.map((r) => ({ id: r.id, email: (r.properties.email ?? '').toLowerCase() }));
  }

  /** Contacts by email (a consistent read, unlike search). Unknown emails are simply absent. */
  async readContactsByEmail(emails: string[]): Promise<Array<{ id: string; email: string }>> {
    const records = await this.batchRead('contacts', emails, 'email', ['email']);
    return records.map((r) => ({ id: r.id, email: (r.properties.email ?? '').toLowerCase() }));
  }

  /**
   * Creates contacts, create-only: a batch create never writes to an existing contact, so a contact that
   * search missed (index lag, an email held as a secondary one) keeps its names. HubSpot refuses those with a
   * 409 CONFLICT; they are read back by email (a consistent read) and come back as `existing`, untouched. A
   * distinct objectWriteTraceId on every input (a position, never the email) makes HubSpot answer per record:
   * one refused contact does not sink the batch. Errors are keyed by email, for the caller only.
   */
  async createContacts(contacts: Array<{ email: string; firstname?: string; lastname?: string }>): Promise<{
    created: Array<{ id: string; email: string }>;
    existing: Array<{ id: string; email: string }>;
    errors: RecordError[];
  }> {
    if (contacts.length === 0) return { created: [], existing: [], errors: [] };
    if (contacts.length > HUBSPOT_BATCH_LIMIT)
      throw new Error(`at most ${HUBSPOT_BATCH_LIMIT} inputs per batch`);
    const traces = contacts.map((_, i) => `contact-${i}`);
    const contactOfTrace = new Map(traces.map((t, i) => [t, contacts[i]!]));
    const emailOfTrace = new Map(traces.map((t, i) => [t, contacts[i]!.email]));
    const outcome = await this.splitOnRefusal(traces, async (part) => {
      const response = await this.batch<ObjectJson>(
        'batch create contacts',
        this.api.objects('contacts', '/batch/create'),
        {
          inputs: part.map((trace) => {
            const c = contactOfTrace.get(trace)!;
            // The operator's defaults fill what the voter lacks; the voter's own values come first.
            const properties = {
              ...this.defaults.contact,
              ...(Object.fromEntries(
                Object.entries({ email: c.email, firstname: c.firstname, lastname: c.lastname }).filter(
                  ([, v]) => v,
                ),
              ) as Record<string, string>),
            };
            return { properties, associations: [], objectWriteTraceId: trace };
          }),
        },
      );
      return {
        results: response.results.map((r) => ({
          id: r.id,
          email: (r.properties.email ?? emailOfTrace.get(r.objectWriteTraceId ?? '') ?? '').toLowerCase(),
        })),
        errors: recordErrors(response, part),
      };
    });
    const created = outcome.results;
    const createdEmails = new Set(created.map((c) => c.email));
    const refused = contacts.map((c) => c.email).filter((email) => !createdEmails.has(email));
    const existing = refused.length > 0 ? await this.readContactsByEmail(refused) : [];
    const existingEmails = new Set(existing.map((c) => c.email));
    const reported = outcome.errors.map((e) => ({ ...e, key: e.key ? emailOfTrace.get(e.key) : undefined }));
    const errors = refused
      .filter((email) => !existingEmails.has(email))
      .map(
        (email): RecordError =>
          reported.find((e) => e.key === email) ?? {
            key: email,
            message: 'HubSpot created no contact and holds none with this email',
          },
      );
    return { created, existing, errors };
  }

  /**
   * Sends a batch, and when HubSpot refuses all of it for one input's values (a 400 for the whole batch, as it
   * answers batches without per-record outcomes), sends each half again, down to the one input at fault, which
   * becomes that input's error. One bad record is then one failure, and its neighbours are written.
   */
  private async splitOnRefusal<R>(
    keys: string[],
    send: (keys: string[]) => Promise<{ results: R[]; errors: RecordError[] }>,
  ): Promise<{ results: R[]; errors: RecordError[] }> {
    try {
      return await send(keys);
    } catch (err) {
      if (!isRecordRefusal(err)) throw err;
      if (keys.length === 1) return { results: [], errors: [refusedRecord(err, keys[0]!)] };
      const half = Math.ceil(keys.length / 2);
      const parts: Array<{ results: R[]; errors: RecordError[] }> = [];
      for (const part of [keys.slice(0, half), keys.slice(half)]) {
        try {
          parts.push(await this.splitOnRefusal(part, send));
        } catch (inner) {
          if (!isRecordRefusal(inner)) throw inner;
          parts.push({ results: [], errors: part.map((key) => refusedRecord(inner, key)) });
        }
      }
      // Refused whatever the half: the request is at fault, not one record (a property every input sets is
      // missing, say). One failure then, as HubSpot gave it, not one per record. Unless a portal validation
      // rule refused them (it names the properties it requires): that is each record's own failure.
      if (
        parts.every((p) => p.results.length === 0) &&
        refusedRecord(err, '').requiredProperties === undefined
      )
        throw err;
      return {
        results: parts.flatMap((p) => p.results),
        errors: parts.flatMap((p) => p.errors),
      };
    }
  }

  // ---- custom object records ---------------------------------------------------------------------

  async batchRead(
    objectType: string,
    ids: string[],
    idProperty: string | undefined,
    properties: string[],
  ): Promise<HubspotRecord[]> {
    if (ids.length === 0) return [];
    if (ids.length > HUBSPOT_BATCH_LIMIT) throw new Error(`at most ${HUBSPOT_BATCH_LIMIT} inputs per batch`);
    const response = await this.batch<ObjectJson>(
      `batch read ${objectType}`,
      this.api.objects(objectType, '/batch/read'),
      {
        inputs: ids.map((id) => ({ id })),
        properties,
        propertiesWithHistory: [],
        ...(idProperty ? { idProperty } : {}),
      },
    );
    // 207 errors here are "not found", which is an answer, not a failure.
    return response.results.map((r) => ({
      id: r.id,
      properties: r.properties,
      createdAt: new Date(r.createdAt).toISOString(),
    }));
  }

  async upsert(
    objectType: string,
    inputs: Array<{ id: string; idProperty: string; properties: Record<string, string> }>,
    keys: string[],
  ): Promise<{ results: UpsertResult[]; errors: RecordError[] }> {
    if (inputs.length === 0) return { results: [], errors: [] };
    if (inputs.length > HUBSPOT_BATCH_LIMIT)
      throw new Error(`at most ${HUBSPOT_BATCH_LIMIT} inputs per batch`);
    const inputOf = new Map(keys.map((key, i) => [key, inputs[i]!]));
    // HubSpot documents per-record outcomes for batch create only: a refused upsert input may refuse the
    // whole batch, which is then split down to the input at fault.
    return this.splitOnRefusal(keys, async (part) => {
      // A trace id per input (the upsert inputs take one, as the creates do) lets an answer name its record.
      const partInputs = part.map((key) => ({ ...inputOf.get(key)!, objectWriteTraceId: key }));
      const response = await this.batch<ObjectJson>(
        `batch upsert ${objectType}`,
        this.api.objects(objectType, '/batch/upsert'),
        { inputs: partInputs },
      );
      const results = response.results.map((r) => ({
        id: r.id,
        created: r.new === true,
        properties: r.properties,
      }));
      const errors = recordErrors(response, part);
      // HubSpot's errors often name only the property at fault. When the inputs missing from the results are
      // exactly as many as the errors no key was found for, they are the same records, in order.
      const idProperty = partInputs[0]!.idProperty;
      const written = new Set(results.map((r) => (r.properties[idProperty] ?? '').toLowerCase()));
      const missing = part.filter((k) => !written.has(k.toLowerCase()) && !errors.some((e) => e.key === k));
      const unkeyed = errors.filter((e) => e.key === undefined);
      if (unkeyed.length > 0 && unkeyed.length === missing.length)
        unkeyed.forEach((e, i) => (e.key = missing[i]));
      return { results, errors };
    });
  }

  async batchUpdate(
    objectType: string,
    inputs: Array<{ id: string; properties: Record<string, string> }>,
  ): Promise<{ updated: string[]; errors: RecordError[] }> {
    if (inputs.length === 0) return { updated: [], errors: [] };
    if (inputs.length > HUBSPOT_BATCH_LIMIT)
      throw new Error(`at most ${HUBSPOT_BATCH_LIMIT} inputs per batch`);
    const response = await this.batch<ObjectJson>(
      `batch update ${objectType}`,
      this.api.objects(objectType, '/batch/update'),
      { inputs },
    );
    return {
      updated: response.results.map((r) => r.id),
      errors: recordErrors(
        response,
        inputs.map((i) => i.id),
      ),
    };
  }

  /** One page (≤200) of records matching the filters, and the cursor of the next page. */
  async searchPage(
    objectType: string,
    filterGroups: Array<{
      filters: Array<{
        propertyName: string;
        operator: FilterOperator;
        value?: string;
        values?: string[];
      }>;
    }>,
    properties: string[],
    after?: string,
    limit = HUBSPOT_SEARCH_PAGE_LIMIT,
  ): Promise<{ records: HubspotRecord[]; after?: string; total: number }> {
    const response = await this.post<SearchJson>(
      `search ${objectType}`,
      this.api.objects(objectType, '/search'),
      {
        filterGroups,
        properties,
        limit,
        sorts: ['hs_object_id'],
        ...(after ? { after } : {}),
      },
    );
    return {
      records: response.results.map((r) => ({
        id: r.id,
        properties: r.properties,
        createdAt: new Date(r.createdAt).toISOString(),
      })),
      after: response.paging?.next?.after,
      total: response.total,
    };
  }

  /** Every record of the type, one page (≤200, keyset on the id) per call: no 10,000-result ceiling. */
  async scanPage(
    objectType: string,
    properties: string[],
    afterId?: string,
  ): Promise<{ records: HubspotRecord[]; nextAfterId?: string }> {
    const filters = afterId
      ? [{ filters: [{ propertyName: 'hs_object_id', operator: 'GT' as const, value: afterId }] }]
      : [];
    const page = await this.searchPage(objectType, filters, properties);
    const lastId = page.records.at(-1)?.id;
    return { records: page.records, ...(page.after && lastId ? { nextAfterId: lastId } : {}) };
  }

  private async searchAll(
    objectType: string,
    filterGroups: Parameters<HubspotGateway['searchPage']>[1],
    properties: string[],
  ): Promise<HubspotRecord[]> {
    const records: HubspotRecord[] = [];
    let after: string | undefined;
    do {
      const page = await this.searchPage(objectType, filterGroups, properties, after);
      records.push(...page.records);
      after = page.after;
    } while (after);
    return records;
  }

  // ---- associations (v4) -------------------------------------------------------------------------

  /** For each `from` id, the ids it is associated with in `toType`, all pages. */
  async readAssociations(
    fromType: string,
    toType: string,
    fromIds: string[],
  ): Promise<Map<string, string[]>> {
    const typed = await this.readTypedAssociations(fromType, toType, fromIds);
    return new Map([...typed].map(([from, targets]) => [from, targets.map((t) => t.toId)]));
  }

  /** For each `from` id, what it is associated with in `toType` and under which association types. */
  async readTypedAssociations(
    fromType: string,
    toType: string,
    fromIds: string[],
  ): Promise<Map<string, TypedTarget[]>> {
    const result = new Map<string, TypedTarget[]>(fromIds.map((id) => [id, []]));
    if (fromIds.length === 0) return result;
    if (fromIds.length > HUBSPOT_ASSOCIATION_READ_LIMIT)
      throw new Error(`at most ${HUBSPOT_ASSOCIATION_READ_LIMIT} ids per read`);
    let pending: Array<{ id: string; after?: string }> = fromIds.map((id) => ({ id }));
    while (pending.length > 0) {
      const inputs = pending;
      const response = await this.batch<AssociationRowJson>(
        `read ${fromType}→${toType} associations`,
        this.api.associations(fromType, toType, '/batch/read'),
        { inputs },
      );
      pending = [];
      // "Nothing associated" comes back as a per-input error, routinely. Any other error is a read that
      // failed: taken for "no associations", it would keep stale pairs and commit the request anyway.
      const failed = (response.errors ?? []).filter(
        (e) => (e as { subCategory?: string }).subCategory !== NO_ASSOCIATIONS_FOUND,
      );
      if (failed.length > 0)
        throw failure(
          FailureType.HubspotServerError,
          `HubSpot read ${fromType}→${toType} associations: ${failed.length} of ${inputs.length} reads failed ` +
            `(${withoutEmails(failed[0]!.message ?? 'no message', emailRef)}${failed[0]!.category ? `, ${failed[0]!.category}` : ''})`,
        );
      for (const row of response.results) {
        const fromId = String(row.from.id);
        const list = result.get(fromId) ?? [];
        for (const to of row.to)
          list.push({
            toId: String(to.toObjectId),
            types: to.associationTypes.map((t) => ({
              typeId: t.typeId,
              category: String(t.category),
              ...(t.label ? { label: t.label } : {}),
            })),
          });
        result.set(fromId, list);
        const after = row.paging?.next?.after;
        if (after) pending.push({ id: fromId, after });
      }
    }
    return result;
  }

  /**
   * Associates pairs: under `labelTypeId` (the sync's own label, USER_DEFINED) when given, else with the
   * default type (runs of older versions).
   */
  async createAssociations(
    fromType: string,
    toType: string,
    pairs: Array<{ from: string; to: string }>,
    labelTypeId?: number,
  ): Promise<RecordError[]> {
    if (pairs.length === 0) return [];
    if (pairs.length > HUBSPOT_BATCH_LIMIT) throw new Error(`at most ${HUBSPOT_BATCH_LIMIT} pairs per batch`);
    const keys = pairs.map((p) => p.from);
    if (labelTypeId !== undefined) {
      const response = await this.batch<unknown>(
        `associate ${fromType}→${toType}`,
        this.api.associations(fromType, toType, '/batch/create'),
        { inputs: labelledPairs(pairs, labelTypeId) },
      );
      return recordErrors(response, keys);
    }
    const response = await this.batch<unknown>(
      `associate ${fromType}→${toType}`,
      this.api.associations(fromType, toType, '/batch/associate/default'),
      { inputs: pairs.map((p) => ({ from: { id: p.from }, to: { id: p.to } })) },
    );
    return recordErrors(response, keys);
  }

  /** Removes whole pairs: every association type between the two records. */
  async archiveAssociations(
    fromType: string,
    toType: string,
    pairs: Array<{ from: string; to: string }>,
  ): Promise<void> {
    if (pairs.length === 0) return;
    if (pairs.length > HUBSPOT_BATCH_LIMIT) throw new Error(`at most ${HUBSPOT_BATCH_LIMIT} pairs per batch`);
    const grouped = new Map<string, string[]>();
    for (const p of pairs) grouped.set(p.from, [...(grouped.get(p.from) ?? []), p.to]);
    await this.archive(
      `remove ${fromType}→${toType} associations`,
      this.api.associations(fromType, toType, '/batch/archive'),
      { inputs: [...grouped].map(([from, to]) => ({ from: { id: from }, to: to.map((id) => ({ id })) })) },
    );
  }

  /** Removes one label from pairs, leaving the pairs and their other labels (someone else's) in place. */
  async archiveAssociationLabel(
    fromType: string,
    toType: string,
    pairs: Array<{ from: string; to: string }>,
    labelTypeId: number,
  ): Promise<void> {
    if (pairs.length === 0) return;
    if (pairs.length > HUBSPOT_BATCH_LIMIT) throw new Error(`at most ${HUBSPOT_BATCH_LIMIT} pairs per batch`);
    await this.archive(
      `remove a ${fromType}→${toType} association label`,
      this.api.associations(fromType, toType, '/batch/labels/archive'),
      { inputs: labelledPairs(pairs, labelTypeId) },
    );
  }
}

/** OR-ed filter groups of one `IN` filter each, 100 values per group. */
function inGroups(
  propertyName: string,
  values: string[],
): Array<{ filters: Array<{ propertyName: string; operator: FilterOperator; values: string[] }> }> {
  const groups = [];
  for (let i = 0; i < values.length; i += HUBSPOT_SEARCH_IN_LIMIT)
    groups.push({
      filters: [
        {
          propertyName,
          operator: 'IN' as const,
          values: values.slice(i, i + HUBSPOT_SEARCH_IN_LIMIT),
        },
      ],
    });
  return groups;
}
