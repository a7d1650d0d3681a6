// The property groups API (`/crm/properties/{v}/{objectType}/groups`, HubSpot's 2026-09 properties reference):
// list, read and create a type's groups. Every type starts with its default group (companies
// `companyinformation`, contacts `contactinformation`, tickets `ticketinformation`, a custom object
// `<name>_information`), and a property can only be created in a group its type has.
import { bodyObject, HubspotError } from './errors';
import type { ObjectTypeState, PropertyGroup } from './model';
import type { Portal } from './portal';
import type { Api } from './router';

export class PropertyGroupsApi {
  constructor(private readonly portal: Portal) {}

  /** Before the properties API's `/:propertyName`, which would take `groups` for a property name. */
  register(api: Api): void {
    const groups = '/crm/v3/properties/:objectType/groups';
    api('GET', groups, (req) => {
      const type = this.portal.typeOrThrow(req.params.objectType!);
      return { status: 200, body: { results: [...type.groups.values()] } };
    });
    api('POST', groups, (req) => {
      const type = this.portal.typeOrThrow(req.params.objectType!);
      return { status: 201, body: createGroup(type, bodyObject(req)) };
    });
    api('GET', `${groups}/:groupName`, (req) => {
      const type = this.portal.typeOrThrow(req.params.objectType!);
      const group = type.groups.get(req.params.groupName!);
      if (!group) throw missingGroup(type, req.params.groupName!, 404);
      return { status: 200, body: group };
    });
  }
}

function createGroup(type: ObjectTypeState, body: Record<string, unknown>): PropertyGroup {
  const { name, label } = body;
  if (typeof name !== 'string' || !/^[a-z][a-z0-9_]*$/.test(name)) {
    throw new HubspotError(
      400,
      'VALIDATION_ERROR',
      `Invalid property group name: ${String(name)} (lowercase letters, digits, _)`,
    );
  }
  if (typeof label !== 'string' || label.trim() === '')
    throw new HubspotError(400, 'VALIDATION_ERROR', 'Invalid input JSON: Missing required field: label');
  if (type.groups.has(name)) {
    throw new HubspotError(
      409,
      'CONFLICT',
      `A property group named ${name} already exists for ${type.objectTypeId}`,
      { context: { groupName: [name] } },
    );
  }
  const displayOrder = typeof body.displayOrder === 'number' ? body.displayOrder : -1;
  const group: PropertyGroup = { name, label, displayOrder, archived: false };
  type.groups.set(name, group);
  return group;
}

/** A property create, or a group read, that names a group the type does not have (*unconfirmed* text). */
export function missingGroup(type: ObjectTypeState, groupName: string, status = 400): HubspotError {
  return new HubspotError(
    status,
    status === 404 ? 'OBJECT_NOT_FOUND' : 'VALIDATION_ERROR',
    `Unable to find property group ${groupName} for object type ${type.objectTypeId}`,
    { context: { groupName: [groupName] } },
  );
}
