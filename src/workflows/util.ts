// Small workflow-side helpers: turning activity results and failures into summary counts.
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure } from '@temporalio/workflow';
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
];

export function isFatal(err: unknown): boolean {
  const root = rootFailure(err);
  return root?.type !== undefined && root.type !== null && FATAL.includes(root.type);
}

export function failureMessage(err: unknown): string {
  const root = rootFailure(err);
  if (root) return `${root.type ?? 'Error'}: ${root.message}`;
  return err instanceof Error ? err.message : String(err);
}
