// HubspotApi: the one place that knows HubSpot's paths. Every call goes to the date-based API
// (`/crm/objects/2026-09/…`, docs/reference/hubspot.md "The dated API"), through the official client's generic
// request: its auth and headers, its retries left off (Temporal owns them). `@hubspot/api-client` 14 generates
// only the numbered v3/v4 paths, which HubSpot stops supporting (v4 on 2027-03-30, v1–v3 in September 2027).
import type { Client } from '@hubspot/api-client';

/** The API version every call names; `HUBSPOT_API_VERSION` moves it to the next release without a code change. */
export const HUBSPOT_API_VERSION = '2026-09';
/** A date version as HubSpot names them: `YYYY-MM`, with `-beta` for a beta release. */
export const HUBSPOT_API_VERSION_PATTERN = /^20\d\d-(0[1-9]|1[0-2])(-beta)?$/;

/** What a refused call throws: the status, the body and the headers, as `translateHubspotError` reads them. */
export interface ApiError {
  code: number;
  body: unknown;
  headers: Record<string, string>;
}

export function isApiError(err: unknown): err is ApiError {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { code?: unknown }).code === 'number' &&
    'body' in err
  );
}

const segment = (value: string): string => encodeURIComponent(value);

export class HubspotApi {
  constructor(
    private readonly client: Client,
    readonly version: string = HUBSPOT_API_VERSION,
  ) {}

  // ---- paths (HubSpot's 2026-09 reference; each checked against its OpenAPI file) ----------------

  /** `/crm/objects/{v}/{objectType}{rest}`: batch create/read/update/upsert, search. */
  objects(objectType: string, rest: string): string {
    return `/crm/objects/${this.version}/${segment(objectType)}${rest}`;
  }

  /** `/crm/associations/{v}/{from}/{to}{rest}`: batch read/create/associate/archive, labels. */
  associations(fromType: string, toType: string, rest: string): string {
    return `/crm/associations/${this.version}/${segment(fromType)}/${segment(toType)}${rest}`;
  }

  /** `/crm-object-schemas/{v}/schemas{rest}`. */
  schemas(rest = ''): string {
    return `/crm-object-schemas/${this.version}/schemas${rest}`;
  }

  /** `/crm/properties/{v}/{objectType}`. */
  properties(objectType: string): string {
    return `/crm/properties/${this.version}/${segment(objectType)}`;
  }

  /** `/crm/properties/{v}/{objectType}/groups`: property groups (a tickets portal's "Feature request"). */
  propertyGroups(objectType: string): string {
    return `/crm/properties/${this.version}/${segment(objectType)}/groups`;
  }

  /** `/crm/pipelines/{v}/{objectType}{rest}`: the ticket pipelines and their stages. */
  pipelines(objectType: string, rest = ''): string {
    return `/crm/pipelines/${this.version}/${segment(objectType)}${rest}`;
  }

  /** `/crm/limits/{v}/{what}`: custom-properties, pipelines, custom-object-types (limits tracking API). */
  limits(what: 'custom-properties' | 'pipelines' | 'custom-object-types'): string {
    return `/crm/limits/${this.version}/${what}`;
  }

  /** `/crm/property-validations/{v}/{objectTypeId}`: the format rules an admin set on a type's properties. */
  propertyValidations(objectTypeId: string): string {
    return `/crm/property-validations/${this.version}/${segment(objectTypeId)}`;
  }

  /** `/account-info/{v}/details`. */
  accountDetails(): string {
    return `/account-info/${this.version}/details`;
  }

  // ---- the request ---------------------------------------------------------------------------------

  /**
   * Sends one request and returns its JSON body (undefined for a 204). Any status outside 2xx throws an
   * `ApiError`; a 2xx whose body is not JSON throws the parser's SyntaxError (a base URL that is not HubSpot).
   */
  async send<T>(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown): Promise<T> {
    const response = await this.client.apiRequest({ method, path, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    if (!response.ok) {
      throw Object.assign(new Error(`HTTP ${response.status}`), {
        code: response.status,
        body: text,
        headers: Object.fromEntries(response.headers.entries()),
      } satisfies ApiError);
    }
    if (response.status === 204 || text === '') return undefined as T;
    return JSON.parse(text) as T;
  }
}
