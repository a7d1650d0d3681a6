// The writer lease: one writing run per environment at a time. Two runs writing the same feature request at
// once (a full run and a company run, say) can leave one run's properties and associations under the other
// run's fingerprint, a state HubSpot does not hold and that no later run repairs. So a run takes this lease
// before it plans and writes, and gives it back when it ends.
//
// Every step is one statement, atomic on SQLite and Postgres alike: an insert that does nothing when the row
// exists, and a compare-and-set update keyed by the holder's run key. Whether a holder is still alive is
// not the store's business: the caller asks Temporal (a terminated run never releases its lease).
import type { StoreDb } from './open';

export interface LeaseHolder {
  workflowId: string;
  /** Stable across continue-as-new (RunState.runKey); a new chain has a new one. */
  runKey: string;
  /** The holder's Temporal namespace: only there can it be asked whether it still runs. */
  namespace?: string;
}

export type LeaseAnswer = { acquired: true } | { acquired: false; holder: LeaseHolder };

/**
 * Takes the environment's lease for `me`, or tells who holds it. A holder that `isGone` says is no longer
 * running is replaced; when two callers replace the same holder at once, one of them wins.
 */
export async function acquireLease(
  db: StoreDb,
  environment: string,
  me: LeaseHolder,
  isGone: (holder: LeaseHolder) => Promise<boolean>,
): Promise<LeaseAnswer> {
  // Twice at most: a holder that releases between our insert and our read leaves no row to read.
  for (let attempt = 0; ; attempt++) {
    await db
      .insertInto('writer_leases')
      .values({
        environment,
        workflow_id: me.workflowId,
        run_key: me.runKey,
        acquired_at: new Date().toISOString(),
        namespace: me.namespace ?? null,
      })
      .onConflict((oc) => oc.column('environment').doNothing())
      .execute();
    const holder = await leaseHolder(db, environment);
    if (!holder && attempt === 0) continue;
    if (!holder) return { acquired: false, holder: { workflowId: '(just released)', runKey: '' } };
    if (holder.runKey === me.runKey) return { acquired: true };
    if (!(await isGone(holder))) return { acquired: false, holder };
    const taken = await db
      .updateTable('writer_leases')
      .set({
        workflow_id: me.workflowId,
        run_key: me.runKey,
        acquired_at: new Date().toISOString(),
        namespace: me.namespace ?? null,
      })
      .where('environment', '=', environment)
      .where('run_key', '=', holder.runKey)
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) === 1) return { acquired: true };
    // Another caller replaced the same holder first.
    return { acquired: false, holder: (await leaseHolder(db, environment)) ?? holder };
  }
}

/** Gives the lease back, if `runKey` still holds it: a late release never frees a lease taken over since. */
export async function releaseLease(db: StoreDb, environment: string, runKey: string): Promise<boolean> {
  const deleted = await db
    .deleteFrom('writer_leases')
    .where('environment', '=', environment)
    .where('run_key', '=', runKey)
    .executeTakeFirst();
  return Number(deleted.numDeletedRows) === 1;
}

/**
 * Gives back every lease this run holds (its environment's and its portal's), whatever their keys: a release
 * never depends on asking HubSpot which portal the token writes to. Returns how many it held.
 */
export async function releaseLeasesOf(db: StoreDb, runKey: string): Promise<number> {
  const deleted = await db.deleteFrom('writer_leases').where('run_key', '=', runKey).executeTakeFirst();
  return Number(deleted.numDeletedRows);
}

export async function leaseHolder(db: StoreDb, environment: string): Promise<LeaseHolder | undefined> {
  const row = await db
    .selectFrom('writer_leases')
    .select(['workflow_id', 'run_key', 'namespace'])
    .where('environment', '=', environment)
    .executeTakeFirst();
  return row
    ? {
        workflowId: row.workflow_id,
        runKey: row.run_key,
        ...(row.namespace !== null ? { namespace: row.namespace } : {}),
      }
    : undefined;
}
