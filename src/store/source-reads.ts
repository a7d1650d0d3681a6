// A source read that resumes: every page a read receives is kept in the shared store together with where its
// listing goes on, in one transaction. A read interrupted by a 429, a timeout, a killed worker or a deploy is
// picked up by the next attempt, on any worker, at the page after the last one kept: no page is read twice and
// no record is kept twice. The read's rows are deleted once the run's snapshot holds what they hold.
import { failure, FailureType } from '../failures';
import type { StoreDb } from './open';

export type Listing = 'posts' | 'votes';

export interface ListingState {
  /** Where the next page starts (a skip count or a source cursor); '' before the first page. */
  position: string;
  done: boolean;
  pages: number;
}

/** A record as kept: `error` records are the malformed ones the source sent, reported later. */
export interface ReadRecord {
  kind: 'post' | 'vote' | 'error';
  id: string;
  boardId: string;
  record: string;
}

/** Starts the read, or finds the one an earlier attempt started; answers when it started. */
export async function startRead(db: StoreDb, readKey: string): Promise<Date> {
  await db
    .insertInto('source_reads')
    .values({ read_key: readKey, started_at: new Date().toISOString(), boards: null, consumed: null })
    .onConflict((oc) => oc.column('read_key').doNothing())
    .execute();
  const row = await db
    .selectFrom('source_reads')
    .select('started_at')
    .where('read_key', '=', readKey)
    .executeTakeFirstOrThrow();
  return new Date(row.started_at);
}

/** The board listing as an earlier attempt kept it (JSON), if it got that far. */
export async function keptBoards(db: StoreDb, readKey: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('source_reads')
    .select('boards')
    .where('read_key', '=', readKey)
    .executeTakeFirst();
  return row?.boards ?? undefined;
}

export async function keepBoards(db: StoreDb, readKey: string, boards: string): Promise<void> {
  await db.updateTable('source_reads').set({ boards }).where('read_key', '=', readKey).execute();
}

export async function listingState(
  db: StoreDb,
  readKey: string,
  boardId: string,
  listing: Listing,
): Promise<ListingState> {
  const row = await db
    .selectFrom('source_read_listings')
    .select(['position', 'done', 'pages'])
    .where('read_key', '=', readKey)
    .where('board_id', '=', boardId)
    .where('listing', '=', listing)
    .executeTakeFirst();
  return row
    ? { position: row.position, done: Number(row.done) === 1, pages: Number(row.pages) }
    : { position: '', done: false, pages: 0 };
}

/**
 * Keeps one page: its records (each once: a record listed twice stays the first time's) and where the listing
 * goes on (`next`; undefined: the listing is done), in one transaction. `from` is the position the page was
 * read at: a page kept twice (two attempts racing after a lost heartbeat) moves the listing once only.
 */
export async function keepPage(
  db: StoreDb,
  readKey: string,
  boardId: string,
  listing: Listing,
  from: string,
  records: ReadRecord[],
  next: string | undefined,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const moved = await trx
      .insertInto('source_read_listings')
      .values({
        read_key: readKey,
        board_id: boardId,
        listing,
        position: next ?? '',
        done: next === undefined ? 1 : 0,
        pages: 1,
        records: 0,
      })
      .onConflict((oc) =>
        oc
          .columns(['read_key', 'board_id', 'listing'])
          .doUpdateSet((eb) => ({
            position: next ?? '',
            done: next === undefined ? 1 : 0,
            pages: eb('source_read_listings.pages', '+', 1),
          }))
          .where('source_read_listings.position', '=', from)
          .where('source_read_listings.done', '=', 0),
      )
      .executeTakeFirst();
    if (Number(moved.numInsertedOrUpdatedRows ?? 0) === 0) return; // another attempt kept this page
    // (The first statement writes: on SQLite that takes the write lock before anything is read.)
    // A read deleted meanwhile (its run ended while a stale attempt still read) takes no more pages.
    const read = await trx
      .selectFrom('source_reads')
      .select('read_key')
      .where('read_key', '=', readKey)
      .executeTakeFirst();
    if (!read)
      throw failure(FailureType.RunStateMissing, `the source read ${readKey} is gone: its run has ended`);

    let added = 0;
    for (let i = 0; i < records.length; i += 200) {
      const inserted = await trx
        .insertInto('source_read_records')
        .values(
          records.slice(i, i + 200).map((r) => ({
            read_key: readKey,
            kind: r.kind,
            record_id: r.id,
            board_id: r.boardId,
            record: r.record,
          })),
        )
        .onConflict((oc) => oc.columns(['read_key', 'kind', 'record_id']).doNothing())
        .executeTakeFirst();
      added += Number(inserted.numInsertedOrUpdatedRows ?? 0);
    }
    // What loading must find: the records this page added (one listed twice counts once).
    await trx
      .updateTable('source_read_listings')
      .set((eb) => ({ records: eb('records', '+', added) }))
      .where('read_key', '=', readKey)
      .where('board_id', '=', boardId)
      .where('listing', '=', listing)
      .execute();
  });
}

/** The records the read's listings added, all kinds: what a complete load finds. */
export async function keptRecordCount(db: StoreDb, readKey: string): Promise<number> {
  const row = await db
    .selectFrom('source_read_listings')
    .select((eb) => eb.fn.sum<number | string>('records').as('records'))
    .where('read_key', '=', readKey)
    .executeTakeFirst();
  return Number(row?.records ?? 0);
}

/** The prepare's result, if an attempt already wrote the snapshot from this read (JSON, as consumeRead kept it). */
export async function consumedResult(db: StoreDb, readKey: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('source_reads')
    .select('consumed')
    .where('read_key', '=', readKey)
    .executeTakeFirst();
  return row?.consumed ?? undefined;
}

/**
 * Records the prepare's result once its snapshot is written, unless another attempt did first; answers the
 * result that stands. The read's rows stay until the run ends (deleteReadsOfRun): an attempt still loading
 * them must find them whole.
 */
export async function consumeRead(db: StoreDb, readKey: string, result: string): Promise<string> {
  await db
    .updateTable('source_reads')
    .set({ consumed: result })
    .where('read_key', '=', readKey)
    .where('consumed', 'is', null)
    .execute();
  return (await consumedResult(db, readKey)) ?? result;
}

/** The kept records of one kind, `chunk` at a time in id order (keyset paging: memory stays flat). */
export async function* keptRecords(
  db: StoreDb,
  readKey: string,
  kind: ReadRecord['kind'],
  chunk = 2_000,
): AsyncGenerator<ReadRecord[]> {
  let after = '';
  for (;;) {
    const rows = await db
      .selectFrom('source_read_records')
      .select(['record_id', 'board_id', 'record'])
      .where('read_key', '=', readKey)
      .where('kind', '=', kind)
      .where('record_id', '>', after)
      .orderBy('record_id')
      .limit(chunk)
      .execute();
    if (rows.length === 0) return;
    yield rows.map((r) => ({ kind, id: r.record_id, boardId: r.board_id, record: r.record }));
    after = rows[rows.length - 1]!.record_id;
  }
}

/** Pages kept so far, over every listing of the read (for the summary and the tests). */
export async function keptPages(db: StoreDb, readKey: string): Promise<number> {
  const row = await db
    .selectFrom('source_read_listings')
    .select((eb) => eb.fn.sum<number | string>('pages').as('pages'))
    .where('read_key', '=', readKey)
    .executeTakeFirst();
  return Number(row?.pages ?? 0);
}

/**
 * Forgets a read, in one transaction, the read's row first: an attempt that starts meanwhile finds no read and
 * starts a new one, never a read without its records.
 */
export async function deleteRead(db: StoreDb, readKey: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('source_reads').where('read_key', '=', readKey).execute();
    await trx.deleteFrom('source_read_listings').where('read_key', '=', readKey).execute();
    await trx.deleteFrom('source_read_records').where('read_key', '=', readKey).execute();
  });
}

/** Forgets the reads of a run that has ended (its prepare attempts are over, whatever they did). */
export async function deleteReadsOfRun(db: StoreDb, runKey: string): Promise<void> {
  const reads = await db
    .selectFrom('source_reads')
    .select('read_key')
    // Every key that starts with `<runKey>/` ('0' follows '/'): a prefix without LIKE's wildcards.
    .where('read_key', '>', `${runKey}/`)
    .where('read_key', '<', `${runKey}0`)
    .execute();
  for (const { read_key } of reads) await deleteRead(db, read_key);
}

/** Deletes reads started before `before` that no attempt finished (their run failed or was cancelled). */
export async function pruneReadsBefore(db: StoreDb, before: Date): Promise<number> {
  const stale = await db
    .selectFrom('source_reads')
    .select('read_key')
    .where('started_at', '<', before.toISOString())
    .execute();
  for (const { read_key } of stale) await deleteRead(db, read_key);
  return stale.length;
}
