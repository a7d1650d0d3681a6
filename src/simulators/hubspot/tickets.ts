// What HubSpot checks on a ticket write, whatever the route (create, batch create, update, upsert): a create
// needs `subject` and `hs_pipeline_stage` and lands in the default pipeline (`0`) when it names none; the stage
// must be a stage of the ticket's pipeline, on create and whenever a write moves either. HubSpot's tickets
// guide says which properties a create needs; the exact refusals are *unconfirmed* (docs/reference/hubspot.md).
import { HubspotError } from './errors';
import { TICKETS, type ObjectTypeState, type StoredRecord } from './model';
import type { Portal } from './portal';

const REQUIRED_ON_CREATE = ['subject', 'hs_pipeline_stage'];
const DEFAULT_PIPELINE = '0';

/** Fills what HubSpot fills on a ticket create: the default pipeline. */
export function ticketCreateDefaults(type: ObjectTypeState, changes: Map<string, string>): void {
  if (type.objectTypeId === TICKETS && (changes.get('hs_pipeline') ?? '') === '')
    changes.set('hs_pipeline', DEFAULT_PIPELINE);
}

/** Why HubSpot refuses this ticket write (a create when `existing` is undefined), or undefined. */
export function ticketRefusal(
  portal: Portal,
  type: ObjectTypeState,
  existing: StoredRecord | undefined,
  changes: ReadonlyMap<string, string>,
): HubspotError | undefined {
  if (type.objectTypeId !== TICKETS) return undefined;
  const after = new Map([...(existing?.props ?? []), ...changes]);
  const value = (name: string): string => (after.get(name) ?? '').trim();
  if (!existing) {
    const missing = REQUIRED_ON_CREATE.filter((name) => value(name) === '');
    if (missing.length > 0) {
      // As HubSpot words it for a ticket create without them (seen in HubSpot/hubspot-api-php issue #139).
      return new HubspotError(
        400,
        'VALIDATION_ERROR',
        `Cannot create object with type: TICKET. The following required properties were missing: [${missing.join(', ')}]`,
        { context: { properties: missing } },
      );
    }
  } else if (!changes.has('hs_pipeline') && !changes.has('hs_pipeline_stage')) {
    return undefined;
  }
  const pipelines = portal.pipelines.list(TICKETS);
  const pipeline = pipelines.find((p) => p.id === value('hs_pipeline'));
  if (!pipeline)
    return invalidOption(
      'hs_pipeline',
      value('hs_pipeline'),
      pipelines.map((p) => p.id),
    );
  const stages = pipeline.stages.filter((s) => !s.archived).map((s) => s.id);
  if (!stages.includes(value('hs_pipeline_stage')))
    return invalidOption('hs_pipeline_stage', value('hs_pipeline_stage'), stages);
  return undefined;
}

/** HubSpot's refusal of an enumeration value that is not one of the property's options. */
function invalidOption(name: string, value: string, allowed: string[]): HubspotError {
  const message = `${value} was not one of the allowed options: [${allowed.join(', ')}]`;
  const detail = [{ isValid: false, message, error: 'INVALID_OPTION', name }];
  return new HubspotError(
    400,
    'VALIDATION_ERROR',
    `Property values were not valid: ${JSON.stringify(detail)}`,
    {
      errors: [{ message, code: 'INVALID_OPTION', in: name }],
      context: { propertyName: [name] },
    },
  );
}
