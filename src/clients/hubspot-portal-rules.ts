// For `hubspot check`: what the portal's rules mean for the companies and contacts the sync creates. HubSpot
// enforces a portal's validation rules on API writes from version 2026-09 on (docs/reference/hubspot.md,
// "Validation rules"). The API lists the format rules set on properties (the property validations API); it
// lists no required or conditionally required property, so those show only when a write is refused, as a
// record failure naming the property. The operator's defaults (`HUBSPOT_COMPANY_DEFAULTS`,
// `HUBSPOT_CONTACT_DEFAULTS`) are checked against the portal's properties here, before any run sends them.
import type { SchemaProblem } from '../domain/feature-request';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../failures';
import type { CreateDefaults, HubspotGateway, PropertyInfo } from './hubspot';

/** What the sync writes when it creates one, besides the operator's defaults. */
const CREATED = {
  companies: {
    objectTypeId: '0-2',
    variable: 'HUBSPOT_COMPANY_DEFAULTS',
    written: ['name', 'domain', 'feedback_sync_domain'],
  },
  contacts: {
    objectTypeId: '0-1',
    variable: 'HUBSPOT_CONTACT_DEFAULTS',
    written: ['email', 'firstname', 'lastname'],
  },
} as const;

export interface WriteRulesReport {
  /** Defaults the portal cannot take (an unknown or read-only property, a value outside its options). */
  problems: SchemaProblem[];
  /** Format rules on properties the sync writes: HubSpot refuses a value that breaks one. */
  warnings: string[];
}

/** A default a property cannot take, or undefined when it can. */
function defaultProblem(property: PropertyInfo | undefined, name: string, value: string): string | undefined {
  if (!property) return `the portal has no property ${name}`;
  if (property.readOnly) return `${name} is set by HubSpot alone (calculated or read-only)`;
  if (property.type === 'enumeration' && property.options.length > 0 && !property.options.includes(value))
    return `${value} is not one of ${name}'s options (${property.options.slice(0, 10).join(', ')}${property.options.length > 10 ? ', …' : ''})`;
  if (property.hasUniqueValue)
    return `${name} must be unique: every company or contact after the first would be refused`;
  if (property.type === 'number' && !Number.isFinite(Number(value))) return `${name} takes a number`;
  if (property.type === 'bool' && !['true', 'false'].includes(value)) return `${name} takes true or false`;
  if ((property.type === 'date' || property.type === 'datetime') && !isHubspotDate(value))
    return `${name} takes a date: YYYY-MM-DD, or milliseconds since 1970`;
  return undefined;
}

/** A date as HubSpot takes one: an ISO day that exists, or epoch milliseconds. */
function isHubspotDate(value: string): boolean {
  if (/^\d{10,14}$/.test(value)) return true;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const day = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === value;
}

export async function checkWriteRules(
  gateway: HubspotGateway,
  defaults: CreateDefaults,
): Promise<WriteRulesReport> {
  const problems: SchemaProblem[] = [];
  const warnings: string[] = [];
  for (const [objectType, created] of Object.entries(CREATED)) {
    const given = (objectType === 'companies' ? defaults.company : defaults.contact) ?? {};
    if (Object.keys(given).length > 0) {
      const properties = new Map((await gateway.listProperties(objectType)).map((p) => [p.name, p]));
      for (const [name, value] of Object.entries(given)) {
        const problem = defaultProblem(properties.get(name), name, value);
        if (problem)
          problems.push({
            kind: 'property-mismatch',
            subject: `${created.variable}.${name}`,
            message: `${created.variable} sets ${name}=${value}, which ${objectType} cannot take: ${problem}`,
          });
      }
    }
    const written = new Set<string>([...created.written, ...Object.keys(given)]);
    for (const rule of await rulesOf(gateway, created.objectTypeId, warnings)) {
      if (!written.has(rule.property)) continue;
      const args = rule.ruleArguments.length > 0 ? ` ${rule.ruleArguments.join(', ')}` : '';
      warnings.push(
        `${objectType}.${rule.property} has a validation rule (${rule.ruleType}${args}): HubSpot refuses a ` +
          `${objectType === 'companies' ? 'company' : 'contact'} the sync creates whose value breaks it, and the run reports it as a record failure`,
      );
    }
  }
  return { problems, warnings };
}

/** The format rules of a type; a token that may not read them is a warning, never a failed check. */
async function rulesOf(gateway: HubspotGateway, objectTypeId: string, warnings: string[]) {
  try {
    return await gateway.listPropertyRules(objectTypeId);
  } catch (err) {
    if (!(err instanceof ApplicationFailure) || err.type !== FailureType.HubspotForbidden) throw err;
    warnings.push(`could not read the validation rules of ${objectTypeId}: ${err.message}`);
    return [];
  }
}
