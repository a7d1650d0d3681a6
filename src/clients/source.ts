// The source port: what the sync needs from a feedback tool, in source-neutral shapes (src/domain/types.ts).
// CannyClient implements it over HTTP; tests and other tools can implement it without touching activities.
import type { SourcePost, SourceRecordError, SourceVote } from '../domain/types';

/** Counts the HTTP requests a run sends, for the run summary's `apiRequests`; one call per request sent. */
export interface RequestCounter {
  count(system: 'canny' | 'hubspot' | 'slack', rateLimited?: boolean): void;
}

/**
 * One page of records. `errors` lists the records the source sent that could not be used (each with its id),
 * so that one malformed record never costs the rest of the page and is never dropped silently.
 */
export interface SourcePage<T> {
  items: T[];
  errors: SourceRecordError[];
  hasMore: boolean;
}

/** A page of a cursor listing: `next` is where the following page starts, absent when the listing is done. */
export interface CursorPage<T> {
  items: T[];
  errors: SourceRecordError[];
  next?: string;
}

/**
 * A request budget shared by every worker (src/activities/source-budget.ts): `take` resolves when a request may
 * be sent; `rateLimited` says that the source answered 429 anyway, and for how long it asked us to wait.
 */
export interface RequestBudget {
  take(): Promise<void>;
  rateLimited(retryAfterMs: number): Promise<void>;
}

export interface FeedbackSource {
  listBoards(): Promise<{ boards: Array<{ id: string; name: string }>; errors: SourceRecordError[] }>;
  /** Every status (open, under review, planned, in progress, complete, closed), oldest first, stable paging. */
  listPosts(boardId: string, skip: number, limit: number): Promise<SourcePage<SourcePost>>;
  listVotes(
    scope: { boardId?: string; postId?: string },
    skip: number,
    limit: number,
  ): Promise<SourcePage<SourceVote>>;
  /**
   * Every vote of a board, a page at a time by the source's cursor (`undefined` for the first page): a vote
   * removed while the read pages through shifts nothing.
   */
  listVotesByCursor(
    scope: { boardId?: string; postId?: string },
    cursor?: string,
  ): Promise<CursorPage<SourceVote>>;
  /** One post by id, or undefined when the source says it has no such live post (deleted or merged away). */
  retrievePost(id: string): Promise<SourcePost | undefined>;
}
