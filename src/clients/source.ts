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

export interface FeedbackSource {
  listBoards(): Promise<{ boards: Array<{ id: string; name: string }>; errors: SourceRecordError[] }>;
  /** Every status (open, under review, planned, in progress, complete, closed), oldest first, stable paging. */
  listPosts(boardId: string, skip: number, limit: number): Promise<SourcePage<SourcePost>>;
  listVotes(
    scope: { boardId?: string; postId?: string },
    skip: number,
    limit: number,
  ): Promise<SourcePage<SourceVote>>;
}
