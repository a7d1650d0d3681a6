// Companies are resolved as a stream ahead of the pages, like contacts: a page whose people need no company
// is written while the company searches are still refused, and the run still ends exact once they pass.
import assert from 'node:assert/strict';
import { externalIdOf } from '../../src/domain/feature-request';
import { eventually } from '../support/cli';
import { startStack, type Stack } from '../support/stack';

const COMPANY_SEARCH = '/crm/objects/2026-09/companies/search';

describe('companies resolved ahead of the pages', function () {
  this.timeout(180_000);
  let stack: Stack;

  before(async () => {
    // One post per page, so that the first page needs no company and the later ones do.
    stack = await startStack({ simulators: { dataset: false }, env: { SYNC_PAGE_SIZE: '1' } });
  });
  after(async () => {
    await stack?.close();
  });

  it('the first page is written while every company search is refused, and the run ends exact', async () => {
    const canny = stack.sims.canny;
    const hubspot = stack.sims.hubspot;
    const board = canny.addBoard('Product');
    const gina = canny.addUser({ email: 'gina@gmail.com', name: 'Gina' }); // free mail: no company
    const alice = canny.addUser({ email: 'alice@initech.com', name: 'Alice' });
    const bob = canny.addUser({ email: 'bob@hooli.com', name: 'Bob' });
    const first = canny.addPost({
      boardID: board,
      title: 'Dark mode',
      authorID: gina,
      created: '2024-01-01T00:00:00Z',
    });
    const second = canny.addPost({
      boardID: board,
      title: 'SSO',
      authorID: alice,
      created: '2024-01-02T00:00:00Z',
    });
    const third = canny.addPost({
      boardID: board,
      title: 'Export',
      authorID: bob,
      created: '2024-01-03T00:00:00Z',
    });
    canny.addVote(third, alice);

    // Every company search is answered 429 (retried by Temporal after the second it asks for) until cleared.
    hubspot.server.addFault({ route: COMPANY_SEARCH, kind: 'rate-limit', retryAfterSeconds: 1 });
    const running = stack.sync();
    running.catch(() => undefined); // awaited below; no unhandled rejection meanwhile
    const firstWrite = await eventually(
      () =>
        Promise.resolve(
          hubspot.server
            .requests()
            .findIndex((r) => r.path.includes('/2-') && r.path.endsWith('/batch/upsert')),
        ).then((i) => (i >= 0 ? i : undefined)),
      'the first feature request write',
      60_000,
    );
    const before = hubspot.server.requests().slice(0, firstWrite);
    const companySearches = before.filter((r) => r.path === COMPANY_SEARCH);
    assert.ok(companySearches.length > 0, 'company searches were tried before the first write');
    assert.ok(
      companySearches.every((r) => r.fault === 'rate-limit'),
      'no company search had passed when the first page was written',
    );
    hubspot.server.clearFaults();

    const summary = await running;
    assert.deepEqual(summary.failures, []);
    assert.equal(summary.featureRequests.created, 3);
    assert.equal(summary.featureRequests.failed, 0);
    assert.equal(summary.companies.created, 2);
    assert.equal(summary.companies.failed, 0);
    assert.equal(summary.contacts.created, 3);
    const record = (postId: string) => {
      const found = hubspot
        .objects('feature_request')
        .find((r) => r.properties.external_id === externalIdOf(postId));
      assert.ok(found, `feature request for ${postId}`);
      return found;
    };
    const companyOf = new Map(
      hubspot.objects('companies').map((c) => [c.id, String(c.properties.domain ?? '')]),
    );
    const domainsOf = (postId: string) =>
      hubspot
        .associations('feature_request', record(postId).id, 'companies')
        .map((id) => companyOf.get(id))
        .sort();
    assert.deepEqual(domainsOf(first), []);
    assert.deepEqual(domainsOf(second), ['initech.com']);
    assert.deepEqual(domainsOf(third), ['hooli.com', 'initech.com']);
    assert.equal(hubspot.associations('feature_request', record(first).id, 'contacts').length, 1);
    assert.equal(hubspot.associations('feature_request', record(third).id, 'contacts').length, 2);
  });
});
