// The Canny simulator over real HTTP with plain fetch: the project's Canny client is tested against it later,
// so these tests pin the simulator to Canny's documented behaviour, traps included.
import assert from 'node:assert/strict';
import { CannySimulator, type CannyPost, type CannyVote } from '../../src/simulators/canny';
import { formatRateLimits, parseRateLimits } from '../../src/domain/rate-limits';
import { generateDataset } from '../../src/simulators/dataset';

interface V2Page {
  items: Array<{ id: string }>;
  hasNextPage: boolean;
  cursor: string | null;
}

const API_KEY = 'canny-sim-key';
const ALL_STATUSES = 'open,under review,planned,in progress,complete,closed';

interface Answer<T> {
  status: number;
  body: T;
  headers: Headers;
}

async function call<T = Record<string, unknown>>(
  sim: CannySimulator,
  endpoint: string,
  body: Record<string, unknown> = {},
  options: { form?: boolean; apiKey?: string | null } = {},
): Promise<Answer<T>> {
  const payload: Record<string, unknown> = { ...body };
  if (options.apiKey !== null) payload.apiKey = options.apiKey ?? API_KEY;
  const res = await fetch(`${sim.url}/api/v1/${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': options.form ? 'application/x-www-form-urlencoded' : 'application/json' },
    body: options.form
      ? new URLSearchParams(
          Object.entries(payload).map(([k, v]): [string, string] => [k, String(v)]),
        ).toString()
      : JSON.stringify(payload),
  });
  return { status: res.status, body: (await res.json()) as T, headers: res.headers };
}

async function listAll<T>(
  sim: CannySimulator,
  endpoint: 'posts/list' | 'votes/list',
  body: Record<string, unknown>,
): Promise<{ items: T[]; pages: number }> {
  const key = endpoint === 'posts/list' ? 'posts' : 'votes';
  const items: T[] = [];
  let pages = 0;
  for (;;) {
    const page = await call<Record<string, unknown>>(sim, endpoint, {
      ...body,
      limit: 100,
      skip: items.length,
    });
    assert.equal(page.status, 200);
    pages += 1;
    items.push(...(page.body[key] as T[]));
    if (!page.body.hasMore) return { items, pages };
  }
}

describe('CannySimulator', function () {
  let sim: CannySimulator;
  // A small hand-built world: the ids these tests assert on are known.
  let board: string;
  let otherBoard: string;
  let acme: string;
  let admin: string;
  let alice: string;
  let bob: string;
  let noEmail: string;

  beforeEach(async function () {
    sim = new CannySimulator();
    await sim.listen(0);
    board = sim.addBoard('Feature Requests', { created: '2024-01-01T00:00:00.000Z' });
    otherBoard = sim.addBoard('Integrations', { created: '2024-01-02T00:00:00.000Z' });
    acme = sim.addCompany({ id: 'acme-1', name: 'Acme', domain: 'acme.com', monthlySpend: 500 });
    admin = sim.addUser({ email: 'pm@vendor.com', name: 'Pat Admin', isAdmin: true });
    alice = sim.addUser({ email: ' Alice@ACME.com ', name: 'Alice A', userID: 'u-1', companyIDs: [acme] });
    bob = sim.addUser({ email: 'bob@gmail.com', name: 'Bob B', userID: 'u-2' });
    noEmail = sim.addUser({ email: null, name: 'Anonymous' });
  });

  afterEach(async function () {
    await sim.close();
  });

  describe('apiKey', function () {
    it('refuses a missing or wrong key with 401 and Canny’s error body', async function () {
      for (const apiKey of [null, 'wrong']) {
        const answer = await call(sim, 'boards/list', {}, { apiKey });
        assert.equal(answer.status, 401);
        assert.deepEqual(answer.body, { error: 'invalid apiKey' });
      }
    });

    it('never accepts the key from a header', async function () {
      const res = await fetch(`${sim.url}/api/v1/boards/list`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}`, apiKey: API_KEY },
        body: '{}',
      });
      assert.equal(res.status, 401);
    });

    it('accepts form-encoded bodies as well as JSON', async function () {
      const answer = await call<{ boards: Array<{ id: string; name: string }> }>(
        sim,
        'boards/list',
        {},
        { form: true },
      );
      assert.equal(answer.status, 200);
      assert.deepEqual(
        answer.body.boards.map((b) => b.name),
        ['Feature Requests', 'Integrations'],
      );
    });
  });

  describe('posts/list', function () {
    it('hides complete and closed posts unless the status list names them (the trap)', async function () {
      const open = sim.addPost({ boardID: board, title: 'Open one', authorID: alice });
      const done = sim.addPost({ boardID: board, title: 'Shipped one', status: 'complete', authorID: alice });
      const closed = sim.addPost({ boardID: board, title: 'Declined one', status: 'closed' });

      const byDefault = await call<{ posts: CannyPost[] }>(sim, 'posts/list', { limit: 100 });
      assert.deepEqual(
        byDefault.body.posts.map((p) => p.id),
        [open],
      );

      const explicit = await call<{ posts: CannyPost[] }>(sim, 'posts/list', {
        limit: 100,
        status: ALL_STATUSES,
      });
      assert.deepEqual(new Set(explicit.body.posts.map((p) => p.id)), new Set([open, done, closed]));

      const onlyComplete = await call<{ posts: CannyPost[] }>(
        sim,
        'posts/list',
        { status: 'complete' },
        { form: true },
      );
      assert.deepEqual(
        onlyComplete.body.posts.map((p) => p.id),
        [done],
      );
    });

    it('pages with limit/skip and hasMore, in a stable newest-first order', async function () {
      const created: string[] = [];
      for (let i = 0; i < 25; i++) {
        created.push(
          sim.addPost({
            boardID: board,
            title: `Post ${i}`,
            // Same timestamp for several posts: the order must still be total.
            created: `2024-03-${String(10 + Math.floor(i / 3)).padStart(2, '0')}T00:00:00.000Z`,
          }),
        );
      }
      const first = await call<{ posts: CannyPost[]; hasMore: boolean }>(sim, 'posts/list', { limit: 10 });
      assert.equal(first.body.posts.length, 10);
      assert.equal(first.body.hasMore, true);
      const defaultLimit = await call<{ posts: CannyPost[] }>(sim, 'posts/list', {});
      assert.equal(defaultLimit.body.posts.length, 10, 'limit defaults to 10');

      const seen: string[] = [];
      let hasMore = true;
      for (let skip = 0; hasMore; skip += 10) {
        const page = await call<{ posts: CannyPost[]; hasMore: boolean }>(sim, 'posts/list', {
          limit: 10,
          skip,
        });
        seen.push(...page.body.posts.map((p) => p.id));
        hasMore = page.body.hasMore;
      }
      assert.equal(seen.length, 25);
      assert.equal(new Set(seen).size, 25);
      const dates = seen.map((id) => sim.posts().find((p) => p.id === id)!.created);
      assert.deepEqual(dates, [...dates].sort().reverse());

      const capped = await call<{ posts: CannyPost[] }>(sim, 'posts/list', { limit: 500 });
      assert.equal(capped.body.posts.length, 25, 'limits above 100 are capped, not refused');
      const bad = await call(sim, 'posts/list', { limit: 'ten' });
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.body, { error: 'invalid limit' });
    });

    it('filters by board and refuses an unknown board', async function () {
      const a = sim.addPost({ boardID: board, title: 'A' });
      const b = sim.addPost({ boardID: otherBoard, title: 'B' });
      const onOther = await call<{ posts: CannyPost[] }>(sim, 'posts/list', { boardID: otherBoard });
      assert.deepEqual(
        onOther.body.posts.map((p) => p.id),
        [b],
      );
      assert.notEqual(a, b);
      const unknown = await call(sim, 'posts/list', { boardID: 'nope' });
      assert.equal(unknown.status, 400);
      assert.deepEqual(unknown.body, { error: 'invalid boardID' });
    });

    it('renders the documented Post shape', async function () {
      const id = sim.addPost({
        boardID: board,
        title: 'Dark mode 🌙',
        details: 'Please',
        authorID: alice,
        byID: admin,
        category: { id: 'cat-1', name: 'UX' },
        tags: [{ id: 'tag-1', name: 'enterprise' }],
      });
      sim.addVote(id, alice);
      sim.addVote(id, bob);
      const { status, body: post } = await call<CannyPost>(sim, 'posts/retrieve', { id });
      assert.equal(status, 200);
      assert.equal(post.id, id);
      assert.equal(post.title, 'Dark mode 🌙');
      assert.equal(post.status, 'open');
      assert.equal(post.score, 2);
      assert.equal(post.board.id, board);
      assert.equal(post.board.name, 'Feature Requests');
      assert.equal(post.category?.name, 'UX');
      assert.deepEqual(
        post.tags.map((t) => t.name),
        ['enterprise'],
      );
      assert.equal(post.author?.id, alice);
      assert.equal(post.author?.email, ' Alice@ACME.com ', 'emails come back raw, as Canny stores them');
      assert.equal(post.author?.companies[0]?.domain, 'acme.com');
      assert.equal(post.author?.companies[0]?.memberCount, 1);
      assert.equal(post.by?.id, admin);
      assert.equal(post.by?.isAdmin, true);
      assert.deepEqual(post.mergeHistory, []);
      assert.equal(post.totalMRR, 500);
      assert.match(post.created, /^\d{4}-\d\d-\d\dT/);

      const unknown = await call(sim, 'posts/retrieve', { id: 'nope' });
      assert.equal(unknown.status, 400);
      assert.deepEqual(unknown.body, { error: 'invalid postID' });
    });
  });

  describe('votes/list', function () {
    it('lists by post, board and user with paging, and shows admin votes and null emails', async function () {
      const p1 = sim.addPost({ boardID: board, title: 'One' });
      const p2 = sim.addPost({ boardID: otherBoard, title: 'Two' });
      const v1 = sim.addVote(p1, alice, { created: '2024-05-01T00:00:00.000Z' });
      const v2 = sim.addVote(p1, bob, { byUserId: admin, created: '2024-05-02T00:00:00.000Z' });
      const v3 = sim.addVote(p1, noEmail, { created: '2024-05-03T00:00:00.000Z' });
      const v4 = sim.addVote(p2, alice, { created: '2024-05-04T00:00:00.000Z' });
      assert.equal(sim.addVote(p1, alice), v1, 'a second vote by the same person is the same vote');

      const byPost = await call<{ votes: CannyVote[]; hasMore: boolean }>(sim, 'votes/list', { postID: p1 });
      assert.deepEqual(
        byPost.body.votes.map((v) => v.id),
        [v3, v2, v1],
        'newest first',
      );
      assert.equal(byPost.body.hasMore, false);

      const byBoard = await call<{ votes: CannyVote[] }>(sim, 'votes/list', { boardID: otherBoard });
      assert.deepEqual(
        byBoard.body.votes.map((v) => v.id),
        [v4],
      );
      const byUser = await call<{ votes: CannyVote[] }>(sim, 'votes/list', { userID: alice });
      assert.deepEqual(
        byUser.body.votes.map((v) => v.id),
        [v4, v1],
      );

      const paged = await call<{ votes: CannyVote[]; hasMore: boolean }>(sim, 'votes/list', {
        limit: 2,
        skip: 0,
      });
      assert.equal(paged.body.votes.length, 2);
      assert.equal(paged.body.hasMore, true);
      const rest = await call<{ votes: CannyVote[]; hasMore: boolean }>(sim, 'votes/list', {
        limit: 2,
        skip: 2,
      });
      assert.equal(rest.body.hasMore, false);
      assert.deepEqual(
        [...paged.body.votes, ...rest.body.votes].map((v) => v.id),
        [v4, v3, v2, v1],
      );

      const adminVote = byPost.body.votes.find((v) => v.id === v2)!;
      assert.equal(adminVote.voter.id, bob, 'the voter is the customer');
      assert.equal(adminVote.by?.id, admin, 'by is the admin who clicked');
      assert.equal(adminVote.by?.isAdmin, true);
      const anonymous = byPost.body.votes.find((v) => v.id === v3)!;
      assert.equal(anonymous.voter.email, null);
      assert.equal('companies' in anonymous.voter, false, 'the voter object carries no companies');
      assert.equal(anonymous.post.id, p1);
      assert.equal(anonymous.board.id, board);

      const unknown = await call(sim, 'votes/list', { postID: 'nope' });
      assert.equal(unknown.status, 400);
      assert.deepEqual(unknown.body, { error: 'invalid postID' });
    });
  });

  describe('merges and deletes', function () {
    it('moves a merged post’s votes to the survivor, without counting anyone twice', async function () {
      const survivor = sim.addPost({ boardID: board, title: 'Dark mode' });
      const dup = sim.addPost({ boardID: board, title: 'Night theme please' });
      sim.addVote(survivor, alice);
      sim.addVote(dup, alice);
      sim.addVote(dup, bob);

      sim.mergePost(dup, survivor);

      const listed = await call<{ posts: CannyPost[] }>(sim, 'posts/list', {
        status: ALL_STATUSES,
        limit: 100,
      });
      assert.deepEqual(
        listed.body.posts.map((p) => p.id),
        [survivor],
      );
      const gone = await call(sim, 'posts/retrieve', { id: dup });
      assert.equal(gone.status, 400);

      const kept = await call<CannyPost>(sim, 'posts/retrieve', { id: survivor });
      assert.equal(kept.body.score, 2);
      assert.equal(kept.body.mergeHistory.length, 1);
      assert.equal(kept.body.mergeHistory[0]?.post.id, dup);
      assert.equal(kept.body.mergeHistory[0]?.post.title, 'Night theme please');

      const votes = await call<{ votes: CannyVote[] }>(sim, 'votes/list', { postID: survivor });
      assert.deepEqual(new Set(votes.body.votes.map((v) => v.voter.id)), new Set([alice, bob]));
      assert.equal(sim.votes().length, 2);
    });

    it('forgets a deleted post and its votes everywhere', async function () {
      const keep = sim.addPost({ boardID: board, title: 'Keep' });
      const drop = sim.addPost({ boardID: board, title: 'Drop' });
      sim.addVote(keep, alice);
      sim.addVote(drop, alice);
      sim.addVote(drop, bob);
      sim.deletePost(drop);

      const listed = await call<{ posts: CannyPost[] }>(sim, 'posts/list', { status: ALL_STATUSES });
      assert.deepEqual(
        listed.body.posts.map((p) => p.id),
        [keep],
      );
      assert.equal((await call(sim, 'posts/retrieve', { id: drop })).status, 400);
      const votes = await call<{ votes: CannyVote[] }>(sim, 'votes/list', { userID: alice });
      assert.deepEqual(
        votes.body.votes.map((v) => v.post.id),
        [keep],
      );
      const boards = await call<{ boards: Array<{ id: string; postCount: number }> }>(sim, 'boards/list');
      assert.equal(boards.body.boards.find((b) => b.id === board)?.postCount, 1);
    });

    it('stamps statusChangedAt when a post changes status', async function () {
      const id = sim.addPost({ boardID: board, title: 'Ship it' });
      sim.updatePost(id, { status: 'complete' });
      const post = await call<CannyPost>(sim, 'posts/retrieve', { id });
      assert.equal(post.body.status, 'complete');
      assert.ok(post.body.statusChangedAt);
      const byDefault = await call<{ posts: CannyPost[] }>(sim, 'posts/list', {});
      assert.equal(byDefault.body.posts.length, 0);
    });
  });

  describe('users and companies', function () {
    it('retrieves a user by id, userID or email (trimmed, case-insensitive)', async function () {
      for (const body of [{ id: alice }, { userID: 'u-1' }, { email: 'alice@acme.com' }]) {
        const answer = await call<{ id: string; companies: Array<{ id: string }> }>(
          sim,
          'users/retrieve',
          body,
        );
        assert.equal(answer.status, 200, JSON.stringify(body));
        assert.equal(answer.body.id, alice);
        assert.deepEqual(
          answer.body.companies.map((c) => c.id),
          [acme],
        );
      }
      const unknown = await call(sim, 'users/retrieve', { email: 'nobody@acme.com' });
      assert.equal(unknown.status, 400);
    });

    it('pages companies', async function () {
      for (let i = 0; i < 4; i++)
        sim.addCompany({ name: `Co ${i}`, created: `2024-02-0${i + 1}T00:00:00.000Z` });
      const first = await call<{ companies: Array<{ id: string }>; hasMore: boolean }>(
        sim,
        'companies/list',
        {
          limit: 3,
        },
      );
      assert.equal(first.body.companies.length, 3);
      assert.equal(first.body.hasMore, true);
      const second = await call<{ companies: Array<{ id: string }>; hasMore: boolean }>(
        sim,
        'companies/list',
        {
          limit: 3,
          skip: 3,
        },
      );
      assert.equal(second.body.companies.length, 2);
      assert.equal(second.body.hasMore, false);
    });
  });

  describe('faults and admin API', function () {
    it('answers an injected rate limit with 429, Retry-After and Canny’s error body', async function () {
      sim.server.addFault({ route: 'posts/list', kind: 'rate-limit', retryAfterSeconds: 3, count: 1 });
      const limited = await call(sim, 'posts/list', {});
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get('retry-after'), '3');
      assert.deepEqual(limited.body, { error: 'rate limited' });
      assert.equal((await call(sim, 'posts/list', {})).status, 200);
    });

    it('reports its state and returns to the loaded data on reset', async function () {
      sim.addPost({ boardID: board, title: 'Transient' });
      const state = (await (await fetch(`${sim.url}/_sim/state`)).json()) as { posts: number };
      assert.equal(state.posts, 1);
      sim.reset();
      assert.equal(sim.posts().length, 0, 'reset returns to the (empty) constructor data');
    });

    it('serves malformed records set through POST /_sim/corrupt until DELETE /_sim/corrupt or reset', async function () {
      const post = sim.addPost({ boardID: board, title: 'Dark mode', created: '2024-01-01T00:00:00.000Z' });
      const vote = sim.addVote(post, alice);
      const corrupt = (method: string, body?: unknown) =>
        fetch(`${sim.url}/_sim/corrupt`, {
          method,
          headers: { 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      assert.equal(
        (
          await corrupt('POST', [
            { kind: 'post', id: post, fields: { created: 'yesterday-ish', score: 'many' }, unset: ['title'] },
            { kind: 'vote', id: vote, fields: { voter: { id: '', email: 'x@acme.com' } } },
            { kind: 'board', id: otherBoard, fields: { id: 42 } },
          ])
        ).status,
        204,
      );
      const listed = await call<{ posts: Array<Record<string, unknown>> }>(sim, 'posts/list', {
        boardID: board,
      });
      assert.equal(listed.body.posts[0]!.created, 'yesterday-ish');
      assert.equal(listed.body.posts[0]!.score, 'many');
      assert.ok(!('title' in listed.body.posts[0]!), 'unset removes the field');
      assert.equal(listed.body.posts[0]!.id, post, 'the other fields as rendered');
      const retrieved = await call<Record<string, unknown>>(sim, 'posts/retrieve', { id: post });
      assert.equal(retrieved.body.created, 'yesterday-ish');
      const votes = await call<{ votes: Array<Record<string, unknown>> }>(sim, 'votes/list', {
        postID: post,
      });
      assert.deepEqual(votes.body.votes[0]!.voter, { id: '', email: 'x@acme.com' });
      const boards = await call<{ boards: Array<Record<string, unknown>> }>(sim, 'boards/list');
      assert.deepEqual(
        boards.body.boards.map((b) => b.id),
        [board, 42],
      );
      // The records themselves stay intact: the simulator's own view and the other endpoints are unchanged.
      assert.equal(sim.posts()[0]!.created, '2024-01-01T00:00:00.000Z');

      // Unknown records and kinds are refused, so a test cannot corrupt nothing by a typo.
      assert.equal((await corrupt('POST', { kind: 'post', id: 'no-such-post', fields: {} })).status, 404);
      assert.equal((await corrupt('POST', { kind: 'user', id: alice, fields: {} })).status, 400);

      assert.equal((await corrupt('DELETE')).status, 204);
      const clean = await call<{ posts: Array<Record<string, unknown>> }>(sim, 'posts/list', {
        boardID: board,
      });
      assert.equal(clean.body.posts[0]!.created, '2024-01-01T00:00:00.000Z');

      sim.corrupt({ kind: 'post', id: post, fields: { created: 'later' } });
      sim.reset();
      sim.addBoard('Feature Requests', { id: 'b' });
      sim.addPost({ id: post, boardID: 'b', title: 'Dark mode', created: '2024-01-01T00:00:00.000Z' });
      const afterReset = await call<{ posts: Array<Record<string, unknown>> }>(sim, 'posts/list', {});
      assert.equal(afterReset.body.posts[0]!.created, '2024-01-01T00:00:00.000Z', 'reset clears them');
    });
  });

  describe('published rate limits (canny.md, Rate limits)', function () {
    it('each plan carries its published numbers', function () {
      const plans = { free: '5/s,100/m,1000/h', pro: '10/s,300/m,5000/h', business: '20/s,600/m,15000/h' };
      for (const [plan, text] of Object.entries(plans)) {
        sim.setRateLimits(plan as 'free' | 'pro' | 'business');
        assert.equal(formatRateLimits(sim.rateLimits()), text, plan);
      }
      sim.setRateLimits(undefined);
      assert.deepEqual(sim.rateLimits(), []);
    });

    it('over a window: 429 with Retry-After in seconds, for every endpoint of the key; refusals do not count', async function () {
      this.timeout(10_000);
      sim.setRateLimits(parseRateLimits('3/s,5/m'));
      for (let i = 0; i < 3; i++) assert.equal((await call(sim, 'boards/list')).status, 200);
      const second = await call<{ error: string }>(sim, 'posts/list', { boardID: board });
      assert.equal(second.status, 429);
      assert.equal(second.headers.get('retry-after'), '1');
      assert.equal(typeof second.body.error, 'string');
      await new Promise((resolve) => setTimeout(resolve, 1_050));
      assert.equal((await call(sim, 'boards/list')).status, 200, 'the second has rolled on');
      assert.equal((await call(sim, 'votes/list')).status, 200, 'five in the minute');
      const minute = await call(sim, 'boards/list');
      assert.equal(minute.status, 429, 'the minute is full: the 429 above did not count');
      const wait = Number(minute.headers.get('retry-after'));
      assert.ok(wait >= 57 && wait <= 60, `Retry-After ${wait}`);
      assert.equal(
        (await call(sim, 'boards/list', {}, { apiKey: 'other' })).status,
        401,
        'a bad key is a 401 first',
      );
      const admin = await fetch(`${sim.url}/_sim/rate-limits`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(admin.status, 204);
      assert.equal((await call(sim, 'boards/list')).status, 200, 'the admin API lifts the limits');
    });
  });

  describe('v2 votes/list (cursor)', function () {
    async function callV2(body: Record<string, unknown>): Promise<Answer<V2Page>> {
      const res = await fetch(`${sim.url}/api/v2/votes/list`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ apiKey: API_KEY, ...body }),
      });
      return { status: res.status, body: (await res.json()) as V2Page, headers: res.headers };
    }

    async function v2All(body: Record<string, unknown>): Promise<string[]> {
      const ids: string[] = [];
      let cursor: string | null = null;
      for (;;) {
        const page = await callV2({ ...body, limit: 3, ...(cursor ? { cursor } : {}) });
        assert.equal(page.status, 200);
        ids.push(...page.body.items.map((v) => v.id));
        if (!page.body.hasNextPage) return ids;
        assert.ok(page.body.cursor, 'a next page has a cursor');
        cursor = page.body.cursor;
      }
    }

    function tenVotes(): string[] {
      const post = sim.addPost({ title: 'Many voters', boardID: board });
      return Array.from({ length: 10 }, (_, i) => {
        const user = sim.addUser({ email: `voter${i}@acme.com` });
        return sim.addVote(post, user, { created: `2024-03-0${i % 9}T00:00:0${i}.000Z` });
      });
    }

    it('pages every vote of a board once, oldest first, with an opaque cursor', async function () {
      const votes = tenVotes();
      sim.addVote(sim.addPost({ title: 'elsewhere', boardID: otherBoard }), alice);
      const ids = await v2All({ boardID: board });
      assert.deepEqual(new Set(ids), new Set(votes));
      assert.equal(ids.length, 10);
      const bad = await callV2({ boardID: board, cursor: 'not-a-cursor' });
      assert.equal(bad.status, 400);
      assert.deepEqual(
        sim
          .pageLog()
          .filter((p) => p.endpoint === 'v2/votes/list' && p.status === 200)
          .map((p) => p.position === ''),
        [true, false, false, false],
        'the log names each page by its cursor',
      );
    });

    it('a vote removed between two pages shifts nothing (v1 skip paging loses a vote there)', async function () {
      const votes = tenVotes();
      const ordered = (await v2All({ boardID: board })).slice();
      const removed = ordered[1]!; // on the first page of three
      sim.afterPage('v2/votes/list', 1, () => sim.removeVote(removed));
      const ids = await v2All({ boardID: board });
      // The removed vote was read before it went; every other one is read once: nothing shifted.
      assert.deepEqual(new Set(ids), new Set(votes));
      assert.equal(ids.length, votes.length);

      sim.addVote(sim.posts()[0]!.id, bob); // a vote back, for the same count as above
      const all = (await listAll<CannyVote>(sim, 'votes/list', { boardID: board })).items.map((v) => v.id);
      const victim = all[1]!;
      sim.afterPage('votes/list', 1, () => sim.removeVote(victim));
      const v1: string[] = [];
      for (let skip = 0; ; skip += 3) {
        const page = await call<{ votes: CannyVote[]; hasMore: boolean }>(sim, 'votes/list', {
          boardID: board,
          limit: 3,
          skip,
        });
        v1.push(...page.body.votes.map((v) => v.id));
        if (!page.body.hasMore) break;
      }
      assert.equal(v1.length, all.length - 1, 'skip paging dropped a vote nobody removed');
      const dropped = all.filter((id) => !v1.includes(id));
      assert.equal(dropped.length, 1);
      assert.notEqual(dropped[0], victim, 'the vote lost is not the one removed');
    });
  });

  describe('with a generated dataset', function () {
    it('serves every live post with the explicit status list, and every vote, across pages of 100', async function () {
      const dataset = generateDataset({
        seed: 3,
        posts: 150,
        votes: 900,
        users: 120,
        companies: 40,
        mergedPosts: 5,
      });
      sim.load(dataset.canny);

      const all = await listAll<CannyPost>(sim, 'posts/list', { status: ALL_STATUSES });
      assert.deepEqual(new Set(all.items.map((p) => p.id)), new Set(dataset.expected.livePostIds));
      assert.equal(all.pages, 2);
      const defaults = await listAll<CannyPost>(sim, 'posts/list', {});
      assert.deepEqual(
        new Set(defaults.items.map((p) => p.id)),
        new Set(dataset.expected.defaultListedPostIds),
      );
      assert.ok(defaults.items.length < all.items.length, 'the dataset has complete/closed posts');

      const votes = await listAll<CannyVote>(sim, 'votes/list', {});
      assert.equal(votes.items.length, 900);
      assert.equal(new Set(votes.items.map((v) => v.id)).size, 900);
      for (const post of all.items) {
        assert.equal(post.score, dataset.expected.posts[post.id]?.voteCount, post.id);
      }
      for (const { id, into } of dataset.expected.mergedPosts) {
        assert.ok(!all.items.some((p) => p.id === id));
        const survivor = all.items.find((p) => p.id === into)!;
        assert.ok(survivor.mergeHistory.some((m) => m.post.id === id));
      }
      assert.ok(
        votes.items.some((v) => v.by?.isAdmin),
        'some votes were cast by an admin',
      );
      assert.ok(
        votes.items.some((v) => v.voter.email === null),
        'some voters have no email',
      );
      assert.ok(
        all.items.some((p) => p.author === null),
        'some posts have no author',
      );
    });
  });
});
