// Request accounting for the run summary: every HTTP request an activity sends, each retry attempt included.
// A failed attempt leaves its counts in its last heartbeat; the next attempt starts from them, so the
// successful attempt reports the total of all its attempts. An activity that fails for good reports them in
// its failure's details (`{ requests }`), so a run failed by a 401 still counts the request that drew it
// (read back by requestsOfFailure in src/workflows/util.ts).
import { AsyncLocalStorage } from 'node:async_hooks';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, noopMetricMeter, TemporalFailure, type MetricMeter } from '@temporalio/common';
import type { RequestCounter } from '../clients/source';

export interface RequestCounts {
  canny: number;
  hubspot: number;
  slack: number;
  rateLimited: number;
}

/** Well inside every activity's heartbeat timeout (30 s); the SDK throttles what it sends anyway. */
const HEARTBEAT_EVERY_MS = 5_000;

export const noRequests = (): RequestCounts => ({ canny: 0, hubspot: 0, slack: 0, rateLimited: 0 });

/** The worker's metric meter (Prometheus at METRICS_PORT), or none outside an activity. */
function meter(): MetricMeter {
  try {
    return Context.current().metricMeter;
  } catch {
    return noopMetricMeter;
  }
}

export class Counter implements RequestCounter {
  readonly counts: RequestCounts;
  constructor(start: RequestCounts = noRequests()) {
    this.counts = { ...start };
  }
  count(system: 'canny' | 'hubspot' | 'slack', rateLimited = false): void {
    this.counts[system]++;
    if (rateLimited) this.counts.rateLimited++;
    // The sync's own counters, next to the SDK's: feedback_sync_api_requests{system,rate_limited}.
    meter()
      .createCounter(
        'feedback_sync_api_requests',
        'requests',
        'HTTP requests sent to Canny, HubSpot and Slack',
      )
      .add(1, { system, rate_limited: rateLimited });
  }
}

/** feedback_sync_records_written{kind,op}: records and associations the sync created, updated or removed. */
export function countWrites(kind: string, op: 'created' | 'updated' | 'removed', value: number): void {
  if (value <= 0) return;
  meter()
    .createCounter('feedback_sync_records_written', 'records', 'HubSpot records and associations written')
    .add(value, { kind, op });
}

/** feedback_sync_alerts{kind}: alerts the workers raised (`lease-stuck`: a writer lease held for too long). */
export function countAlert(kind: string): void {
  meter().createCounter('feedback_sync_alerts', 'alerts', 'Alerts raised by the sync').add(1, { kind });
}

/** feedback_sync_store_prune_failures: a pruning of the run store that failed (the next run tries again). */
export function countPruneFailure(): void {
  meter()
    .createCounter('feedback_sync_store_prune_failures', 'prunings', 'Prunings of the run store that failed')
    .add(1);
}

function previousAttempts(): RequestCounts {
  try {
    const details = Context.current().info.heartbeatDetails as { requests?: RequestCounts } | undefined;
    return details?.requests ?? noRequests();
  } catch {
    return noRequests(); // outside an activity (unit tests of helpers)
  }
}

function heartbeat(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // outside an activity
  }
}

/**
 * Runs `fn` with a counter and adds `requests` (all attempts so far) to its result, or to its failure's
 * details. `failureDetails` adds what the next attempt should know to the failed attempt's last heartbeat.
 */
/** The counter of the `tracked` call this code runs in, so that every heartbeat carries its counts. */
const currentCounter = new AsyncLocalStorage<Counter>();

/**
 * A heartbeat that carries the requests counted so far: whatever heartbeat comes last before a worker dies is
 * what the next attempt starts counting from, so none may go without them.
 */
export function heartbeatWithRequests(): void {
  const counter = currentCounter.getStore();
  heartbeat(counter ? { requests: counter.counts } : undefined);
}

export async function tracked<T extends object>(
  fn: (counter: Counter) => Promise<T>,
  failureDetails: (err: unknown) => Record<string, unknown> = () => ({}),
): Promise<T & { requests: RequestCounts }> {
  const counter = new Counter(previousAttempts());
  return currentCounter.run(counter, () => trackedWith(counter, fn, failureDetails));
}

async function trackedWith<T extends object>(
  counter: Counter,
  fn: (counter: Counter) => Promise<T>,
  failureDetails: (err: unknown) => Record<string, unknown>,
): Promise<T & { requests: RequestCounts }> {
  // A live attempt heartbeats while it waits on a request or the run store, so that the heartbeat timeout
  // only ever ends attempts whose worker is gone: never one that is merely slow, which would then run twice.
  const beat = setInterval(() => heartbeat({ requests: counter.counts }), HEARTBEAT_EVERY_MS);
  try {
    const result = await fn(counter);
    return { ...result, requests: counter.counts };
  } catch (err) {
    heartbeat({ ...failureDetails(err), requests: counter.counts });
    throw withRequests(err, counter.counts);
  } finally {
    clearInterval(beat);
  }
}

/**
 * The same failure with `{ requests }` appended to its details: type, message, retry behaviour and cause are
 * kept. A plain Error becomes the ApplicationFailure Temporal would make of it (its name as the type,
 * retryable). Cancellations and other Temporal failures pass unchanged.
 */
export function withRequests(err: unknown, requests: RequestCounts): unknown {
  let copy: ApplicationFailure;
  if (err instanceof ApplicationFailure) {
    copy = ApplicationFailure.create({
      message: err.message,
      ...(err.type ? { type: err.type } : {}),
      nonRetryable: err.nonRetryable === true,
      details: [...(err.details ?? []), { requests: { ...requests } }],
      ...(err.nextRetryDelay !== undefined && err.nextRetryDelay !== null
        ? { nextRetryDelay: err.nextRetryDelay }
        : {}),
      ...(err.cause ? { cause: err.cause } : {}),
      ...(err.category ? { category: err.category } : {}),
    });
  } else if (err instanceof Error && !(err instanceof TemporalFailure)) {
    copy = ApplicationFailure.create({
      message: err.message,
      type: err.name,
      details: [{ requests: { ...requests } }],
      ...(err.cause instanceof Error ? { cause: err.cause } : {}),
    });
  } else {
    return err;
  }
  copy.stack = err.stack;
  return copy;
}
