// Reads the whole source once: every board, every post of every status and every vote, and derives the run's
// people and domains. The result goes straight into the run's snapshot in the shared store (source.ts); no
// worker keeps it.
import type { FeedbackSource } from '../clients/source';
import { companyDomainsOf, peopleOfRequest, type PeopleOfRequest } from '../domain/people';
import type { SourcePost, SourceRecordError, SourceVote, SyncMode } from '../domain/types';

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
  /** Posts this run syncs, sorted by creation then id, so pages are stable across rebuilds. */
  posts: SourcePost[];
  people: Map<string, PeopleOfRequest>;
  /** Distinct company domains of the selected posts' people, sorted. */
  domains: string[];
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
  /** Missing or malformed emails of distinct people, over the selected posts. */
  skippedPeople: number;
  votes: number;
}

async function readAll<T>(
  onPage: () => void,
  fetchPage: (skip: number) => Promise<{ items: T[]; errors: SourceRecordError[]; hasMore: boolean }>,
  errors: SourceRecordError[],
): Promise<T[]> {
  const items: T[] = [];
  let skip = 0;
  for (;;) {
    const page = await fetchPage(skip);
    onPage();
    items.push(...page.items);
    errors.push(...page.errors);
    // Skip counts what the source listed, valid or not, so a malformed record never shifts the next page.
    skip += page.items.length + page.errors.length;
    if (!page.hasMore || page.items.length + page.errors.length === 0) return items;
  }
}

/**
 * Reads every board, every post (all statuses) and every vote, and derives the run's people and domains.
 * In company mode only the posts with at least one person of that domain are kept.
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

  const posts: SourcePost[] = [];
  const votesByPost = new Map<string, SourceVote[]>();
  let voteCount = 0;
  // Boards are read a few at a time, posts and votes side by side: the source read is the first thing a run
  // waits for. Results are merged in board order, so the snapshot does not depend on timing.
  const perBoard = await mapConcurrently(boards, parallelBoards, async (board) => {
    const postErrors: SourceRecordError[] = [];
    const voteErrors: SourceRecordError[] = [];
    const [boardPosts, boardVotes] = await Promise.all([
      readAll(onProgress, (skip) => source.listPosts(board.id, skip, SOURCE_PAGE_SIZE), postErrors),
      readAll(
        onProgress,
        (skip) => source.listVotes({ boardId: board.id }, skip, SOURCE_PAGE_SIZE),
        voteErrors,
      ),
    ]);
    return { boardPosts, boardVotes, postErrors, voteErrors };
  });
  const seenVotes = new Set<string>();
  for (const { boardPosts, boardVotes, postErrors, voteErrors } of perBoard) {
    posts.push(...boardPosts);
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
        for (const post of boardPosts) holdBack(post.id, reason);
        for (const e of postErrors) if (e.postId !== undefined) holdBack(e.postId, reason);
      }
    }
    for (const vote of boardVotes) {
      // Votes are listed newest first, so a vote cast mid-read can show up on two pages: count it once.
      if (seenVotes.has(vote.id)) continue;
      seenVotes.add(vote.id);
      voteCount++;
      const list = votesByPost.get(vote.postId);
      if (list) list.push(vote);
      else votesByPost.set(vote.postId, [vote]);
    }
  }

  const listedPostIds = new Set([...posts.map((p) => p.id), ...heldBack.keys()]);
  for (const post of posts) for (const merged of post.mergedPostIds) mergedInto.set(merged, post.id);
  const written = posts.filter((p) => !heldBack.has(p.id));

  written.sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? '') || a.id.localeCompare(b.id));
  const people = new Map<string, PeopleOfRequest>();
  for (const post of written) people.set(post.id, peopleOfRequest(post, votesByPost.get(post.id) ?? []));

  // Company runs too leave held-back posts alone: the unreadable part may be one of the company's people.
  const selected =
    mode === 'company' && domain
      ? written.filter((p) => people.get(p.id)?.people.some((person) => person.companyDomain === domain))
      : written;

  const domains = new Set<string>();
  const skipped = new Set<string>();
  for (const post of selected) {
    const ofPost = people.get(post.id);
    if (!ofPost) continue;
    for (const d of companyDomainsOf(ofPost.people)) domains.add(d);
    for (const id of ofPost.skippedPersonIds) skipped.add(id);
  }

  return {
    mode,
    ...(domain ? { domain } : {}),
    posts: selected,
    people,
    domains: [...domains].sort(),
    listedPostIds,
    mergedInto,
    heldBack,
    vanishKnown,
    sourceErrors: distinctErrors(sourceErrors),
    skippedPeople: skipped.size,
    votes: voteCount,
  };
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
