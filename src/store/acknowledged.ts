// Failures an operator acknowledged (`failures ack <key>`): a record known to be bad (a post whose title
// HubSpot refuses, say) that every run fails on. Runs whose only failures are acknowledged exit 0 and go to
// the summary channel, not the alert one; the failures stay in the summary, marked acknowledged.
import type { StoreDb } from './open';

export interface Acknowledged {
  key: string;
  note: string | null;
  acknowledgedAt: string;
}

export async function acknowledge(
  db: StoreDb,
  environment: string,
  key: string,
  note?: string,
): Promise<void> {
  await db
    .insertInto('acknowledged_failures')
    .values({ environment, failure_key: key, note: note ?? null, acknowledged_at: new Date().toISOString() })
    .onConflict((oc) => oc.columns(['environment', 'failure_key']).doUpdateSet({ note: note ?? null }))
    .execute();
}

/** Whether it was acknowledged. */
export async function unacknowledge(db: StoreDb, environment: string, key: string): Promise<boolean> {
  const deleted = await db
    .deleteFrom('acknowledged_failures')
    .where('environment', '=', environment)
    .where('failure_key', '=', key)
    .executeTakeFirst();
  return Number(deleted.numDeletedRows) > 0;
}

export async function acknowledged(db: StoreDb, environment: string): Promise<Acknowledged[]> {
  const rows = await db
    .selectFrom('acknowledged_failures')
    .select(['failure_key', 'note', 'acknowledged_at'])
    .where('environment', '=', environment)
    .orderBy('failure_key')
    .execute();
  return rows.map((r) => ({ key: r.failure_key, note: r.note, acknowledgedAt: r.acknowledged_at }));
}
