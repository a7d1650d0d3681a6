// Failure types: one string enum for every error the sync turns into a Temporal ApplicationFailure.
// Retry policies, tests and operators match on these names, never on message text.
import { ApplicationFailure } from '@temporalio/common';

export const FailureType = {
  /** HubSpot answered 429 (ten-secondly or secondly); retried after the delay it asked for. */
  HubspotRateLimited: 'HubspotRateLimited',
  /** HubSpot's daily limit: retrying before the portal's midnight is pointless. */
  HubspotDailyLimit: 'HubspotDailyLimit',
  HubspotUnauthorized: 'HubspotUnauthorized',
  HubspotForbidden: 'HubspotForbidden',
  /** A request HubSpot refuses as invalid: retrying sends the same invalid request. */
  HubspotValidation: 'HubspotValidation',
  /** The portal lacks the feature_request object, a property or an association: run `hubspot setup --apply`. */
  HubspotSchemaMissing: 'HubspotSchemaMissing',
  HubspotServerError: 'HubspotServerError',
  SourceRateLimited: 'SourceRateLimited',
  SourceUnauthorized: 'SourceUnauthorized',
  SourceInvalidRequest: 'SourceInvalidRequest',
  SourceServerError: 'SourceServerError',
  SourceInvalidResponse: 'SourceInvalidResponse',
  SlackRateLimited: 'SlackRateLimited',
  /** Slack answered ok:false (invalid_auth, channel_not_found, not_in_channel, ...): permanent. */
  SlackPlatformError: 'SlackPlatformError',
  /** A Slack failure after which the message may or may not have been posted: never retried (no double post). */
  SlackAmbiguous: 'SlackAmbiguous',
  NetworkError: 'NetworkError',
  /** The worker lost the run's working set and could not rebuild it. */
  RunStateLost: 'RunStateLost',
  /** The run store this worker uses has no (or another version of the) run's snapshot: workers must share one. */
  RunStateMissing: 'RunStateMissing',
  /** The workers of a task queue use different run stores (SYNC_STORE_URL): no run may write until they share one. */
  StoreMismatch: 'StoreMismatch',
  /** An activity of a run that has ended (a late attempt, a reset): its working set is gone or going. */
  RunEnded: 'RunEnded',
  InvalidInput: 'InvalidInput',
  /** The run belongs to another environment than the worker that picked it up (a shared task queue). */
  EnvironmentMismatch: 'EnvironmentMismatch',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** Failure types that no retry can fix; listed in every retry policy's nonRetryableErrorTypes too. */
export const NON_RETRYABLE_FAILURES: FailureType[] = [
  FailureType.HubspotDailyLimit,
  FailureType.HubspotUnauthorized,
  FailureType.HubspotForbidden,
  FailureType.HubspotValidation,
  FailureType.HubspotSchemaMissing,
  FailureType.SourceUnauthorized,
  FailureType.SourceInvalidRequest,
  FailureType.SlackPlatformError,
  FailureType.SlackAmbiguous,
  FailureType.InvalidInput,
  FailureType.EnvironmentMismatch,
  FailureType.StoreMismatch,
  FailureType.RunEnded,
];

export function failure(
  type: FailureType,
  message: string,
  options: { nextRetryDelayMs?: number; details?: unknown[]; cause?: Error } = {},
): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: NON_RETRYABLE_FAILURES.includes(type),
    ...(options.nextRetryDelayMs !== undefined ? { nextRetryDelay: options.nextRetryDelayMs } : {}),
    ...(options.details ? { details: options.details } : {}),
    ...(options.cause ? { cause: options.cause } : {}),
  });
}
