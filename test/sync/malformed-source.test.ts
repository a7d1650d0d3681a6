// Records the source lists but that fail validation: their requests are held back (never taken for vanished,
// not written in this run) and reported with the post id. The simulator serves them malformed over real HTTP.
import assert from 'node:assert/strict';
import { externalIdOf } from '../../src/domain/feature-request';
import type { RunSummary } from '../../src/domain/types';
import type { Json } from '../../src/simulators/http-kit';
import { startStack, type Stack } from '../support/stack';

describe('malformed source records on the dev server', function () {
  this.timeout(180_000);
  let stack: Stack;
  let boards: { product: string; integrations: string };
  let posts: Record<'p1' | 'p2' | 'p3' | 'q1' | 'q2', string>;
  let bobVote: string;

  const record = (postId: string) => {
    const found = stack.sims.hubspot
      .objects('feature_request')
      .find((r) => r.properties.external_id === externalIdOf(postId));
    assert.ok(found, `feature request for ${postId}`);
    return found;
  };
  /** Everything the sync could change about a request: its properties and both association sets. */
  const stored = (postId: string) => {
    const r = record(postId);
    return {
      properties: { ...r.properties },
      companies: stack.sims.hubspot.associations('feature_request', r.id, 'companies').sort(),
      contacts: stack.sims.hubspot.associations('feature_request', r.id, 'contacts').sort(),
    };
  };
  const failuresOf = (summary: RunSummary, postId: string) =>
    summary.failures.filter((f) => f.kind === 'post' && f.key === postId);

  before(async () => {
    stack = await startStack({ simulators: { dataset: false } });
    const { canny, hubspot } = stack.sims;
    hubspot.seedCompanies([
      { properties: { name: 'Acme', domain: 'acme.com', annualrevenue: '1000' } },
      { properties: { name: 'Globex', domain: 'globex.com', annualrevenue: '2000' } },
    ]);
    boards = { product: canny.addBoard('Product'), integrations: canny.addBoard('Integrations') };
    const alice = canny.addUser({ email: 'alice@acme.com', name: 'Alice Smith' });
    const bob = canny.addUser({ email: 'bob@globex.com', name: 'Bob' });
    const post = (boardID: string, title: string, day: number, authorID?: string) =>
      canny.addPost({
        boardID,
        title,
        created: `2024-01-0${day}T00:00:00Z`,
        tags: [{ id: `tag-${day}`, name: 'enterprise' }],
        ...(authorID ? { authorID } : {}),
      });
    posts = {
      p1: post(boards.product, 'Dark mode', 1, alice),
      p2: post(boards.product, 'SSO', 2, bob),
      p3: post(boards.product, 'Exports', 3),
      q1: post(boards.integrations, 'Salesforce', 4, alice),
      q2: post(boards.integrations, 'Zapier', 5),
    };
    bobVote = canny.addVote(posts.p1, bob);
    const first = await stack.sync();
    assert.equal(first.featureRequests.created, 5, JSON.stringify(first.failures));
  });
  afterEach(() => stack.sims.canny.clearCorruptions());
  after(async () => {
    await stack?.close();
  });

  it('a synced post made malformed keeps its request exactly as stored, and is reported with its id', async () => {
    const before = stored(posts.p1);
    assert.equal(before.properties.source_state, 'active');
    assert.equal(before.companies.length, 2, 'acme (author) and globex (voter)');
    stack.sims.canny.corrupt({ kind: 'post', id: posts.p1, fields: { score: 'many' } });

    const summary = await stack.sync();
    assert.deepEqual(stored(posts.p1), before, 'not vanished, not written, associations untouched');
    assert.equal(failuresOf(summary, posts.p1).length, 1, JSON.stringify(summary.failures));
    assert.equal(summary.featureRequests.failed, 1);
    const { created, updated, unchanged } = summary.featureRequests;
    assert.deepEqual({ created, updated, unchanged }, { created: 0, updated: 0, unchanged: 4 });
  });

  it('a bad created or an author with an empty id holds the request back too', async () => {
    const before = stored(posts.p1);
    const cases: Array<Record<string, Json>> = [
      { created: 'yesterday-ish' },
      { author: { id: '', email: 'alice@acme.com', name: 'Alice Smith' } },
    ];
    for (const fields of cases) {
      stack.sims.canny.corrupt({ kind: 'post', id: posts.p1, fields });
      const summary = await stack.sync();
      assert.deepEqual(stored(posts.p1), before, JSON.stringify(fields));
      assert.equal(failuresOf(summary, posts.p1).length, 1, JSON.stringify(summary.failures));
      assert.ok(
        summary.failures.every((f) => !f.reason.includes('alice@acme.com')),
        'no email in a failure',
      );
    }
  });

  it('a malformed vote leaves its request unwritten: it keeps the voter’s associations', async () => {
    const before = stored(posts.p1);
    stack.sims.canny.corrupt({
      kind: 'vote',
      id: bobVote,
      fields: { voter: { id: '', email: 'bob@globex.com', name: 'Bob' } },
    });
    const summary = await stack.sync();
    assert.deepEqual(stored(posts.p1), before, 'globex and Bob stay associated');
    assert.equal(failuresOf(summary, posts.p1).length, 1, JSON.stringify(summary.failures));
    assert.equal(summary.featureRequests.failed, 1);
    assert.equal(summary.associations.removed, 0);
  });

  it('a board whose id cannot be read: no request is marked deleted, and it is reported', async () => {
    const before = [stored(posts.q1), stored(posts.q2)];
    stack.sims.canny.corrupt({ kind: 'board', id: boards.integrations, fields: { id: 42 } });
    const summary = await stack.sync();
    assert.deepEqual([stored(posts.q1), stored(posts.q2)], before);
    assert.ok(
      summary.failures.some((f) => f.kind === 'board'),
      JSON.stringify(summary.failures),
    );
    for (const r of stack.sims.hubspot.objects('feature_request'))
      assert.equal(r.properties.source_state, 'active', String(r.properties.external_id));
  });

  it('a board with a readable id but a malformed record: its posts are still read and synced', async () => {
    stack.sims.canny.corrupt({ kind: 'board', id: boards.integrations, fields: { name: 5 } });
    stack.sims.canny.updatePost(posts.q2, { title: 'Zapier triggers' });
    const summary = await stack.sync();
    assert.equal(record(posts.q2).properties.name, 'Zapier triggers');
    assert.equal(record(posts.q1).properties.source_state, 'active');
    assert.equal(summary.featureRequests.updated, 1, JSON.stringify(summary.failures));
    assert.ok(summary.failures.some((f) => f.kind === 'board' && f.key === boards.integrations));
  });

  it('a tag without a name is dropped, and the request is written', async () => {
    stack.sims.canny.corrupt({
      kind: 'post',
      id: posts.p2,
      fields: {
        tags: [
          { id: 'tag-x', name: null },
          { id: 'tag-y', name: 'beta' },
        ],
      },
    });
    const summary = await stack.sync();
    assert.equal(record(posts.p2).properties.tags, 'beta');
    assert.equal(summary.featureRequests.updated, 1);
    assert.equal(summary.featureRequests.failed, 0, JSON.stringify(summary.failures));
  });

  it('a post whose id cannot be read: nothing is marked deleted this run, the next clean run catches up', async () => {
    stack.sims.canny.deletePost(posts.p3);
    stack.sims.canny.corrupt({ kind: 'post', id: posts.q1, fields: { id: null } });
    const held = await stack.sync();
    assert.equal(record(posts.p3).properties.source_state, 'active', 'the unreadable post might be this one');
    assert.equal(record(posts.q1).properties.source_state, 'active');
    assert.ok(held.failures.some((f) => f.kind === 'post' && f.key === '(unknown)'));

    stack.sims.canny.clearCorruptions();
    await stack.sync();
    assert.equal(record(posts.p3).properties.source_state, 'deleted');
    assert.equal(record(posts.q1).properties.source_state, 'active');
  });

  it('company runs hold a malformed post back as well', async () => {
    const before = stored(posts.p1);
    stack.sims.canny.updatePost(posts.p1, { title: 'Dark mode everywhere' });
    stack.sims.canny.corrupt({ kind: 'post', id: posts.p1, fields: { score: 'many' } });
    const summary = await stack.sync({ mode: 'company', domain: 'acme.com' });
    assert.deepEqual(stored(posts.p1), before);
    assert.equal(failuresOf(summary, posts.p1).length, 1, JSON.stringify(summary.failures));

    stack.sims.canny.clearCorruptions();
    await stack.sync({ mode: 'company', domain: 'acme.com' });
    assert.equal(record(posts.p1).properties.name, 'Dark mode everywhere', 'written once it parses');
  });
});
