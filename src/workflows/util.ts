// Small workflow-side helpers: turning activity results and failures into summary counts.
import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  isCancellation,
  TimeoutFailure,
} from '@temporalio/workflow';
import { emptyCounts } from '../domain/summary';
import type { SyncCounts } from '../domain/types';
import { FailureType } from '../failures';

export interface RequestCounts {
  canny: number;
  hubspot: number;
  slack: number;
  rateLimited: number;
}

export function countsFromRequests(requests: RequestCounts): SyncCounts {
  const counts = emptyCounts();
  counts.apiRequests = { ...requests };
  return counts;
}

const noRequests = (): RequestCounts => ({ canny: 0, hubspot: 0, slack: 0, rateLimited: 0 });

function requestsIn(value: unknown): RequestCounts | undefined {
  const found = (Array.isArray(value) ? value : [value]).find(
    (d): d is { requests: RequestCounts } =>
      typeof d === 'object' && d !== null && typeof (d as { requests?: unknown }).requests === 'object',
  );
  return found?.requests;
}

/**
 * The requests a failed activity or page sent before it failed: the `{ requests }` in its failure's details
 * (src/activities/tracking.ts), or in the last heartbeat of an attempt that timed out. Zero when unknown.
 */
export function requestsOfFailure(err: unknown): RequestCounts {
  let current: unknown = err;
  while (current instanceof ActivityFailure || current instanceof ChildWorkflowFailure) {
    current = current.cause;
  }
  if (current instanceof ApplicationFailure) return { ...noRequests(), ...requestsIn(current.details) };
  if (current instanceof TimeoutFailure)
    return { ...noRequests(), ...requestsIn(current.lastHeartbeatDetails) };
  return noRequests();
}

/**
 * A page's failure, rethrown with the requests the page sent (`requests`) in its details, so the parent
 * counts them. The root failure's type and message are kept, so `isFatal` and `failureMessage` read the
 * same. Anything but an activity failure (a cancellation, a bug) passes unchanged.
 */
export function failureWithRequests(err: unknown, requests: RequestCounts): unknown {
  const root = rootFailure(err);
  if (!(err instanceof ActivityFailure) || !root) return err;
  return ApplicationFailure.create({
    message: root.message,
    ...(root.type ? { type: root.type } : {}),
    nonRetryable: root.nonRetryable === true,
    details: [{ requests }],
    cause: err,
  });
}

/** The ApplicationFailure at the root of an activity or child failure, if any. */
export function rootFailure(err: unknown): ApplicationFailure | undefined {
  let current: unknown = err;
  while (current instanceof ActivityFailure || current instanceof ChildWorkflowFailure)
    current = current.cause;
  return current instanceof ApplicationFailure ? current : undefined;
}

/** Failures that end the whole run: no page can succeed without credentials, the schema or the budget. */
const FATAL: string[] = [
  FailureType.HubspotUnauthorized,
  FailureType.HubspotForbidden,
  FailureType.HubspotDailyLimit,
  FailureType.HubspotSchemaMissing,
  FailureType.SourceUnauthorized,
  // An ended run's activity, or workers on another run store: no later page can do better.
  FailureType.RunEnded,
  FailureType.StoreMismatch,
];

export function isFatal(err: unknown): boolean {
  // A cancelled run (an operator's cancel) must end as cancelled: no catch site may take it for one bad page.
  if (isCancellation(err)) return true;
  const root = rootFailure(err);
  return root?.type !== undefined && root.type !== null && FATAL.includes(root.type);
}

export function failureMessage(err: unknown): string {
  const root = rootFailure(err);
  if (root) return `${root.type ?? 'Error'}: ${root.message}`;
  return err instanceof Error ? err.message : String(err);
}
