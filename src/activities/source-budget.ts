// The source's request budget as the Canny client uses it: a slot from the shared store before every request
// (src/store/request-budget.ts), and waits that keep the activity heartbeating and end when it is cancelled.
import crypto from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { RequestBudget } from '../clients/source';
import type { RateLimit } from '../domain/rate-limits';
import type { StoreDb } from '../store/open';
import { blockUntil, tryTakeSlot } from '../store/request-budget';
import { heartbeatWithRequests } from './tracking';

/** Heartbeats at least this often while waiting (well inside the activities' heartbeat timeout). */
const WAIT_SLICE_MS = 5_000;

/**
 * The budget's name in the store: a hash of the API key, never the key. Every environment and worker that
 * uses one key and one store shares one budget, as Canny counts per key.
 */
export function budgetKeyOf(apiKey: string): string {
  return `canny:${crypto.createHash('sha256').update(apiKey).digest('hex').slice(0, 24)}`;
}

/**
 * Sleeps `ms`, heartbeating, inside an activity: a cancelled activity stops waiting (Context.sleep rejects).
 * Outside one (tests of the client), a plain timer.
 */
export async function waitInActivity(ms: number): Promise<void> {
  let context: Context | undefined;
  try {
    context = Context.current();
  } catch {
    context = undefined;
  }
  if (!context) return new Promise((resolve) => setTimeout(resolve, ms));
  for (let left = ms; left > 0; left -= WAIT_SLICE_MS) {
    heartbeatWithRequests();
    await context.sleep(Math.min(left, WAIT_SLICE_MS));
  }
}

/** A budget of `limits` on `budgetKey`, shared through `store`; `wait` sleeps while the budget is spent. */
export function storeBudget(
  store: StoreDb,
  budgetKey: string,
  limits: readonly RateLimit[],
  wait: (ms: number) => Promise<void> = waitInActivity,
): RequestBudget {
  return {
    async take() {
      for (;;) {
        const answer = await tryTakeSlot(store, budgetKey, limits);
        if (answer.taken) return;
        await wait(answer.waitMs);
      }
    },
    async rateLimited(retryAfterMs) {
      await blockUntil(store, budgetKey, Date.now() + retryAfterMs);
    },
  };
}
