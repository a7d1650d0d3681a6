// A portal's validation rules (docs/reference/hubspot.md, "Validation rules"): which writes the rules an admin set
// refuse, from API version 2026-09 on, and HubSpot's answer to such a write.
import type { SimRequest } from '../http-kit';
import { HubspotError } from './errors';
import type { ObjectTypeState, StoredRecord } from './model';
import type { Portal } from './portal';

/** Rules are enforced from this date version on. */
export const RULES_ENFORCED_FROM = '2026-09';

/**
 * A portal's validation rule as an admin sets it: a property required when a record is created (the "Create
 * record" form's required fields), or on every write; optionally only while another property has a value
 * (a conditionally required property).
 */
export interface ValidationRule {
  /** `companies`, `contacts`, or a custom object's name or id. */
  objectType: string;
  property: string;
  on: 'create' | 'write';
  when?: { property: string; value: string };
}

/**
 * The properties the rules require that a record would lack after this write, or none. `before` is the
 * stored record (undefined on create), `after` what it holds once written.
 */
export function missingRequired(
  rules: ValidationRule[],
  creating: boolean,
  after: ReadonlyMap<string, string>,
): string[] {
  const missing = rules.filter((rule) => {
    if (rule.on === 'create' && !creating) return false;
    if (rule.when && (after.get(rule.when.property) ?? '') !== rule.when.value) return false;
    return (after.get(rule.property) ?? '').trim() === '';
  });
  return [...new Set(missing.map((r) => r.property))];
}

/** HubSpot's message for a create or update its rules refused (its "required properties" error). */
export function requiredMessage(singular: string, creating: boolean): string {
  return `Error ${creating ? 'creating' : 'updating'} ${singular.toUpperCase()}. Some required properties were not set.`;
}

/** Whether a request names a version that enforces portal validation rules on writes. */
export function enforcesRules(apiVersion: string | undefined): boolean {
  return apiVersion !== undefined && apiVersion.slice(0, 7) >= RULES_ENFORCED_FROM;
}

/** The rules set on a portal (`setValidationRules`), and the writes they refuse. */
export class ValidationRules {
  rules: ValidationRule[] = [];

  constructor(private readonly portal: Portal) {}

  /** A write the portal's validation rules refuse (API version 2026-09 on), as HubSpot answers it. */
  refusal(
    req: SimRequest,
    type: ObjectTypeState,
    existing: StoredRecord | undefined,
    changes: ReadonlyMap<string, string>,
  ): HubspotError | undefined {
    if (!enforcesRules(req.params.apiVersion)) return undefined;
    const rules = this.rules.filter((r) => this.portal.findType(r.objectType, true) === type);
    if (rules.length === 0) return undefined;
    const after = new Map([...(existing?.props ?? []), ...changes]);
    const missing = missingRequired(rules, existing === undefined, after);
    if (missing.length === 0) return undefined;
    return new HubspotError(400, 'VALIDATION_ERROR', requiredMessage(type.singular, existing === undefined), {
      context: { properties: missing },
    });
  }
}
