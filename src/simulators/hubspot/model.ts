// The portal's data model: object types with their property definitions, groups and records, custom object
// schemas, association definitions and pipelines, as the simulator stores them and as its API shows them.

export type Json = Record<string, unknown>;

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

/** A property group (PropertyGroup in the 2026-09 properties reference). */
export interface PropertyGroup {
  name: string;
  label: string;
  displayOrder: number;
  archived: boolean;
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

export interface StoredRecord {
  id: string;
  props: Map<string, string>;
  createdAt: number;
  updatedAt: number;
  /** What search sees over time; only kept while `searchIndexLagMs > 0`. Absent = current values. */
  versions?: Array<{ at: number; props: Map<string, string> | null }>;
}

export interface ObjectTypeState {
  objectTypeId: string;
  /** `companies`, `contacts` or the schema's name. */
  name: string;
  singular: string;
  /** The labels the limits tracking API names a type by (`Ticket`, `Tickets`). */
  labels: { singular: string; plural: string };
  aliases: Set<string>;
  schema?: SchemaRecord;
  properties: Map<string, PropertyDefinition>;
  records: Map<string, StoredRecord>;
  /** Unique-value property → stored value key → record id. */
  unique: Map<string, Map<string, string>>;
  /** Lazily built EQ/IN indexes: property → lowercased value → ids. */
  indexes: Map<string, Map<string, Set<string>>>;
  defaultProperties: string[];
  /** The group a property lands in when its create names none. */
  groupName: string;
  groups: Map<string, PropertyGroup>;
}

export interface AssociationDefinition {
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

/** A pipeline stage (PipelineStage in the 2026-09 pipelines reference). */
export interface PipelineStage {
  id: string;
  label: string;
  displayOrder: number;
  /** Tickets: `ticketState`, `OPEN` or `CLOSED`. */
  metadata: Record<string, string>;
  archived: boolean;
  createdAt: string;
  updatedAt: string;
  writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT' | 'INTERNAL_ONLY' | 'READ_ONLY';
}

/** A pipeline with its stages (Pipeline in the 2026-09 pipelines reference). */
export interface Pipeline {
  id: string;
  label: string;
  displayOrder: number;
  stages: PipelineStage[];
  archived: boolean;
  createdAt: string;
  updatedAt: string;
}

export const MAX_BATCH = 100;
export const COMPANIES = '0-2';
export const CONTACTS = '0-1';
export const TICKETS = '0-5';
/** Properties HubSpot computes; writes to them are ignored, reads derive them from the record. */
export const COMPUTED = new Set([
  'hs_object_id',
  'createdate',
  'hs_createdate',
  'hs_lastmodifieddate',
  'lastmodifieddate',
]);
export const PROPERTY_TYPES = new Set<PropertyType>([
  'string',
  'number',
  'datetime',
  'date',
  'enumeration',
  'bool',
]);
