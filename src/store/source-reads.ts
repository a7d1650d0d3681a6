// A source read that resumes: every page a read receives is kept in the shared store together with where its
// listing goes on, in one transaction. A read interrupted by a 429, a timeout, a killed worker or a deploy is
// picked up by the next attempt, on any worker, at the page after the last one kept: no page is read twice and
// no record is kept twice. The read's rows are deleted once the run's snapshot holds what they hold.
import type { StoreDb } from './open';

export type Listing = 'posts' | 'votes';

export interface ListingState {
  /** Where the next page starts (a skip count or a source cursor); '' before the first page. */
  position: string;
  done: boolean;
  pages: number;
}

/**
 * A record as kept: `error` records are the malformed ones the source sent, reported later; a `page` record
 * holds the creation times of a post page's first and last posts (where the pages of a skip listing meet).
 */
export interface ReadRecord {
  kind: 'post' | 'vote' | 'error' | 'page';
  id: string;
  boardId: string;
  record: string;
}

/** Starts the read, or finds the one an earlier attempt started; answers when it started. */
export async function startRead(db: StoreDb, readKey: string): Promise<Date> {
  await db
    .insertInto('source_reads')
    .values({ read_key: readKey, started_at: new Date().toISOString(), boards: null })
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
    for (let i = 0; i < records.length; i += 200) {
      await trx
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
        .execute();
    }
  });
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

/** Forgets a read (its snapshot holds it now); also what retention does to a read nobody finished. */
export async function deleteRead(db: StoreDb, readKey: string): Promise<void> {
  await db.deleteFrom('source_read_records').where('read_key', '=', readKey).execute();
  await db.deleteFrom('source_read_listings').where('read_key', '=', readKey).execute();
  await db.deleteFrom('source_reads').where('read_key', '=', readKey).execute();
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
