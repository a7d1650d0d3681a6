// The HubSpot simulator's API versions (docs/reference/hubspot.md, "The dated API"): which paths a route answers
// on, what an unsupported version answers, and how the dated answers differ from v3/v4.

/** Date versions the simulator serves. */
export const SERVED_DATE_VERSIONS = ['2026-03', '2026-09'];

/** What the numbered paths (v1–v4) answer: served as before, or refused as HubSpot does once unsupported. */
export type NumberedApis = 'serve' | 'refuse';

/**
 * The dated form of a numbered route template, or undefined when HubSpot has none (the old
 * `/crm/v3/schemas` alias). `:apiVersion` is the date.
 */
export function datedTemplate(template: string): string | undefined {
  const rules: Array<[RegExp, string]> = [
    [/^\/crm\/v3\/objects\//, '/crm/objects/:apiVersion/'],
    [/^\/crm-object-schemas\/v3\/schemas/, '/crm-object-schemas/:apiVersion/schemas'],
    [/^\/crm\/v3\/properties\//, '/crm/properties/:apiVersion/'],
    [/^\/crm\/v3\/property-validations\//, '/crm/property-validations/:apiVersion/'],
    [/^\/account-info\/v3\//, '/account-info/:apiVersion/'],
    [/^\/crm\/v4\/associations\//, '/crm/associations/:apiVersion/'],
    [/^\/crm\/v3\/pipelines\//, '/crm/pipelines/:apiVersion/'],
    [/^\/crm\/v3\/limits\//, '/crm/limits/:apiVersion/'],
  ];
  for (const [pattern, dated] of rules) if (pattern.test(template)) return template.replace(pattern, dated);
  return undefined;
}

/** The API version a request path names: `v3`, `v4`, `2026-09`, … (or `other`). */
export function versionOfPath(path: string): string {
  const match = /^\/[^/]+(?:\/[^/]+)?\/(v\d|20\d\d-\d\d(?:-beta)?)(?:\/|$)/.exec(path);
  if (match) return match[1]!;
  const numbered = /\/(v\d)\//.exec(path);
  return numbered ? numbered[1]! : 'other';
}

/**
 * How a dated answer differs from the numbered one for the same call (HubSpot's OpenAPI files, 2026-09):
 * batch endpoints list no 207 (per-record errors come in a 200/201 body); association `batch/create` answers
 * 200 (v4: 201); association `batch/archive` and `batch/labels/archive` answer 200 with an empty batch body
 * (v4: 204); property `batch/create` answers 200 from 2026-09 (v3 and 2026-03: 201).
 */
export function datedStatus(
  method: string,
  template: string,
  version: string,
  status: number,
  body: unknown,
): { status: number; body: unknown } {
  if (method !== 'POST') return { status, body };
  const associations = template.startsWith('/crm/associations/');
  if (associations && /\/batch\/(archive|labels\/archive)$/.test(template) && status === 204) {
    const now = new Date().toISOString();
    return { status: 200, body: { status: 'COMPLETE', results: [], startedAt: now, completedAt: now } };
  }
  if (associations && template.endsWith('/batch/create') && (status === 201 || status === 207))
    return { status: 200, body };
  // Property batch create: 2026-09 answers 200 (2026-03 lists 201 and 207, as v3 does).
  if (template.startsWith('/crm/properties/') && template.endsWith('/batch/create') && status === 201)
    return { status: version.slice(0, 7) >= '2026-09' ? 200 : 201, body };
  if (status === 207)
    return { status: template.endsWith('/objects/:apiVersion/:objectType/batch/create') ? 201 : 200, body };
  return { status, body };
}
