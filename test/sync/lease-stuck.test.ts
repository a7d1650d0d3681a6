// A run that holds the writer lease but is stuck (RUNNING, with no worker to move it) is reported after a
// bounded wait (issue #16, item 10): in the waiting run's progress (`status`), in the logs and in Slack. Once
// the operator ends the stuck run, the waiting one takes the lease over and completes.
import assert from 'node:assert/strict';
import { progressQuery } from '../../src/workflows/messages';
import { acquireLease } from '../../src/store/writer-lease';
import { syncFeatureRequests } from '../../src/workflows';
import { startStack } from '../support/stack';

describe('a stuck holder of the writer lease', function () {
  this.timeout(180_000);

  it('is reported after the bounded wait, and taken over once ended', async () => {
    const stack = await startStack({ simulators: { dataset: { seed: 5, posts: 4, votes: 8 } } });
    try {
      // RUNNING for ever: no worker polls its queue. It holds the environment's lease.
      const stuck = await stack.env.client.workflow.start(syncFeatureRequests, {
        taskQueue: `${stack.taskQueue}-nobody`,
        workflowId: `${stack.taskQueue}/stuck`,
        args: [{ environment: 'test', mode: 'full' }],
      });
      await acquireLease(
        stack.store,
        'test',
        { workflowId: stuck.workflowId, runKey: 'stuck:1', namespace: 'default' },
        () => Promise.resolve(false),
      );
      const waiting = await stack.env.client.workflow.start(syncFeatureRequests, {
        taskQueue: stack.taskQueue,
        workflowId: `${stack.taskQueue}/waiting`,
        args: [{ environment: 'test', mode: 'full', leaseStuckAfterMs: 1_000, leaseRetryIntervalMs: 1_000 }],
      });
      const deadline = Date.now() + 90_000;
      const alert = () => stack.sims.slack.messages().find((m) => String(m.text).includes('writer lease'));
      while (!alert()) {
        assert.ok(Date.now() < deadline, 'a Slack alert about the stuck holder');
        await new Promise((r) => setTimeout(r, 250));
      }
      assert.match(String(alert()!.text), new RegExp(stuck.workflowId.replace(/[/.]/g, '\\$&')));
      const progress = await waiting.query(progressQuery);
      assert.equal(progress.phase, 'waiting');
      assert.equal(progress.stuck, true);
      assert.ok(progress.waitingSince, 'since when');

      await stuck.terminate('stuck');
      const summary = await waiting.result();
      assert.ok(summary.featureRequests.created > 0, 'the waiting run took the lease over and wrote');
      assert.equal(
        stack.sims.slack.messages().filter((m) => String(m.text).includes('writer lease')).length,
        1,
        'reported once',
      );
    } finally {
      await stack.close();
    }
  });
});
