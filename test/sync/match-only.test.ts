// SYNC_CREATE_COMPANIES=false and SYNC_CREATE_CONTACTS=false: the sync only matches. Existing companies and
// contacts are associated; nothing is created for the others, and a re-run writes nothing.
import assert from 'node:assert/strict';
import { externalIdOf } from '../../src/domain/feature-request';
import { startStack } from '../support/stack';
import { startWorkerProcess, stopAll, workerEnvOf, type WorkerProcess } from '../support/worker-processes';

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

  it('a company and a contact that sales create after a sync are associated by the next run, and the rollups follow', async () => {
    const stack = await startStack({
      simulators: { dataset: false },
      env: { SYNC_CREATE_COMPANIES: 'false', SYNC_CREATE_CONTACTS: 'false' },
    });
    // Two worker processes run the syncs: fingerprints are by record id whichever worker plans.
    await stack.stopWorkers();
    const workers: WorkerProcess[] = [];
    try {
      workers.push(startWorkerProcess('A', workerEnvOf(stack)), startWorkerProcess('B', workerEnvOf(stack)));
      await Promise.all(workers.map((w) => w.ready));
      const { canny, hubspot } = stack.sims;
      const board = canny.addBoard('Product');
      const [acme] = hubspot.seedCompanies([
        { properties: { name: 'Acme', domain: 'acme.com', annualrevenue: '1000' } },
      ]);
      const alice = canny.addUser({ email: 'alice@acme.com', name: 'Alice' });
      const bob = canny.addUser({ email: 'bob@globex.com', name: 'Bob' });
      const post = canny.addPost({ boardID: board, title: 'SSO', authorID: alice });
      canny.addVote(post, bob);

      const first = await stack.sync();
      assert.equal(first.featureRequests.failed, 0, JSON.stringify(first.failures));
      const record = () =>
        hubspot.objects('feature_request').find((r) => r.properties.external_id === externalIdOf(post))!;
      assert.deepEqual(hubspot.associations('feature_request', record().id, 'companies'), [acme]);
      assert.deepEqual(hubspot.associations('feature_request', record().id, 'contacts'), []);
      assert.equal(record().properties.voting_company_arr, '1000');

      // Sales create Globex and Bob's contact by hand; nothing changed in the source.
      const [globex] = hubspot.seedCompanies([
        { properties: { name: 'Globex', domain: 'globex.com', annualrevenue: '250' } },
      ]);
      const [bobContact] = hubspot.seedContacts([{ properties: { email: 'bob@globex.com' } }]);
      const second = await stack.sync();
      assert.equal(second.featureRequests.updated, 1, JSON.stringify(second));
      assert.deepEqual(
        hubspot.associations('feature_request', record().id, 'companies').sort(),
        [acme, globex].sort(),
      );
      assert.deepEqual(hubspot.associations('feature_request', record().id, 'contacts'), [bobContact]);
      assert.equal(record().properties.voting_company_arr, '1250', 'the new company’s ARR is rolled up');

      const mark = stack.hubspotWrites();
      await stack.sync();
      assert.equal(stack.hubspotWrites() - mark, 0, 'then nothing more to write');
    } finally {
      await stopAll(workers);
      await stack.close();
    }
  });
});
