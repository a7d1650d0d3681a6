// HubSpot's refusals, turned into the sync's typed failures (src/failures.ts) and per-record errors. Each
// failure says what to do next: which variable to check, which scope to add, which rule refused a record.
import { ApplicationFailure } from '@temporalio/common';
import { withoutEmails } from '../domain/email';
import { failure, FailureType } from '../failures';
import { emailRef } from './email-ref';
import type { ApiError } from './hubspot-api';
import { isApiError } from './hubspot-api';

export interface RecordError {
  /** The input's business key (email, external id, domain) when HubSpot's answer lets us tell. */
  key?: string;
  message: string;
  category?: string;
  /**
   * A portal validation rule refused the record (2026-09 on: a required or conditionally required property):
   * the properties HubSpot named, when it named them.
   */
  requiredProperties?: string[];
}

function bodyOf(err: ApiError): {
  message?: string;
  category?: string;
  policyName?: string;
  context?: Record<string, unknown>;
  errors?: Array<{ context?: Record<string, unknown> }>;
} {
  const body = typeof err.body === 'string' ? safeJson(err.body) : err.body;
  return body ?? {};
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { message: text };
  }
}

function header(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key ? headers[key] : undefined;
}

/** The scopes a private app token or service key needs for this sync (../../../shared/reference/hubspot.md). */
export const HUBSPOT_SCOPES = [
  'crm.schemas.custom.read',
  'crm.schemas.custom.write',
  'crm.objects.custom.read',
  'crm.objects.custom.write',
  'crm.objects.companies.read',
  'crm.objects.companies.write',
  'crm.schemas.companies.write',
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
];
export const HUBSPOT_AUTH_HINT =
  `check \`HUBSPOT_ACCESS_TOKEN\` (for a run: the worker's, which reads it at start: restart it after a ` +
  `change): a private app token or service key with these scopes: ${HUBSPOT_SCOPES.join(', ')}`;

/** A string list in an error's `context` (HubSpot's `{name: [values]}` map), or none. */
function listed(context: Record<string, unknown> | undefined, ...names: string[]): string[] {
  return names.flatMap((name) => {
    const value = context?.[name];
    return Array.isArray(value) ? value.map(String) : [];
  });
}

/**
 * The scopes a 403 names: the 2026-09 error body's `context.missingScopes` (docs/reference/hubspot.md), and the
 * `requiredGranularScopes` / `requiredScopes` of its `errors[]` (the numbered versions).
 */
export function missingScopesOf(body: ReturnType<typeof bodyOf>): string[] {
  const scopes = [
    ...listed(body.context, 'missingScopes'),
    ...(body.errors ?? []).flatMap((e) =>
      listed(e.context, 'missingScopes', 'requiredGranularScopes', 'requiredScopes'),
    ),
  ];
  return [...new Set(scopes)];
}

/** A 403: the scopes HubSpot says the call needs, the token whose they are, and the tier that has none. */
function forbiddenHint(body: ReturnType<typeof bodyOf>): string {
  const scopes = missingScopesOf(body);
  const needed = scopes.length > 0 ? `it lacks ${scopes.join(', ')}` : 'it lacks a scope';
  return (
    `the token in \`HUBSPOT_ACCESS_TOKEN\` may not make this call: ${needed}. Add the scope to the private ` +
    `app or service key (for a run, the worker's token: restart the worker after a change). A portal whose ` +
    'subscription has no custom objects (Starter, Professional; they need Enterprise) answers 403 for them too'
  );
}

/** A request that never reached a server: nothing listens at the base URL, or its host does not resolve. */
const UNREACHABLE = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|bad port/;

/** Baked into the failure (message and details) so the worker's log, Slack and the CLI all show it. */
function hinted(type: FailureType, detail: string, hint: string): Error {
  return failure(type, `${detail} — ${hint}`, { details: [{ hint }] });
}

/**
 * HubSpot answers a path it does not know with a JSON error carrying a `category`; a 404 without one, or
 * an answer that is not JSON at all, comes from a server that is not HubSpot: the base URL is wrong.
 */
function notHubspot(err: ApiError): boolean {
  const body = typeof err.body === 'string' ? tryJson(err.body) : err.body;
  if (typeof err.body === 'string' && err.body.trim() !== '' && body === undefined) return true;
  return err.code === 404 && !(typeof body === 'object' && body !== null && 'category' in body);
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Turns anything the client threw into the sync's typed failure. */
export function translateHubspotError(err: unknown, what: string, baseUrl?: string): Error {
  if (!isApiError(err)) {
    const message = err instanceof Error ? err.message : String(err);
    // A 2xx with a body that is not JSON ends in the client's parser, not in an ApiException.
    if (baseUrl && err instanceof SyntaxError)
      return hinted(
        FailureType.NetworkError,
        `HubSpot ${what}: the answer from ${baseUrl} is not JSON (${message})`,
        `check HUBSPOT_BASE_URL (${baseUrl}): it must point at the HubSpot API, e.g. https://api.hubapi.com`,
      );
    // fetch says `fetch failed` and keeps the reason (ECONNREFUSED, ENOTFOUND, …) in its cause.
    const cause = (err as { cause?: unknown }).cause;
    const reasons = [err, cause]
      .flatMap((e) => [(e as { code?: unknown } | undefined)?.code, (e as Error | undefined)?.message])
      .filter((c): c is string => typeof c === 'string');
    if (baseUrl && UNREACHABLE.test(reasons.join(' ')))
      return hinted(
        FailureType.NetworkError,
        `HubSpot ${what}: ${message}`,
        `check HUBSPOT_BASE_URL (${baseUrl}): nothing answered there (unset, it is https://api.hubapi.com)`,
      );
    return failure(FailureType.NetworkError, `HubSpot ${what}: ${message}`);
  }
  const body = bodyOf(err);
  if (baseUrl && notHubspot(err))
    return hinted(
      err.code >= 500 ? FailureType.HubspotServerError : FailureType.HubspotValidation,
      `HubSpot ${what} answered ${err.code} from ${baseUrl}, not as HubSpot does`,
      `check HUBSPOT_BASE_URL (${baseUrl}): it must point at the HubSpot API, e.g. https://api.hubapi.com`,
    );
  // HubSpot quotes refused inputs, emails among them; a failure reaches logs, histories and Slack.
  const message = withoutEmails(body.message ?? 'no message', emailRef);
  const detail = `HubSpot ${what} answered ${err.code}: ${message}${body.category ? ` (${body.category})` : ''}`;
  if (err.code === 429) {
    if (body.policyName === 'DAILY') return failure(FailureType.HubspotDailyLimit, detail);
    const retryAfter = Number(header(err.headers, 'retry-after'));
    // Real 429s rarely carry Retry-After: the secondly search limit clears in a second, the
    // ten-secondly window slides, so a couple of seconds is enough for the next attempt.
    const secondly = (body.message ?? '').includes('secondly limit') && body.policyName === undefined;
    const delay =
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : secondly ? 1_000 : 2_000;
    return failure(FailureType.HubspotRateLimited, detail, { nextRetryDelayMs: delay });
  }
  if (err.code === 401) return hinted(FailureType.HubspotUnauthorized, detail, HUBSPOT_AUTH_HINT);
  if (err.code === 403) return hinted(FailureType.HubspotForbidden, detail, forbiddenHint(body));
  if (err.code >= 500) return failure(FailureType.HubspotServerError, detail);
  if (err.code === 0 || err.code === undefined) return failure(FailureType.NetworkError, detail);
  // The category tells a refused record (VALIDATION_ERROR) from a refused request (splitOnRefusal).
  // A portal validation rule names the properties it requires (`context.properties`): kept for the report.
  const required = listed(body.context, 'properties');
  return failure(FailureType.HubspotValidation, detail, {
    details: [
      { status: err.code, category: body.category ?? null, ...(required.length > 0 ? { required } : {}) },
    ],
  });
}

/** The sub-category of the per-input error an association read answers for a record with none. */
export const NO_ASSOCIATIONS_FOUND = 'crm.associations.NO_ASSOCIATIONS_FOUND';

export interface BatchErrorShape {
  message?: string;
  category?: string;
  context?: Record<string, unknown>;
}

/** A 400 VALIDATION_ERROR: HubSpot refused the values of the batch's inputs, perhaps of one of them. */
export function isRecordRefusal(err: unknown): err is ApplicationFailure {
  if (!(err instanceof ApplicationFailure) || err.type !== FailureType.HubspotValidation) return false;
  const detail = err.details?.[0] as { status?: number; category?: string | null } | undefined;
  return detail?.status === 400 && detail.category === 'VALIDATION_ERROR';
}

/** Finds which input a 207 error is about: HubSpot names it in `context` (ids, emails, ...) or the message. */
function keyOfError(error: BatchErrorShape, keys: string[]): string | undefined {
  // A traced batch create names its input exactly; a message may name a domain that contains another.
  const traced: unknown = error.context?.objectWriteTraceId;
  const trace = Array.isArray(traced) ? traced.map(String).find((t) => keys.includes(t)) : undefined;
  if (trace !== undefined) return trace;
  const context = JSON.stringify(error.context ?? {});
  const message = error.message ?? '';
  return keys.find((key) => context.includes(JSON.stringify(key)) || message.includes(key));
}

/** The per-record errors of a multi-status (207) answer, each with the input key it is about when known. */
export function recordErrors(response: unknown, keys: string[]): RecordError[] {
  const errors = (response as { errors?: BatchErrorShape[] }).errors;
  return (Array.isArray(errors) ? errors : []).map((e) => {
    const required = e.category === 'VALIDATION_ERROR' ? listed(e.context, 'properties') : [];
    return {
      key: keyOfError(e, keys),
      message: withoutEmails(e.message ?? 'unknown error', emailRef),
      category: e.category,
      ...(required.length > 0 ? { requiredProperties: required } : {}),
    };
  });
}

/** The error of the one input a whole-batch refusal was narrowed down to (`splitOnRefusal`). */
export function refusedRecord(err: ApplicationFailure, key: string): RecordError {
  const detail = err.details?.[0] as { category?: string | null; required?: string[] } | undefined;
  return {
    key,
    message: err.message,
    ...(detail?.category ? { category: detail.category } : {}),
    ...(detail?.required?.length ? { requiredProperties: detail.required } : {}),
  };
}

/** What the sync creates: how the report names it, what a refusal costs, where an operator meets a rule. */
export const CREATED_OBJECTS = {
  company: {
    label: 'company',
    costs: "its voters' requests are written without the association to it",
    defaults: 'HUBSPOT_COMPANY_DEFAULTS',
    settings: "Settings → Objects → Companies → Record creation, or the property's rules",
  },
  contact: {
    label: 'contact',
    costs: "the voter's requests are written without the association to it",
    defaults: 'HUBSPOT_CONTACT_DEFAULTS',
    settings: "Settings → Objects → Contacts → Record creation, or the property's rules",
  },
  feature_request: {
    label: 'feature request record',
    costs: 'this request is not written; the others are',
    defaults: undefined,
    settings: 'Settings → Objects → Custom objects → Feature Requests → Record creation',
  },
  /** A request kept as a ticket (HUBSPOT_TARGET): help desks often require ticket properties. */
  ticket: {
    label: 'feature request ticket',
    costs: 'this request is not written; the others are',
    defaults: undefined,
    settings:
      "Settings → Objects → Tickets → Record creation, or the Feature requests pipeline's stage rules",
  },
} as const;

/**
 * The reason a record-level failure reports. A portal validation rule (HubSpot enforces them on API writes
 * from version 2026-09 on) gets the object type, the property, the rule, what it cost and what to do; any
 * other refusal HubSpot's message.
 */
export function recordFailureReason(kind: keyof typeof CREATED_OBJECTS, error: RecordError): string {
  if (!error.requiredProperties?.length) return error.message;
  const { label, costs, defaults, settings } = CREATED_OBJECTS[kind];
  const properties = error.requiredProperties.join(', ');
  const example = error.requiredProperties.map((p) => `${p}=<value>`).join(',');
  const meet = defaults
    ? `set ${defaults}="${example}" on the worker, or change the rule in HubSpot`
    : 'change the rule in HubSpot';
  return (
    `HubSpot's validation rules refused this ${label}: the portal requires ${properties} (a required or ` +
    `conditionally required property rule). So far ${costs}, and the next run completes it once the rule is ` +
    `met: ${meet} (${settings}). HubSpot said: ${error.message}`
  );
}
