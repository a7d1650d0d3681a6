// Reads the whole source once: every board, every post of every status and every vote, page by page into the
// shared store (src/store/source-reads.ts), each page kept with where its listing goes on, so that a read
// interrupted anywhere resumes on any worker at the next page. Then it loads what was kept into a staging
// file on this worker's disk (source-staging.ts) and reads it back in the run's order, a chunk of posts at a
// time, to write the run's snapshot (source.ts). No worker holds the source in memory: a million votes cost
// disk, not RSS.
//
// Posts are listed by `skip` (Canny has no cursor for them), oldest first: a post created during the read
// lands on the last page. Votes are listed by Canny's v2 cursor: a vote removed during the read shifts nothing.
// A post removed during the read can still shift the post listing, so the scan confirms by id every post it
// would mark deleted (scan.ts).
import { createHash } from 'node:crypto';
import type { FeedbackSource } from '../clients/source';
import { peopleOfRequest, type PeopleOfRequest } from '../domain/people';
import type { SourcePost, SourceRecordError, SourceVote, SyncMode } from '../domain/types';
import { PLAIN, type StoreSeal } from '../store/sealing';
import type { StoreDb } from '../store/open';
import { failure, FailureType } from '../failures';
import {
  keepBoards,
  keptPages as keptPagesOf,
  keptRecordCount,
  keepPage,
  keptBoards,
  keptRecords,
  listingState,
  startRead,
  type Listing,
  type ReadRecord,
} from '../store/source-reads';
import { SourceStaging } from './source-staging';

const SOURCE_PAGE_SIZE = 100;

/** `fn` over `items` with at most `limit` in flight; results in the items' order. */
async function mapConcurrently<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

export interface SourceSnapshot {
  mode: SyncMode;
  domain?: string;
  /**
   * The ids of the posts this run may write (listed and not held back), sorted by creation then id: the run's
   * order. Their records and votes are in `staging`; `selectedPosts` reads them back a chunk at a time.
   */
  order: string[];
  /** The posts and votes as read, on this worker's disk until the snapshot is written (then closed). */
  staging: SourceStaging;
  /** Every post id the source listed (all boards, all statuses, held back or not), for deleted-post detection. */
  listedPostIds: Set<string>;
  /** Merged post id → the survivor's post id (Canny's mergeHistory). */
  mergedInto: Map<string, string>;
  /**
   * Listed posts whose requests this run neither writes nor marks vanished: a malformed record, or a malformed
   * vote of theirs (writing would drop that voter). Post id → why, for the failure report.
   */
  heldBack: Map<string, string>;
  /**
   * False when a board or a post could not be identified, or a malformed post's merge history could not be
   * read: any unlisted post may be one of them (or merged into one), so no request is marked vanished. False
   * too when the source listed no board at all: an empty workspace and an outage (a key whose scope changed,
   * a private board) look the same, and only the second one is likely.
   */
  vanishKnown: boolean;
  /**
   * The names of the boards the source listed (and of the boards its posts name): a stored request of any
   * other board is left alone, since a board that disappears is an outage, not a deletion of its posts.
   */
  boardNames: string[];
  sourceErrors: SourceRecordError[];
  votes: number;
  /** Pages read over every attempt of the read (the first attempt's pages are not read again). */
  pages: number;
  /** When the read's first attempt started. */
  startedAt: Date;
}

/** A selected post with the people who count for it. */
export interface SelectedPost {
  post: SourcePost;
  people: PeopleOfRequest;
}

/** Where the read is kept and how it goes. */
export interface ReadOptions {
  /** The shared store, and the read's key in it: the same key for every attempt of one prepare. */
  store: StoreDb;
  readKey: string;
  /** Boards read at once, posts and votes side by side; the request budget paces them all. */
  parallelBoards?: number;
  /** Called after every source page: activities heartbeat here. */
  onProgress?: () => void;
  /**
   * How the kept records are stored (src/store/sealing.ts): they hold voters' emails and names. Absent: as
   * they are. Any seal opens rows kept as they are (by an older worker's attempt).
   */
  seal?: StoreSeal;
}

interface BoardListing {
  boards: Array<{ id: string; name?: string }>;
  errors: SourceRecordError[];
}

/** A listing's error record: which listing it came from, so that a vote's error holds back its board's posts. */
interface KeptError {
  listing: Listing;
  error: SourceRecordError;
}

/**
 * Reads one listing of one board from where an earlier attempt stopped, a page at a time, keeping each page
 * with its next position.
 */
async function readListing<T extends { id: string }>(
  options: ReadOptions,
  boardId: string,
  listing: Listing,
  fetchPage: (position: string) => Promise<{ items: T[]; errors: SourceRecordError[]; next?: string }>,
): Promise<void> {
  const kind = listing === 'posts' ? 'post' : 'vote';
  const seal = options.seal ?? PLAIN;
  for (;;) {
    const state = await listingState(options.store, options.readKey, boardId, listing);
    if (state.done) return;
    const page = await fetchPage(state.position);
    options.onProgress?.();
    const records: ReadRecord[] = [
      ...page.items.map(
        (item) => ({ kind, id: item.id, boardId, record: seal.seal(JSON.stringify(item)) }) as const,
      ),
      ...page.errors.map((error) => {
        const kept: KeptError = { listing, error };
        const record = JSON.stringify(kept);
        // A hash: the error's text can be long, and the id is part of the primary key.
        const id = createHash('sha256').update(`${listing}\u0000${boardId}\u0000${record}`).digest('hex');
        return { kind: 'error', id, boardId, record: seal.seal(record) } as const;
      }),
    ];
    // An empty page ends a listing whatever it says: a source that keeps answering "more" with nothing would
    // otherwise be read forever.
    const next = page.items.length + page.errors.length === 0 ? undefined : page.next;
    await keepPage(options.store, options.readKey, boardId, listing, state.position, records, next);
  }
}

/** The next position of a skip listing: skip counts what the source listed, valid or not. */
function nextSkip(position: string, page: { items: unknown[]; errors: unknown[]; hasMore: boolean }) {
  return page.hasMore ? String(Number(position || '0') + page.items.length + page.errors.length) : undefined;
}

/**
 * Reads every board, every post (all statuses) and every vote into the shared store, resuming an earlier
 * attempt's read, then loads it into a staging file. The caller closes `staging` (see `withSourceSnapshot`).
 */
export async function readSource(
  source: FeedbackSource,
  mode: SyncMode,
  domain: string | undefined,
  options: ReadOptions,
): Promise<SourceSnapshot> {
  const startedAt = await startRead(options.store, options.readKey);
  let listing: BoardListing;
  const kept = await keptBoards(options.store, options.readKey);
  if (kept) listing = JSON.parse(kept) as BoardListing;
  else {
    const { boards, errors } = await source.listBoards();
    // A malformed board whose id is readable is still read: its posts and votes are validated on their own,
    // and skipping them would take every one of its requests for deleted. One without an id hides its posts.
    listing = {
      boards: [...boards, ...errors.flatMap((e) => (e.boardId !== undefined ? [{ id: e.boardId }] : []))],
      errors,
    };
    await keepBoards(options.store, options.readKey, JSON.stringify(listing));
  }
  await mapConcurrently(listing.boards, options.parallelBoards ?? 4, (board) =>
    Promise.all([
      readListing(options, board.id, 'posts', async (position) => {
        const page = await source.listPosts(board.id, Number(position || '0'), SOURCE_PAGE_SIZE);
        return { items: page.items, errors: page.errors, next: nextSkip(position, page) };
      }),
      readListing(options, board.id, 'votes', (position) =>
        source.listVotesByCursor({ boardId: board.id }, position || undefined),
      ),
    ]),
  );
  const staging = new SourceStaging();
  try {
    return { ...(await loadKept(staging, options, listing, mode, domain)), startedAt };
  } catch (err) {
    staging.close();
    throw err;
  }
}

/** Loads the kept read into the staging file and decides what it means: order, merges, held-back posts. */
async function loadKept(
  staging: SourceStaging,
  options: ReadOptions,
  listing: BoardListing,
  mode: SyncMode,
  domain: string | undefined,
): Promise<Omit<SourceSnapshot, 'startedAt'>> {
  const { store, readKey } = options;
  const seal = options.seal ?? PLAIN;
  const sourceErrors: SourceRecordError[] = [...listing.errors];
  // No board at all reads as an outage, not as a workspace whose every request was deleted.
  let vanishKnown = listing.boards.length > 0 && listing.errors.every((e) => e.boardId !== undefined);
  const heldBack = new Map<string, string>();
  const holdBack = (postId: string, reason: string): void => {
    if (!heldBack.has(postId)) heldBack.set(postId, reason);
  };
  const mergedInto = new Map<string, string>();
  /** Id and creation time of every post read, for the run's order. */
  const index: Array<{ id: string; createdAt: string }> = [];
  const postIdsByBoard = new Map<string, string[]>();
  const boardNames = new Set(listing.boards.flatMap((b) => (b.name !== undefined ? [b.name] : [])));

  for await (const chunk of keptRecords(store, readKey, 'post')) {
    options.onProgress?.();
    const posts = chunk.map((r) => JSON.parse(seal.open(r.record)) as SourcePost);
    for (const post of staging.addPosts(posts)) {
      index.push({ id: post.id, createdAt: post.createdAt ?? '' });
      boardNames.add(post.board.name);
      for (const merged of post.mergedPostIds) mergedInto.set(merged, post.id);
    }
    for (const r of chunk) {
      const ids = postIdsByBoard.get(r.boardId);
      if (ids) ids.push(r.id);
      else postIdsByBoard.set(r.boardId, [r.id]);
    }
  }
  let loaded = index.length;
  for await (const chunk of keptRecords(store, readKey, 'vote')) {
    options.onProgress?.();
    staging.addVotes(chunk.map((r) => JSON.parse(seal.open(r.record)) as SourceVote));
    loaded += chunk.length;
  }
  const errorsByBoard = new Map<string, KeptError[]>();
  for await (const chunk of keptRecords(store, readKey, 'error')) {
    loaded += chunk.length;
    for (const r of chunk) {
      const list = errorsByBoard.get(r.boardId);
      const kept = JSON.parse(seal.open(r.record)) as KeptError;
      if (list) list.push(kept);
      else errorsByBoard.set(r.boardId, [kept]);
    }
  }
  for (const [boardId, errors] of errorsByBoard) {
    const postErrors = errors.filter((e) => e.listing === 'posts').map((e) => e.error);
    const voteErrors = errors.filter((e) => e.listing === 'votes').map((e) => e.error);
    sourceErrors.push(...postErrors, ...voteErrors);
    for (const error of postErrors) {
      if (error.postId === undefined) vanishKnown = false;
      else holdBack(error.postId, error.reason);
      if (error.mergedPostIds === undefined) vanishKnown = false;
      else if (error.postId !== undefined)
        for (const merged of error.mergedPostIds) mergedInto.set(merged, error.postId);
    }
    for (const error of voteErrors) {
      if (error.postId !== undefined) holdBack(error.postId, `vote ${error.id}: ${error.reason}`);
      else {
        // Any post of the board may have lost this voter: none of them is written this run.
        const reason = `a vote of this board names no readable post (vote ${error.id}: ${error.reason})`;
        for (const id of postIdsByBoard.get(boardId) ?? []) holdBack(id, reason);
        for (const e of postErrors) if (e.postId !== undefined) holdBack(e.postId, reason);
      }
    }
  }

  // Claim check: the read holds what its listings say they added. Anything else (rows deleted under this
  // attempt, a store that lost writes) fails loudly, never becomes a smaller snapshot whose missing posts the
  // scan would take for deleted.
  const expected = await keptRecordCount(store, readKey);
  if (loaded !== expected)
    throw failure(
      FailureType.RunStateMissing,
      `the source read ${readKey} holds ${loaded} records where its listings kept ${expected}: read again`,
    );
  const listedPostIds = new Set([...index.map((p) => p.id), ...heldBack.keys()]);
  const order = index
    .filter((p) => !heldBack.has(p.id))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
    .map((p) => p.id);
  return {
    mode,
    ...(domain ? { domain } : {}),
    order,
    staging,
    listedPostIds,
    mergedInto,
    heldBack,
    vanishKnown,
    boardNames: [...boardNames].sort(),
    sourceErrors: distinctErrors(sourceErrors),
    votes: staging.voteCount(),
    pages: await keptPagesOf(store, readKey),
  };
}

/**
 * The posts this run syncs, in the run's order, `chunk` at a time, each with the people who count for it. In
 * company mode only the posts with at least one person of that domain. Company runs too leave held-back posts
 * alone: the unreadable part may be one of the company's people.
 */
export function* selectedPosts(snapshot: SourceSnapshot, chunk = 500): Generator<SelectedPost[]> {
  for (let i = 0; i < snapshot.order.length; i += chunk) {
    const ids = snapshot.order.slice(i, i + chunk);
    const posts = snapshot.staging.posts(ids);
    const votes = snapshot.staging.votesOf(ids);
    const selected: SelectedPost[] = [];
    for (const post of posts) {
      const people = peopleOfRequest(post, votes.get(post.id) ?? []);
      if (
        snapshot.mode === 'company' &&
        snapshot.domain &&
        !people.people.some((person) => person.companyDomain === snapshot.domain)
      )
        continue;
      selected.push({ post, people });
    }
    yield selected;
  }
}

/** Votes are listed newest first and a vote cast mid-read can show up on two pages: report each record once. */
function distinctErrors(errors: SourceRecordError[]): SourceRecordError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = JSON.stringify([e.kind, e.id, e.postId ?? null, e.reason]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * What a run reports of the source's malformed records: one failure per held-back post, keyed by its post
 * id (each counts as a failed request), then the records that hold back no post by id (boards, records
 * without a readable id).
 */
export function reportedSourceErrors(snapshot: SourceSnapshot): SourceRecordError[] {
  return [
    ...[...snapshot.heldBack].map(([postId, reason]): SourceRecordError => ({
      kind: 'post',
      id: postId,
      reason,
    })),
    ...snapshot.sourceErrors.filter((e) => e.postId === undefined),
  ];
}
