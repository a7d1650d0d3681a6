// `hubspot check` and `hubspot setup --apply`: compare a portal with the data model and create what is
// missing. Object type ids are never hard-coded: they differ between portals (sandbox vs production) and are
// looked up by name. A second `--apply` on a portal that is set up sends no write.
import {
  diffSchema,
  FEATURE_REQUEST_SCHEMA,
  SYNC_ASSOCIATION_LABEL,
  type ObjectSchema,
  type SchemaProblem,
} from '../domain/feature-request';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../failures';
import {
  COMPANY_KEY_PROPERTY,
  schemaNamed,
  type CreateDefaults,
  type HubspotGateway,
  type SchemaInfo,
} from './hubspot';
import { checkWriteRules } from './hubspot-portal-rules';

export interface PortalSettings {
  objectName: string;
  arrProperty: string;
  /** HUBSPOT_COMPANY_DEFAULTS / HUBSPOT_CONTACT_DEFAULTS: checked against the portal's properties. */
  defaults?: CreateDefaults;
}

export interface PortalReport {
  /** The date-based API version every call named. */
  apiVersion: string;
  /**
   * Whether the portal can hold a custom object: `available` when it holds one (the sync's or another),
   * `unavailable` when it refuses to list them (403), `unconfirmed` when it holds none: a portal lists its
   * (empty) schemas on every tier, and only Enterprise portals can create one, which no API call tells apart
   * before the create (docs/reference/hubspot.md).
   */
  customObjects: CustomObjects;
  objectTypeId?: string;
  /** Everything that differs from the data model; empty when the portal is ready. */
  problems: SchemaProblem[];
  /** Differences `--apply` cannot fix (a property of the wrong type or uniqueness): a person must decide. */
  manual: SchemaProblem[];
  /** What `--apply` did. */
  applied: string[];
  /** What may refuse the records the sync creates (validation rules on the properties it writes). */
  warnings: string[];
}

const COMPANY_KEY_DEFINITION = {
  name: COMPANY_KEY_PROPERTY,
  label: 'Feedback sync domain key',
  description: 'Set by feedback-sync on companies it creates, so a retried create never makes a duplicate.',
  type: 'string',
  fieldType: 'text',
  groupName: 'companyinformation',
  hasUniqueValue: true,
};

export function expectedSchema(settings: PortalSettings): ObjectSchema {
  return { ...FEATURE_REQUEST_SCHEMA, name: settings.objectName };
}

export type CustomObjects = 'available' | 'unconfirmed' | 'unavailable';

/** The sync's custom object in this portal, and whether the portal can hold one at all. */
async function findObject(
  gateway: HubspotGateway,
  name: string,
): Promise<{ schema?: SchemaInfo; customObjects: CustomObjects; unavailable?: string }> {
  try {
    const schemas = await gateway.listSchemas();
    const schema = schemaNamed(schemas, name);
    return { ...(schema ? { schema } : {}), customObjects: schemas.length > 0 ? 'available' : 'unconfirmed' };
  } catch (err) {
    if (err instanceof ApplicationFailure && err.type === FailureType.HubspotForbidden)
      return { customObjects: 'unavailable', unavailable: err.message };
    throw err;
  }
}

async function inspect(gateway: HubspotGateway, settings: PortalSettings) {
  const expected = expectedSchema(settings);
  const { schema, unavailable, customObjects } = await findObject(gateway, settings.objectName);
  const problems: SchemaProblem[] = unavailable
    ? [
        {
          kind: 'object-unavailable',
          subject: expected.name,
          message: `the portal refused to list its custom objects: ${unavailable}`,
        },
      ]
    : diffSchema(expected, {
        exists: schema !== undefined,
        properties: Object.fromEntries(
          (schema?.properties ?? []).map((p) => [p.name, { type: p.type, hasUniqueValue: p.hasUniqueValue }]),
        ),
        associatedObjects: schema?.associatedObjectTypeIds ?? [],
      });
  const companyProperties = await gateway.listProperties('companies');
  const key = companyProperties.find((p) => p.name === COMPANY_KEY_PROPERTY);
  if (!key) {
    problems.push({
      kind: 'property-missing',
      subject: `companies.${COMPANY_KEY_PROPERTY}`,
      message: `company property ${COMPANY_KEY_PROPERTY} is missing`,
    });
  } else if (!key.hasUniqueValue) {
    problems.push({
      kind: 'property-mismatch',
      subject: `companies.${COMPANY_KEY_PROPERTY}`,
      message: `company property ${COMPANY_KEY_PROPERTY} must have unique values`,
    });
  }
  if (!companyProperties.some((p) => p.name === settings.arrProperty)) {
    problems.push({
      kind: 'property-mismatch',
      subject: `companies.${settings.arrProperty}`,
      message: `company ARR property ${settings.arrProperty} (HUBSPOT_COMPANY_ARR_PROPERTY) does not exist; rollups would count 0 ARR`,
    });
  }
  if (schema && !problems.some((p) => p.kind === 'association-missing'))
    problems.push(...(await labelProblems(gateway, schema.objectTypeId, settings.objectName)));
  return { schema, problems, customObjects };
}

/** The kinds of association the sync writes under its own label. */
const LABEL_TARGETS = ['companies', 'contacts'] as const;

/** The sync's association label on request → company and request → contact, where missing. */
async function labelProblems(
  gateway: HubspotGateway,
  objectTypeId: string,
  objectName: string,
): Promise<SchemaProblem[]> {
  const problems: SchemaProblem[] = [];
  for (const toType of LABEL_TARGETS) {
    const labels = await gateway.listAssociationLabels(objectTypeId, toType);
    if (!labels.some((l) => l.category === 'USER_DEFINED' && l.label === SYNC_ASSOCIATION_LABEL.label))
      problems.push({
        kind: 'label-missing',
        subject: toType,
        message:
          `association label "${SYNC_ASSOCIATION_LABEL.label}" on ${objectName} → ${toType} is missing ` +
          '(the sync writes its associations under it, and leaves the ones people made)',
      });
  }
  return problems;
}

/** The type id of the sync's association label towards `toType`, if the portal has it. */
export async function syncLabelTypeId(
  gateway: HubspotGateway,
  objectTypeId: string,
  toType: 'companies' | 'contacts',
): Promise<number | undefined> {
  const labels = await gateway.listAssociationLabels(objectTypeId, toType);
  return labels.find((l) => l.category === 'USER_DEFINED' && l.label === SYNC_ASSOCIATION_LABEL.label)
    ?.typeId;
}

const ASSOCIATION_TARGETS: Record<string, string> = { COMPANY: '0-2', CONTACT: '0-1' };

export async function checkPortal(gateway: HubspotGateway, settings: PortalSettings): Promise<PortalReport> {
  const { schema, problems, customObjects } = await inspect(gateway, settings);
  const rules = await checkWriteRules(gateway, settings.defaults ?? {});
  problems.push(...rules.problems);
  return {
    apiVersion: gateway.apiVersion,
    customObjects,
    ...(schema ? { objectTypeId: schema.objectTypeId } : {}),
    problems,
    // What --apply cannot fix: a person decides (a property of another type, a default, the subscription).
    manual: problems.filter((p) => p.kind === 'property-mismatch' || p.kind === 'object-unavailable'),
    applied: [],
    warnings: rules.warnings,
  };
}

/** Creates what is missing, then checks again. Never changes or deletes what exists. */
export async function applySetup(gateway: HubspotGateway, settings: PortalSettings): Promise<PortalReport> {
  const expected = expectedSchema(settings);
  const { schema, problems, customObjects } = await inspect(gateway, settings);
  const applied: string[] = [];
  for (const problem of problems) {
    if (problem.kind === 'object-missing') {
      await gateway.createSchema({
        name: expected.name,
        labels: expected.labels,
        primaryDisplayProperty: expected.primaryDisplayProperty,
        requiredProperties: expected.requiredProperties,
        searchableProperties: expected.searchableProperties,
        secondaryDisplayProperties: ['status', 'voting_company_arr'],
        // Required by the 2026-09 schema create (optional in v3): the object holds no sensitive data.
        allowsSensitiveProperties: false,
        properties: expected.properties.map((p) => ({ ...p })),
        associatedObjects: expected.associatedObjects,
      });
      applied.push(
        `created object ${expected.name} with ${expected.properties.length} properties and its associations`,
      );
    } else if (
      problem.kind === 'property-missing' &&
      problem.subject === `companies.${COMPANY_KEY_PROPERTY}`
    ) {
      await gateway.createProperty('companies', COMPANY_KEY_DEFINITION);
      applied.push(`created company property ${COMPANY_KEY_PROPERTY}`);
    } else if (problem.kind === 'property-missing' && schema) {
      const definition = expected.properties.find((p) => p.name === problem.subject);
      if (definition) {
        await gateway.createProperty(schema.objectTypeId, { ...definition });
        applied.push(`created property ${expected.name}.${definition.name}`);
      }
    } else if (problem.kind === 'association-missing' && schema) {
      const target = ASSOCIATION_TARGETS[problem.subject];
      if (target) {
        await gateway.createSchemaAssociation(schema.objectTypeId, target);
        applied.push(`created association ${expected.name} → ${problem.subject}`);
      }
    } else if (problem.kind === 'label-missing' && schema) {
      await gateway.createAssociationLabel(schema.objectTypeId, problem.subject, {
        ...SYNC_ASSOCIATION_LABEL,
      });
      applied.push(
        `created association label "${SYNC_ASSOCIATION_LABEL.label}" ${expected.name} → ${problem.subject}`,
      );
    }
  }
  // An object or association created just now has no label yet: add them in the same pass.
  const created =
    schema ?? (customObjects !== 'unavailable' ? await gateway.findSchema(settings.objectName) : undefined);
  if (created && (!schema || problems.some((p) => p.kind === 'association-missing'))) {
    for (const problem of await labelProblems(gateway, created.objectTypeId, expected.name)) {
      await gateway.createAssociationLabel(created.objectTypeId, problem.subject, {
        ...SYNC_ASSOCIATION_LABEL,
      });
      applied.push(
        `created association label "${SYNC_ASSOCIATION_LABEL.label}" ${expected.name} → ${problem.subject}`,
      );
    }
  }
  const after = await checkPortal(gateway, settings);
  return { ...after, applied };
}
