// HubSpot's error and batch bodies, and reading a request's body the way HubSpot does: a handler throws a
// HubspotError and the router answers it with HubSpot's error body; a batch answers with its results and the
// per-input errors.
import { randomUUID } from 'node:crypto';
import type { SimRequest } from '../http-kit';
import type { Json } from './model';
import { iso } from './values';

/** Thrown by handlers; the router turns it into HubSpot's error body. */
export class HubspotError extends Error {
  constructor(
    readonly status: number,
    readonly category: string,
    message: string,
    readonly extra: { errors?: Json[]; context?: Record<string, string[]>; subCategory?: string } = {},
  ) {
    super(message);
  }
}

export function errorBody(category: string, message: string, extra: HubspotError['extra'] = {}): Json {
  return { status: 'error', message, correlationId: randomUUID(), category, ...extra };
}

/** A batch answer: `results`, and `errors` with `numErrors` when some inputs failed. */
export function batchBody(results: unknown[], errors: HubspotError[], startedAt = iso(Date.now())): Json {
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

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function bodyObject(req: SimRequest): Json {
  if (!isObject(req.body))
    throw new HubspotError(400, 'VALIDATION_ERROR', 'Invalid input JSON: expected an object');
  return req.body;
}

/** A batch's `inputs`, refused whole when it is not an array or holds more than `max`. */
export function inputsOf(req: SimRequest, max: number): Json[] {
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

export function stringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value === 'string' && value) return value.split(',');
  return [];
}

/** An id as HubSpot accepts one: a string, a number, or `{id}`. */
export function idOf(value: unknown): string | undefined {
  if (typeof value === 'string' && value) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (isObject(value)) return idOf(value.id);
  return undefined;
}
