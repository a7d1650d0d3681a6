// Portals differ (sandbox vs production): the sync finds its object by name at the start of every run and
// fails fast, with a typed failure and a Slack message, when the portal is not set up.
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { rootFailure } from '../../src/workflows/util';
import { FailureType } from '../../src/failures';
import { startStack } from '../support/stack';

describe('portal resolution', function () {
  this.timeout(120_000);

  it('a portal without the feature_request object fails the run at once, naming the fix', async () => {
    const stack = await startStack({
      simulators: { dataset: { seed: 3, posts: 5, votes: 20 } },
      setup: false,
    });
    try {
      const err = await stack.sync().then(
        () => assert.fail('the run should fail'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof WorkflowFailedError);
      const root = rootFailure(err.cause);
      assert.equal(root?.type, FailureType.HubspotSchemaMissing);
      assert.match(root?.message ?? '', /hubspot setup --apply/);
      assert.equal(stack.hubspotWrites(), 0, 'nothing written');
      const [message] = stack.sims.slack.messages();
      assert.match(message?.text ?? '', /failed/i, 'the failed run is announced in Slack');
    } finally {
      await stack.close();
    }
  });

  it('two portals with different object type ids both sync', async () => {
    const sandbox = await startStack({
      simulators: { dataset: { seed: 3, posts: 5, votes: 20 }, hubspot: { objectTypeIdBase: 2_100_000 } },
    });
    const production = await startStack({
      simulators: { dataset: { seed: 3, posts: 5, votes: 20 }, hubspot: { objectTypeIdBase: 2_900_000 } },
    });
    try {
      const ids = [sandbox, production].map((s) => s.sims.hubspot.schemas()[0]?.objectTypeId);
      assert.notEqual(ids[0], ids[1]);
      for (const stack of [sandbox, production]) {
        const summary = await stack.sync();
        assert.equal(summary.featureRequests.created, summary.featureRequests.identified);
      }
    } finally {
      await sandbox.close();
      await production.close();
    }
  });
});
