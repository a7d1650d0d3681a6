// A local stand-in for Canny's v1 API (see ../shared/reference/canny.md). It keeps records normalised (ids, not
// nested objects) and renders Canny's nested JSON per answer, so a 100,000-vote dataset stays small in memory
// and a merge or a deleted vote shows up consistently in every answer that mentions it.
import { CANNY_PLANS, parseRateLimits, type CannyPlan, type RateLimit } from '../domain/rate-limits';
import {
  RollingWindow,
  SimServer,
  Simulator,
  type Json,
  type SimRequest,
  type SimResponse,
} from './http-kit';

export interface CannyBoardRecord {
  id: string;
  name: string;
  created: string;
  isPrivate?: boolean;
}

export interface CannyCompanyRecord {
  /** Canny company ids are the customer's own ids, so any string. */
  id: string;
  name: string;
  domain: string | null;
  /** Monthly spend in dollars, as the customer reported it to Canny. */
  monthlySpend: number | null;
  created: string;
  customFields?: Record<string, Json>;
}

export interface CannyUserRecord {
  id: string;
  /** Raw as Canny stores it: may be null, untrimmed, mixed case or malformed. */
  email: string | null;
  name: string | null;
  /** The customer's own id for the person; null for people who signed up on Canny directly. */
  userID: string | null;
  isAdmin: boolean;
  created: string;
  companyIDs: string[];
  customFields?: Record<string, Json>;
}

export interface CannyPostRecord {
  id: string;
  boardID: string;
  title: string;
  details: string;
  status: string;
  created: string;
  statusChangedAt: string | null;
  eta: string | null;
  imageURLs: string[];
  authorID: string | null;
  /** Admin who posted on the author's behalf. */
  byID: string | null;
  ownerID: string | null;
  category: { id: string; name: string } | null;
  tags: Array<{ id: string; name: string }>;
  commentCount: number;
  /** Set on a post that was merged into another one: such a post is no longer listed or retrievable. */
  mergedInto: string | null;
  /** Posts merged INTO this one, oldest first. */
  mergeHistory: Array<{ created: string; postID: string }>;
  customFields?: Record<string, Json>;
}

export interface CannyVoteRecord {
  id: string;
  postID: string;
  voterID: string;
  /** Admin who cast the vote on the voter's behalf. */
  byID: string | null;
  created: string;
  votePriority: string;
}

/** Everything a Canny simulator serves. `posts` includes merged posts; deleted posts are simply absent. */
export interface CannyData {
  boards: CannyBoardRecord[];
  posts: CannyPostRecord[];
  votes: CannyVoteRecord[];
  users: CannyUserRecord[];
  companies: CannyCompanyRecord[];
}

export interface CannyCompany {
  id: string;
  name: string;
  domain: string | null;
  memberCount: number;
  monthlySpend: number | null;
  created: string;
  customFields: Record<string, Json>;
}

export interface CannyUser {
  id: string;
  email: string | null;
  name: string | null;
  userID: string | null;
  isAdmin: boolean;
  created: string;
  url: string;
  avatarURL: string | null;
  companies: CannyCompany[];
  customFields: Record<string, Json>;
}

/** The person on a vote: Canny sends no companies here. */
export type CannyVoter = Omit<CannyUser, 'companies' | 'customFields' | 'avatarURL'>;

export interface CannyBoard {
  id: string;
  name: string;
  postCount: number;
  url: string;
  created: string;
  isPrivate: boolean;
  privateComments: boolean;
}

export interface CannyPost {
  id: string;
  title: string;
  details: string;
  status: string;
  score: number;
  commentCount: number;
  url: string;
  created: string;
  statusChangedAt: string | null;
  eta: string | null;
  imageURLs: string[];
  author: CannyUser | null;
  by: CannyUser | null;
  owner: CannyUser | null;
  board: CannyBoard;
  category: { id: string; name: string; postCount: number; url: string } | null;
  tags: Array<{ id: string; name: string; postCount: number; url: string }>;
  mergeHistory: Array<{ created: string; post: { id: string; title: string; url: string; created: string } }>;
  customFields: Record<string, Json>;
  jira: { linkedIssues: Json[] };
  totalMRR: number;
}

export interface CannyVote {
  id: string;
  created: string;
  post: Omit<CannyPost, 'author' | 'by' | 'board' | 'mergeHistory' | 'customFields' | 'jira' | 'totalMRR'>;
  board: CannyBoard;
  by: CannyUser | null;
  voter: CannyVoter;
  votePriority: string;
  zendeskTicket: null;
}

export interface CannySimulatorOptions {
  seed?: number;
  apiKey?: string;
  /** Initial data; `reset()` returns to the data last passed to the constructor or `load()`. */
  data?: CannyData;
  /** Base of the `url` fields, like a customer's Canny subdomain. */
  portalUrl?: string;
  /** Canny's published limits of a plan, or explicit ones; default none (unlimited). See setRateLimits. */
  rateLimits?: CannyPlan | RateLimit[];
}

/** One page a listing answered: what the read asked for, for tests that check no page is read twice. */
export interface CannyPageLogEntry {
  endpoint: 'posts/list' | 'votes/list' | 'v2/votes/list' | 'posts/retrieve';
  boardID?: string;
  postID?: string;
  /** `skip` for v1 listings, the cursor for v2 ones ('' for the first page). */
  position: string;
  status: number;
}

export interface NewCannyPost {
  title: string;
  /** Defaults to the first board (one is created when there is none). */
  boardID?: string;
  details?: string;
  status?: string;
  authorID?: string | null;
  byID?: string | null;
  ownerID?: string | null;
  category?: { id: string; name: string } | null;
  tags?: Array<{ id: string; name: string }>;
  created?: string;
  id?: string;
}

/**
 * A record served malformed: these top-level fields of its rendered JSON replaced (`fields`) or removed
 * (`unset`) in every answer that lists it as its own record (`boards/list`, `posts/list` and
 * `posts/retrieve`, `votes/list`). The stored record stays intact. The typed records cannot hold a non-numeric
 * score or a board without an id, and the sync has to be tested against such answers over real HTTP.
 */
export interface CannyCorruption {
  kind: 'board' | 'post' | 'vote';
  id: string;
  fields?: Record<string, Json>;
  unset?: string[];
}

/** Statuses `posts/list` returns when the caller names none: Canny's trap, closed work stays invisible. */
export const DEFAULT_LISTED_STATUSES = ['open', 'under review', 'planned', 'in progress'] as const;
export const ALL_CANNY_STATUSES = [...DEFAULT_LISTED_STATUSES, 'complete', 'closed'] as const;
const SORTS = ['newest', 'oldest', 'relevance', 'score', 'statusChanged', 'trending'] as const;
type Sort = (typeof SORTS)[number];
const MAX_LIMIT = 100;
const DEFAULT_LIMIT = 10;

interface Index {
  votesByPost: Map<string, CannyVoteRecord[]>;
  votesByBoard: Map<string, CannyVoteRecord[]>;
  votesByUser: Map<string, CannyVoteRecord[]>;
  allVotes: CannyVoteRecord[];
  livePostsByBoard: Map<string, number>;
  membersByCompany: Map<string, number>;
  postsByCategory: Map<string, number>;
  postsByTag: Map<string, number>;
  sortedPosts: Map<Sort, CannyPostRecord[]>;
}

class CannyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class CannySimulator extends Simulator {
  readonly server: SimServer;
  readonly apiKey: string;
  readonly portalUrl: string;
  private initial: CannyData;
  private boards = new Map<string, CannyBoardRecord>();
  private postRecords = new Map<string, CannyPostRecord>();
  private voteRecords = new Map<string, CannyVoteRecord>();
  private users = new Map<string, CannyUserRecord>();
  private companies = new Map<string, CannyCompanyRecord>();
  private index?: Index;
  private idCounter = 0;
  private corruptions = new Map<string, CannyCorruption>();
  /** Rolling windows per API key; none when unlimited. */
  private limits: RateLimit[] = [];
  private windows = new Map<string, RollingWindow[]>();
  private pages: CannyPageLogEntry[] = [];
  private afterPageHooks: Array<{ endpoint: string; remaining: number; fn: () => void }> = [];
  /** Boards out of the key's sight (an outage, a scope change, a board made private): see `hideBoards`. */
  private hiddenBoards = new Set<string>();

  constructor(options: CannySimulatorOptions = {}) {
    super();
    this.apiKey = options.apiKey ?? 'canny-sim-key';
    this.portalUrl = (options.portalUrl ?? 'https://feedback-sim.canny.io').replace(/\/$/, '');
    this.initial = options.data ?? { boards: [], posts: [], votes: [], users: [], companies: [] };
    this.server = new SimServer({
      name: 'canny',
      seed: options.seed,
      rateLimitResponse: (rule) => ({
        status: 429,
        headers: { 'Retry-After': String(rule.retryAfterSeconds ?? 1) },
        body: { error: 'rate limited' },
      }),
      serverErrorResponse: (status) => ({ status, body: { error: 'internal server error' } }),
      notFoundResponse: (req) => ({ status: 404, body: { error: `no endpoint ${req.method} ${req.path}` } }),
    });
    this.server.onReset(() => {
      this.corruptions.clear();
      this.windows.clear();
      this.pages = [];
      this.afterPageHooks = [];
      this.hiddenBoards.clear();
      this.restore();
    });
    if (options.rateLimits !== undefined) this.setRateLimits(options.rateLimits);
    this.server.setStateProvider(() => this.state());
    this.restore();
    this.registerRoutes();
  }

  /** Clears faults, the request log and corruptions, and returns to the data last loaded. */
  reset(): void {
    this.server.reset();
  }

  /**
   * Serves one record malformed from now on (see CannyCorruption); a second corruption of the same record
   * replaces the first. Refuses a record that does not exist, so a typo cannot corrupt nothing.
   */
  corrupt(corruption: CannyCorruption): void {
    const records = { board: this.boards, post: this.postRecords, vote: this.voteRecords }[corruption.kind];
    if (!records.has(corruption.id)) throw new Error(`unknown ${corruption.kind} ${corruption.id}`);
    this.corruptions.set(`${corruption.kind}:${corruption.id}`, {
      ...corruption,
      fields: { ...corruption.fields },
      unset: [...(corruption.unset ?? [])],
    });
  }

  /**
   * Hides boards (all of them when none is named) from the key: `boards/list` leaves them out and
   * `posts/retrieve` refuses their posts as unknown, as an outage of the workspace, a key whose access
   * changed or a board made private look to an API client. `showBoards()` ends it.
   */
  hideBoards(ids?: string[]): void {
    for (const id of ids ?? [...this.boards.keys()]) this.hiddenBoards.add(id);
  }

  showBoards(): void {
    this.hiddenBoards.clear();
  }

  clearCorruptions(): void {
    this.corruptions.clear();
  }

  /**
   * Enforces Canny's published limits from now on (canny.md, "Rate limits"): per API key, every window at
   * once; over any of them the answer is 429 with `Retry-After` in seconds. Windows roll (the stricter reading
   * of "per minute", which Canny does not define), and refused requests do not count. `undefined`: unlimited.
   */
  setRateLimits(limits: CannyPlan | RateLimit[] | undefined): void {
    this.limits =
      limits === undefined ? [] : typeof limits === 'string' ? parseRateLimits(CANNY_PLANS[limits]) : limits;
    this.windows.clear();
  }

  rateLimits(): RateLimit[] {
    return this.limits.map((l) => ({ ...l }));
  }

  /** Every page the listings answered (and every posts/retrieve), in order. */
  pageLog(): CannyPageLogEntry[] {
    return this.pages.map((p) => ({ ...p }));
  }

  clearPageLog(): void {
    this.pages = [];
  }

  /**
   * Runs `fn` once, right after the `afterPages`-th page answered by `endpoint` from now on (before the answer
   * leaves): a record removed there is gone between two pages of a read.
   */
  afterPage(endpoint: CannyPageLogEntry['endpoint'], afterPages: number, fn: () => void): void {
    this.afterPageHooks.push({ endpoint, remaining: afterPages, fn });
  }

  /** Replaces the data (and what `reset()` returns to). The records are copied, so the caller's stay intact. */
  load(data: CannyData): void {
    this.initial = data;
    this.restore();
  }

  /** A copy of the raw records, merged posts included. */
  data(): CannyData {
    return {
      boards: [...this.boards.values()].map((b) => ({ ...b })),
      posts: [...this.postRecords.values()].map(copyPost),
      votes: [...this.voteRecords.values()].map((v) => ({ ...v })),
      users: [...this.users.values()].map((u) => ({ ...u, companyIDs: [...u.companyIDs] })),
      companies: [...this.companies.values()].map((c) => ({ ...c })),
    };
  }

  /** Live posts (merged ones excluded, every status) as `posts/retrieve` renders them, newest first. */
  posts(): CannyPost[] {
    return this.sortedPosts('newest').map((p) => this.renderPost(p));
  }

  /** Every vote as `votes/list` renders it, newest first. */
  votes(): CannyVote[] {
    return this.idx().allVotes.map((v) => this.renderVote(v));
  }

  addBoard(name: string, options: { id?: string; created?: string; isPrivate?: boolean } = {}): string {
    const created = options.created ?? new Date().toISOString();
    const id = options.id ?? this.newId(created);
    this.boards.set(id, { id, name, created, isPrivate: options.isPrivate ?? false });
    this.invalidate();
    return id;
  }

  addCompany(input: Partial<CannyCompanyRecord> & { name: string }): string {
    const created = input.created ?? new Date().toISOString();
    const id = input.id ?? this.newId(created);
    this.companies.set(id, { domain: null, monthlySpend: null, customFields: {}, ...input, id, created });
    this.invalidate();
    return id;
  }

  addUser(input: Partial<CannyUserRecord> & { email: string | null }): string {
    const created = input.created ?? new Date().toISOString();
    const id = input.id ?? this.newId(created);
    this.users.set(id, {
      name: null,
      userID: null,
      isAdmin: false,
      companyIDs: [],
      customFields: {},
      ...input,
      id,
      created,
    });
    this.invalidate();
    return id;
  }

  addPost(input: NewCannyPost): string {
    const created = input.created ?? new Date().toISOString();
    const id = input.id ?? this.newId(created);
    const boardID = input.boardID ?? this.boards.keys().next().value ?? this.addBoard('Feature Requests');
    if (!this.boards.has(boardID)) throw new Error(`unknown board ${boardID}`);
    this.postRecords.set(id, {
      id,
      boardID,
      title: input.title,
      details: input.details ?? '',
      status: input.status ?? 'open',
      created,
      statusChangedAt: null,
      eta: null,
      imageURLs: [],
      authorID: input.authorID ?? null,
      byID: input.byID ?? null,
      ownerID: input.ownerID ?? null,
      category: input.category ?? null,
      tags: input.tags ?? [],
      commentCount: 0,
      mergedInto: null,
      mergeHistory: [],
      customFields: {},
    });
    this.invalidate();
    return id;
  }

  /** A status change stamps `statusChangedAt` unless the patch sets it. */
  updatePost(id: string, patch: Partial<Omit<CannyPostRecord, 'id'>>): void {
    const post = this.postRecords.get(id);
    if (!post) throw new Error(`unknown post ${id}`);
    const statusChanged = patch.status !== undefined && patch.status !== post.status;
    Object.assign(post, patch);
    if (statusChanged && patch.statusChangedAt === undefined) post.statusChangedAt = new Date().toISOString();
    this.invalidate();
  }

  /** Votes once per person and post, as Canny does: voting again answers the existing vote's id. */
  addVote(
    postId: string,
    userId: string,
    opts: { byUserId?: string; created?: string; votePriority?: string } = {},
  ): string {
    const post = this.livePost(postId);
    if (!post) throw new Error(`unknown or merged post ${postId}`);
    if (!this.users.has(userId)) throw new Error(`unknown user ${userId}`);
    if (opts.byUserId !== undefined && !this.users.has(opts.byUserId))
      throw new Error(`unknown user ${opts.byUserId}`);
    const existing = this.idx()
      .votesByPost.get(postId)
      ?.find((v) => v.voterID === userId);
    if (existing) return existing.id;
    const created = opts.created ?? new Date().toISOString();
    const id = this.newId(created);
    this.voteRecords.set(id, {
      id,
      postID: postId,
      voterID: userId,
      byID: opts.byUserId ?? null,
      created,
      votePriority: opts.votePriority ?? 'No priority',
    });
    this.invalidate();
    return id;
  }

  removeVote(voteId: string): boolean {
    const removed = this.voteRecords.delete(voteId);
    if (removed) this.invalidate();
    return removed;
  }

  /**
   * Merges `fromId` into `intoId` the way Canny does: the merged post disappears from lists and retrieves, the
   * survivor's `mergeHistory` names it, and its votes move over (a person who voted on both keeps one vote).
   */
  mergePost(fromId: string, intoId: string, opts: { created?: string } = {}): void {
    if (fromId === intoId) throw new Error('cannot merge a post into itself');
    const from = this.livePost(fromId);
    const into = this.livePost(intoId);
    if (!from) throw new Error(`unknown or merged post ${fromId}`);
    if (!into) throw new Error(`unknown or merged post ${intoId}`);
    const index = this.idx();
    const survivorVoters = new Set((index.votesByPost.get(intoId) ?? []).map((v) => v.voterID));
    for (const vote of index.votesByPost.get(fromId) ?? []) {
      if (survivorVoters.has(vote.voterID)) {
        this.voteRecords.delete(vote.id);
      } else {
        vote.postID = intoId;
        survivorVoters.add(vote.voterID);
      }
    }
    from.mergedInto = intoId;
    into.mergeHistory.push({ created: opts.created ?? new Date().toISOString(), postID: fromId });
    this.invalidate();
  }

  /** Deletes a post and its votes; Canny forgets it entirely, including in survivors' merge history. */
  deletePost(id: string): void {
    if (!this.postRecords.delete(id)) throw new Error(`unknown post ${id}`);
    for (const vote of this.idx().votesByPost.get(id) ?? []) this.voteRecords.delete(vote.id);
    for (const post of this.postRecords.values()) {
      if (post.mergeHistory.some((m) => m.postID === id)) {
        post.mergeHistory = post.mergeHistory.filter((m) => m.postID !== id);
      }
    }
    this.invalidate();
  }

  // --- HTTP -------------------------------------------------------------------------------------------------

  private registerRoutes(): void {
    const endpoints: Record<string, (body: Record<string, unknown>) => unknown> = {
      'boards/list': () => ({
        boards: [...this.boards.values()]
          .filter((b) => !this.hiddenBoards.has(b.id))
          .map((b) => this.served('board', b.id, this.renderBoard(b))),
      }),
      'posts/list': (body) => this.listPosts(body),
      'posts/retrieve': (body) => {
        const post = this.livePost(stringParam(body, 'id') ?? '');
        if (!post || this.hiddenBoards.has(post.boardID)) throw new CannyError(400, 'invalid postID');
        return this.served('post', post.id, this.renderPost(post));
      },
      'votes/list': (body) => this.listVotes(body),
      'users/retrieve': (body) => this.renderUser(this.findUser(body)),
      'companies/list': (body) => {
        const { limit, skip } = paging(body);
        const all = [...this.companies.values()].sort(newestFirst);
        return {
          companies: all.slice(skip, skip + limit).map((c) => this.renderCompany(c)),
          hasMore: skip + limit < all.length,
        };
      },
    };
    for (const [endpoint, handler] of Object.entries(endpoints)) {
      this.server.route('POST', `/api/v1/${endpoint}`, (req) => this.handle(req, handler));
    }
    // v2 listings page by cursor (seen in public client code; canny.md, "Calling it").
    this.server.route('POST', '/api/v2/votes/list', (req) =>
      this.handle(req, (body) => this.listVotesV2(body)),
    );
    // Admin API: {"plan": "pro"} or {"limits": "10/s,300/m"}; {} lifts every limit.
    this.server.route('POST', '/_sim/rate-limits', (req) => {
      const body = isRecord(req.body) ? req.body : {};
      try {
        if (typeof body.plan === 'string') {
          if (!(body.plan in CANNY_PLANS))
            return { status: 400, body: { error: 'plan: free, pro or business' } };
          this.setRateLimits(body.plan as CannyPlan);
        } else if (typeof body.limits === 'string') this.setRateLimits(parseRateLimits(body.limits));
        else this.setRateLimits(undefined);
      } catch (err) {
        return { status: 400, body: { error: (err as Error).message } };
      }
      return { status: 204 };
    });
    this.server.route('GET', '/_sim/pages', () => ({ status: 200, body: this.pageLog() as unknown as Json }));
    // Admin API (no key, like the other /_sim routes): one CannyCorruption or a list of them.
    this.server.route('POST', '/_sim/corrupt', (req) => {
      const list: unknown[] = Array.isArray(req.body) ? req.body : [req.body];
      for (const item of list) {
        if (!isRecord(item) || !['board', 'post', 'vote'].includes(item.kind as string)) {
          return { status: 400, body: { error: 'kind must be board, post or vote' } };
        }
        try {
          this.corrupt(item as unknown as CannyCorruption);
        } catch (err) {
          return { status: 404, body: { error: (err as Error).message } };
        }
      }
      return { status: 204 };
    });
    this.server.route('DELETE', '/_sim/corrupt', () => {
      this.clearCorruptions();
      return { status: 204 };
    });
  }

  /** The rendered record as served: with its corruption applied, if any. */
  private served(kind: CannyCorruption['kind'], id: string, rendered: object): unknown {
    const corruption = this.corruptions.get(`${kind}:${id}`);
    if (!corruption) return rendered;
    const out: Record<string, unknown> = { ...rendered, ...corruption.fields };
    for (const field of corruption.unset ?? []) delete out[field];
    return out;
  }

  private handle(req: SimRequest, handler: (body: Record<string, unknown>) => unknown): SimResponse {
    const body = isRecord(req.body) ? req.body : {};
    // Canny takes the key in the body only, never in a header or the URL.
    if (typeof body.apiKey !== 'string' || body.apiKey !== this.apiKey) {
      return { status: 401, body: { error: 'invalid apiKey' } };
    }
    const limited = this.overLimit(body.apiKey);
    if (limited !== undefined) {
      // The body's text is not documented (canny.md: unconfirmed); Retry-After in seconds is.
      this.logPage(req, body, 429);
      return {
        status: 429,
        headers: { 'Retry-After': String(limited) },
        body: { error: 'rate limit exceeded' },
      };
    }
    let answer: SimResponse;
    try {
      answer = { status: 200, body: handler(body) };
    } catch (err) {
      if (!(err instanceof CannyError)) throw err;
      answer = { status: err.status, body: { error: err.message } };
    }
    this.logPage(req, body, answer.status);
    return answer;
  }

  /** Seconds to wait when this request would break one of the key's windows; else records it. */
  private overLimit(apiKey: string): number | undefined {
    if (this.limits.length === 0) return undefined;
    let windows = this.windows.get(apiKey);
    if (!windows) {
      windows = this.limits.map((l) => new RollingWindow(l.count, l.windowMs));
      this.windows.set(apiKey, windows);
    }
    const now = Date.now();
    const full = windows.filter((w) => w.remaining(now) === 0);
    if (full.length > 0)
      return Math.max(1, Math.ceil(Math.max(...full.map((w) => w.retryAfterMs(now))) / 1000));
    for (const w of windows) w.hit(now);
    return undefined;
  }

  private logPage(req: SimRequest, body: Record<string, unknown>, status: number): void {
    const endpoint = (
      req.path.startsWith('/api/v2/')
        ? `v2/${req.path.slice('/api/v2/'.length)}`
        : req.path.slice('/api/v1/'.length)
    ).replace(/\/$/, '') as CannyPageLogEntry['endpoint'];
    if (!['posts/list', 'votes/list', 'v2/votes/list', 'posts/retrieve'].includes(endpoint)) return;
    const boardID = stringParam(body, 'boardID');
    const postID = stringParam(body, endpoint === 'posts/retrieve' ? 'id' : 'postID');
    this.pages.push({
      endpoint,
      ...(boardID !== undefined ? { boardID } : {}),
      ...(postID !== undefined ? { postID } : {}),
      position:
        endpoint === 'v2/votes/list'
          ? (stringParam(body, 'cursor') ?? '')
          : (stringParam(body, 'skip') ?? '0'),
      status,
    });
    if (status !== 200) return;
    for (const hook of this.afterPageHooks) {
      if (hook.endpoint !== endpoint || hook.remaining <= 0) continue;
      hook.remaining -= 1;
      if (hook.remaining === 0) hook.fn();
    }
    this.afterPageHooks = this.afterPageHooks.filter((h) => h.remaining > 0);
  }

  private listPosts(body: Record<string, unknown>): { posts: unknown[]; hasMore: boolean } {
    const { limit, skip } = paging(body);
    const sort = (stringParam(body, 'sort') ?? 'newest') as Sort;
    if (!SORTS.includes(sort)) throw new CannyError(400, 'invalid sort');
    const boardID = stringParam(body, 'boardID');
    if (boardID !== undefined && !this.boards.has(boardID)) throw new CannyError(400, 'invalid boardID');
    const statuses = new Set(listParam(body, 'status') ?? DEFAULT_LISTED_STATUSES);
    const search = stringParam(body, 'search')?.toLowerCase();
    const tagIDs = listParam(body, 'tagIDs');
    const authorID = stringParam(body, 'authorID');
    const companyID = stringParam(body, 'companyID');
    const matches = this.sortedPosts(sort).filter(
      (p) =>
        statuses.has(p.status) &&
        (boardID === undefined || p.boardID === boardID) &&
        (authorID === undefined || p.authorID === authorID) &&
        (companyID === undefined ||
          (p.authorID !== null && !!this.users.get(p.authorID)?.companyIDs.includes(companyID))) &&
        (tagIDs === undefined || tagIDs.every((t) => p.tags.some((tag) => tag.id === t))) &&
        (search === undefined ||
          p.title.toLowerCase().includes(search) ||
          p.details.toLowerCase().includes(search)),
    );
    return {
      posts: matches.slice(skip, skip + limit).map((p) => this.served('post', p.id, this.renderPost(p))),
      hasMore: skip + limit < matches.length,
    };
  }

  /** With `raw.all`, every matching record unrendered (the v2 listing pages them itself). */
  private listVotes(
    body: Record<string, unknown>,
    raw?: { all: true },
  ): { votes: unknown[]; hasMore: boolean } {
    const { limit, skip } = paging(body);
    const index = this.idx();
    let votes = index.allVotes;
    const postID = stringParam(body, 'postID');
    const boardID = stringParam(body, 'boardID');
    const userID = stringParam(body, 'userID');
    if (postID !== undefined) {
      if (!this.livePost(postID)) throw new CannyError(400, 'invalid postID');
      votes = index.votesByPost.get(postID) ?? [];
    }
    if (boardID !== undefined) {
      if (!this.boards.has(boardID)) throw new CannyError(400, 'invalid boardID');
      votes =
        postID === undefined
          ? (index.votesByBoard.get(boardID) ?? [])
          : votes.filter((v) => this.boardOf(v) === boardID);
    }
    if (userID !== undefined) {
      if (!this.users.has(userID)) throw new CannyError(400, 'invalid userID');
      votes =
        postID === undefined && boardID === undefined
          ? (index.votesByUser.get(userID) ?? [])
          : votes.filter((v) => v.voterID === userID);
    }
    if (raw) return { votes, hasMore: false };
    return {
      votes: votes.slice(skip, skip + limit).map((v) => this.served('vote', v.id, this.renderVote(v))),
      hasMore: skip + limit < votes.length,
    };
  }

  /**
   * `/api/v2/votes/list`: `{limit, cursor, boardID?, postID?}` → `{items, hasNextPage, cursor}`. A keyset cursor
   * over (created, id), oldest first: a vote removed while a read pages through shifts nothing, and a vote cast
   * meanwhile comes on a later page. The cursor is opaque to clients.
   */
  private listVotesV2(body: Record<string, unknown>): {
    items: unknown[];
    hasNextPage: boolean;
    cursor: string | null;
  } {
    const limit = Math.min(intParam(body, 'limit', DEFAULT_LIMIT, 1), MAX_LIMIT);
    const cursorText = stringParam(body, 'cursor');
    let after: [string, string] | undefined;
    if (cursorText) {
      try {
        const parsed: unknown = JSON.parse(Buffer.from(cursorText, 'base64url').toString('utf8'));
        if (!Array.isArray(parsed) || parsed.length !== 2 || !parsed.every((x) => typeof x === 'string'))
          throw new Error('shape');
        after = parsed as [string, string];
      } catch {
        throw new CannyError(400, 'invalid cursor');
      }
    }
    const { votes } = this.listVotes({ ...body, skip: 0, limit: MAX_LIMIT }, { all: true });
    const ordered = (votes as CannyVoteRecord[])
      .slice()
      .sort((a, b) => compare(a.created, b.created) || compare(a.id, b.id))
      .filter(
        (v) =>
          !after ||
          compare(v.created, after[0]) > 0 ||
          (v.created === after[0] && compare(v.id, after[1]) > 0),
      );
    const page = ordered.slice(0, limit);
    const last = page[page.length - 1];
    const hasNextPage = ordered.length > limit;
    return {
      items: page.map((v) => this.served('vote', v.id, this.renderVote(v))),
      hasNextPage,
      cursor:
        hasNextPage && last
          ? Buffer.from(JSON.stringify([last.created, last.id])).toString('base64url')
          : null,
    };
  }

  private findUser(body: Record<string, unknown>): CannyUserRecord {
    const id = stringParam(body, 'id');
    if (id !== undefined) {
      const user = this.users.get(id);
      if (!user) throw new CannyError(400, 'invalid id');
      return user;
    }
    const userID = stringParam(body, 'userID');
    if (userID !== undefined) {
      const user = [...this.users.values()].find((u) => u.userID === userID);
      if (!user) throw new CannyError(400, 'invalid userID');
      return user;
    }
    const email = stringParam(body, 'email')?.trim().toLowerCase();
    if (email !== undefined) {
      const user = [...this.users.values()].find((u) => u.email?.trim().toLowerCase() === email);
      if (!user) throw new CannyError(400, 'invalid email');
      return user;
    }
    throw new CannyError(400, 'missing id, userID or email');
  }

  // --- rendering --------------------------------------------------------------------------------------------

  private renderCompany(c: CannyCompanyRecord): CannyCompany {
    return {
      id: c.id,
      created: c.created,
      customFields: c.customFields ?? {},
      domain: c.domain,
      memberCount: this.idx().membersByCompany.get(c.id) ?? 0,
      monthlySpend: c.monthlySpend,
      name: c.name,
    };
  }

  private renderVoter(u: CannyUserRecord): CannyVoter {
    return {
      id: u.id,
      created: u.created,
      email: u.email,
      isAdmin: u.isAdmin,
      name: u.name,
      url: `${this.portalUrl}/admin/users/${u.id}`,
      userID: u.userID,
    };
  }

  private renderUser(u: CannyUserRecord): CannyUser {
    return {
      ...this.renderVoter(u),
      avatarURL: null,
      companies: u.companyIDs.flatMap((id) => {
        const company = this.companies.get(id);
        return company ? [this.renderCompany(company)] : [];
      }),
      customFields: u.customFields ?? {},
    };
  }

  private userOrNull(id: string | null): CannyUser | null {
    const user = id === null ? undefined : this.users.get(id);
    return user ? this.renderUser(user) : null;
  }

  private renderBoard(b: CannyBoardRecord): CannyBoard {
    return {
      id: b.id,
      created: b.created,
      isPrivate: b.isPrivate ?? false,
      name: b.name,
      postCount: this.idx().livePostsByBoard.get(b.id) ?? 0,
      privateComments: false,
      url: `${this.portalUrl}/${slug(b.name)}`,
    };
  }

  private postUrl(p: CannyPostRecord): string {
    const board = this.boards.get(p.boardID);
    return `${this.portalUrl}/${slug(board?.name ?? 'board')}/p/${slug(p.title.slice(0, 80))}-${p.id.slice(-6)}`;
  }

  private renderPostCore(p: CannyPostRecord): CannyVote['post'] {
    const index = this.idx();
    return {
      id: p.id,
      category: p.category && {
        ...p.category,
        postCount: index.postsByCategory.get(p.category.id) ?? 0,
        url: `${this.postUrl(p).split('/p/')[0]}?category=${slug(p.category.name)}`,
      },
      commentCount: p.commentCount,
      created: p.created,
      details: p.details,
      eta: p.eta,
      imageURLs: [...p.imageURLs],
      owner: this.userOrNull(p.ownerID),
      score: index.votesByPost.get(p.id)?.length ?? 0,
      status: p.status,
      statusChangedAt: p.statusChangedAt,
      tags: p.tags.map((t) => ({
        ...t,
        postCount: index.postsByTag.get(t.id) ?? 0,
        url: `${this.portalUrl}/admin/feedback?tags=${t.id}`,
      })),
      title: p.title,
      url: this.postUrl(p),
    };
  }

  private renderPost(p: CannyPostRecord): CannyPost {
    const board = this.boards.get(p.boardID);
    return {
      ...this.renderPostCore(p),
      author: this.userOrNull(p.authorID),
      board: board ? this.renderBoard(board) : missingBoard(p.boardID),
      by: this.userOrNull(p.byID),
      customFields: p.customFields ?? {},
      jira: { linkedIssues: [] },
      mergeHistory: p.mergeHistory.flatMap((m) => {
        const merged = this.postRecords.get(m.postID);
        return merged
          ? [
              {
                created: m.created,
                post: {
                  id: merged.id,
                  title: merged.title,
                  url: this.postUrl(merged),
                  created: merged.created,
                },
              },
            ]
          : [];
      }),
      totalMRR: this.totalMRR(p.id),
    };
  }

  private renderVote(v: CannyVoteRecord): CannyVote {
    const post = this.postRecords.get(v.postID);
    const board = post && this.boards.get(post.boardID);
    const voter = this.users.get(v.voterID);
    return {
      id: v.id,
      board: board ? this.renderBoard(board) : missingBoard(post?.boardID ?? ''),
      by: this.userOrNull(v.byID),
      created: v.created,
      post: post ? this.renderPostCore(post) : ({ id: v.postID } as CannyVote['post']),
      voter: voter
        ? this.renderVoter(voter)
        : {
            id: v.voterID,
            created: v.created,
            email: null,
            isAdmin: false,
            name: null,
            url: '',
            userID: null,
          },
      votePriority: v.votePriority,
      zendeskTicket: null,
    };
  }

  /** Canny sums the monthly spend of the voters' companies, each company once. */
  private totalMRR(postId: string): number {
    const companies = new Set<string>();
    for (const vote of this.idx().votesByPost.get(postId) ?? []) {
      for (const id of this.users.get(vote.voterID)?.companyIDs ?? []) companies.add(id);
    }
    let total = 0;
    for (const id of companies) total += this.companies.get(id)?.monthlySpend ?? 0;
    return total;
  }

  // --- data and indexes -------------------------------------------------------------------------------------

  private restore(): void {
    const data = this.initial;
    // Copies so that mutations made by tests never leak into the dataset that reset() returns to.
    this.boards = new Map(data.boards.map((b) => [b.id, { ...b }]));
    this.postRecords = new Map(data.posts.map((p) => [p.id, copyPost(p)]));
    this.voteRecords = new Map(data.votes.map((v) => [v.id, { ...v }]));
    this.users = new Map(data.users.map((u) => [u.id, { ...u, companyIDs: [...u.companyIDs] }]));
    this.companies = new Map(data.companies.map((c) => [c.id, { ...c }]));
    this.invalidate();
  }

  private invalidate(): void {
    this.index = undefined;
  }

  private livePost(id: string): CannyPostRecord | undefined {
    const post = this.postRecords.get(id);
    return post && post.mergedInto === null ? post : undefined;
  }

  private boardOf(vote: CannyVoteRecord): string | undefined {
    return this.postRecords.get(vote.postID)?.boardID;
  }

  private idx(): Index {
    if (this.index) return this.index;
    const index: Index = {
      votesByPost: new Map(),
      votesByBoard: new Map(),
      votesByUser: new Map(),
      allVotes: [...this.voteRecords.values()].sort(newestFirst),
      livePostsByBoard: new Map(),
      membersByCompany: new Map(),
      postsByCategory: new Map(),
      postsByTag: new Map(),
      sortedPosts: new Map(),
    };
    const push = (map: Map<string, CannyVoteRecord[]>, key: string, vote: CannyVoteRecord): void => {
      const list = map.get(key);
      if (list) list.push(vote);
      else map.set(key, [vote]);
    };
    // allVotes is sorted, so every per-key list comes out newest first as well.
    for (const vote of index.allVotes) {
      push(index.votesByPost, vote.postID, vote);
      push(index.votesByUser, vote.voterID, vote);
      const board = this.boardOf(vote);
      if (board !== undefined) push(index.votesByBoard, board, vote);
    }
    const inc = (map: Map<string, number>, key: string): void => {
      map.set(key, (map.get(key) ?? 0) + 1);
    };
    for (const post of this.postRecords.values()) {
      if (post.mergedInto !== null) continue;
      inc(index.livePostsByBoard, post.boardID);
      if (post.category) inc(index.postsByCategory, post.category.id);
      for (const tag of post.tags) inc(index.postsByTag, tag.id);
    }
    for (const user of this.users.values()) for (const id of user.companyIDs) inc(index.membersByCompany, id);
    this.index = index;
    return index;
  }

  private sortedPosts(sort: Sort): CannyPostRecord[] {
    const index = this.idx();
    const cached = index.sortedPosts.get(sort);
    if (cached) return cached;
    const live = [...this.postRecords.values()].filter((p) => p.mergedInto === null);
    const score = (p: CannyPostRecord): number => index.votesByPost.get(p.id)?.length ?? 0;
    // Every order ends on the id so that skip-paging never repeats or drops a post between pages.
    const comparators: Record<Sort, (a: CannyPostRecord, b: CannyPostRecord) => number> = {
      newest: newestFirst,
      oldest: (a, b) => -newestFirst(a, b),
      relevance: (a, b) => score(b) - score(a) || newestFirst(a, b),
      score: (a, b) => score(b) - score(a) || newestFirst(a, b),
      trending: (a, b) => score(b) - score(a) || newestFirst(a, b),
      statusChanged: (a, b) =>
        compare(b.statusChangedAt ?? b.created, a.statusChangedAt ?? a.created) || newestFirst(a, b),
    };
    const sorted = live.sort(comparators[sort]);
    index.sortedPosts.set(sort, sorted);
    return sorted;
  }

  private state(): unknown {
    const posts = [...this.postRecords.values()];
    const byStatus: Record<string, number> = {};
    for (const p of posts) if (p.mergedInto === null) byStatus[p.status] = (byStatus[p.status] ?? 0) + 1;
    return {
      boards: this.boards.size,
      posts: posts.filter((p) => p.mergedInto === null).length,
      mergedPosts: posts.filter((p) => p.mergedInto !== null).length,
      postsByStatus: byStatus,
      votes: this.voteRecords.size,
      users: this.users.size,
      companies: this.companies.size,
    };
  }

  /** Mongo-style ids like Canny's: creation seconds in hex, then a counter that keeps them unique. */
  private newId(created: string): string {
    const seconds = Math.floor((Date.parse(created) || Date.now()) / 1000);
    let id: string;
    do {
      this.idCounter += 1;
      id = `${seconds.toString(16).padStart(8, '0')}f${this.idCounter.toString(16).padStart(15, '0')}`;
    } while (
      this.postRecords.has(id) ||
      this.voteRecords.has(id) ||
      this.users.has(id) ||
      this.boards.has(id) ||
      this.companies.has(id)
    );
    return id;
  }
}

function copyPost(p: CannyPostRecord): CannyPostRecord {
  return {
    ...p,
    imageURLs: [...p.imageURLs],
    tags: p.tags.map((t) => ({ ...t })),
    mergeHistory: p.mergeHistory.map((m) => ({ ...m })),
  };
}

function missingBoard(id: string): CannyBoard {
  return { id, name: '', postCount: 0, url: '', created: '', isPrivate: false, privateComments: false };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function newestFirst(a: { created: string; id: string }, b: { created: string; id: string }): number {
  return compare(b.created, a.created) || compare(b.id, a.id);
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, '-')
      .replace(/^-+|-+$/g, '') || 'post'
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Form bodies carry every field as a string and JSON bodies may carry numbers: accept both. */
function stringParam(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/** `status` and `tagIDs`: a comma-separated string (what Canny documents) or a JSON array. */
function listParam(body: Record<string, unknown>, key: string): string[] | undefined {
  const value = body[key];
  if (Array.isArray(value)) return value.map(String).map((s) => s.trim());
  const text = stringParam(body, key);
  if (text === undefined) return undefined;
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function intParam(body: Record<string, unknown>, key: string, fallback: number, min: number): number {
  const raw = body[key];
  if (raw === undefined || raw === null || raw === '') return fallback;
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN;
  if (!Number.isInteger(value) || value < min) throw new CannyError(400, `invalid ${key}`);
  return value;
}

/** Canny pages with limit/skip; limits above 100 are capped rather than refused. */
function paging(body: Record<string, unknown>): { limit: number; skip: number } {
  return {
    limit: Math.min(intParam(body, 'limit', DEFAULT_LIMIT, 1), MAX_LIMIT),
    skip: intParam(body, 'skip', 0, 0),
  };
}
