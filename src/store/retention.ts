// What the run store keeps, and for how long. A run's bulk (its snapshot of the source, the voters' emails and
// names, the companies and contacts it resolved, the pairs it planned) is needed only while it runs: when it
// ends, that is deleted at once, personal data with it. What stays is the audit trail, small and without
// emails: the run (sync_runs), its snapshot's header (hash, counts), the page plans (what each request was
// to become, without the author's email, a description by its length only) and the pair plans' counts.
// That trail is kept for SYNC_STORE_RETENTION_DAYS, at most SYNC_STORE_MAX_RUNS runs and at most
// SYNC_STORE_MAX_MB of plans (the newest runs kept first); snapshots no run
// ever owned (a prepare cancelled while it wrote) are pruned by age too.
import type { StoreDb } from './open';
import { openedOrUndefined, PLAIN, type StoreSeal } from './sealing';

/** The tables of a snapshot's bulk, by snapshot id. */
const SNAPSHOT_BULK = [
  'snapshot_posts',
  'snapshot_people',
  'snapshot_listed',
  'snapshot_domains',
  'snapshot_emails',
] as const;

/** The tables of a run's working set, by run key. */
const RUN_BULK = [
  'run_companies',
  'run_contacts',
  'run_unfinished',
  'run_stored',
  'run_pairs',
  'run_previous',
] as const;

/** The tables of a run's audit trail, by run key (deleted with the run). */
const RUN_TRAIL = ['run_plans', 'run_pair_plans', 'run_vanished'] as const;

/** Marks the run ended (before its purge, so that a failed purge is swept by the next pruning). */
export async function markRunFinished(db: StoreDb, runKey: string): Promise<void> {
  await db
    .updateTable('sync_runs')
    .set({ finished_at: new Date().toISOString() })
    .where('run_key', '=', runKey)
    .where('finished_at', 'is', null)
    .execute();
}

/** When the run ended (or its working set was purged), or undefined while it may run. */
export async function runEndedAt(db: StoreDb, runKey: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('sync_runs')
    .select(['finished_at', 'purged_at'])
    .where('run_key', '=', runKey)
    .executeTakeFirst();
  return row?.finished_at ?? row?.purged_at ?? undefined;
}

/** Runs that never marked their end are looked at once they are this old: were they terminated? */
const STALE_RUN_MS = 2 * 24 * 60 * 60 * 1000;

/**
 * Whether a run that never marked its end is over: no run of its workflow runs any more (a terminated run).
 * Absent: never assumed, and such a run waits for its end, however long it waits (for the writer lease, say).
 */
export type RunIsOver = (runKey: string, namespace: string | null) => Promise<boolean>;

/**
 * Deletes a finished run's bulk and the personal data of its plans; its audit trail stays. `seal` opens sealed
 * plans (src/store/sealing.ts) to keep them without emails; one it cannot open stays sealed.
 */
export async function purgeFinishedRun(db: StoreDb, runKey: string, seal: StoreSeal = PLAIN): Promise<void> {
  const snapshots = await db
    .selectFrom('snapshots')
    .select('snapshot_id')
    .where('run_key', '=', runKey)
    .execute();
  for (const { snapshot_id: id } of snapshots)
    for (const table of SNAPSHOT_BULK) await db.deleteFrom(table).where('snapshot_id', '=', id).execute();
  for (const table of RUN_BULK) await db.deleteFrom(table).where('run_key', '=', runKey).execute();
  const plans = await db
    .selectFrom('run_plans')
    .select(['page', 'plan'])
    .where('run_key', '=', runKey)
    .execute();
  for (const { page, plan } of plans) {
    const stripped = withoutAuthorEmails(plan, seal);
    if (stripped !== plan)
      await db
        .updateTable('run_plans')
        .set({ plan: stripped })
        .where('run_key', '=', runKey)
        .where('page', '=', page)
        .execute();
  }
  await db
    .updateTable('sync_runs')
    .set({ purged_at: new Date().toISOString() })
    .where('run_key', '=', runKey)
    .execute();
}

/**
 * A page plan's JSON as the audit trail keeps it: without the authors' emails (the only personal data a plan
 * holds) and with each description's length in place of its text (up to 64 KiB each: the bulk of a plan).
 */
function withoutAuthorEmails(stored: string, seal: StoreSeal): string {
  // Sealed with a key this worker lacks, or a worker without payload keys: it stays sealed.
  const json = openedOrUndefined(seal, stored);
  if (json === undefined) return stored;
  const plan = JSON.parse(json) as {
    changed?: Array<{
      properties?: Record<string, string>;
      changes?: Record<string, [string | null, string]>;
    }>;
  };
  let changed = false;
  for (const item of plan.changed ?? []) {
    // A dry run's old → new: the same, on both sides.
    const changes = item.changes;
    if (changes?.author_email) {
      changes.author_email = ['(removed when the run ended)', '(removed when the run ended)'];
      changed = true;
    }
    if (changes?.description && !changes.description[1].startsWith('(description of ')) {
      const [before, after] = changes.description;
      changes.description = [
        before === null ? null : `(description of ${before.length} characters)`,
        `(description of ${after.length} characters)`,
      ];
      changed = true;
    }
    const properties = item.properties;
    if (!properties) continue;
    if (properties.author_email) {
      properties.author_email = '(removed when the run ended)';
      changed = true;
    }
    if (properties.description && !properties.description.startsWith('(description of ')) {
      properties.description = `(description of ${properties.description.length} characters)`;
      changed = true;
    }
  }
  return changed || json !== stored ? JSON.stringify(plan) : stored;
}

/**
 * Ended runs beyond the trail's budget: newest first, each run's trail (its plans and pair plans) counted
 * until the budget is spent; the rest go. Runs that may still run count, but are never listed.
 */
async function beyondBudget(db: StoreDb, budget: number): Promise<Array<{ run_key: string }>> {
  const sizes = new Map<string, number>();
  for (const [table, column] of [
    ['run_plans', 'plan'],
    ['run_pair_plans', 'summary'],
  ] as const) {
    const rows = await db
      .selectFrom(table)
      .select((eb) => ['run_key', eb.fn.sum<number | string>(eb.fn('length', [column])).as('bytes')])
      .groupBy('run_key')
      .execute();
    for (const r of rows) sizes.set(r.run_key, (sizes.get(r.run_key) ?? 0) + Number(r.bytes));
  }
  const runs = await db
    .selectFrom('sync_runs')
    .select(['run_key', 'finished_at'])
    .orderBy('updated_at', 'desc')
    .orderBy('run_key', 'desc')
    .execute();
  let used = 0;
  const out: Array<{ run_key: string }> = [];
  for (const run of runs) {
    used += sizes.get(run.run_key) ?? 0;
    if (used > budget && run.finished_at !== null) out.push(run);
  }
  return out;
}

/** Deletes every row of these runs: bulk, trail, snapshots and the run itself. */
async function deleteRuns(db: StoreDb, runKeys: string[]): Promise<void> {
  for (const runKey of runKeys) {
    await purgeFinishedRun(db, runKey); // the plans go too: no need to open them
    await db.deleteFrom('snapshots').where('run_key', '=', runKey).execute();
    for (const table of RUN_TRAIL) await db.deleteFrom(table).where('run_key', '=', runKey).execute();
    await db.deleteFrom('sync_runs').where('run_key', '=', runKey).execute();
  }
}

/**
 * Prunes the store: runs last updated before `before`, the oldest runs beyond `maxRuns`, and snapshots no
 * run owns that were written before `before`. Returns how many runs and orphaned snapshots went.
 */
export async function pruneStore(
  db: StoreDb,
  before: Date,
  maxRuns: number,
  /** Opens sealed plans of runs whose purge is swept here. */
  seal: StoreSeal = PLAIN,
  isOver?: RunIsOver,
  /** The audit trail's budget (SYNC_STORE_MAX_MB), in characters of its plans: the oldest ended runs go first. */
  maxTrailBytes?: number,
): Promise<{ runs: number; orphanedSnapshots: number }> {
  const cutoff = before.toISOString();
  // First the bulk that outlived its run: a purge that failed, a run terminated before it could purge. A run
  // that never marked its end is purged only once its workflow is over: one that still runs needs it whole.
  const stale = new Date(Date.now() - STALE_RUN_MS).toISOString();
  const unpurged = await db
    .selectFrom('sync_runs')
    .select(['run_key', 'finished_at', 'namespace'])
    .where('purged_at', 'is', null)
    .where((eb) => eb.or([eb('finished_at', 'is not', null), eb('created_at', '<', stale)]))
    .execute();
  const over = async (r: {
    run_key: string;
    finished_at: string | null;
    namespace: string | null;
  }): Promise<boolean> =>
    r.finished_at !== null || (isOver !== undefined && (await isOver(r.run_key, r.namespace)));
  for (const run of unpurged) {
    if (!(await over(run))) continue;
    await markRunFinished(db, run.run_key);
    await purgeFinishedRun(db, run.run_key, seal);
  }
  // By age: runs that ended, or that are over (never one that may still run).
  const old: Array<{ run_key: string }> = [];
  for (const run of await db
    .selectFrom('sync_runs')
    .select(['run_key', 'finished_at', 'namespace'])
    .where('updated_at', '<', cutoff)
    .execute())
    if (await over(run)) old.push(run);
  // By count: only runs that ended, never one in progress.
  const beyond = await db
    .selectFrom('sync_runs')
    .select('run_key')
    .where('finished_at', 'is not', null)
    .orderBy('updated_at', 'desc')
    .orderBy('run_key', 'desc')
    .offset(maxRuns)
    .limit(10_000)
    .execute();
  const oversize = maxTrailBytes === undefined ? [] : await beyondBudget(db, maxTrailBytes);
  const runKeys = [...new Set([...old, ...beyond, ...oversize].map((r) => r.run_key))];
  await deleteRuns(db, runKeys);
  const orphans = await db
    .selectFrom('snapshots')
    .leftJoin('sync_runs', 'sync_runs.run_key', 'snapshots.run_key')
    .select(['snapshots.snapshot_id as id', 'snapshots.run_key as runKey'])
    .where('sync_runs.run_key', 'is', null)
    .where('snapshots.created_at', '<', cutoff)
    .execute();
  for (const { id } of orphans) {
    for (const table of SNAPSHOT_BULK) await db.deleteFrom(table).where('snapshot_id', '=', id).execute();
    await db.deleteFrom('snapshots').where('snapshot_id', '=', id).execute();
  }
  return { runs: runKeys.length, orphanedSnapshots: orphans.length };
}
