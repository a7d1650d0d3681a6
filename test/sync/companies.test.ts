// Companies the sync created stay the sync's companies: after someone edits one in HubSpot (a rebrand: new
// `domain`, new `name`), later runs keep associating it, create no other, and never write to it. A create
// whose answer was lost after HubSpot applied it is retried without a duplicate.
import assert from 'node:assert/strict';
import { externalIdOf } from '../../src/domain/feature-request';
import { startStack, type Stack } from '../support/stack';

describe('companies the sync created', function () {
  this.timeout(180_000);
  let stack: Stack;
  let board: string;
  let post: string;
  let initech: string;

  const record = (postId: string) => {
    const found = stack.sims.hubspot
      .objects('feature_request')
      .find((r) => r.properties.external_id === externalIdOf(postId));
    assert.ok(found, `feature request for ${postId}`);
    return found;
  };
  const companiesOf = (postId: string) =>
    stack.sims.hubspot.associations('feature_request', record(postId).id, 'companies');
  const companyWritesSince = (mark: number) =>
    stack.sims.hubspot.server
      .requests()
      .slice(mark)
      .filter(
        (r) => r.path.startsWith('/crm/objects/2026-09/companies/') && !/search|batch\/read/.test(r.path),
      )
      .map((r) => r.route);

  before(async () => {
    stack = await startStack({ simulators: { dataset: false } });
    const canny = stack.sims.canny;
    board = canny.addBoard('Product');
    const alice = canny.addUser({ email: 'alice@initech.com', name: 'Alice' });
    post = canny.addPost({
      boardID: board,
      title: 'Dark mode',
      authorID: alice,
      created: '2024-01-01T00:00:00Z',
    });
  });
  after(async () => {
    await stack?.close();
  });

  it('a first sync creates the company, with the sync key', async () => {
    const summary = await stack.sync();
    assert.equal(summary.companies.created, 1);
    const created = stack.sims.hubspot.objects('companies');
    assert.equal(created.length, 1);
    assert.equal(created[0]!.properties.domain, 'initech.com');
    assert.equal(created[0]!.properties.feedback_sync_domain, 'initech.com');
    initech = created[0]!.id;
    assert.deepEqual(companiesOf(post), [initech]);
  });

  it('after a rebrand, a run that writes the request again keeps the company and leaves its edits', async () => {
    stack.sims.hubspot.setProperty('companies', initech, 'domain', 'initrode.com');
    stack.sims.hubspot.setProperty('companies', initech, 'name', 'Initrode');
    // A new voter from the same company: the request is written again and its associations recomputed.
    const bob = stack.sims.canny.addUser({ email: 'bob@initech.com', name: 'Bob' });
    stack.sims.canny.addVote(post, bob);
    const mark = stack.sims.hubspot.server.requests().length;

    const summary = await stack.sync();

    assert.equal(summary.featureRequests.updated, 1, 'the request was written again');
    assert.equal(summary.companies.created, 0);
    assert.equal(summary.companies.matched, 1);
    assert.deepEqual(companyWritesSince(mark), [], 'no company write');
    assert.equal(stack.sims.hubspot.objects('companies').length, 1, 'no new company');
    assert.deepEqual(companiesOf(post), [initech]);
    const company = stack.sims.hubspot.getObject('companies', initech)!;
    assert.equal(company.properties.domain, 'initrode.com');
    assert.equal(company.properties.name, 'Initrode');
    assert.equal(record(post).properties.voting_company_count, '1');
  });

  it('a rerun with no change does the same', async () => {
    const mark = stack.sims.hubspot.server.requests().length;
    const summary = await stack.sync();
    assert.equal(summary.companies.created, 0);
    assert.equal(summary.companies.matched, 1);
    assert.deepEqual(companyWritesSince(mark), []);
    assert.equal(stack.sims.hubspot.objects('companies').length, 1);
    assert.deepEqual(companiesOf(post), [initech]);
    const company = stack.sims.hubspot.getObject('companies', initech)!;
    assert.equal(company.properties.domain, 'initrode.com');
    assert.equal(company.properties.name, 'Initrode');
  });

  it('a create whose answer is lost after HubSpot applied it is retried into exactly one company', async () => {
    const carol = stack.sims.canny.addUser({ email: 'carol@hooli.com', name: 'Carol' });
    const hooliPost = stack.sims.canny.addPost({
      boardID: board,
      title: 'SSO',
      authorID: carol,
      created: '2024-01-02T00:00:00Z',
    });
    stack.sims.hubspot.server.addFault({
      route: '/crm/objects/2026-09/companies/batch/create',
      kind: 'drop-after',
      count: 1,
    });
    const mark = stack.sims.hubspot.server.requests().length;

    const summary = await stack.sync();

    const creates = stack.sims.hubspot.server
      .requests()
      .slice(mark)
      .filter((r) => r.path === '/crm/objects/2026-09/companies/batch/create');
    assert.deepEqual(
      creates.map((r) => r.fault ?? 'answered'),
      ['drop-after', 'answered'],
      'the first create landed without an answer, the retry was refused',
    );
    assert.equal(summary.companies.failed, 0, JSON.stringify(summary.failures));
    const hooli = stack.sims.hubspot.objects('companies').filter((c) => c.properties.domain === 'hooli.com');
    assert.equal(hooli.length, 1, 'exactly one company');
    assert.deepEqual(companiesOf(hooliPost), [hooli[0]!.id]);
    assert.equal(stack.sims.hubspot.objects('companies').length, 2);
  });
});
