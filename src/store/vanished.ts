// Requests a full run's scan found vanished: their post is no longer listed and Canny, asked by id, confirms
// it gone (or names its merge survivor). They are kept here, not marked at once, because a run may mark only
// so many (SYNC_MAX_VANISHED): past that it is an outage until a person says otherwise, and nothing is marked.
import type { StoreDb } from './open';
import { chunks } from './run-data';

export interface VanishedRequest {
  id: string;
  externalId: string;
  properties: Record<string, string>;
  /** Its board is not listed either: marked only when an operator confirms. */
  boardMissing?: boolean;
}

/** Keeps what one scan page found; a repeated page (a retried activity) keeps each request once. */
export async function keepVanished(db: StoreDb, runKey: string, found: VanishedRequest[]): Promise<void> {
  for (const part of chunks(found, 500)) {
    await db
      .insertInto('run_vanished')
      .values(
        part.map((v) => ({
          run_key: runKey,
          record_id: v.id,
          external_id: v.externalId,
          properties: JSON.stringify(v.properties),
          board_missing: v.boardMissing ? 1 : 0,
        })),
      )
      .onConflict((oc) => oc.columns(['run_key', 'record_id']).doNothing())
      .execute();
  }
}

/** How many requests the run's scan kept as vanished: of listed boards, and of boards not listed either. */
export async function countVanished(
  db: StoreDb,
  runKey: string,
): Promise<{ found: number; boardMissing: number }> {
  const rows = await db
    .selectFrom('run_vanished')
    .select(['board_missing', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('run_key', '=', runKey)
    .groupBy('board_missing')
    .execute();
  const count = (flag: number): number => Number(rows.find((r) => Number(r.board_missing) === flag)?.n ?? 0);
  return { found: count(0), boardMissing: count(1) };
}

/**
 * The `batch`-th batch of `size` kept requests, in record id order (the set is complete once the scan is);
 * those of boards not listed only with `withBoardMissing` (a confirmation).
 */
export async function vanishedBatch(
  db: StoreDb,
  runKey: string,
  batch: number,
  size: number,
  withBoardMissing: boolean,
): Promise<VanishedRequest[]> {
  let query = db
    .selectFrom('run_vanished')
    .select(['record_id', 'external_id', 'properties'])
    .where('run_key', '=', runKey);
  if (!withBoardMissing) query = query.where('board_missing', '=', 0);
  const rows = await query
    .orderBy('record_id')
    .limit(size)
    .offset(batch * size)
    .execute();
  return rows.map((r) => ({
    id: r.record_id,
    externalId: r.external_id,
    properties: JSON.parse(r.properties) as Record<string, string>,
  }));
}
