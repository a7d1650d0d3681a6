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
import { COMPANY_KEY_PROPERTY, type CreateDefaults, type HubspotGateway } from './hubspot';
import { checkWriteRules } from './hubspot-portal-rules';
import { customObjectTypeLimit } from './hubspot-admin';
import { applyTickets, inspectTickets, limitProblems } from './hubspot-setup-tickets';
import { findTarget, type TargetFinding } from './hubspot-target';
import { TICKETS, type TargetKind, type TargetSetting } from '../domain/request-target';

export interface PortalSettings {
  objectName: string;
  arrProperty: string;
  /** HUBSPOT_COMPANY_DEFAULTS / HUBSPOT_CONTACT_DEFAULTS: checked against the portal's properties. */
  defaults?: CreateDefaults;
  /** HUBSPOT_TARGET (absent: `auto`). */
  target?: TargetSetting;
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
  /** Where the requests live in this portal (HUBSPOT_TARGET), and why. */
  target: { setting: TargetSetting; kind: TargetKind; why: string };
  objectTypeId?: string;
  /** Tickets: the Feature requests pipeline's id, once it exists. */
  pipelineId?: string;
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

/** Whether the portal can hold a custom object, as far as listing them tells. */
function customObjectsOf(finding: TargetFinding): CustomObjects {
  if (finding.schemasRefused) return 'unavailable';
  return finding.schema || (finding.schemaCount ?? 0) > 0 ? 'available' : 'unconfirmed';
}

async function inspect(gateway: HubspotGateway, settings: PortalSettings, warnings: string[]) {
  const finding = await findTarget(gateway, {
    target: settings.target ?? 'auto',
    objectName: settings.objectName,
  });
  const problems: SchemaProblem[] = finding.refused
    ? [{ kind: 'target-refused', subject: 'HUBSPOT_TARGET', message: finding.refused }]
    : [];
  if (finding.kind === 'tickets') problems.push(...(await inspectTickets(gateway, finding.pipeline)));
  else problems.push(...(await inspectObject(gateway, settings, finding)));
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
  if (finding.kind === 'tickets') {
    // The labels do not need the pipeline: ticket → company and ticket → contact exist on every portal.
    problems.push(...(await labelProblems(gateway, TICKETS.objectType, TICKETS.objectType)));
    // Setup's custom properties: the ticket properties (counted against tickets' own limit too) and the
    // company key it creates.
    const missing = problems.filter((p) => p.kind === 'property-missing');
    problems.push(
      ...(await limitProblems(
        gateway,
        { overall: missing.length, tickets: missing.filter((p) => p.subject.startsWith('tickets.')).length },
        problems.some((p) => p.kind === 'pipeline-missing'),
        warnings,
      )),
    );
  } else if (finding.schema && !problems.some((p) => p.kind === 'association-missing'))
    problems.push(...(await labelProblems(gateway, finding.schema.objectTypeId, settings.objectName)));
  return { finding, problems, customObjects: customObjectsOf(finding) };
}

/** The custom object: its schema against the data model, or why the portal cannot hold it. */
async function inspectObject(
  gateway: HubspotGateway,
  settings: PortalSettings,
  finding: TargetFinding,
): Promise<SchemaProblem[]> {
  const expected = expectedSchema(settings);
  const { schema } = finding;
  if (finding.schemasRefused)
    return [
      {
        kind: 'object-unavailable',
        subject: expected.name,
        message: `the portal refused to list its custom objects: ${finding.schemasRefused}`,
      },
    ];
  if (!schema) {
    // A portal below Enterprise reports a custom-object limit of 0: say so rather than fail at the create.
    const limit = await customObjectTypeLimit(gateway).catch(() => undefined);
    if (limit && limit.usage >= limit.limit)
      return [
        {
          kind: 'object-unavailable',
          subject: expected.name,
          message:
            `the portal cannot hold another custom object (${limit.usage} of ${limit.limit} used; custom objects ` +
            'need Enterprise): set HUBSPOT_TARGET=tickets (or auto) to keep requests as tickets',
        },
      ];
  }
  return diffSchema(expected, {
    exists: schema !== undefined,
    properties: Object.fromEntries(
      (schema?.properties ?? []).map((p) => [p.name, { type: p.type, hasUniqueValue: p.hasUniqueValue }]),
    ),
    associatedObjects: schema?.associatedObjectTypeIds ?? [],
  });
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

/** What --apply cannot fix: a person decides (a property of another type, a default, a limit, the tier). */
const MANUAL_KINDS = new Set<SchemaProblem['kind']>([
  'property-mismatch',
  'object-unavailable',
  'limit-reached',
  'target-refused',
  'label-unavailable',
  'pipeline-taken',
]);

/** Problems that stop `--apply` before its first write: the portal cannot take the target as it is. */
const BLOCKING_KINDS = new Set<SchemaProblem['kind']>([
  'limit-reached',
  'target-refused',
  'object-unavailable',
  'pipeline-taken',
]);

export async function checkPortal(gateway: HubspotGateway, settings: PortalSettings): Promise<PortalReport> {
  const warnings: string[] = [];
  const { finding, problems, customObjects } = await inspect(gateway, settings, warnings);
  const rules = await checkWriteRules(gateway, settings.defaults ?? {});
  problems.push(...rules.problems);
  const objectTypeId = finding.kind === 'tickets' ? TICKETS.objectTypeId : finding.schema?.objectTypeId;
  return {
    apiVersion: gateway.apiVersion,
    customObjects,
    target: { setting: settings.target ?? 'auto', kind: finding.kind, why: finding.why },
    ...(objectTypeId ? { objectTypeId } : {}),
    ...(finding.kind === 'tickets' && finding.pipeline ? { pipelineId: finding.pipeline.id } : {}),
    problems,
    manual: problems.filter((p) => MANUAL_KINDS.has(p.kind)),
    applied: [],
    warnings: [...warnings, ...rules.warnings],
  };
}

/**
 * Creates what is missing, then checks again. Never changes or deletes what exists. A portal another target
 * already holds, or without room for what setup needs, gets nothing: a setup that stopped halfway would leave
 * a portal neither set up nor as it was.
 */
export async function applySetup(gateway: HubspotGateway, settings: PortalSettings): Promise<PortalReport> {
  const warnings: string[] = [];
  const { finding, problems } = await inspect(gateway, settings, warnings);
  if (problems.some((p) => BLOCKING_KINDS.has(p.kind))) return checkPortal(gateway, settings);
  const applied: string[] = [];
  const refused: SchemaProblem[] = [];
  if (finding.kind === 'tickets') {
    // The labels first: a portal that refuses them (Starter and free) cannot run the sync, and gets no other
    // write for nothing.
    for (const problem of problems.filter((p) => p.kind === 'label-missing'))
      applied.push(...(await createLabel(gateway, TICKETS.objectType, problem.subject, 'tickets', refused)));
    if (refused.length > 0) return reportAfter(gateway, settings, { applied, refused, warnings });
  }
  if (
    problems.some((p) => p.subject === `companies.${COMPANY_KEY_PROPERTY}` && p.kind === 'property-missing')
  ) {
    await gateway.createProperty('companies', COMPANY_KEY_DEFINITION);
    applied.push(`created company property ${COMPANY_KEY_PROPERTY}`);
  }
  if (finding.kind === 'tickets') {
    applied.push(...(await applyTickets(gateway, problems, finding.pipeline)));
  } else {
    applied.push(...(await applyObject(gateway, settings, finding, problems, refused)));
  }
  return reportAfter(gateway, settings, { applied, refused, warnings });
}

/** The portal checked again after `--apply`, with what it did, what the portal refused and the first warnings. */
async function reportAfter(
  gateway: HubspotGateway,
  settings: PortalSettings,
  done: { applied: string[]; refused: SchemaProblem[]; warnings: string[] },
): Promise<PortalReport> {
  const after = await checkPortal(gateway, settings);
  return {
    ...after,
    problems: [...done.refused, ...after.problems],
    manual: [...done.refused, ...after.manual],
    applied: done.applied,
    warnings: [...done.warnings, ...after.warnings.filter((w) => !done.warnings.includes(w))],
  };
}

/**
 * The sync's association label towards `toType`. Custom association labels need Professional or Enterprise
 * (knowledge.hubspot.com/crm-setup/create-and-use-association-labels): a portal that refuses one is reported.
 */
async function createLabel(
  gateway: HubspotGateway,
  fromType: string,
  toType: string,
  name: string,
  refused: SchemaProblem[],
): Promise<string[]> {
  try {
    await gateway.createAssociationLabel(fromType, toType, { ...SYNC_ASSOCIATION_LABEL });
    return [`created association label "${SYNC_ASSOCIATION_LABEL.label}" ${name} → ${toType}`];
  } catch (err) {
    if (!(err instanceof ApplicationFailure) || err.type !== FailureType.HubspotForbidden) throw err;
    refused.push({
      kind: 'label-unavailable',
      subject: toType,
      message:
        `the portal refused the association label "${SYNC_ASSOCIATION_LABEL.label}" on ${name} → ${toType}: ` +
        'custom association labels need a Professional or Enterprise subscription, and without one the sync ' +
        `cannot tell its associations from the ones people make (${err.message})`,
    });
    return [];
  }
}

/** The custom object's setup: the object, its missing properties, associations and labels. */
async function applyObject(
  gateway: HubspotGateway,
  settings: PortalSettings,
  finding: TargetFinding,
  problems: SchemaProblem[],
  refused: SchemaProblem[],
): Promise<string[]> {
  const expected = expectedSchema(settings);
  const { schema } = finding;
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
    } else if (problem.kind === 'property-missing' && schema && !problem.subject.startsWith('companies.')) {
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
      applied.push(
        ...(await createLabel(gateway, schema.objectTypeId, problem.subject, expected.name, refused)),
      );
    }
  }
  // An object or association created just now has no label yet: add them in the same pass.
  const created =
    schema ?? (!finding.schemasRefused ? await gateway.findSchema(settings.objectName) : undefined);
  if (created && (!schema || problems.some((p) => p.kind === 'association-missing'))) {
    for (const problem of await labelProblems(gateway, created.objectTypeId, expected.name))
      applied.push(
        ...(await createLabel(gateway, created.objectTypeId, problem.subject, expected.name, refused)),
      );
  }
  return applied;
}
