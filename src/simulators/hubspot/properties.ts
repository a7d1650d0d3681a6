// The properties API (`/crm/properties/{v}/{objectType}`): list, read, create one or a batch (in a group the
// type has, within the portal's custom-property limit); and the property validations API, which lists the
// format rules an admin set (served, not enforced).
import type { SimRequest, SimResponse } from '../http-kit';
import { batchBody, bodyObject, HubspotError, inputsOf, isObject } from './errors';
import {
  MAX_BATCH,
  PROPERTY_TYPES,
  type Json,
  type ObjectTypeState,
  type PropertyDefinition,
  type PropertyType,
} from './model';
import type { Portal } from './portal';
import { missingGroup } from './property-groups';
import type { Api } from './router';
import { limitReached } from './tier';
import { iso, standardProperty } from './values';

export class PropertiesApi {
  /** See `setPropertyValidations`: served by the property validations API, not enforced on writes. */
  readonly validations = new Map<string, Json[]>();

  constructor(private readonly portal: Portal) {}

  register(api: Api): void {
    const properties = '/crm/v3/properties/:objectType';
    api('GET', properties, (req) => {
      const type = this.portal.typeOrThrow(req.params.objectType!);
      return { status: 200, body: { results: [...type.properties.values()] } };
    });
    api('POST', `${properties}/batch/create`, (req) => {
      const type = this.portal.typeOrThrow(req.params.objectType!);
      const inputs = inputsOf(req, MAX_BATCH);
      refuseOverPropertyLimit(this.portal, inputs.length);
      const created = inputs.map((input) => this.create(type, input));
      return { status: 201, body: batchBody(created, []) };
    });
    api('POST', properties, (req) => {
      const type = this.portal.typeOrThrow(req.params.objectType!);
      const body = bodyObject(req);
      refuseOverPropertyLimit(this.portal, 1);
      return { status: 201, body: this.create(type, body) };
    });
    api('GET', `${properties}/:propertyName`, (req) => this.getOne(req));

    // Property validations: the format rules an admin set, per property (GET only; not enforced here).
    api('GET', '/crm/v3/property-validations/:objectTypeId', (req) => {
      const type = this.portal.typeOrThrow(req.params.objectTypeId!);
      return { status: 200, body: { results: this.validations.get(type.objectTypeId) ?? [] } };
    });
  }

  private getOne(req: SimRequest): SimResponse {
    const type = this.portal.typeOrThrow(req.params.objectType!);
    const def = type.properties.get(req.params.propertyName!);
    if (!def) {
      throw new HubspotError(
        404,
        'OBJECT_NOT_FOUND',
        `Unable to find property ${req.params.propertyName} for object type ${type.objectTypeId}`,
      );
    }
    return { status: 200, body: def };
  }

  /** Creates a custom property (also for a schema's own properties). */
  create(type: ObjectTypeState, raw: Json): PropertyDefinition {
    const { name, propType } = checkNewProperty(type, raw);
    if (typeof raw.groupName === 'string' && !type.groups.has(raw.groupName))
      throw missingGroup(type, raw.groupName);
    const now = iso(Date.now());
    const options = Array.isArray(raw.options)
      ? raw.options.filter(isObject).map((o, i) => ({
          label: String(o.label ?? o.value),
          value: String(o.value),
          displayOrder: typeof o.displayOrder === 'number' ? o.displayOrder : i,
          hidden: o.hidden === true,
        }))
      : [];
    const def: PropertyDefinition = {
      ...standardProperty(name, propType, type.groupName),
      label: typeof raw.label === 'string' ? raw.label : name,
      fieldType:
        typeof raw.fieldType === 'string' ? raw.fieldType : standardProperty(name, propType, '').fieldType,
      groupName: typeof raw.groupName === 'string' ? raw.groupName : type.groupName,
      description: typeof raw.description === 'string' ? raw.description : '',
      hasUniqueValue: raw.hasUniqueValue === true,
      formField: raw.formField === true,
      options,
      hubspotDefined: false,
      createdAt: now,
      updatedAt: now,
      modificationMetadata: { archivable: true, readOnlyDefinition: false, readOnlyValue: false },
    };
    type.properties.set(name, def);
    if (def.hasUniqueValue) {
      const index = new Map<string, string>();
      for (const record of type.records.values()) {
        const value = record.props.get(name);
        if (value) index.set(value, record.id);
      }
      type.unique.set(name, index);
    }
    return def;
  }
}

/** Refuses a create of `adding` custom properties that would take the portal past its limit: nothing is created. */
export function refuseOverPropertyLimit(portal: Portal, adding: number): void {
  const limit = portal.subscription.limits.customProperties;
  const usage = portal.customPropertyCount();
  if (usage + adding > limit) throw limitReached('custom properties', limit, usage, adding);
}

/** A new property's name and type, refused when invalid or taken. */
function checkNewProperty(type: ObjectTypeState, raw: Json): { name: string; propType: PropertyType } {
  const name = raw.name;
  if (typeof name !== 'string' || !/^[a-z][a-z0-9_]*$/.test(name)) {
    throw new HubspotError(
      400,
      'VALIDATION_ERROR',
      `Invalid property name: ${String(name)} (lowercase letters, digits, _)`,
    );
  }
  if (type.properties.has(name)) {
    throw new HubspotError(
      409,
      'CONFLICT',
      `A property named ${name} already exists for ${type.objectTypeId}`,
      {
        context: { propertyName: [name] },
      },
    );
  }
  const propType = raw.type as PropertyType;
  if (!PROPERTY_TYPES.has(propType)) {
    throw new HubspotError(400, 'VALIDATION_ERROR', `Invalid property type ${String(raw.type)} for ${name}`);
  }
  return { name, propType };
}
