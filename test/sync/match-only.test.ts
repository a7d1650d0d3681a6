// SYNC_CREATE_COMPANIES=false and SYNC_CREATE_CONTACTS=false: the sync only matches. Existing companies and
// contacts are associated; nothing is created for the others, and a re-run writes nothing.
import assert from 'node:assert/strict';
import { externalIdOf } from '../../src/domain/feature-request';
import { startStack } from '../support/stack';

describe('match-only sync (SYNC_CREATE_COMPANIES=false, SYNC_CREATE_CONTACTS=false)', function () {
  this.timeout(180_000);

  it('associates what exists, creates nothing, and re-runs without a write', async () => {
    const stack = await startStack({
      simulators: { dataset: false },
      env: { SYNC_CREATE_COMPANIES: 'false', SYNC_CREATE_CONTACTS: 'false' },
    });
    try {
      const { canny, hubspot } = stack.sims;
      const board = canny.addBoard('Product');
      const [acme] = hubspot.seedCompanies([{ properties: { name: 'Acme', domain: 'acme.com' } }]);
      const [alice] = hubspot.seedContacts([{ properties: { email: 'alice@acme.com', firstname: 'Al' } }]);
      const users = {
        alice: canny.addUser({ email: 'alice@acme.com', name: 'Alice Smith' }),
        bob: canny.addUser({ email: 'bob@globex.com', name: 'Bob' }),
      };
      const post = canny.addPost({ boardID: board, title: 'Dark mode', authorID: users.alice });
      canny.addVote(post, users.bob);
      const companiesBefore = hubspot.objects('companies').length;
      const contactsBefore = hubspot.objects('contacts').length;

      const summary = await stack.sync();
      assert.equal(summary.featureRequests.failed, 0, JSON.stringify(summary.failures));
      assert.equal(summary.companies.created, 0);
      assert.equal(summary.contacts.created, 0);
      assert.equal(summary.companies.matched, 1);
      assert.equal(summary.contacts.matched, 1);
      assert.equal(hubspot.objects('companies').length, companiesBefore, 'no company created');
      assert.equal(hubspot.objects('contacts').length, contactsBefore, 'no contact created');

      const record = hubspot
        .objects('feature_request')
        .find((r) => r.properties.external_id === externalIdOf(post))!;
      assert.deepEqual(hubspot.associations('feature_request', record.id, 'companies'), [acme]);
      assert.deepEqual(hubspot.associations('feature_request', record.id, 'contacts'), [alice]);
      assert.equal(record.properties.voting_company_count, '2', 'rollups count every domain, matched or not');
      assert.equal(hubspot.getObject('contacts', alice!)?.properties.firstname, 'Al', 'never modified');

      const before = stack.hubspotWrites();
      const again = await stack.sync();
      assert.equal(stack.hubspotWrites() - before, 0, 'no write requests');
      assert.equal(again.featureRequests.unchanged, 1);
    } finally {
      await stack.close();
    }
  });
});
