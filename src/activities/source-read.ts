// Reads the whole source once: every board, every post of every status and every vote, page by page into a
// staging file on this worker's disk (source-staging.ts), then reads it back in the run's order, a chunk of
// posts at a time, to write the run's snapshot in the shared store (source.ts). No worker holds the source in
// memory: a million votes cost disk, not RSS.
import type { FeedbackSource } from '../clients/source';
import { peopleOfRequest, type PeopleOfRequest } from '../domain/people';
import type { SourcePost, SourceRecordError, SourceVote, SyncMode } from '../domain/types';
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
   * read: any unlisted post may be one of them (or merged into one), so no request is marked vanished.
   */
  vanishKnown: boolean;
  sourceErrors: SourceRecordError[];
  votes: number;
}

/** A selected post with the people who count for it. */
export interface SelectedPost {
  post: SourcePost;
  people: PeopleOfRequest;
}

async function readAll<T>(
  onPage: (items: T[]) => void,
  fetchPage: (skip: number) => Promise<{ items: T[]; errors: SourceRecordError[]; hasMore: boolean }>,
  errors: SourceRecordError[],
): Promise<void> {
  let skip = 0;
  for (;;) {
    const page = await fetchPage(skip);
    onPage(page.items);
    errors.push(...page.errors);
    // Skip counts what the source listed, valid or not, so a malformed record never shifts the next page.
    skip += page.items.length + page.errors.length;
    if (!page.hasMore || page.items.length + page.errors.length === 0) return;
  }
}

/**
 * Reads every board, every post (all statuses) and every vote into a staging file, page by page, keeping in
 * memory only ids and what the read found wrong. The caller closes `staging` (see `withSourceSnapshot`).
 */
export async function readSource(
  source: FeedbackSource,
  mode: SyncMode,
  domain: string | undefined,
  options: {
    /** Boards read at once, posts and votes side by side (Canny publishes no rate limit). */
    parallelBoards?: number;
    /** Called after every source page: activities heartbeat here. */
    onProgress?: () => void;
  } = {},
): Promise<SourceSnapshot> {
  const parallelBoards = options.parallelBoards ?? 4;
  const onProgress = options.onProgress ?? (() => undefined);
  const staging = new SourceStaging();
  try {
    return await readInto(staging, source, mode, domain, parallelBoards, onProgress);
  } catch (err) {
    staging.close();
    throw err;
  }
}

async function readInto(
  staging: SourceStaging,
  source: FeedbackSource,
  mode: SyncMode,
  domain: string | undefined,
  parallelBoards: number,
  onProgress: () => void,
): Promise<SourceSnapshot> {
  const sourceErrors: SourceRecordError[] = [];
  const { boards: validBoards, errors: boardErrors } = await source.listBoards();
  sourceErrors.push(...boardErrors);
  // A malformed board whose id is readable is still read: its posts and votes are validated on their own, and
  // skipping them would take every one of its requests for deleted. One without an id hides its posts.
  const boards = [
    ...validBoards,
    ...boardErrors.flatMap((e) => (e.boardId !== undefined ? [{ id: e.boardId }] : [])),
  ];
  let vanishKnown = boardErrors.every((e) => e.boardId !== undefined);
  const heldBack = new Map<string, string>();
  const holdBack = (postId: string, reason: string): void => {
    if (!heldBack.has(postId)) heldBack.set(postId, reason);
  };
  const mergedInto = new Map<string, string>();
  /** Id and creation time of every post read, for the run's order. */
  const index: Array<{ id: string; createdAt: string }> = [];

  // Boards are read a few at a time, posts and votes side by side: the source read is the first thing a run
  // waits for. Each page goes to the staging file as it arrives; what the read decides does not depend on the
  // order pages arrive in.
  const perBoard = await mapConcurrently(boards, parallelBoards, async (board) => {
    const postErrors: SourceRecordError[] = [];
    const voteErrors: SourceRecordError[] = [];
    const postIds: string[] = [];
    await Promise.all([
      readAll(
        (posts: SourcePost[]) => {
          onProgress();
          for (const post of staging.addPosts(posts)) {
            postIds.push(post.id);
            index.push({ id: post.id, createdAt: post.createdAt ?? '' });
            for (const merged of post.mergedPostIds) mergedInto.set(merged, post.id);
          }
        },
        (skip) => source.listPosts(board.id, skip, SOURCE_PAGE_SIZE),
        postErrors,
      ),
      readAll(
        (votes: SourceVote[]) => {
          onProgress();
          staging.addVotes(votes);
        },
        (skip) => source.listVotes({ boardId: board.id }, skip, SOURCE_PAGE_SIZE),
        voteErrors,
      ),
    ]);
    return { postIds, postErrors, voteErrors };
  });
  for (const { postIds, postErrors, voteErrors } of perBoard) {
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
        for (const id of postIds) holdBack(id, reason);
        for (const e of postErrors) if (e.postId !== undefined) holdBack(e.postId, reason);
      }
    }
  }

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
    sourceErrors: distinctErrors(sourceErrors),
    votes: staging.voteCount(),
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
