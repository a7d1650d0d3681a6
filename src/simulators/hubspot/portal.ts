// The portal's shared state: its subscription tier, its object types (built-in and custom), their records with
// unique-value and search indexes, the search index's lag, the association graph and the pipelines. Every API
// module reads and writes through it.
import { AssociationGraph } from './association-graph';
import { addBuiltIns } from './built-ins';
import { HubspotError } from './errors';
import {
  COMPUTED,
  CONTACTS,
  type Json,
  type ObjectTypeState,
  type PropertyDefinition,
  type PropertyType,
  type SchemaRecord,
  type SimObject,
  type StoredRecord,
} from './model';
import { PipelineStore } from './pipeline-store';
import { Subscription, type Tier } from './tier';
import { iso, standardProperty } from './values';

/** The key a unique value is held under: emails are unique whatever their case. */
export function uniqueKey(name: string, value: string): string {
  return name === 'email' ? value.toLowerCase() : value;
}

export interface UniqueConflict {
  property: string;
  value: string;
  message: string;
}

export class Portal {
  types = new Map<string, ObjectTypeState>();
  readonly graph: AssociationGraph;
  readonly pipelines = new PipelineStore();
  readonly subscription: Subscription;
  /** Custom schemas get objectTypeId `2-<base + n>`. */
  schemaCount = 0;
  /** Records written less than this long ago are invisible (new) or stale (updated) in search. */
  searchIndexLagMs: number;
  private nextId = 1;

  constructor(
    readonly portalId: number,
    readonly objectTypeIdBase: number,
    searchIndexLagMs: number,
    tier: Tier,
  ) {
    this.graph = new AssociationGraph(objectTypeIdBase);
    this.subscription = new Subscription(tier);
    this.searchIndexLagMs = searchIndexLagMs;
    this.reset();
  }

  /**
   * Back to the built-in types with no records, no custom schemas, no associations and the default pipeline,
   * on the tier the portal was built with.
   */
  reset(): void {
    this.types = new Map();
    this.graph.reset();
    this.pipelines.reset();
    this.subscription.reset();
    this.nextId = 1;
    this.schemaCount = 0;
    addBuiltIns(this);
  }

  addType(spec: {
    objectTypeId: string;
    name: string;
    singular: string;
    labels: { singular: string; plural: string };
    group: { name: string; label: string };
    defaultProperties: string[];
    schema?: SchemaRecord;
  }): ObjectTypeState {
    const { objectTypeId, name, singular, schema } = spec;
    const groupName = spec.group.name;
    const type: ObjectTypeState = {
      objectTypeId,
      name,
      singular,
      labels: spec.labels,
      aliases: new Set([objectTypeId, name.toLowerCase(), singular.toLowerCase()]),
      schema,
      properties: new Map(),
      records: new Map(),
      unique: new Map(),
      indexes: new Map(),
      defaultProperties: spec.defaultProperties,
      groupName,
      groups: new Map([[groupName, { ...spec.group, displayOrder: -1, archived: false }]]),
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
  findType(objectType: string, loose = false): ObjectTypeState | undefined {
    const key = objectType.toLowerCase();
    for (const type of this.types.values()) {
      if (type.aliases.has(key) && (loose || !type.schema || key !== type.name.toLowerCase())) return type;
    }
    return undefined;
  }

  typeOrThrow(objectType: string, loose = false): ObjectTypeState {
    const type = this.findType(objectType, loose);
    if (type) return type;
    if (loose) throw new Error(`Unknown object type ${objectType}`);
    throw new HubspotError(400, 'VALIDATION_ERROR', `Unable to infer object type from: ${objectType}`);
  }

  /** The property, created as a custom string property when missing (seeding, a user's edit). */
  ensureProperty(type: ObjectTypeState, name: string): PropertyDefinition {
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

  /** How many custom (not HubSpot-defined) properties one type, or the whole portal, holds. */
  customPropertyCount(type?: ObjectTypeState): number {
    const types = type ? [type] : [...this.types.values()];
    return types.reduce((n, t) => n + [...t.properties.values()].filter((p) => !p.hubspotDefined).length, 0);
  }

  /** A unique-value property another record already holds, or a duplicate inside `pending`. */
  uniqueConflict(
    type: ObjectTypeState,
    selfId: string | undefined,
    changes: Map<string, string>,
    pending?: Map<string, Set<string>>,
  ): UniqueConflict | undefined {
    for (const [name, value] of changes) {
      const index = type.unique.get(name);
      if (!index || value === '') continue;
      const key = uniqueKey(name, value);
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

  insert(type: ObjectTypeState, changes: Map<string, string>, at: number, lagged = true): StoredRecord {
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

  update(type: ObjectTypeState, record: StoredRecord, changes: Map<string, string>): void {
    const now = Date.now();
    if (this.searchIndexLagMs > 0 && !record.versions)
      record.versions = [{ at: 0, props: new Map(record.props) }];
    for (const [name, value] of changes) this.setValue(type, record, name, value);
    // Strictly increasing so "modified since" logic sees every write, even two in one millisecond.
    record.updatedAt = Math.max(now, record.updatedAt + 1);
    if (record.versions) record.versions.push({ at: record.updatedAt, props: new Map(record.props) });
  }

  remove(type: ObjectTypeState, record: StoredRecord): void {
    for (const name of [...record.props.keys()]) this.setValue(type, record, name, '');
    type.records.delete(record.id);
    this.graph.removeRecord(type.objectTypeId, record.id);
  }

  /** The values search sees for a record now, or null while it is not yet indexed. */
  searchView(record: StoredRecord, now: number): Map<string, string> | null {
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

  currentValue(type: ObjectTypeState, record: StoredRecord, name: string): string | undefined {
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

  toSimObject(type: ObjectTypeState, record: StoredRecord): SimObject {
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

  /** An API object: the requested (or all set) properties plus the ones HubSpot always returns. */
  present(
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

  private computedNames(type: ObjectTypeState): string[] {
    const names = ['hs_object_id', 'createdate', 'hs_lastmodifieddate'];
    if (type.objectTypeId === CONTACTS) names.push('lastmodifieddate');
    if (type.schema) names.push('hs_createdate');
    return names;
  }

  private setValue(type: ObjectTypeState, record: StoredRecord, name: string, value: string): void {
    const old = record.props.get(name);
    if (old === value) return;
    const unique = type.unique.get(name);
    const index = type.indexes.get(name);
    if (old !== undefined && old !== '') {
      unique?.delete(uniqueKey(name, old));
      index?.get(old.toLowerCase())?.delete(record.id);
    }
    record.props.set(name, value);
    if (value !== '') {
      unique?.set(uniqueKey(name, value), record.id);
      if (index) {
        const key = value.toLowerCase();
        let ids = index.get(key);
        if (!ids) index.set(key, (ids = new Set()));
        ids.add(record.id);
      }
    }
  }
}
