// Source-neutral shapes the sync works on. The Canny adapter (src/clients/canny.ts) maps Canny's JSON into
// these after validating it; any other feedback tool would do the same. Nothing here does I/O.

/** A person as the feedback tool knows them. `email` is raw (untrimmed, maybe malformed) until normalised. */
export interface SourcePerson {
  id: string;
  email: string | null;
  name: string | null;
  isAdmin: boolean;
}

export interface SourcePost {
  id: string;
  title: string;
  details: string;
  /** The tool's status string as given, e.g. `under review`. */
  status: string;
  /** Number of votes (Canny's `score`). */
  score: number;
  url: string;
  /** ISO 8601, or null when the source gave none. */
  createdAt: string | null;
  board: { id: string; name: string };
  category: string | null;
  tags: string[];
  author: SourcePerson | null;
  /** Ids of posts merged INTO this one (Canny's `mergeHistory`). */
  mergedPostIds: string[];
}

export interface SourceVote {
  id: string;
  postId: string;
  voter: SourcePerson | null;
}

/** A record the source sent that could not be used, reported with its id, never silently dropped. */
export interface SourceRecordError {
  kind: 'post' | 'vote' | 'board';
  /** The record's own id as far as it is readable, `(unknown)` when not: for reports only. */
  id: string;
  reason: string;
  /**
   * The post this record is (a post) or belongs to (a vote), when its record names it readably. The sync
   * holds that post's request back: listed, so never taken for vanished, and not written in this run.
   */
  postId?: string;
  /** A board's id, when readable: its posts are still read, each validated on its own. */
  boardId?: string;
  /**
   * A malformed post's merge history, when that part of it is readable; absent when not, and then the run
   * cannot tell which unlisted posts were merged into it.
   */
  mergedPostIds?: string[];
}

export type SyncMode = 'full' | 'company';

export interface FailureEntry {
  /** What failed: `feature_request`, `company`, `contact`, `association`, `post`, `vote`, `slack`, ... */
  kind: string;
  /** The business key: an external id, a domain, an email, a post id. */
  key: string;
  reason: string;
}

export interface SyncCounts {
  featureRequests: {
    identified: number;
    created: number;
    updated: number;
    unchanged: number;
    failed: number;
  };
  companies: { matched: number; created: number; failed: number };
  contacts: { matched: number; created: number; failed: number; skipped: number };
  associations: { created: number; removed: number };
  apiRequests: { canny: number; hubspot: number; slack: number; rateLimited: number };
  failures: FailureEntry[];
}

/** The source read of a run: how long it took and what it spent of the key's budget. */
export interface SourceReadStats {
  /** From the read's first request to its last page, over every attempt. */
  readMs: number;
  /** Pages kept over every attempt (a resumed read reads none twice). */
  pages: number;
  /** HTTP requests the read sent, retries and 429s included. */
  requests: number;
  rateLimited: number;
  /** The budget's hourly allowance (CANNY_* settings of the worker that read); 0 without a budget. */
  hourlyBudget: number;
}

/** The run summary: the workflow's result, the Slack message and `--json` output share this shape. */
export interface RunSummary extends SyncCounts {
  runId: string;
  workflowId: string;
  environment: string;
  mode: SyncMode;
  /** For company runs, the normalised domain. */
  domain?: string;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  uiUrl: string;
  /** The source read (absent in summaries of runs that failed before it, or of older versions). */
  source?: SourceReadStats;
  /** Requests whose post the source no longer has (full runs whose scan finished; absent before). */
  vanished?: VanishedStats;
  /** What changed most, for people (absent in runs before it, and when the run could not tell). */
  highlights?: RunHighlights;
  /** Where the requests were written (absent in runs before tickets, and runs that failed before the portal check). */
  target?: 'custom-object' | 'tickets';
}

/** The requests whose voting companies and ARR grew most, and the companies created. */
export interface RunHighlights {
  requests: Array<{
    name: string;
    externalId: string;
    /** The HubSpot record (absent in dry runs for requests they would create). */
    recordId?: string;
    created: boolean;
    arrAdded: number;
    companiesAdded: number;
  }>;
  /** The first of them, by domain. */
  companiesCreated: string[];
  companiesCreatedCount: number;
  /** Where a record opens: `https://app.hubspot.com/contacts/<portal>/record/<object type>/`. */
  recordUrlBase?: string;
}

/** What a full run found vanished from the source, and whether it marked it. */
export interface VanishedStats {
  /** Requests whose post is gone (confirmed by id) or merged away. */
  found: number;
  /** The most one run marks without `--confirm-vanish` (SYNC_MAX_VANISHED, or its default). */
  limit: number;
  /** Marked deleted or merged in this run (would be, in a dry run). */
  marked: number;
  /** True when more vanished than the limit: none was marked. */
  held: boolean;
  /**
   * Requests whose post is gone and whose board the source no longer lists either: an outage as far as the
   * run can tell, left as they are unless `--confirm-vanish` (absent in older summaries).
   */
  boardMissing?: number;
}

/** The summary keeps the first 50 failures; counts stay exact. */
export const MAX_FAILURES_IN_SUMMARY = 50;
