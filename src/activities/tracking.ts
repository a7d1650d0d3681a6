// Request accounting for the run summary: every HTTP request an activity sends, each retry attempt included.
// A failed attempt leaves its counts in its last heartbeat; the next attempt starts from them, so the
// successful attempt reports the total of all its attempts.
import { Context } from '@temporalio/activity';
import type { RequestCounter } from '../clients/source';

export interface RequestCounts {
  canny: number;
  hubspot: number;
  slack: number;
  rateLimited: number;
}

export const noRequests = (): RequestCounts => ({ canny: 0, hubspot: 0, slack: 0, rateLimited: 0 });

export class Counter implements RequestCounter {
  readonly counts: RequestCounts;
  constructor(start: RequestCounts = noRequests()) {
    this.counts = { ...start };
  }
  count(system: 'canny' | 'hubspot' | 'slack', rateLimited = false): void {
    this.counts[system]++;
    if (rateLimited) this.counts.rateLimited++;
  }
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

/** Runs `fn` with a counter and adds `requests` (all attempts so far) to its result. */
export async function tracked<T extends object>(
  fn: (counter: Counter) => Promise<T>,
): Promise<T & { requests: RequestCounts }> {
  const counter = new Counter(previousAttempts());
  try {
    const result = await fn(counter);
    return { ...result, requests: counter.counts };
  } catch (err) {
    heartbeat({ requests: counter.counts });
    throw err;
  }
}
