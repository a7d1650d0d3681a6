// A source API key's request budget, for every worker that shares this store: each request takes a slot
// first, and a slot exists only while every rolling window (per second, minute, hour) has room. Enforced before
// a request is sent, not learned from 429s (STYLE.md, "A budget for every upstream"); a 429 that comes anyway
// (another tool spent the key's budget) blocks every worker until its Retry-After has passed.
//
// One transaction per slot. Its first statement writes the key's row, which serialises the acquirers of one
// key: a row lock on Postgres, the database's write lock on SQLite (a deferred transaction whose first
// statement writes takes it then, before it reads anything).
import type { RateLimit } from '../domain/rate-limits';
import type { StoreDb } from './open';

const num = (value: number | string | null | undefined): number => Number(value ?? 0);

/**
 * A slot is counted a little longer than its window: it is taken before the request leaves, and requests reach
 * the source after varying delays, so two bursts a window apart here can land inside one window there
 * (measured: four slots at 67–71 ms and four at 1,004–1,073 ms drew 429s from a 5-a-second limit). A quarter
 * of a second, plus 2 % of long windows.
 */
export function countedFor(windowMs: number): number {
  return windowMs + 250 + Math.round(windowMs / 50);
}

/**
 * Takes one slot for a request sent now, or says how long to wait before asking again (ms). Never takes a slot
 * that would put more than a window's count in any window.
 */
export async function tryTakeSlot(
  db: StoreDb,
  budgetKey: string,
  limits: readonly RateLimit[],
  at?: number,
): Promise<{ taken: true } | { taken: false; waitMs: number }> {
  const longest = Math.max(...limits.map((l) => countedFor(l.windowMs)));
  return db.transaction().execute(async (trx) => {
    const touched = at ?? Date.now();
    await trx
      .insertInto('budget_keys')
      .values({ budget_key: budgetKey, blocked_until: 0, touched_at: touched })
      .onConflict((oc) => oc.column('budget_key').doUpdateSet({ touched_at: touched }))
      .execute();
    // The slot's time is read once the key is locked: time spent waiting for the lock is not the request's.
    const now = at ?? Date.now();
    const key = await trx
      .selectFrom('budget_keys')
      .select('blocked_until')
      .where('budget_key', '=', budgetKey)
      .executeTakeFirstOrThrow();
    const blockedFor = num(key.blocked_until) - now;
    if (blockedFor > 0) return { taken: false, waitMs: blockedFor };
    let waitMs = 0;
    for (const limit of limits) {
      const row = await trx
        .selectFrom('budget_requests')
        .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.min('sent_at').as('oldest')])
        .where('budget_key', '=', budgetKey)
        .where('sent_at', '>', now - countedFor(limit.windowMs))
        .executeTakeFirstOrThrow();
      // The window is full until its oldest request leaves it.
      if (num(row.n) >= limit.count)
        waitMs = Math.max(waitMs, num(row.oldest) + countedFor(limit.windowMs) - now + 1);
    }
    if (waitMs > 0) return { taken: false, waitMs };
    await trx.insertInto('budget_requests').values({ budget_key: budgetKey, sent_at: now }).execute();
    // What no window counts any more: kept small, one delete per slot (the index makes it a range).
    await trx
      .deleteFrom('budget_requests')
      .where('budget_key', '=', budgetKey)
      .where('sent_at', '<=', now - longest)
      .execute();
    return { taken: true };
  });
}

/** The source answered 429: nobody on this key sends before `until` (ms since the epoch). */
export async function blockUntil(db: StoreDb, budgetKey: string, until: number): Promise<void> {
  const now = Date.now();
  await db
    .insertInto('budget_keys')
    .values({ budget_key: budgetKey, blocked_until: until, touched_at: now })
    .onConflict((oc) =>
      oc.column('budget_key').doUpdateSet((eb) => ({
        // The later of the two: a short Retry-After never shortens a longer one another worker got.
        blocked_until: eb
          .case()
          .when('budget_keys.blocked_until', '<', until)
          .then(until)
          .else(eb.ref('budget_keys.blocked_until'))
          .end(),
        touched_at: now,
      })),
    )
    .execute();
}
