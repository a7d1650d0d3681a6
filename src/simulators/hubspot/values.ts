// Property values as HubSpot stores, compares and matches them: the normal form of each type (or why a value is
// invalid), the order search sorts by, and CONTAINS_TOKEN's word matching. Pure functions.
import { COMPUTED, type PropertyDefinition, type PropertyType } from './model';

const MAX_STRING = 65_536;

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function numericId(a: string, b: string): number {
  return Number(a) - Number(b);
}

/** A HubSpot-defined property as the properties API lists it. */
export function standardProperty(
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

/**
 * HubSpot refuses a contact email it finds malformed (INVALID_EMAIL) where a looser check, like the sync's,
 * accepts it: here a local part with two dots in a row, or one that starts or ends with a dot (RFC 5321's
 * dot-atom; HubSpot's exact rule is *unconfirmed*, docs/reference/hubspot.md).
 */
export function acceptedEmail(email: string): boolean {
  const local = email.split('@')[0] ?? '';
  return local !== '' && !local.includes('..') && !local.startsWith('.') && !local.endsWith('.');
}

type Coerced = { value: string } | { error: string; code: string };

/** Normalises a value the way HubSpot stores it, or names why it is invalid. */
export function coerceValue(def: PropertyDefinition, raw: unknown): Coerced {
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
    case 'date':
      return coerceDate(def.type, text);
    case 'enumeration':
      return coerceOption(def, text);
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

function coerceDate(type: 'date' | 'datetime', text: string): Coerced {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) return { error: `${text} was not a valid ${type}.`, code: 'INVALID_DATE' };
  if (type === 'date') {
    if (ms % 86_400_000 !== 0) {
      return { error: `${text} is not midnight UTC, as date values must be.`, code: 'INVALID_DATE' };
    }
    return { value: iso(ms).slice(0, 10) };
  }
  return { value: iso(ms) };
}

function coerceOption(def: PropertyDefinition, text: string): Coerced {
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

function asMs(value: string): number {
  return /^-?\d+$/.test(value) ? Number(value) : Date.parse(value);
}

function isNumeric(value: string): boolean {
  return value.trim() !== '' && Number.isFinite(Number(value));
}

/** Search's order: dates as instants, numbers as numbers, anything else as case-insensitive text. */
export function compareValues(def: PropertyDefinition | undefined, a: string, b: string): number {
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

/** CONTAINS_TOKEN: a word of the value matches the token, `*` standing for any run of characters. */
export function tokenMatches(value: string, token: string): boolean {
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
