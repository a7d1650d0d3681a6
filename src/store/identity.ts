// The run store's identity: one id, made by the migration that created it. Every worker names it in its
// Temporal identity (`… store=<id>`), a run carries the id of the store it planned in, and a worker whose
// store is another one refuses the run's activities. Workers on several hosts with the default SQLite file
// would otherwise each keep their own runs, leases and plans, and two runs would write at once.
import type { StoreDb } from './open';

export async function storeIdentity(db: StoreDb): Promise<string> {
  const row = await db.selectFrom('store_identity').select('id').executeTakeFirstOrThrow();
  return row.id;
}
