// CannyClient over real HTTP against the Canny simulator: the status trap, paging, per-record validation and
// the translation of every HTTP outcome into a typed failure. Records the simulator cannot produce (it renders
// well-formed JSON from typed records) are made by a fetch that edits the simulator's real answer in flight.
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { ALL_POST_STATUSES, CannyClient } from '../../src/clients/canny';
import type { RequestCounter } from '../../src/clients/source';
import type { SourcePost, SourceRecordError, SourceVote } from '../../src/domain/types';
import { FailureType } from '../../src/failures';
import { CannySimulator, type CannyData, type CannyVoteRecord } from '../../src/simulators/canny';
import { generateDataset } from '../../src/simulators/dataset';
import type { Json } from '../../src/simulators/http-kit';

const API_KEY = 'sk-canny-TEST-5ecret-key';

class RecordingCounter implements RequestCounter {
  requests = 0;
  rateLimited = 0;
  count(system: 'canny' | 'hubspot' | 'slack', rateLimited = false): void {
    assert.equal(system, 'canny');
    this.requests += 1;
    if (rateLimited) this.rateLimited += 1;
  }
}

/** Every message a failure test saw, checked once at the end for the key. */
const thrownMessages: string[] = [];

/** Awaits a rejection and answers it as the ApplicationFailure it must be. */
async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
    thrownMessages.push(err.message);
    assert.ok(!err.message.includes(API_KEY), `the key leaked into: ${err.message}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

/** A fetch that passes requests to the simulator and lets a test rewrite the JSON answer. */
function editingFetch(edit: (endpoint: string, body: Record<string, unknown>) => unknown): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const endpoint = urlOf(input).split('/api/v1/')[1] ?? '';
    const edited = edit(endpoint, (await response.json()) as Record<string, unknown>);
    return new Response(JSON.stringify(edited), { status: response.status, headers: response.headers });
  };
}

/** A fetch that never reaches the network: the answer a misbehaving server or proxy might give. */
function answering(status: number, body: string, headers: Record<string, string> = {}): typeof fetch {
  return () => Promise.resolve(new Response(body, { status, headers }));
}

function urlOf(input: string | URL | Request): string {
  return typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
}

async function allPosts(
  client: CannyClient,
  boardId: string,
): Promise<{ posts: SourcePost[]; pages: number }> {
  const posts: SourcePost[] = [];
  let pages = 0;
  for (let skip = 0; ; skip += 100) {
    const page = await client.listPosts(boardId, skip, 100);
    pages += 1;
    assert.deepEqual(page.errors, []);
    posts.push(...page.items);
    if (!page.hasMore) return { posts, pages };
  }
}

async function allVotes(
  client: CannyClient,
  scope: { boardId?: string; postId?: string },
): Promise<SourceVote[]> {
  const votes: SourceVote[] = [];
  for (let skip = 0; ; skip += 100) {
    const page = await client.listVotes(scope, skip, 100);
    assert.deepEqual(page.errors, []);
    votes.push(...page.items);
    if (!page.hasMore) return votes;
  }
}

describe('CannyClient', function () {
  let sim: CannySimulator;
  let counter: RecordingCounter;
  let client: CannyClient;

  beforeEach(async function () {
    sim = new CannySimulator({ apiKey: API_KEY });
    await sim.listen(0);
    counter = new RecordingCounter();
    client = new CannyClient({ apiKey: API_KEY, baseUrl: sim.url, counter });
  });

  afterEach(async function () {
    await sim.close();
  });

  after(function () {
    assert.ok(thrownMessages.length >= 8, 'the failure tests ran');
    for (const message of thrownMessages) assert.ok(!message.includes(API_KEY));
  });

  describe('over a generated dataset', function () {
    // Two boards of ~125 posts each, so every board needs more than one page of 100.
    const dataset = generateDataset({
      seed: 11,
      boards: 2,
      posts: 250,
      votes: 1_500,
      users: 200,
      companies: 40,
    });

    beforeEach(function () {
      sim.load(dataset.canny);
    });

    it("reads every vote of a board by Canny's v2 cursor, each once, the same set as v1 paging", async function () {
      const { boards } = await client.listBoards();
      for (const board of boards) {
        const byCursor: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await client.listVotesByCursor({ boardId: board.id }, cursor);
          assert.deepEqual(page.errors, []);
          byCursor.push(...page.items.map((v) => v.id));
          cursor = page.next;
          pages += 1;
        } while (cursor);
        assert.ok(pages >= 2, 'several pages');
        assert.equal(new Set(byCursor).size, byCursor.length, 'no vote twice');
        const bySkip = (await allVotes(client, { boardId: board.id })).map((v) => v.id);
        assert.deepEqual(new Set(byCursor), new Set(bySkip));
      }
      assert.ok(sim.pageLog().some((p) => p.endpoint === 'v2/votes/list' && p.position !== ''));
    });

    it('retrieves a live post by id; a deleted or merged one is undefined', async function () {
      const live = dataset.expected.livePostIds[0]!;
      const post = await client.retrievePost(live);
      assert.equal(post?.id, live);
      assert.equal(post?.score, dataset.expected.posts[live]!.voteCount);
      assert.equal(await client.retrievePost('no-such-post'), undefined);
      const merged = dataset.expected.mergedPosts[0];
      if (merged) assert.equal(await client.retrievePost(merged.id), undefined, 'merged away');
      sim.deletePost(live);
      assert.equal(await client.retrievePost(live), undefined, 'deleted');
    });

    it('fetches every post of every status, oldest first, across pages (the default-status trap)', async function () {
      const { boards, errors } = await client.listBoards();
      assert.deepEqual(errors, []);
      assert.deepEqual(
        boards.map((b) => b.id),
        dataset.canny.boards.map((b) => b.id),
      );

      const seen: SourcePost[] = [];
      let maxPages = 0;
      for (const board of boards) {
        const { posts, pages } = await allPosts(client, board.id);
        maxPages = Math.max(maxPages, pages);
        for (const post of posts) assert.deepEqual(post.board, board);
        const dates = posts.map((p) => p.createdAt!);
        assert.deepEqual(dates, [...dates].sort(), 'oldest first');
        seen.push(...posts);
      }
      assert.ok(maxPages >= 2, 'a board spans several pages');
      const ids = seen.map((p) => p.id);
      assert.equal(new Set(ids).size, ids.length, 'no post twice');
      assert.deepEqual(new Set(ids), new Set(dataset.expected.livePostIds));

      const statuses = new Set(seen.map((p) => p.status));
      assert.ok(
        statuses.has('complete') && statuses.has('closed'),
        `statuses seen: ${[...statuses].join(', ')}`,
      );
      // The trap is real in the data: relying on the default would have lost these.
      assert.ok(dataset.expected.defaultListedPostIds.length < dataset.expected.livePostIds.length);

      for (const post of seen) assert.equal(post.score, dataset.expected.posts[post.id]!.voteCount);
      for (const { id, into } of dataset.expected.mergedPosts) {
        assert.ok(!ids.includes(id), 'a merged post is not listed');
        assert.ok(seen.find((p) => p.id === into)!.mergedPostIds.includes(id));
      }
      // One request per page plus boards/list, each counted.
      assert.equal(counter.requests, sim.server.requests().length);
      assert.equal(counter.rateLimited, 0);
    });

    it('lists every vote per board with the voter as the person, never the admin in `by`', async function () {
      const votes: SourceVote[] = [];
      for (const board of dataset.canny.boards)
        votes.push(...(await allVotes(client, { boardId: board.id })));
      assert.equal(votes.length, sim.votes().length);
      assert.equal(new Set(votes.map((v) => v.id)).size, votes.length);

      const records = new Map(sim.data().votes.map((v) => [v.id, v]));
      const users = new Map(dataset.canny.users.map((u) => [u.id, u]));
      const onBehalf = votes.filter((v) => records.get(v.id)!.byID !== null);
      assert.ok(onBehalf.length > 0, 'the dataset has admin votes on behalf of customers');
      for (const vote of votes) {
        const record = records.get(vote.id)!;
        assert.equal(vote.postId, record.postID);
        assert.equal(vote.voter?.id, record.voterID);
        const user = users.get(record.voterID)!;
        // Raw email: untrimmed, mixed case, malformed or null, exactly as Canny holds it.
        assert.deepEqual(vote.voter, {
          id: user.id,
          email: user.email,
          name: user.name,
          isAdmin: user.isAdmin,
        });
      }
      assert.ok(
        votes.some((v) => v.voter?.email === null),
        'null emails arrive as null',
      );
    });

    it('lists the votes of one post', async function () {
      const post = sim.posts().find((p) => p.score > 3)!;
      const votes = await allVotes(client, { postId: post.id });
      assert.equal(votes.length, post.score);
      assert.ok(votes.every((v) => v.postId === post.id));
    });
  });

  describe('requests', function () {
    it('POSTs JSON with the key in the body only, every status named, oldest first', async function () {
      const board = sim.addBoard('Feature Requests');
      const sent: Array<{ url: string; headers: Headers; body: Record<string, unknown> }> = [];
      const spy: typeof fetch = (input, init) => {
        assert.equal(typeof init?.body, 'string', 'a JSON body');
        sent.push({
          url: urlOf(input),
          headers: new Headers(init?.headers),
          body: JSON.parse(init?.body as string) as Record<string, unknown>,
        });
        assert.equal(init?.method, 'POST');
        return fetch(input, init);
      };
      const spied = new CannyClient({ apiKey: API_KEY, baseUrl: `${sim.url}/`, fetch: spy });
      await spied.listPosts(board, 0, 100);
      await spied.listVotes({ boardId: board }, 100, 100);
      assert.deepEqual(sent[0]!.body, {
        apiKey: API_KEY,
        boardID: board,
        skip: 0,
        limit: 100,
        status: ALL_POST_STATUSES,
        sort: 'oldest',
      });
      assert.equal(ALL_POST_STATUSES, 'open,under review,planned,in progress,complete,closed');
      assert.deepEqual(sent[1]!.body, { apiKey: API_KEY, boardID: board, skip: 100, limit: 100 });
      for (const request of sent) {
        assert.ok(request.url.startsWith(`${sim.url}/api/v1/`), request.url);
        assert.ok(!request.url.includes(API_KEY));
        for (const [, value] of request.headers) assert.ok(!value.includes(API_KEY));
      }
    });

    it('refuses paging arguments Canny would reject, before sending anything', async function () {
      // Above 100 Canny would cap silently, and a caller stepping `skip` by its limit would miss records.
      for (const [skip, limit] of [
        [-1, 100],
        [0, 0],
        [0, 500],
        [1.5, 100],
      ] as const) {
        const failure = await failureOf(client.listPosts('board', skip, limit));
        assert.equal(failure.type, FailureType.InvalidInput);
        assert.equal(failure.nonRetryable, true);
      }
      assert.equal(counter.requests, 0);
    });
  });

  describe('mapping', function () {
    it('maps posts to the source-neutral shape: author, board, category, tags, merges', async function () {
      const board = sim.addBoard('Integrations 🔌', { id: 'board-1' });
      const admin = sim.addUser({ id: 'admin-1', email: 'pm@vendor.com', name: 'Pat', isAdmin: true });
      const alice = sim.addUser({ id: 'alice-1', email: ' Alice@ACME.com ', name: 'Alice' });
      const survivor = sim.addPost({
        id: 'post-1',
        boardID: board,
        title: 'Salesforce sync',
        details: 'Two-way, please',
        status: 'planned',
        authorID: alice,
        byID: admin,
        category: { id: 'cat-1', name: 'Integrations' },
        tags: [
          { id: 'tag-1', name: 'enterprise' },
          { id: 'tag-2', name: 'Q3' },
        ],
        created: '2024-02-01T10:00:00.000Z',
      });
      const duplicate = sim.addPost({
        id: 'post-2',
        boardID: board,
        title: 'SFDC',
        created: '2024-03-01T00:00:00Z',
      });
      sim.addVote(duplicate, alice);
      sim.mergePost(duplicate, survivor);

      const page = await client.listPosts(board, 0, 100);
      assert.deepEqual(page.errors, []);
      assert.equal(page.hasMore, false);
      const [post] = page.items;
      assert.equal(page.items.length, 1, 'the merged post is gone');
      assert.deepEqual(
        { ...post!, url: undefined },
        {
          id: 'post-1',
          title: 'Salesforce sync',
          details: 'Two-way, please',
          status: 'planned',
          score: 1,
          url: undefined,
          createdAt: '2024-02-01T10:00:00.000Z',
          board: { id: 'board-1', name: 'Integrations 🔌' },
          category: 'Integrations',
          tags: ['enterprise', 'Q3'],
          // The author, not the admin who typed the post in for them.
          author: { id: 'alice-1', email: ' Alice@ACME.com ', name: 'Alice', isAdmin: false },
          mergedPostIds: ['post-2'],
        },
      );
      assert.match(post!.url, /^https:\/\//);
    });

    it('tolerates nulls and missing optional fields', async function () {
      const board = sim.addBoard('Feature Requests', { id: 'board-1' });
      sim.addPost({ id: 'post-1', boardID: board, title: 'Dark mode', status: 'complete' });
      const edited = new CannyClient({
        apiKey: API_KEY,
        baseUrl: sim.url,
        fetch: editingFetch((_endpoint, body) => {
          const post = (body.posts as Array<Record<string, unknown>>)[0]!;
          for (const field of ['tags', 'score', 'mergeHistory', 'url', 'board', 'category'])
            delete post[field];
          return { ...body, posts: [{ ...post, details: null, author: null, created: null }] };
        }),
      });
      const page = await edited.listPosts(board, 0, 100);
      assert.deepEqual(page.errors, []);
      assert.deepEqual(page.items, [
        {
          id: 'post-1',
          title: 'Dark mode',
          details: '',
          status: 'complete',
          score: 0,
          url: '',
          createdAt: null,
          board: { id: 'board-1', name: '' },
          category: null,
          tags: [],
          author: null,
          mergedPostIds: [],
        },
      ]);
    });

    it('reports a malformed post with its id and returns the rest of the page', async function () {
      const board = sim.addBoard('Feature Requests', { id: 'board-1' });
      const data = sim.data();
      const post = (id: string, created: string, extra: object = {}): CannyData['posts'][number] => ({
        ...{
          boardID: board,
          title: `Post ${id}`,
          details: '',
          status: 'open',
          created,
          statusChangedAt: null,
        },
        ...{ eta: null, imageURLs: [], authorID: null, byID: null, ownerID: null, category: null, tags: [] },
        ...{ commentCount: 0, mergedInto: null, mergeHistory: [], id },
        ...extra,
      });
      // Deliberately ill-typed: the simulator holds what a confused Canny might send.
      data.posts.push(
        post('good-1', '2024-01-01T00:00:00.000Z'),
        post('bad-details', '2024-01-02T00:00:00.000Z', { details: 42 as unknown as string }),
        post('good-2', '2024-01-03T00:00:00.000Z', { details: null as unknown as string }),
        post('bad-tag', '2024-01-04T00:00:00.000Z', {
          tags: [{ id: 'tag-1', name: 7 as unknown as string }],
        }),
        post('bad-created', '2024-01-05T00:00:00.000Z', { created: 'yesterday-ish' }),
      );
      sim.load(data);

      const page = await client.listPosts(board, 0, 100);
      assert.deepEqual(
        page.items.map((p) => p.id),
        ['good-1', 'good-2'],
      );
      // Each error names the post it is, so the sync can hold that request back instead of taking it for gone.
      assert.deepEqual(page.errors, [
        {
          kind: 'post',
          id: 'bad-details',
          postId: 'bad-details',
          reason: 'details: expected string, received number',
          mergedPostIds: [],
        },
        {
          kind: 'post',
          id: 'bad-tag',
          postId: 'bad-tag',
          reason: 'tags.0.name: expected string, received number',
          mergedPostIds: [],
        },
        {
          kind: 'post',
          id: 'bad-created',
          postId: 'bad-created',
          reason: 'created: not a date',
          mergedPostIds: [],
        },
      ] satisfies SourceRecordError[]);
    });

    it('reports posts with no id or a non-string title, which only a broken answer can carry', async function () {
      const board = sim.addBoard('Feature Requests', { id: 'board-1' });
      for (let i = 1; i <= 4; i++) {
        sim.addPost({
          id: `post-${i}`,
          boardID: board,
          title: `Post ${i}`,
          created: `2024-01-0${i}T00:00:00Z`,
        });
      }
      const edited = new CannyClient({
        apiKey: API_KEY,
        baseUrl: sim.url,
        fetch: editingFetch((_endpoint, body) => {
          const posts = body.posts as Array<Record<string, unknown>>;
          posts[1]!.title = 42;
          delete posts[2]!.id;
          return body;
        }),
      });
      const page = await edited.listPosts(board, 0, 100);
      assert.deepEqual(
        page.items.map((p) => p.id),
        ['post-1', 'post-4'],
      );
      assert.deepEqual(page.errors, [
        {
          kind: 'post',
          id: 'post-2',
          postId: 'post-2',
          reason: 'title: expected string, received number',
          mergedPostIds: [],
        },
        // No readable id: no request can be held back by it (the sync then marks nothing vanished).
        {
          kind: 'post',
          id: '(unknown)',
          reason: 'id: expected string, received undefined',
          mergedPostIds: [],
        },
      ] satisfies SourceRecordError[]);
    });

    it('reports a vote without a post id and returns the other votes', async function () {
      const board = sim.addBoard('Feature Requests', { id: 'board-1' });
      const post = sim.addPost({ id: 'post-1', boardID: board, title: 'Dark mode' });
      const alice = sim.addUser({ id: 'alice-1', email: null, name: 'Alice' });
      const bob = sim.addUser({ id: 'bob-1', email: 'bob@acme.com', name: 'Bob' });
      const admin = sim.addUser({ id: 'admin-1', email: 'pm@vendor.com', name: 'Pat', isAdmin: true });
      const aliceVote = sim.addVote(post, alice, { byUserId: admin, created: '2024-01-01T00:00:00Z' });
      const bobVote = sim.addVote(post, bob, { created: '2024-01-02T00:00:00Z' });
      const data = sim.data();
      const orphan: CannyVoteRecord = {
        id: 'vote-orphan',
        postID: undefined as unknown as string,
        voterID: bob,
        byID: null,
        created: '2024-01-03T00:00:00Z',
        votePriority: 'No priority',
      };
      data.votes.push(orphan);
      sim.load(data);

      const page = await client.listVotes({}, 0, 100);
      assert.equal(page.hasMore, false);
      assert.deepEqual(page.errors, [
        { kind: 'vote', id: 'vote-orphan', reason: 'post.id: expected string, received undefined' },
      ]);
      const byId = new Map(page.items.map((v) => [v.id, v]));
      assert.deepEqual(byId.get(aliceVote), {
        id: aliceVote,
        postId: 'post-1',
        // Alice voted through an admin: she is the voter, the admin is nowhere; her null email stays null.
        voter: { id: 'alice-1', email: null, name: 'Alice', isAdmin: false },
      });
      assert.equal(byId.get(bobVote)?.voter?.email, 'bob@acme.com');
    });

    it('reports a malformed board and keeps the others', async function () {
      sim.addBoard('Feature Requests', { id: 'board-1', created: '2024-01-01T00:00:00Z' });
      sim.addBoard('Integrations', { id: 'board-2', created: '2024-01-02T00:00:00Z' });
      // The simulator slugs board names for URLs, so a non-string name has to be made in flight.
      const edited = new CannyClient({
        apiKey: API_KEY,
        baseUrl: sim.url,
        fetch: editingFetch((_endpoint, body) => {
          (body.boards as Array<Record<string, unknown>>)[1]!.name = ['not', 'a', 'name'];
          return body;
        }),
      });
      const { boards, errors } = await edited.listBoards();
      assert.deepEqual(boards, [{ id: 'board-1', name: 'Feature Requests' }]);
      assert.deepEqual(errors, [
        {
          kind: 'board',
          id: 'board-2',
          boardId: 'board-2',
          reason: 'name: expected string, received array',
        },
      ] satisfies SourceRecordError[]);
    });
  });

  describe('parse rules: what the contract tolerates, and what is reported with the post id', function () {
    const CREATED = '2024-01-01T00:00:00.000Z';
    let board: string;
    let post: string;
    beforeEach(function () {
      board = sim.addBoard('Feature Requests', { id: 'board-1' });
      const alice = sim.addUser({ id: 'alice-1', email: 'alice@acme.com', name: 'Alice' });
      post = sim.addPost({
        id: 'post-1',
        boardID: board,
        title: 'Dark mode',
        authorID: alice,
        tags: [{ id: 'tag-1', name: 'enterprise' }],
        created: CREATED,
      });
    });

    const tolerated: Array<[string, Record<string, Json>, Partial<SourcePost>]> = [
      [
        'tags without a name are dropped',
        {
          tags: [
            { id: 'tag-1', name: null },
            { id: 'tag-2', name: 'Q3' },
            { id: 'tag-3' },
            { id: 'tag-4', name: '' },
            null,
          ],
        },
        { tags: ['Q3'] },
      ],
      ['a null created', { created: null }, { createdAt: null }],
      ['a created with an offset', { created: '2024-01-01T01:00:00+01:00' }, { createdAt: CREATED }],
      ['a null score', { score: null }, { score: 0 }],
      ['a null author', { author: null }, { author: null }],
      ['null tags and merge history', { tags: null, mergeHistory: null }, { tags: [], mergedPostIds: [] }],
    ];
    for (const [name, fields, expected] of tolerated) {
      it(`tolerates ${name}`, async function () {
        sim.corrupt({ kind: 'post', id: post, fields });
        const page = await client.listPosts(board, 0, 100);
        assert.deepEqual(page.errors, []);
        assert.equal(page.items.length, 1);
        for (const [key, value] of Object.entries(expected))
          assert.deepEqual(page.items[0]![key as keyof SourcePost], value, key);
      });
    }

    const reported: Array<[string, Record<string, Json>, string]> = [
      ['an unparseable created', { created: 'yesterday-ish' }, 'created: not a date'],
      [
        'a created that is a number',
        { created: 1_704_067_200_000 },
        'created: expected string, received number',
      ],
      ['a non-numeric score', { score: 'many' }, 'score: expected number, received string'],
      [
        'a tag whose name is not a string',
        { tags: [{ id: 'tag-1', name: 7 }] },
        'tags.0.name: expected string, received number',
      ],
      ['an author with an empty id', { author: { id: '', email: 'alice@acme.com' } }, 'author.id: empty'],
      ['an author with a blank id', { author: { id: '  ', email: 'alice@acme.com' } }, 'author.id: empty'],
    ];
    for (const [name, fields, reason] of reported) {
      it(`reports ${name} with the post id`, async function () {
        sim.corrupt({ kind: 'post', id: post, fields });
        const page = await client.listPosts(board, 0, 100);
        assert.deepEqual(page.items, []);
        assert.deepEqual(page.errors, [
          { kind: 'post', id: post, postId: post, reason, mergedPostIds: [] },
        ] satisfies SourceRecordError[]);
        assert.ok(!page.errors[0]!.reason.includes('alice@acme.com'), 'never a value in a reason');
      });
    }

    it('keeps a malformed post’s merge history when that part is readable, and says so when it is not', async function () {
      const merged = sim.addPost({ id: 'post-0', boardID: board, title: 'Night mode', created: CREATED });
      sim.mergePost(merged, post);
      sim.corrupt({ kind: 'post', id: post, fields: { score: 'many' } });
      const readable = await client.listPosts(board, 0, 100);
      assert.deepEqual(readable.errors[0]?.mergedPostIds, ['post-0']);

      sim.corrupt({ kind: 'post', id: post, fields: { score: 'many', mergeHistory: 'post-0' } });
      const unreadable = await client.listPosts(board, 0, 100);
      assert.equal(unreadable.errors.length, 1);
      assert.equal(unreadable.errors[0]!.postId, post);
      assert.ok(!('mergedPostIds' in unreadable.errors[0]!), 'merges into this post are unknown');
    });

    it('reports a malformed vote with the post it belongs to, and a vote naming no post without one', async function () {
      const bob = sim.addUser({ id: 'bob-1', email: 'bob@globex.com', name: 'Bob' });
      const carol = sim.addUser({ id: 'carol-1', email: 'carol@initech.com', name: 'Carol' });
      const dave = sim.addUser({ id: 'dave-1', email: 'dave@hooli.com', name: 'Dave' });
      const emptyVoter = sim.addVote(post, bob, { created: '2024-01-03T00:00:00Z' });
      const noPost = sim.addVote(post, carol, { created: '2024-01-02T00:00:00Z' });
      const noVoter = sim.addVote(post, dave, { created: '2024-01-01T00:00:00Z' });
      sim.corrupt({ kind: 'vote', id: emptyVoter, fields: { voter: { id: '', email: 'bob@globex.com' } } });
      sim.corrupt({ kind: 'vote', id: noPost, fields: { post: null } });
      sim.corrupt({ kind: 'vote', id: noVoter, fields: { voter: null } });
      const page = await client.listVotes({ boardId: board }, 0, 100);
      assert.deepEqual(page.errors, [
        { kind: 'vote', id: emptyVoter, postId: post, reason: 'voter.id: empty' },
        { kind: 'vote', id: noPost, reason: 'post: expected object, received null' },
      ] satisfies SourceRecordError[]);
      // A vote without a voter is tolerated: it names nobody.
      assert.deepEqual(page.items, [{ id: noVoter, postId: post, voter: null }]);
    });

    it('reports a malformed board with its id when readable, and without one when not', async function () {
      sim.addBoard('Integrations', { id: 'board-2' });
      sim.addBoard('Roadmap', { id: 'board-3' });
      sim.corrupt({ kind: 'board', id: 'board-2', fields: { name: 5 } });
      sim.corrupt({ kind: 'board', id: 'board-3', fields: { id: 42 } });
      const { boards, errors } = await client.listBoards();
      assert.deepEqual(boards, [{ id: 'board-1', name: 'Feature Requests' }]);
      assert.deepEqual(errors, [
        {
          kind: 'board',
          id: 'board-2',
          boardId: 'board-2',
          reason: 'name: expected string, received number',
        },
        { kind: 'board', id: '42', reason: 'id: expected string, received number' },
      ] satisfies SourceRecordError[]);
    });
  });

  describe('failures', function () {
    let board: string;
    beforeEach(function () {
      board = sim.addBoard('Feature Requests');
      sim.addPost({ boardID: board, title: 'Dark mode' });
    });

    it('a wrong key is SourceUnauthorized and not retryable', async function () {
      const wrong = new CannyClient({ apiKey: `${API_KEY}-revoked`, baseUrl: sim.url, counter });
      const failure = await failureOf(wrong.listPosts(board, 0, 100));
      assert.equal(failure.type, FailureType.SourceUnauthorized);
      assert.equal(failure.nonRetryable, true);
      assert.ok(!failure.message.includes('revoked'), 'not even the wrong key is echoed');
      assert.equal(counter.requests, 1);
    });

    it('another 4xx is SourceInvalidRequest, naming the endpoint and Canny’s error', async function () {
      const failure = await failureOf(client.listPosts('no-such-board', 0, 100));
      assert.equal(failure.type, FailureType.SourceInvalidRequest);
      assert.equal(failure.nonRetryable, true);
      assert.match(failure.message, /posts\/list/);
      assert.match(failure.message, /invalid boardID/);
    });

    it("a 429 waits out Canny's Retry-After, tells the budget, and goes on (counted)", async function () {
      sim.server.addFault({ route: 'posts/list', kind: 'rate-limit', count: 2, retryAfterSeconds: 7 });
      const waited: number[] = [];
      const events: string[] = [];
      const patient = new CannyClient({
        apiKey: API_KEY,
        baseUrl: sim.url,
        counter,
        wait: (ms) => {
          waited.push(ms);
          return Promise.resolve();
        },
        budget: {
          take: () => Promise.resolve(void events.push('take')),
          rateLimited: (ms) => Promise.resolve(void events.push(`429 ${ms}`)),
        },
      });
      assert.equal((await patient.listPosts(board, 0, 100)).items.length, 1);
      assert.deepEqual(waited, [7_000, 7_000]);
      assert.deepEqual(
        events,
        ['take', '429 7000', 'take', '429 7000', 'take'],
        'a slot before every request',
      );
      assert.deepEqual(
        { requests: counter.requests, rateLimited: counter.rateLimited },
        { requests: 3, rateLimited: 2 },
      );
    });

    it('past its waits, a 429 is SourceRateLimited, retryable after the Retry-After Canny sent', async function () {
      sim.server.addFault({ route: 'posts/list', kind: 'rate-limit', count: 3, retryAfterSeconds: 7 });
      const limited = new CannyClient({
        apiKey: API_KEY,
        baseUrl: sim.url,
        counter,
        maxRateLimitWaits: 2,
        wait: () => Promise.resolve(),
      });
      const failure = await failureOf(limited.listPosts(board, 0, 100));
      assert.equal(failure.type, FailureType.SourceRateLimited);
      assert.equal(failure.nonRetryable, false);
      assert.equal(failure.nextRetryDelay, 7_000);
      assert.deepEqual(
        { requests: counter.requests, rateLimited: counter.rateLimited },
        { requests: 3, rateLimited: 3 },
      );
      // The next call (Temporal's retry) goes through.
      assert.equal((await client.listPosts(board, 0, 100)).items.length, 1);
    });

    it('a 429 without Retry-After waits a default second', async function () {
      const waited: number[] = [];
      const edited = new CannyClient({
        apiKey: API_KEY,
        baseUrl: sim.url,
        fetch: answering(429, JSON.stringify({ error: 'slow down' })),
        maxRateLimitWaits: 1,
        wait: (ms) => Promise.resolve(void waited.push(ms)),
      });
      const failure = await failureOf(edited.listBoards());
      assert.equal(failure.type, FailureType.SourceRateLimited);
      assert.equal(failure.nextRetryDelay, 1_000);
      assert.deepEqual(waited, [1_000]);
    });

    it('a 5xx is SourceServerError and retryable', async function () {
      sim.server.addFault({ route: 'votes/list', kind: 'server-error', status: 503, count: 1 });
      const failure = await failureOf(client.listVotes({ boardId: board }, 0, 100));
      assert.equal(failure.type, FailureType.SourceServerError);
      assert.equal(failure.nonRetryable, false);
      assert.match(failure.message, /votes\/list answered 503/);
    });

    it('a dropped connection is a retryable NetworkError', async function () {
      sim.server.addFault({ kind: 'drop', count: 1 });
      const failure = await failureOf(client.listPosts(board, 0, 100));
      assert.equal(failure.type, FailureType.NetworkError);
      assert.equal(failure.nonRetryable, false);
      assert.equal(counter.requests, 1);
    });

    it('no answer within the timeout is a retryable NetworkError', async function () {
      sim.server.addFault({ kind: 'hang', count: 1 });
      const impatient = new CannyClient({ apiKey: API_KEY, baseUrl: sim.url, timeoutMs: 200 });
      const started = Date.now();
      const failure = await failureOf(impatient.listBoards());
      assert.equal(failure.type, FailureType.NetworkError);
      assert.match(failure.message, /no answer within 200 ms/);
      assert.ok(Date.now() - started < 5_000);
    });

    it('a refused connection is a retryable NetworkError', async function () {
      const url = sim.url;
      await sim.close();
      const failure = await failureOf(new CannyClient({ apiKey: API_KEY, baseUrl: url }).listBoards());
      assert.equal(failure.type, FailureType.NetworkError);
      assert.match(failure.message, /ECONNREFUSED/);
    });

    it('a malformed envelope is SourceInvalidResponse', async function () {
      const cases: Array<[string, (body: Record<string, unknown>) => unknown]> = [
        ['no hasMore', ({ posts }) => ({ posts })],
        ['posts not a list', () => ({ posts: 'none', hasMore: false })],
        ['not an object', () => [1, 2, 3]],
        ['an error on a 200', () => ({ error: 'something odd' })],
      ];
      for (const [name, edit] of cases) {
        const edited = new CannyClient({
          apiKey: API_KEY,
          baseUrl: sim.url,
          fetch: editingFetch((_e, b) => edit(b)),
        });
        const failure = await failureOf(edited.listPosts(board, 0, 100));
        assert.equal(failure.type, FailureType.SourceInvalidResponse, name);
        assert.equal(failure.nonRetryable, false, name);
      }
    });

    it('an answer that is not JSON is SourceInvalidResponse; a non-JSON 502 is SourceServerError', async function () {
      const html = (status: number): typeof fetch =>
        answering(status, '<html><body>Bad gateway</body></html>', { 'content-type': 'text/html' });
      const ok = await failureOf(
        new CannyClient({ apiKey: API_KEY, baseUrl: sim.url, fetch: html(200) }).listBoards(),
      );
      assert.equal(ok.type, FailureType.SourceInvalidResponse);
      const gateway = await failureOf(
        new CannyClient({ apiKey: API_KEY, baseUrl: sim.url, fetch: html(502) }).listBoards(),
      );
      assert.equal(gateway.type, FailureType.SourceServerError);
      assert.match(gateway.message, /Bad gateway/);
    });

    it('never repeats the key, even when an error text contains it', async function () {
      const echoing = new CannyClient({
        apiKey: API_KEY,
        baseUrl: sim.url,
        fetch: answering(400, JSON.stringify({ error: `unknown key ${API_KEY}` })),
      });
      const failure = await failureOf(echoing.listBoards());
      assert.equal(failure.type, FailureType.SourceInvalidRequest);
      assert.match(failure.message, /unknown key \[redacted\]/);
    });
  });
});
