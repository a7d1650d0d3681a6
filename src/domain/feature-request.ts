// The `feature_request` custom object: its HubSpot schema and the property values a source post maps to.
import { normalizeEmail } from './email';
import type { Rollup } from './rollup';
import type { SourcePost } from './types';

const EXTERNAL_ID_PREFIX = 'canny:';
/** HubSpot's cap on a string property value. */
const MAX_PROPERTY_LENGTH = 65_536;
export const TRUNCATION_MARKER = '… [truncated]';
const UNTITLED = '(untitled)';

export const externalIdOf = (postId: string): string => `${EXTERNAL_ID_PREFIX}${postId}`;

/** The post id inside an external id, or null when it is not one of ours. */
export function postIdOfExternalId(externalId: string): string | null {
  if (!externalId.startsWith(EXTERNAL_ID_PREFIX)) return null;
  const postId = externalId.slice(EXTERNAL_ID_PREFIX.length);
  return postId === '' ? null : postId;
}

/**
 * The text cut so that it plus the marker fits in `limit`. Length is counted in UTF-16 code units, which is
 * never less than the character count HubSpot applies, and a surrogate pair is never split in half.
 */
export function truncateDescription(text: string, limit = MAX_PROPERTY_LENGTH): string {
  if (text.length <= limit) return text;
  let cut = Math.max(0, limit - TRUNCATION_MARKER.length);
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return text.slice(0, cut) + TRUNCATION_MARKER;
}

/** Plain decimal, at most two fraction digits, never an exponent or `-0`. */
function decimal(value: number): string {
  if (!Number.isFinite(value)) return '0';
  const rounded = Math.round(value * 100) / 100;
  if (rounded === 0) return '0';
  if (Math.abs(rounded) >= 1e21) return BigInt(Math.round(rounded)).toString();
  return rounded.toFixed(2).replace(/\.?0+$/, '');
}

function isoDateTime(value: string | null): string {
  if (value === null) return '';
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString();
}

/**
 * Every property the sync owns for an active request, except `sync_fingerprint` (computed over these).
 * `author_email` is the author's as given, admin or not: it describes the post, unlike the rollups.
 */
export function featureRequestProperties(
  post: SourcePost,
  rollup: Pick<Rollup, 'votingCompanyCount' | 'votingCompanyArr'>,
): Record<string, string> {
  return {
    external_id: externalIdOf(post.id),
    // `name` is the primary display property, which HubSpot requires to be non-empty.
    name: truncateDescription(post.title.trim() || UNTITLED),
    description: truncateDescription(post.details),
    status: post.status,
    board: post.board.name,
    category: post.category ?? '',
    // Sorted so a source that reorders tags does not make the record look changed.
    tags: [...new Set(post.tags.map((tag) => tag.trim()).filter((tag) => tag !== ''))].sort().join(';'),
    url: post.url,
    vote_count: decimal(post.score),
    voting_company_count: decimal(rollup.votingCompanyCount),
    voting_company_arr: decimal(rollup.votingCompanyArr),
    author_email: normalizeEmail(post.author?.email) ?? '',
    source_created_at: isoDateTime(post.createdAt),
    source_state: 'active',
    merged_into: '',
  };
}

/** A request merged into another: only the state changes; rollups and associations stay as last synced. */
// Marking a request merged or deleted clears its fingerprint: should its post be listed again, the next run
// finds it changed and writes it back as active.
export function mergedProperties(survivorPostId: string): Record<string, string> {
  return { source_state: 'merged', merged_into: externalIdOf(survivorPostId), sync_fingerprint: '' };
}

export function deletedProperties(): Record<string, string> {
  return { source_state: 'deleted', merged_into: '', sync_fingerprint: '' };
}

export type AssociatedObject = 'COMPANY' | 'CONTACT';

export interface PropertyDefinition {
  name: string;
  label: string;
  type: 'string' | 'number' | 'datetime' | 'enumeration';
  fieldType: 'text' | 'textarea' | 'number' | 'date' | 'select';
  groupName: string;
  hasUniqueValue?: boolean;
  options?: Array<{ label: string; value: string; displayOrder: number }>;
}

export interface ObjectSchema {
  name: string;
  labels: { singular: string; plural: string };
  primaryDisplayProperty: string;
  requiredProperties: string[];
  searchableProperties: string[];
  associatedObjects: AssociatedObject[];
  properties: PropertyDefinition[];
}

// HubSpot creates this group for every custom object; creating a property later requires a group name.
const GROUP = 'feature_request_information';
const text = (name: string, label: string): PropertyDefinition => ({
  name,
  label,
  type: 'string',
  fieldType: 'text',
  groupName: GROUP,
});
const numeric = (name: string, label: string): PropertyDefinition => ({
  name,
  label,
  type: 'number',
  fieldType: 'number',
  groupName: GROUP,
});

const SOURCE_STATES = ['active', 'merged', 'deleted'] as const;

export const FEATURE_REQUEST_SCHEMA: ObjectSchema = {
  name: 'feature_request',
  labels: { singular: 'Feature Request', plural: 'Feature Requests' },
  primaryDisplayProperty: 'name',
  requiredProperties: ['name'],
  searchableProperties: ['name', 'external_id', 'author_email'],
  associatedObjects: ['COMPANY', 'CONTACT'],
  properties: [
    { ...text('external_id', 'External ID'), hasUniqueValue: true },
    text('name', 'Name'),
    { ...text('description', 'Description'), fieldType: 'textarea' },
    text('status', 'Status'),
    text('board', 'Board'),
    text('category', 'Category'),
    text('tags', 'Tags'),
    text('url', 'URL'),
    numeric('vote_count', 'Vote count'),
    numeric('voting_company_count', 'Voting company count'),
    numeric('voting_company_arr', 'Voting company ARR'),
    text('author_email', 'Author email'),
    {
      name: 'source_created_at',
      label: 'Created in source',
      type: 'datetime',
      fieldType: 'date',
      groupName: GROUP,
    },
    {
      name: 'source_state',
      label: 'Source state',
      type: 'enumeration',
      fieldType: 'select',
      groupName: GROUP,
      options: SOURCE_STATES.map((value, displayOrder) => ({
        label: value[0]!.toUpperCase() + value.slice(1),
        value,
        displayOrder,
      })),
    },
    text('merged_into', 'Merged into'),
    text('sync_fingerprint', 'Sync fingerprint'),
  ],
};

/** What the portal has, as read by `hubspot setup`. */
export interface ActualSchema {
  exists: boolean;
  properties: Record<string, { type: string; hasUniqueValue?: boolean; options?: string[] }>;
  /** Associated object types: `COMPANY`/`CONTACT`, `companies`/`contacts` or `0-2`/`0-1` all accepted. */
  associatedObjects: string[];
}

/**
 * The association label the sync writes its pairs under (request → company, request → contact), which
 * `hubspot setup` creates: the sync adds and removes only associations that carry it, and leaves every
 * association a person made. Found by its label text (HubSpot's label list does not return the name).
 */
export const SYNC_ASSOCIATION_LABEL = { label: 'Feedback sync', name: 'feedback_sync' } as const;

export interface SchemaProblem {
  kind:
    | 'object-missing'
    /** The portal refuses custom objects (403): its subscription has none, or the token lacks the scope. */
    | 'object-unavailable'
    | 'property-missing'
    | 'property-mismatch'
    | 'association-missing'
    | 'label-missing'
    /** Custom association labels need Professional or Enterprise: the portal refused to create one. */
    | 'label-unavailable'
    /** Tickets target: the Feature requests pipeline, one of its stages, or the property group. */
    | 'pipeline-missing'
    /** A ticket pipeline labelled Feature requests that a person made: none of its stages is a status. */
    | 'pipeline-taken'
    | 'stage-missing'
    | 'group-missing'
    /** The portal has no room for what setup creates (custom properties, a ticket pipeline). */
    | 'limit-reached'
    /** The portal's other target already holds requests (HUBSPOT_TARGET). */
    | 'target-refused';
  /** The object, property or associated object concerned. */
  subject: string;
  message: string;
}

const ASSOCIATION_ALIASES: Record<string, AssociatedObject> = {
  company: 'COMPANY',
  companies: 'COMPANY',
  '0-2': 'COMPANY',
  contact: 'CONTACT',
  contacts: 'CONTACT',
  '0-1': 'CONTACT',
};

/**
 * What the portal lacks or has differently from `expected`; empty when set up. A missing object is reported
 * alone: creating it creates its properties and associations too.
 */
export function diffSchema(expected: ObjectSchema, actual: ActualSchema): SchemaProblem[] {
  if (!actual.exists) {
    return [
      { kind: 'object-missing', subject: expected.name, message: `object ${expected.name} does not exist` },
    ];
  }
  const problems: SchemaProblem[] = [];
  for (const property of expected.properties) {
    const found = actual.properties[property.name];
    const subject = property.name;
    if (found === undefined) {
      problems.push({ kind: 'property-missing', subject, message: `property ${subject} is missing` });
      continue;
    }
    if (found.type !== property.type) {
      problems.push({
        kind: 'property-mismatch',
        subject,
        message: `property ${subject} has type ${found.type}, expected ${property.type}`,
      });
    }
    if ((property.hasUniqueValue ?? false) !== (found.hasUniqueValue ?? false)) {
      problems.push({
        kind: 'property-mismatch',
        subject,
        message: property.hasUniqueValue
          ? `property ${subject} must have unique values (upserts use it as idProperty)`
          : `property ${subject} has unique values, expected none`,
      });
    }
    const missingOptions = (property.options ?? [])
      .map((option) => option.value)
      .filter((value) => found.options !== undefined && !found.options.includes(value));
    if (missingOptions.length > 0) {
      problems.push({
        kind: 'property-mismatch',
        subject,
        message: `property ${subject} lacks options ${missingOptions.join(', ')}`,
      });
    }
  }
  const associated = new Set(
    actual.associatedObjects.map((name) => ASSOCIATION_ALIASES[name.toLowerCase()] ?? name.toUpperCase()),
  );
  for (const object of expected.associatedObjects) {
    if (!associated.has(object)) {
      problems.push({
        kind: 'association-missing',
        subject: object,
        message: `association ${expected.name} → ${object} is missing`,
      });
    }
  }
  return problems;
}
