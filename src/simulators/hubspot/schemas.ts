// The schemas API (`/crm-object-schemas/{v}/schemas`): custom object types with a portal-specific objectTypeId,
// their properties, and the association definitions a schema declares. Only an Enterprise portal creates one
// (within its custom-object-type and custom-property limits); every tier lists them.
import type { SimRequest, SimResponse } from '../http-kit';
import { bodyObject, HubspotError, isObject } from './errors';
import {
  COMPANIES,
  CONTACTS,
  type ObjectTypeState,
  type PropertyDefinition,
  type SchemaAssociation,
  type SchemaEgg,
  type SchemaRecord,
} from './model';
import type { Portal } from './portal';
import { refuseOverPropertyLimit, type PropertiesApi } from './properties';
import type { Api } from './router';
import { limitReached } from './tier';
import { iso } from './values';

export type SchemaWithProperties = SchemaRecord & { properties: PropertyDefinition[] };

const BUILT_IN_TARGETS: Record<string, string> = {
  COMPANY: COMPANIES,
  CONTACT: CONTACTS,
  DEAL: '0-3',
  TICKET: '0-5',
};

export class SchemasApi {
  constructor(
    private readonly portal: Portal,
    private readonly properties: PropertiesApi,
  ) {}

  register(api: Api): void {
    for (const base of ['/crm-object-schemas/v3/schemas', '/crm/v3/schemas']) {
      api('GET', base, () => ({ status: 200, body: { results: this.list() } }));
      api('POST', base, (req) => this.createFromRequest(req));
      api('GET', `${base}/:objectType`, (req) => {
        const type = this.portal.findType(req.params.objectType!);
        if (!type?.schema) {
          throw new HubspotError(
            404,
            'OBJECT_NOT_FOUND',
            `Unable to find object type ${req.params.objectType} in portal ${this.portal.portalId}`,
          );
        }
        return { status: 200, body: schemaOf(type) };
      });
      api('POST', `${base}/:objectType/associations`, (req) => this.createAssociation(req));
    }
  }

  list(): SchemaWithProperties[] {
    return [...this.portal.types.values()].flatMap((t) => (t.schema ? [schemaOf(t)] : []));
  }

  private createFromRequest(req: SimRequest): SimResponse {
    const subscription = this.portal.subscription;
    if (!subscription.hasCustomObjects)
      throw subscription.refusal('custom objects', 'an Enterprise subscription');
    const body = bodyObject(req);
    // The 2026-09 ObjectSchemaEgg requires allowsSensitiveProperties, which v3 left optional.
    if (req.params.apiVersion && typeof body.allowsSensitiveProperties !== 'boolean')
      throw new HubspotError(
        400,
        'VALIDATION_ERROR',
        'Invalid input JSON: Missing required field: allowsSensitiveProperties',
      );
    const limit = subscription.limits.customObjectTypes;
    const usage = customObjectTypeCount(this.portal);
    if (usage + 1 > limit) throw limitReached('custom object types', limit, usage);
    if (Array.isArray(body.properties)) refuseOverPropertyLimit(this.portal, body.properties.length);
    return { status: 201, body: schemaOf(this.create(body as unknown as SchemaEgg)) };
  }

  create(egg: SchemaEgg): ObjectTypeState {
    const targets = this.checkEgg(egg);
    const portal = this.portal;
    portal.schemaCount += 1;
    const digits = portal.objectTypeIdBase + portal.schemaCount;
    const now = iso(Date.now());
    const schema: SchemaRecord = {
      id: String(digits),
      objectTypeId: `2-${digits}`,
      fullyQualifiedName: `p${portal.portalId}_${egg.name}`,
      name: egg.name,
      labels: { singular: egg.labels.singular, plural: egg.labels.plural },
      description: egg.description,
      primaryDisplayProperty: egg.primaryDisplayProperty,
      secondaryDisplayProperties: egg.secondaryDisplayProperties ?? [],
      requiredProperties: egg.requiredProperties ?? [],
      searchableProperties: egg.searchableProperties ?? [],
      associations: [],
      archived: false,
      createdAt: now,
      updatedAt: now,
    };
    const defaults = [egg.primaryDisplayProperty, 'hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'];
    const singular = egg.labels.singular ?? egg.name;
    const type = portal.addType({
      objectTypeId: schema.objectTypeId,
      name: egg.name,
      singular: egg.name,
      labels: { singular, plural: egg.labels.plural ?? singular },
      // The group HubSpot makes for a custom object's own properties (*unconfirmed* label).
      group: { name: `${egg.name}_information`, label: `${singular} information` },
      defaultProperties: defaults.filter((n): n is string => !!n),
      schema,
    });
    try {
      for (const property of egg.properties) this.properties.create(type, property);
    } catch (err) {
      portal.types.delete(type.objectTypeId);
      portal.schemaCount -= 1;
      throw err;
    }
    for (const target of targets) schema.associations.push(this.association(type, target));
    return type;
  }

  /** Refuses an invalid or taken schema; the objectTypeIds its `associatedObjects` name. */
  private checkEgg(egg: SchemaEgg): string[] {
    if (typeof egg.name !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*$/.test(egg.name)) {
      throw new HubspotError(400, 'VALIDATION_ERROR', `Invalid object type name: ${String(egg.name)}`);
    }
    if (!isObject(egg.labels)) throw new HubspotError(400, 'VALIDATION_ERROR', '`labels` is required');
    if (!Array.isArray(egg.properties))
      throw new HubspotError(400, 'VALIDATION_ERROR', '`properties` is required');
    const taken = [...this.portal.types.values()].some(
      (t) => t.name.toLowerCase() === egg.name.toLowerCase() || t.singular === egg.name.toLowerCase(),
    );
    if (taken) {
      throw new HubspotError(
        409,
        'CONFLICT',
        `Object type with name ${egg.name} already exists in portal ${this.portal.portalId}`,
      );
    }
    const names = new Set(egg.properties.map((p) => p.name));
    for (const name of [egg.primaryDisplayProperty, ...(egg.requiredProperties ?? [])]) {
      if (name !== undefined && !names.has(name)) {
        throw new HubspotError(
          400,
          'VALIDATION_ERROR',
          `Property ${name} is not among the schema's properties`,
        );
      }
    }
    return (egg.associatedObjects ?? []).map((target) => {
      const resolved = BUILT_IN_TARGETS[target.toUpperCase()] ?? this.portal.findType(target)?.objectTypeId;
      if (!resolved) throw new HubspotError(400, 'VALIDATION_ERROR', `Unknown associated object: ${target}`);
      return resolved;
    });
  }

  private association(type: ObjectTypeState, target: string): SchemaAssociation {
    const graph = this.portal.graph;
    const forward = graph.allocateTypeId();
    const inverse = graph.allocateTypeId();
    const targetName = this.portal.types.get(target)?.singular ?? target;
    graph.addPair(type.objectTypeId, target, forward, inverse, 'HUBSPOT_DEFINED', null, true);
    const now = iso(Date.now());
    return {
      id: String(forward),
      name: `${type.name}_to_${targetName}`.toUpperCase(),
      fromObjectTypeId: type.objectTypeId,
      toObjectTypeId: target,
      createdAt: now,
      updatedAt: now,
    };
  }

  private createAssociation(req: SimRequest): SimResponse {
    const type = this.portal.typeOrThrow(req.params.objectType!);
    if (!type.schema) throw new HubspotError(400, 'VALIDATION_ERROR', `${type.name} is not a custom object`);
    const body = bodyObject(req);
    const target =
      typeof body.toObjectTypeId === 'string' ? this.portal.findType(body.toObjectTypeId) : undefined;
    if (!target)
      throw new HubspotError(
        400,
        'VALIDATION_ERROR',
        `Unknown toObjectTypeId ${String(body.toObjectTypeId)}`,
      );
    const existing = type.schema.associations.find((a) => a.toObjectTypeId === target.objectTypeId);
    if (existing) return { status: 201, body: existing };
    const association = this.association(type, target.objectTypeId);
    type.schema.associations.push(association);
    return { status: 201, body: association };
  }
}

export function customObjectTypeCount(portal: Portal): number {
  return [...portal.types.values()].filter((t) => t.schema).length;
}

export function schemaOf(type: ObjectTypeState): SchemaWithProperties {
  return structuredClone({ ...type.schema!, properties: [...type.properties.values()] });
}
