// A hand-built workspace whose every expected value is known, then one change at a time: each run must
// make exactly the HubSpot writes that change needs, and merged and deleted posts must be marked.
import assert from 'node:assert/strict';
import { externalIdOf } from '../../src/domain/feature-request';
import { startStack, type Stack } from '../support/stack';

interface Fixture {
  posts: Record<'p1' | 'p2' | 'p3' | 'p4', string>;
  users: Record<'alice' | 'bob' | 'carol' | 'dave' | 'eve' | 'admin', string>;
  votes: Record<'p1bob' | 'p1carol' | 'p1dave' | 'p1eve' | 'p2alice', string>;
  companies: Record<'acme' | 'acmeCopy' | 'globex', string>;
}

function seed(stack: Stack): Fixture {
  const canny = stack.sims.canny;
  const hubspot = stack.sims.hubspot;
  const board = canny.addBoard('Product');
  const [acme, acmeCopy, globex] = hubspot.seedCompanies([
    {
      properties: { name: 'Acme', domain: 'acme.com', annualrevenue: '1000' },
      createdAt: '2020-01-01T00:00:00Z',
    },
    {
      properties: { name: 'Acme (dup)', domain: 'www.ACME.com', annualrevenue: '5' },
      createdAt: '2021-01-01T00:00:00Z',
    },
    {
      properties: { name: 'Globex', domain: 'globex.com', annualrevenue: '2000' },
      createdAt: '2020-06-01T00:00:00Z',
    },
  ]);
  const users = {
    alice: canny.addUser({ email: 'alice@acme.com', name: 'Alice Smith' }),
    bob: canny.addUser({ email: ' Bob@Globex.com ', name: 'Bob' }),
    carol: canny.addUser({ email: 'carol@gmail.com', name: 'Carol' }),
    dave: canny.addUser({ email: null, name: 'Dave' }),
    eve: canny.addUser({ email: 'eve@eng.initech.co.uk', name: 'Eve Adams' }),
    admin: canny.addUser({ email: 'pm@ourcompany.com', name: 'PM', isAdmin: true }),
  };
  const posts = {
    p1: canny.addPost({
      boardID: board,
      title: 'Dark mode',
      authorID: users.alice,
      created: '2024-01-01T00:00:00Z',
    }),
    p2: canny.addPost({ boardID: board, title: 'SSO', authorID: users.bob, created: '2024-01-02T00:00:00Z' }),
    p3: canny.addPost({
      boardID: board,
      title: 'Exports',
      status: 'complete',
      authorID: users.eve,
      created: '2024-01-03T00:00:00Z',
    }),
    p4: canny.addPost({
      boardID: board,
      title: 'Old idea',
      status: 'closed',
      authorID: users.alice,
      created: '2024-01-04T00:00:00Z',
    }),
  };
  const votes = {
    p1bob: canny.addVote(posts.p1, users.bob),
    p1carol: canny.addVote(posts.p1, users.carol),
    p1dave: canny.addVote(posts.p1, users.dave),
    // An admin voting on Eve's behalf: Eve counts, the admin never does.
    p1eve: canny.addVote(posts.p1, users.eve, { byUserId: users.admin }),
    p2alice: canny.addVote(posts.p2, users.alice),
  };
  return { posts, users, votes, companies: { acme: acme!, acmeCopy: acmeCopy!, globex: globex! } };
}

describe('incremental sync: exactly the writes a change needs', function () {
  this.timeout(180_000);
  let stack: Stack;
  let f: Fixture;

  const record = (postId: string) => {
    const found = stack.sims.hubspot
      .objects('feature_request')
      .find((r) => r.properties.external_id === externalIdOf(postId));
    assert.ok(found, `feature request for ${postId}`);
    return found;
  };
  const companiesOf = (postId: string) =>
    stack.sims.hubspot.associations('feature_request', record(postId).id, 'companies');
  const contactsOf = (postId: string) =>
    stack.sims.hubspot
      .associations('feature_request', record(postId).id, 'contacts')
      .map((id) => stack.sims.hubspot.getObject('contacts', id)?.properties.email)
      .sort();
  const writesSince = (mark: number) =>
    stack.sims.hubspot.server
      .requests()
      .slice(mark)
      .filter((r) => r.method !== 'GET' && !r.path.endsWith('/search') && !r.path.endsWith('/batch/read'))
      .map((r) => r.route.replace(/2-\d+/, 'FR'));

  before(async () => {
    stack = await startStack({ simulators: { dataset: false } });
    f = seed(stack);
  });
  after(async () => {
    await stack?.close();
  });

  it('first sync: people, free mail, admins, duplicates, closed and complete posts', async () => {
    const summary = await stack.sync();
    assert.equal(summary.featureRequests.identified, 4);
    assert.equal(summary.featureRequests.created, 4);
    assert.equal(summary.contacts.skipped, 1, 'Dave has no email');

    const p1 = record(f.posts.p1);
    assert.equal(p1.properties.voting_company_count, '3'); // acme.com, globex.com, initech.co.uk (gmail is free mail)
    assert.equal(p1.properties.voting_company_arr, '3000'); // oldest Acme (1000) + Globex (2000) + new Initech (0)
    assert.equal(p1.properties.author_email, 'alice@acme.com');
    assert.equal(p1.properties.status, 'open');
    assert.deepEqual(contactsOf(f.posts.p1), [
      'alice@acme.com',
      'bob@globex.com',
      'carol@gmail.com',
      'eve@eng.initech.co.uk',
    ]);
    assert.ok(companiesOf(f.posts.p1).includes(f.companies.acme), 'the oldest Acme wins');
    assert.ok(!companiesOf(f.posts.p1).includes(f.companies.acmeCopy), 'never the newer duplicate');
    assert.equal(record(f.posts.p3).properties.status, 'complete');
    assert.equal(record(f.posts.p4).properties.status, 'closed');

    const initech = stack.sims.hubspot
      .objects('companies')
      .filter((c) => c.properties.domain === 'initech.co.uk');
    assert.equal(initech.length, 1, 'one company created for the new domain');
    assert.equal(initech[0]!.properties.name, 'initech.co.uk');
    const eve = stack.sims.hubspot
      .objects('contacts')
      .find((c) => c.properties.email === 'eve@eng.initech.co.uk');
    assert.equal(eve?.properties.firstname, 'Eve');
    assert.equal(eve?.properties.lastname, 'Adams');
    assert.ok(
      !stack.sims.hubspot.objects('contacts').some((c) => c.properties.email === 'pm@ourcompany.com'),
      'admins are no contacts',
    );
  });

  it('one vote, one title and one ARR change make exactly the writes they need', async () => {
    stack.sims.canny.addVote(f.posts.p3, f.users.bob);
    stack.sims.canny.updatePost(f.posts.p4, { title: 'Old idea, renamed' });
    stack.sims.hubspot.setProperty('companies', f.companies.globex, 'annualrevenue', '2500');
    const mark = stack.sims.hubspot.server.requests().length;

    const summary = await stack.sync();

    // The upsert (properties, empty fingerprint), the associations (under the sync's label), then the commit
    // (fingerprints): one page.
    assert.deepEqual(writesSince(mark).sort(), [
      'POST /crm/associations/:apiVersion/:fromObjectType/:toObjectType/batch/create',
      'POST /crm/associations/:apiVersion/:fromObjectType/:toObjectType/batch/create',
      'POST /crm/objects/:apiVersion/:objectType/batch/update',
      'POST /crm/objects/:apiVersion/:objectType/batch/upsert',
    ]);
    // p1 and p2 (Globex ARR), p3 (new vote), p4 (title); nothing created.
    assert.equal(summary.featureRequests.updated, 4);
    assert.equal(summary.featureRequests.created, 0);
    assert.equal(summary.companies.created + summary.contacts.created, 0);
    assert.equal(record(f.posts.p1).properties.voting_company_arr, '3500');
    assert.equal(record(f.posts.p3).properties.voting_company_count, '2');
    assert.equal(record(f.posts.p4).properties.name, 'Old idea, renamed');
    assert.ok(companiesOf(f.posts.p3).includes(f.companies.globex));
  });

  it('a removed vote removes the stale associations', async () => {
    stack.sims.canny.removeVote(f.votes.p2alice);
    const mark = stack.sims.hubspot.server.requests().length;
    const summary = await stack.sync();
    assert.deepEqual(writesSince(mark).sort(), [
      'POST /crm/associations/:apiVersion/:fromObjectType/:toObjectType/batch/archive',
      'POST /crm/associations/:apiVersion/:fromObjectType/:toObjectType/batch/archive',
      'POST /crm/objects/:apiVersion/:objectType/batch/update',
      'POST /crm/objects/:apiVersion/:objectType/batch/upsert',
    ]);
    assert.equal(summary.associations.removed, 2);
    assert.deepEqual(contactsOf(f.posts.p2), ['bob@globex.com']);
    assert.deepEqual(companiesOf(f.posts.p2), [f.companies.globex]);
    assert.equal(record(f.posts.p2).properties.voting_company_count, '1');
  });

  it('merged and deleted posts are marked, never deleted', async () => {
    stack.sims.canny.mergePost(f.posts.p4, f.posts.p1);
    stack.sims.canny.deletePost(f.posts.p3);
    const summary = await stack.sync();
    assert.equal(summary.featureRequests.failed, 0, JSON.stringify(summary.failures));
    const p4 = record(f.posts.p4);
    assert.equal(p4.properties.source_state, 'merged');
    assert.equal(p4.properties.merged_into, externalIdOf(f.posts.p1));
    const p3 = record(f.posts.p3);
    assert.equal(p3.properties.source_state, 'deleted');
    assert.equal(p3.properties.voting_company_count, '2', 'rollups stay as last synced');
    assert.equal(stack.sims.hubspot.objects('feature_request').length, 4, 'CRM records are never deleted');

    const mark = stack.sims.hubspot.server.requests().length;
    await stack.sync();
    assert.deepEqual(writesSince(mark), [], 'marking is done once');
  });

  it('a deleted post that the source lists again is written back as active', async () => {
    // The previous test deleted p3; it comes back unchanged (a board restored, a listing that missed it).
    stack.sims.canny.addPost({
      id: f.posts.p3,
      boardID: stack.sims.canny.posts().find((p) => p.id === f.posts.p1)!.board.id,
      title: 'Exports',
      status: 'complete',
      authorID: f.users.eve,
      created: '2024-01-03T00:00:00Z',
    });
    const summary = await stack.sync();
    assert.equal(summary.featureRequests.failed, 0, JSON.stringify(summary.failures));
    assert.equal(summary.featureRequests.updated, 1);
    const p3 = record(f.posts.p3);
    assert.equal(p3.properties.source_state, 'active');
    assert.equal(p3.properties.voting_company_count, '1', 'rollups from its current people: Eve alone');
    assert.ok(p3.properties.sync_fingerprint, 'synced again');
  });
});
