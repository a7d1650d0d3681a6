// Writes are fenced (issue #16, item 9): a cancelled run gives its writer lease back only once its activities
// have stopped, so no write of it lands after the next run planned. A cancel while a slow association write is
// in flight, a vote taken back, then a new run: HubSpot ends exact.
import assert from 'node:assert/strict';
import { externalIdOf } from '../../src/domain/feature-request';
import { syncFeatureRequests } from '../../src/workflows';
import { startStack } from '../support/stack';

describe('a cancel while a slow association write is in flight', function () {
  this.timeout(180_000);

  it('then a new run: exact', async () => {
    const stack = await startStack({ simulators: { dataset: false } });
    try {
      const { canny, hubspot } = stack.sims;
      const board = canny.addBoard('Product');
      const alice = canny.addUser({ email: 'alice@acme.com', name: 'Alice' });
      const post = canny.addPost({ boardID: board, title: 'Dark mode', authorID: alice });
      canny.addVote(post, canny.addUser({ email: 'bob@globex.com', name: 'Bob' }));
      await stack.sync();
      const carolVote = canny.addVote(post, canny.addUser({ email: 'carol@initech.com', name: 'Carol' }));

      // Carol's pairs are written slowly: each association create lands 7 s after it was sent (within the
      // request timeout, 8 s in the tests).
      hubspot.server.addFault({
        route: 'associations/:fromObjectType/:toObjectType/batch/create',
        kind: 'latency',
        latencyMs: 7_000,
      });
      const first = await stack.env.client.workflow.start(syncFeatureRequests, {
        taskQueue: stack.taskQueue,
        workflowId: `${stack.taskQueue}/cancelled`,
        args: [{ environment: 'test', mode: 'full' }],
      });
      // Carol's two pairs are the run's leftovers, written by the run itself: wait until that write started.
      const deadline = Date.now() + 60_000;
      // (History shows an activity as started only once it ended: its scheduling is what can be seen.)
      const writing = async (): Promise<boolean> =>
        ((await first.fetchHistory()).events ?? []).some(
          (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'writeLabelledAssociations',
        );
      while (!(await writing())) {
        assert.ok(Date.now() < deadline, 'the run writes its associations');
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 1_000)); // taken by a worker: the create is in flight
      await first.cancel();
      // Cancelled, or completed when the cancel reached it only past its last write: either way it has ended,
      // and its lease is free only once its last write answered.
      await first.result().catch(() => undefined);
      // Carol takes her vote back, and a new run starts as soon as the cancelled one has ended: it must find
      // and remove what the cancelled one was still writing.
      canny.removeVote(carolVote);
      const second = await stack.sync({}, `${stack.taskQueue}/after-cancel`);
      assert.equal(second.featureRequests.failed, 0, JSON.stringify(second.failures));
      await new Promise((r) => setTimeout(r, 8_000)); // any late write has landed by now
      hubspot.server.clearFaults();

      const request = hubspot
        .objects('feature_request')
        .find((r) => r.properties.external_id === externalIdOf(post))!;
      const domains = hubspot
        .associations('feature_request', request.id, 'companies')
        .map((id) => hubspot.getObject('companies', id)?.properties.domain)
        .sort();
      const emails = hubspot
        .associations('feature_request', request.id, 'contacts')
        .map((id) => hubspot.getObject('contacts', id)?.properties.email)
        .sort();
      assert.deepEqual(domains, ['acme.com', 'globex.com'], 'no late Initech pair');
      assert.deepEqual(emails, ['alice@acme.com', 'bob@globex.com'], 'no late Carol pair');
      assert.equal(request.properties.voting_company_count, '2');
    } finally {
      await stack.close();
    }
  });
});
