// Activity options, one per retry profile. Temporal owns every retry: the HTTP clients never retry.
import { ActivityCancellationType, patched, type ActivityOptions } from '@temporalio/workflow';
import { NON_RETRYABLE_FAILURES } from '../failures';

/** HubSpot: one request per activity; 429s come back with the delay HubSpot asked for (nextRetryDelay). */
export const HUBSPOT_ACTIVITY: ActivityOptions = {
  // A cancelled run waits until each of its HubSpot activities has stopped (their request in flight
  // answered, no new one sent), and only then gives its writer lease back: no write of it lands after the
  // next run has planned.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  // Generous: a request may page (a company search, association reads) and wait on the run store.
  startToCloseTimeout: '10 minutes',
  // Every activity heartbeats every 5 s while it runs (activities/tracking.ts), so only a lost worker misses
  // this: it is noticed in 30 s, and a slow request is never taken for lost and run a second time.
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    // Rate limits and 5xx resolve with time; 25 tries span well over ten minutes of trouble.
    maximumAttempts: 25,
    nonRetryableErrorTypes: NON_RETRYABLE_FAILURES,
  },
};

/**
 * The HubSpot options of this run: runs recorded before the cancellation wait (the SDK's default, TRY_CANCEL)
 * replay with that default, since a cancelled run of theirs went on without waiting. Decided once per run.
 */
export function hubspotActivityOptions(): ActivityOptions {
  return patched('wait-cancellation')
    ? HUBSPOT_ACTIVITY
    : { ...HUBSPOT_ACTIVITY, cancellationType: ActivityCancellationType.TRY_CANCEL };
}

/** Reading the whole source: long, heartbeating, retried a few times. */
export const SOURCE_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    nonRetryableErrorTypes: NON_RETRYABLE_FAILURES,
  },
};

/** Slack: only failures after which Slack surely did not post are retried; a duplicate summary is worse than none. */
export const SLACK_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '2 seconds',
    maximumAttempts: 3,
    nonRetryableErrorTypes: NON_RETRYABLE_FAILURES,
  },
};

/** Local bookkeeping on the worker. */
export const LOCAL_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3 },
};
