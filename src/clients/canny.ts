// Canny's v1 API behind the FeedbackSource port (facts in ../shared/reference/canny.md).
//
// Temporal owns retries: this client sends each request once and turns every outcome into either validated,
// source-neutral records or a typed ApplicationFailure. Canny documents no schema guarantees, so each answer is
// validated twice: the envelope strictly (a wrong envelope means we cannot trust the page at all), then each
// record on its own (one bad record is reported with its id and never costs the rest of the page).
import { z } from 'zod';
import type { ApplicationFailure } from '@temporalio/common';
import type { SourcePerson, SourcePost, SourceRecordError, SourceVote } from '../domain/types';
import { failure, FailureType } from '../failures';
import type { CursorPage, FeedbackSource, RequestBudget, RequestCounter, SourcePage } from './source';

/** Canny's largest page (it caps bigger limits silently). */
export const CANNY_PAGE_SIZE = 100;

/**
 * Named explicitly because `posts/list` without `status` leaves out complete and closed posts, and a sync that
 * misses them would keep stale feature requests in HubSpot forever.
 */
export const ALL_POST_STATUSES = 'open,under review,planned,in progress,complete,closed';

const DEFAULT_TIMEOUT_MS = 30_000;

/** Where an operator finds the key Canny refused: named in the failure, for the log, Slack and the CLI. */
export const CANNY_AUTH_HINT =
  'check `CANNY_API_KEY`: the secret API key from Canny (Settings → API & Webhooks)';
/** A 429 without a usable Retry-After waits this long (Canny documents the header, not its absence). */
const DEFAULT_RETRY_AFTER_MS = 1_000;
/**
 * 429s one request waits out before it fails (SourceRateLimited, for Temporal to retry): a key another tool
 * keeps spending should fail the read visibly, not stall it forever.
 */
const DEFAULT_MAX_RATE_LIMIT_WAITS = 30;
/** Enough of a non-JSON error body to recognise it in a failure message, not enough to flood history. */
const MAX_ERROR_TEXT = 200;
/** A record with many problems gets the first few; the rest are usually consequences of the same one. */
const MAX_ISSUES_PER_RECORD = 3;

export interface CannyClientOptions {
  apiKey: string;
  /** E.g. `https://canny.io`; calls go to `<baseUrl>/api/v1/<resource>/<verb>`. */
  baseUrl: string;
  counter?: RequestCounter;
  /** Per request, body included; default 30 s. Keep it below the activity's start-to-close timeout. */
  timeoutMs?: number;
  /** For tests and proxies; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Taken before every request (the fleet's share of the key's limits); none: send at once. */
  budget?: RequestBudget;
  /** How a 429's Retry-After is waited out; activities heartbeat meanwhile. Default: a plain timer. */
  wait?: (ms: number) => Promise<void>;
  maxRateLimitWaits?: number;
}

// --- Canny's JSON, as much of it as the sync reads -------------------------------------------------------------
// Objects are not strict: Canny adds fields over time and an unknown field must never fail a sync. Optional
// fields accept null and absence alike because Canny sends both (canny.md: "fields may be null or missing").

// What the contract tolerates: nulls and absent optional fields, and a tag without a name (dropped). Anything
// else that is wrong costs the record, and the record is reported with the post it is or belongs to, so the
// sync can hold that request back instead of writing it wrong or taking it for deleted (README, data model).

/** An id the sync keys records by: a string that is not blank. */
const idSchema = z.string().refine((id) => id.trim() !== '', 'empty');

const userSchema = z.object({
  id: idSchema,
  email: z.string().nullish(),
  name: z.string().nullish(),
  isAdmin: z.boolean().nullish(),
});
type CannyUserJson = z.output<typeof userSchema>;

// `post` can be null when the merged post was deleted later; that entry then names nothing.
const mergeHistorySchema = z.array(z.object({ post: z.object({ id: idSchema }).nullish() })).nullish();

const postSchema = z.object({
  id: idSchema,
  title: z.string(),
  details: z.string().nullish(),
  status: z.string().min(1),
  score: z.number().nullish(),
  url: z.string().nullish(),
  // A date that does not parse is an error, not a null: writing it would blank the stored creation time.
  created: z
    .string()
    .refine((text) => !Number.isNaN(Date.parse(text)), 'not a date')
    .nullish(),
  board: z.object({ id: idSchema, name: z.string().nullish() }).nullish(),
  category: z.object({ name: z.string() }).nullish(),
  // A tag without a name (null, absent, empty) names nothing and is dropped; a name of another type is wrong.
  tags: z.array(z.object({ name: z.string().nullish() }).nullable()).nullish(),
  author: userSchema.nullish(),
  mergeHistory: mergeHistorySchema,
});
type CannyPostJson = z.output<typeof postSchema>;

const voteSchema = z.object({
  id: idSchema,
  post: z.object({ id: idSchema }),
  // The person who wants the feature. `by` (an admin voting on their behalf) is deliberately not read: counting
  // the admin would credit the vendor's own staff with every customer's vote.
  voter: userSchema.nullish(),
});
type CannyVoteJson = z.output<typeof voteSchema>;

const boardSchema = z.object({ id: idSchema, name: z.string().nullish() });
type CannyBoardJson = z.output<typeof boardSchema>;

const boardsEnvelope = z.object({ boards: z.array(z.unknown()) });
const postsEnvelope = z.object({ posts: z.array(z.unknown()), hasMore: z.boolean() });
const votesEnvelope = z.object({ votes: z.array(z.unknown()), hasMore: z.boolean() });
const cursorEnvelope = z.object({
  items: z.array(z.unknown()),
  hasNextPage: z.boolean(),
  cursor: z.string().nullish(),
});

export class CannyClient implements FeedbackSource {
  private readonly apiKey: string;
  private readonly baseUrl: string;
  private readonly counter?: RequestCounter;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly budget?: RequestBudget;
  private readonly wait: (ms: number) => Promise<void>;
  private readonly maxRateLimitWaits: number;

  constructor(options: CannyClientOptions) {
    if (!options.apiKey) throw new Error('CannyClient needs an apiKey');
    this.apiKey = options.apiKey;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.counter = options.counter;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetchImpl = options.fetch ?? fetch;
    this.budget = options.budget;
    this.wait = options.wait ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.maxRateLimitWaits = options.maxRateLimitWaits ?? DEFAULT_MAX_RATE_LIMIT_WAITS;
  }

  async listBoards(): Promise<{ boards: Array<{ id: string; name: string }>; errors: SourceRecordError[] }> {
    const endpoint = 'boards/list';
    const envelope = this.envelope(endpoint, boardsEnvelope, await this.call(endpoint, {}));
    const { items, errors } = parseRecords('board', envelope.boards, boardSchema, toBoard, (raw) =>
      withId('boardId', readableId(raw, 'id')),
    );
    return { boards: items, errors };
  }

  async listPosts(boardId: string, skip: number, limit: number): Promise<SourcePage<SourcePost>> {
    const endpoint = 'posts/list';
    const envelope = this.envelope(
      endpoint,
      postsEnvelope,
      await this.call(endpoint, {
        boardID: boardId,
        ...paging(skip, limit),
        status: ALL_POST_STATUSES,
        // Oldest first: posts created during a run land on the last page, so skip-paging neither repeats nor
        // skips the posts already seen (newest first would shift every page by one per new post).
        sort: 'oldest',
      }),
    );
    const { items, errors } = parseRecords(
      'post',
      envelope.posts,
      postSchema,
      (post) => toPost(post, boardId),
      (raw) => ({ ...withId('postId', readableId(raw, 'id')), ...readableMerges(raw) }),
    );
    return { items, errors, hasMore: envelope.hasMore };
  }

  async listVotes(
    scope: { boardId?: string; postId?: string },
    skip: number,
    limit: number,
  ): Promise<SourcePage<SourceVote>> {
    const endpoint = 'votes/list';
    const envelope = this.envelope(
      endpoint,
      votesEnvelope,
      await this.call(endpoint, { ...voteScope(scope), ...paging(skip, limit) }),
    );
    return { ...parseVotes(envelope.votes), hasMore: envelope.hasMore };
  }

  async listVotesByCursor(
    scope: { boardId?: string; postId?: string },
    cursor?: string,
  ): Promise<CursorPage<SourceVote>> {
    const endpoint = 'v2/votes/list';
    const envelope = this.envelope(
      endpoint,
      cursorEnvelope,
      await this.call(endpoint, {
        ...voteScope(scope),
        limit: CANNY_PAGE_SIZE,
        ...(cursor ? { cursor } : {}),
      }),
    );
    const { items, errors } = parseVotes(envelope.items);
    // The v2 listings are known from public client code only (canny.md): what this read relies on is checked.
    if (envelope.hasNextPage && (!envelope.cursor || envelope.cursor === cursor))
      throw failure(
        FailureType.SourceInvalidResponse,
        `Canny ${endpoint} has a next page but no new cursor: the read would not advance`,
      );
    const otherBoard = envelope.items.find(
      (raw) =>
        scope.boardId !== undefined &&
        isRecord(raw) &&
        isRecord(raw.board) &&
        typeof raw.board.id === 'string' &&
        raw.board.id !== scope.boardId,
    );
    if (otherBoard !== undefined)
      throw failure(
        FailureType.SourceInvalidResponse,
        `Canny ${endpoint} answered votes of another board than ${scope.boardId}: the boardID filter was not applied`,
      );
    return { items, errors, ...(envelope.hasNextPage && envelope.cursor ? { next: envelope.cursor } : {}) };
  }

  async retrievePost(id: string): Promise<SourcePost | undefined> {
    const endpoint = 'posts/retrieve';
    let body: unknown;
    try {
      body = await this.call(endpoint, { id });
    } catch (err) {
      // Canny names a post it does not have `invalid <field>` with a 4xx (canny.md, "Calling it").
      if (isMissingRecord(err)) return undefined;
      throw err;
    }
    const parsed = postSchema.safeParse(body);
    if (!parsed.success)
      throw failure(
        FailureType.SourceInvalidResponse,
        `Canny ${endpoint} answered an unexpected post: ${describeIssues(parsed.error.issues)}`,
      );
    return toPost(parsed.data, parsed.data.board?.id ?? '');
  }

  /**
   * One POST: taken from the budget first, and sent again after each 429's Retry-After (counted, and passed to
   * the budget so that every worker waits), up to maxRateLimitWaits times. Answers the parsed JSON of a 2xx;
   * everything else becomes a typed failure.
   */
  private async call(endpoint: string, params: Record<string, unknown>): Promise<unknown> {
    for (let waits = 0; ; waits++) {
      try {
        return await this.callOnce(endpoint, params);
      } catch (err) {
        const retryAfterMs = rateLimitedFor(err);
        if (retryAfterMs === undefined || waits >= this.maxRateLimitWaits) throw err;
        await this.budget?.rateLimited(retryAfterMs);
        await this.wait(retryAfterMs);
      }
    }
  }

  private async callOnce(endpoint: string, params: Record<string, unknown>): Promise<unknown> {
    await this.budget?.take();
    let response: Response;
    try {
      // `v2/<resource>/<verb>` names a v2 listing; everything else is v1.
      const path = endpoint.startsWith('v2/') ? `api/${endpoint}` : `api/v1/${endpoint}`;
      response = await this.fetchImpl(`${this.baseUrl}/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        // Canny takes the key in the body only, so it never lands in a URL, a proxy log or a header dump.
        body: JSON.stringify({ ...params, apiKey: this.apiKey }),
        // A redirect on a POST API means a wrong base URL; following it would replay the call as a GET.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      this.counter?.count('canny', false);
      throw this.networkFailure(endpoint, err);
    }
    this.counter?.count('canny', response.status === 429);

    let text: string;
    try {
      // The timeout signal covers the body too: a connection that stalls mid-answer still ends.
      text = await response.text();
    } catch (err) {
      throw this.networkFailure(endpoint, err);
    }
    const body = parseJson(text);
    const cannyError = isRecord(body) && typeof body.error === 'string' ? this.redact(body.error) : undefined;

    if (response.status >= 200 && response.status < 300) {
      // Canny answers errors with a non-2xx status. An `error` body on a 2xx is not a page: a bad key is still a
      // bad key, anything else is an answer we do not understand (retryable, like any unexpected shape).
      if (cannyError === 'invalid apiKey') throw this.errorFailure(endpoint, response.status, cannyError);
      if (cannyError !== undefined) {
        throw failure(
          FailureType.SourceInvalidResponse,
          `Canny ${endpoint} answered ${response.status} with an error: ${cannyError}`,
        );
      }
      if (body === undefined) {
        const hint = this.baseUrlHint();
        throw failure(
          FailureType.SourceInvalidResponse,
          `Canny ${endpoint} answered ${response.status} with a body that is not JSON — ${hint}`,
          { details: [{ hint }] },
        );
      }
      return body;
    }
    if (response.status === 429) {
      throw failure(FailureType.SourceRateLimited, `Canny ${endpoint} is rate limited (429)`, {
        nextRetryDelayMs: retryAfterMs(response.headers.get('retry-after')),
        details: [{ retryAfterMs: retryAfterMs(response.headers.get('retry-after')) }],
      });
    }
    if (response.status >= 300 && response.status < 400) {
      throw failure(
        FailureType.SourceInvalidRequest,
        `Canny ${endpoint} answered ${response.status} redirecting to ${response.headers.get('location') ?? '(no location)'}: check the Canny base URL`,
      );
    }
    throw this.errorFailure(endpoint, response.status, cannyError ?? this.redact(snippet(text)));
  }

  /** A 404 or an answer that is not JSON: the base URL points at something that is not Canny's API. */
  private baseUrlHint(): string {
    return `check CANNY_BASE_URL (${this.baseUrl}): it must point at Canny, e.g. https://canny.io`;
  }

  private errorFailure(endpoint: string, status: number, errorText: string): ApplicationFailure {
    const detail = `Canny ${endpoint} answered ${status}${errorText ? `: ${errorText}` : ''}`;
    if (status === 401 || status === 403 || errorText === 'invalid apiKey') {
      const hint = CANNY_AUTH_HINT;
      return failure(FailureType.SourceUnauthorized, `${detail} — ${hint}`, { details: [{ hint }] });
    }
    if (status === 404 && !errorText.startsWith('invalid')) {
      // Canny names a missing object `invalid <id>`; a 404 without that is a path Canny does not have.
      const hint = this.baseUrlHint();
      return failure(FailureType.SourceInvalidRequest, `${detail} — ${hint}`, { details: [{ hint }] });
    }
    if (status >= 500) return failure(FailureType.SourceServerError, detail);
    // Other 4xx: the same request would be refused again.
    return failure(FailureType.SourceInvalidRequest, detail);
  }

  private networkFailure(endpoint: string, err: unknown): ApplicationFailure {
    const reason =
      err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
        ? `no answer within ${this.timeoutMs} ms from ${this.baseUrl}/api/v1/${endpoint} (the client's fixed request timeout)`
        : describeNetworkError(err);
    // No `cause`: the message carries what an operator needs, and nothing of the request can leak through it.
    return failure(FailureType.NetworkError, `Canny ${endpoint} network error: ${this.redact(reason)}`);
  }

  private envelope<S extends z.ZodType>(endpoint: string, schema: S, body: unknown): z.output<S> {
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw failure(
        FailureType.SourceInvalidResponse,
        `Canny ${endpoint} answered an unexpected shape: ${describeIssues(parsed.error.issues)}`,
      );
    }
    return parsed.data;
  }

  /** Defence in depth: should Canny ever echo the key in an error text, it still never reaches a message. */
  private redact(text: string): string {
    return text.split(this.apiKey).join('[redacted]');
  }
}

// --- mapping to the source-neutral shapes -----------------------------------------------------------------------

function toPerson(user: CannyUserJson): SourcePerson {
  return {
    id: user.id,
    // Raw on purpose: trimming, lower-casing and validity are the domain's decisions (src/domain/email.ts).
    email: user.email ?? null,
    name: user.name ?? null,
    isAdmin: user.isAdmin ?? false,
  };
}

function toPost(post: CannyPostJson, requestedBoardId: string): SourcePost {
  return {
    id: post.id,
    title: post.title,
    details: post.details ?? '',
    status: post.status,
    score: post.score ?? 0,
    url: post.url ?? '',
    createdAt: post.created ? new Date(Date.parse(post.created)).toISOString() : null,
    // The post was listed for this board, so a missing board object still tells us which one it is.
    board: post.board
      ? { id: post.board.id, name: post.board.name ?? '' }
      : { id: requestedBoardId, name: '' },
    category: post.category?.name ?? null,
    tags: (post.tags ?? []).flatMap((tag) => (tag?.name ? [tag.name] : [])),
    author: post.author ? toPerson(post.author) : null,
    mergedPostIds: mergedPostIdsOf(post.mergeHistory),
  };
}

function mergedPostIdsOf(history: z.output<typeof mergeHistorySchema>): string[] {
  return (history ?? []).flatMap((entry) => (entry.post ? [entry.post.id] : []));
}

function toVote(vote: CannyVoteJson): SourceVote {
  return { id: vote.id, postId: vote.post.id, voter: vote.voter ? toPerson(vote.voter) : null };
}

/** The filters of a vote listing, v1 or v2, as Canny names them. */
function voteScope(scope: { boardId?: string; postId?: string }): Record<string, string> {
  return {
    ...(scope.boardId !== undefined ? { boardID: scope.boardId } : {}),
    ...(scope.postId !== undefined ? { postID: scope.postId } : {}),
  };
}

/** A page of votes, each validated on its own; a malformed one names its post when that is readable. */
function parseVotes(raws: unknown[]): { items: SourceVote[]; errors: SourceRecordError[] } {
  return parseRecords('vote', raws, voteSchema, toVote, (raw) =>
    withId('postId', readableId(isRecord(raw) ? raw.post : undefined, 'id')),
  );
}

function toBoard(board: CannyBoardJson): { id: string; name: string } {
  return { id: board.id, name: board.name ?? '' };
}

/**
 * Validates each record on its own, so that one malformed record is reported and the rest still arrive.
 * `annotate` reads what can still be read of a malformed record: which post or board it names.
 */
function parseRecords<S extends z.ZodType, T>(
  kind: SourceRecordError['kind'],
  raws: unknown[],
  schema: S,
  map: (record: z.output<S>) => T,
  annotate: (raw: unknown) => Partial<SourceRecordError>,
): { items: T[]; errors: SourceRecordError[] } {
  const items: T[] = [];
  const errors: SourceRecordError[] = [];
  for (const raw of raws) {
    const parsed = schema.safeParse(raw);
    if (parsed.success) items.push(map(parsed.data));
    else
      errors.push({ kind, id: recordId(raw), reason: describeIssues(parsed.error.issues), ...annotate(raw) });
  }
  return { items, errors };
}

/** The id under `key` when it would pass validation; anything else names no record the sync can key by. */
function readableId(raw: unknown, key: string): string | undefined {
  if (!isRecord(raw)) return undefined;
  const parsed = idSchema.safeParse(raw[key]);
  return parsed.success ? parsed.data : undefined;
}

function withId(key: 'postId' | 'boardId', id: string | undefined): Partial<SourceRecordError> {
  return id === undefined ? {} : { [key]: id };
}

/** A malformed post's merge history, when that part is readable on its own. */
function readableMerges(raw: unknown): Partial<SourceRecordError> {
  const parsed = mergeHistorySchema.safeParse(isRecord(raw) ? raw.mergeHistory : undefined);
  return parsed.success ? { mergedPostIds: mergedPostIdsOf(parsed.data) } : {};
}

function recordId(raw: unknown): string {
  if (!isRecord(raw)) return '(unknown)';
  const id = raw.id;
  if (typeof id === 'string' && id.trim() !== '') return id;
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  return '(unknown)';
}

/** `title: expected string, received number`: the field and why, never the value (it may be personal data). */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const described = issues.slice(0, MAX_ISSUES_PER_RECORD).map((issue) => {
    const path = issue.path.map(String).join('.') || '(record)';
    return `${path}: ${issue.message.replace(/^Invalid input: /, '')}`;
  });
  const more = issues.length - described.length;
  return described.join('; ') + (more > 0 ? ` (+${more} more)` : '');
}

// --- HTTP helpers -----------------------------------------------------------------------------------------------

/** The wait a SourceRateLimited failure of callOnce asks for; undefined for any other error. */
function rateLimitedFor(err: unknown): number | undefined {
  if (!(err instanceof Error) || (err as { type?: unknown }).type !== FailureType.SourceRateLimited)
    return undefined;
  const details = (err as { details?: unknown }).details;
  const first: unknown = Array.isArray(details) ? details[0] : undefined;
  return isRecord(first) && typeof first.retryAfterMs === 'number'
    ? first.retryAfterMs
    : DEFAULT_RETRY_AFTER_MS;
}

/**
 * Canny has no such record: a 400 or 404 whose text starts `invalid` (`invalid postID`, `invalid post id`:
 * canny.md says the texts are not documented, and public clients have seen both). Anything else (a 404 without
 * that text is a wrong base URL, a 401 a bad key) fails loudly: taken for "gone", it would mark posts deleted.
 */
function isMissingRecord(err: unknown): boolean {
  return (
    err instanceof Error &&
    (err as { type?: unknown }).type === FailureType.SourceInvalidRequest &&
    /answered (400|404): invalid\b/i.test(err.message)
  );
}

function paging(skip: number, limit: number): { skip: number; limit: number } {
  // Refused, not capped: Canny silently caps limits above 100, and a caller advancing `skip` by the limit it
  // asked for would then skip records without any error.
  if (
    !Number.isInteger(skip) ||
    skip < 0 ||
    !Number.isInteger(limit) ||
    limit < 1 ||
    limit > CANNY_PAGE_SIZE
  ) {
    throw failure(
      FailureType.InvalidInput,
      `Canny paging needs a whole skip >= 0 and a limit of 1..${CANNY_PAGE_SIZE} (got skip ${skip}, limit ${limit})`,
    );
  }
  return { skip, limit };
}

/**
 * Retry-After is seconds (or, per HTTP, a date); anything unusable falls back to the default wait. At most an
 * hour, Canny's longest window: a proxy's day-long answer must not stop every worker of the key for a day.
 */
function retryAfterMs(header: string | null): number {
  return Math.min(rawRetryAfterMs(header), MAX_RETRY_AFTER_MS);
}

const MAX_RETRY_AFTER_MS = 3_600_000;

function rawRetryAfterMs(header: string | null): number {
  const value = header?.trim();
  if (!value) return DEFAULT_RETRY_AFTER_MS;
  if (/^\d+(\.\d+)?$/.test(value)) {
    const ms = Math.ceil(Number(value) * 1_000);
    return ms > 0 ? ms : DEFAULT_RETRY_AFTER_MS;
  }
  const at = Date.parse(value);
  return Number.isNaN(at) ? DEFAULT_RETRY_AFTER_MS : Math.max(at - Date.now(), DEFAULT_RETRY_AFTER_MS);
}

/** Node's fetch says only "fetch failed"; the reason (ECONNREFUSED, a socket closed mid-answer) is in `cause`. */
function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause: unknown = err.cause;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    return `${err.message} (${typeof code === 'string' ? `${code}: ` : ''}${cause.message})`;
  }
  return err.message;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function snippet(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_ERROR_TEXT ? `${oneLine.slice(0, MAX_ERROR_TEXT)}…` : oneLine;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
