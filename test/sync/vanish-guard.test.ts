// An outage must never read as mass deletion (issue #16, item 1): a board list that comes back empty, a board
// that disappears, or more vanished posts than SYNC_MAX_VANISHED leave every request as it is until a person
// confirms; a post that comes back makes its request active again.
import assert from 'node:assert/strict';
import { externalIdOf } from '../../src/domain/feature-request';
import { startStack, type Stack } from '../support/stack';

describe('vanished posts: no mass damage without a person', function () {
  this.timeout(240_000);
  let stack: Stack;
  let boards: { product: string; integrations: string };
  let posts: Record<'p1' | 'p2' | 'p3' | 'q1' | 'q2', string>;

  const stateOf = (postId: string): string | undefined =>
    stack.sims.hubspot
      .objects('feature_request')
      .find((r) => r.properties.external_id === externalIdOf(postId))?.properties.source_state;
  const states = (): Record<string, string | undefined> =>
    Object.fromEntries(Object.entries(posts).map(([name, id]) => [name, stateOf(id)]));
  const allActive = { p1: 'active', p2: 'active', p3: 'active', q1: 'active', q2: 'active' };

  before(async () => {
    // Each vanished post is confirmed by id: no Canny budget here, 200 of them a run.
    stack = await startStack({ simulators: { dataset: false }, env: { CANNY_RATE_LIMITS: 'none' } });
    const canny = stack.sims.canny;
    boards = { product: canny.addBoard('Product'), integrations: canny.addBoard('Integrations') };
    const alice = canny.addUser({ email: 'alice@acme.com', name: 'Alice' });
    const post = (boardID: string, title: string, day: number) =>
      canny.addPost({ boardID, title, authorID: alice, created: `2024-01-0${day}T00:00:00Z` });
    posts = {
      p1: post(boards.product, 'Dark mode', 1),
      p2: post(boards.product, 'SSO', 2),
      p3: post(boards.product, 'Exports', 3),
      q1: post(boards.integrations, 'Salesforce', 4),
      q2: post(boards.integrations, 'Zapier', 5),
    };
    const first = await stack.sync();
    assert.equal(first.featureRequests.created, 5);
  });
  after(async () => {
    await stack?.close();
  });

  it('boards/list answers no board for one run: nothing is marked; the next run is exact', async () => {
    stack.sims.canny.hideBoards();
    const outage = await stack.sync();
    assert.deepEqual(states(), allActive);
    assert.equal(outage.featureRequests.updated, 0);
    assert.equal(outage.vanished?.marked ?? 0, 0);

    stack.sims.canny.showBoards();
    const mark = stack.hubspotWrites();
    const next = await stack.sync();
    assert.deepEqual(states(), allActive);
    assert.equal(next.featureRequests.unchanged, 5);
    assert.equal(stack.hubspotWrites() - mark, 0, 'nothing to repair, nothing written');
  });

  it('a board that disappears is an outage: its requests stay; a post deleted elsewhere is marked', async () => {
    stack.sims.canny.hideBoards([boards.integrations]);
    stack.sims.canny.deletePost(posts.p3);
    const summary = await stack.sync();
    stack.sims.canny.showBoards();
    assert.deepEqual(states(), { ...allActive, p3: 'deleted' });
    assert.deepEqual(summary.vanished, { found: 1, limit: 50, marked: 1, held: false, boardMissing: 2 });
  });

  it('a post that comes back makes its request active again', async () => {
    const before = stack.sims.canny.data();
    const restored = stack.sims.canny.addPost({ boardID: boards.product, title: 'Exports (back)' });
    // The simulator has no undelete: a post of the same id, as the source would serve it again.
    stack.sims.canny.load({
      ...before,
      posts: [
        ...before.posts,
        { ...stack.sims.canny.data().posts.find((p) => p.id === restored)!, id: posts.p3, title: 'Exports' },
      ],
    });
    await stack.sync();
    assert.equal(stateOf(posts.p3), 'active');
  });

  it('200 requests vanish at once: the run writes the rest, marks none and says so; --confirm-vanish marks them', async () => {
    const gone = Array.from({ length: 200 }, (_, i) => ({
      properties: {
        external_id: `canny:gone-${i}`,
        name: `Gone ${i}`,
        board: 'Product',
        source_state: 'active',
      },
    }));
    stack.sims.hubspot.seed('feature_request', gone);
    stack.sims.canny.updatePost(posts.p1, { title: 'Dark mode everywhere' });
    const goneStates = () =>
      stack.sims.hubspot
        .objects('feature_request')
        .filter((r) => String(r.properties.external_id).startsWith('canny:gone-'))
        .map((r) => r.properties.source_state);

    const held = await stack.sync();
    assert.deepEqual(held.vanished, { found: 200, limit: 50, marked: 0, held: true, boardMissing: 0 });
    assert.ok(
      goneStates().every((s) => s === 'active'),
      'none marked',
    );
    const record = stack.sims.hubspot
      .objects('feature_request')
      .find((r) => r.properties.external_id === externalIdOf(posts.p1));
    assert.equal(record?.properties.name, 'Dark mode everywhere', 'the rest is written');
    const failure = held.failures.find((f) => f.kind === 'vanished');
    assert.ok(failure, 'reported as a failure, so the run exits 4');
    assert.match(failure.reason, /SYNC_MAX_VANISHED/);
    assert.match(failure.reason, /--confirm-vanish/);

    const dry = await stack.sync({ dryRun: true, confirmVanish: true });
    assert.deepEqual(dry.vanished, { found: 200, limit: 50, marked: 200, held: false, boardMissing: 0 });
    assert.ok(
      goneStates().every((s) => s === 'active'),
      'a dry run marks nothing',
    );

    const confirmed = await stack.sync({ confirmVanish: true });
    assert.deepEqual(confirmed.vanished, {
      found: 200,
      limit: 50,
      marked: 200,
      held: false,
      boardMissing: 0,
    });
    assert.equal(goneStates().length, 200);
    assert.ok(goneStates().every((s) => s === 'deleted'));
    assert.deepEqual(states(), allActive, 'the requests the source still lists are untouched');
  });

  it('a board really deleted: its requests are marked once an operator confirms', async () => {
    stack.sims.canny.hideBoards([boards.integrations]);
    const left = await stack.sync();
    assert.equal(left.vanished?.boardMissing, 2);
    assert.equal(stateOf(posts.q1), 'active', 'left as it is without a confirmation');
    const confirmed = await stack.sync({ confirmVanish: true });
    stack.sims.canny.showBoards();
    assert.equal(confirmed.vanished?.marked, 2);
    assert.equal(stateOf(posts.q1), 'deleted');
    assert.equal(stateOf(posts.q2), 'deleted');
  });
});
