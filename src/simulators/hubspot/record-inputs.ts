// Reading a record write's inputs as HubSpot does: properties validated and normalised, records found by id or
// by a unique `idProperty`, inline associations resolved, and a repeated unique value refused.
import { HubspotError, isObject, idOf } from './errors';
import {
  COMPUTED,
  CONTACTS,
  type AssociationDefinition,
  type ObjectTypeState,
  type StoredRecord,
} from './model';
import { uniqueKey, type Portal, type UniqueConflict } from './portal';
import { acceptedEmail, coerceValue } from './values';

/** Validates input properties; returns the normalised changes or the per-record error. */
export function validateProperties(
  type: ObjectTypeState,
  raw: unknown,
): { changes: Map<string, string> } | { error: HubspotError } {
  const changes = new Map<string, string>();
  if (raw !== undefined && !isObject(raw)) {
    return { error: new HubspotError(400, 'VALIDATION_ERROR', '`properties` must be an object') };
  }
  const problems: Array<{ name: string; message: string; code: string }> = [];
  for (const [name, value] of Object.entries(raw ?? {})) {
    const def = type.properties.get(name);
    if (!def) {
      problems.push({ name, message: `Property "${name}" does not exist`, code: 'PROPERTY_DOESNT_EXIST' });
      continue;
    }
    if (COMPUTED.has(name)) continue;
    const coerced = coerceValue(def, value);
    if ('error' in coerced) problems.push({ name, message: coerced.error, code: coerced.code });
    else if (type.objectTypeId === CONTACTS && name === 'email' && !acceptedEmail(coerced.value))
      problems.push({ name, message: `Email address ${coerced.value} is invalid`, code: 'INVALID_EMAIL' });
    else changes.set(name, coerced.value);
  }
  if (problems.length === 0) return { changes };
  const detail = problems.map((p) => ({ isValid: false, message: p.message, error: p.code, name: p.name }));
  return {
    error: new HubspotError(
      400,
      'VALIDATION_ERROR',
      `Property values were not valid: ${JSON.stringify(detail)}`,
      {
        errors: problems.map((p) => ({ message: p.message, code: p.code, in: p.name })),
        context: { propertyName: problems.map((p) => p.name) },
      },
    ),
  };
}

/**
 * HubSpot's refusal of a repeated unique value. A contact's email is a 409 CONFLICT ("Contact already exists.
 * Existing ID: …", as HubSpot's clients report it); a custom unique property (`hasUniqueValue`) fails property
 * validation, a 400 VALIDATION_ERROR "… already has that value", as integrations meet it in the wild (the
 * exact error code is *unconfirmed*). Either way nothing is written to the record that holds the value.
 */
export function conflictError(conflict: UniqueConflict): HubspotError {
  const extra = { context: { propertyName: [conflict.property] } };
  return conflict.property === 'email'
    ? new HubspotError(409, 'CONFLICT', conflict.message, extra)
    : new HubspotError(400, 'VALIDATION_ERROR', conflict.message, {
        ...extra,
        errors: [{ message: conflict.message, code: 'INVALID_UNIQUE_VALUE', in: conflict.property }],
      });
}

/** Resolves inputs to records by id or by a unique `idProperty`. */
export function lookup(
  type: ObjectTypeState,
  id: string,
  idProperty: string | undefined,
): StoredRecord | undefined {
  if (!idProperty || idProperty === 'hs_object_id') return type.records.get(id);
  const holder = type.unique.get(idProperty)?.get(uniqueKey(idProperty, id));
  return holder === undefined ? undefined : type.records.get(holder);
}

export function checkIdProperty(type: ObjectTypeState, idProperty: string | undefined): void {
  if (!idProperty || idProperty === 'hs_object_id') return;
  if (!type.properties.has(idProperty)) {
    throw new HubspotError(400, 'VALIDATION_ERROR', `Property "${idProperty}" does not exist`, {
      context: { propertyName: [idProperty] },
    });
  }
  if (!type.unique.has(idProperty)) {
    throw new HubspotError(
      400,
      'VALIDATION_ERROR',
      `Unable to perform update/upsert by non-unique ${type.singular} property: ${idProperty}`,
      { context: { propertyName: [idProperty] } },
    );
  }
}

/** A create's `associations`: each to-record with the definitions to link it under. */
export function inlineAssociations(
  portal: Portal,
  type: ObjectTypeState,
  raw: unknown,
): Array<[AssociationDefinition, string]> {
  if (!Array.isArray(raw)) return [];
  const links: Array<[AssociationDefinition, string]> = [];
  for (const item of raw) {
    if (!isObject(item)) continue;
    const toId = idOf(item.to);
    const types = Array.isArray(item.types) ? item.types : [];
    for (const spec of types) {
      const typeId = isObject(spec) ? Number(spec.associationTypeId) : NaN;
      const def = portal.graph.get(typeId);
      if (!def || def.fromObjectTypeId !== type.objectTypeId || !toId) {
        throw new HubspotError(
          400,
          'VALIDATION_ERROR',
          `Invalid association type ${typeId} from ${type.name}`,
        );
      }
      if (!portal.types.get(def.toObjectTypeId)?.records.has(toId)) {
        throw new HubspotError(
          404,
          'OBJECT_NOT_FOUND',
          `No ${def.toObjectTypeId} with id ${toId} to associate`,
        );
      }
      links.push([def, toId]);
    }
  }
  return links;
}
