// A run that lands on a worker of another environment (a task queue shared by mistake) must not run there:
// that worker holds the other environment's credentials and Slack channel.
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../../src/failures';
import { HubspotSimulator } from '../../src/simulators/hubspot';
import { syncFeatureRequests } from '../../src/workflows';
import { startStack, type Stack } from '../support/stack';
import { startWorkerProcess, workerEnvOf, type WorkerProcess } from '../support/worker-processes';

/** The type of the innermost application failure of a failed run (through activity and child failures). */
function rootType(err: unknown): string {
  let cause: unknown = err;
  while (cause instanceof Error) {
    if (cause instanceof ApplicationFailure && cause.type) return cause.type;
    cause = cause.cause;
  }
  return String(err);
}

describe('environment guard', function () {
  this.timeout(180_000);
  let stack: Stack;
  let other: WorkerProcess | undefined;

  before(async () => {
    stack = await startStack({ simulators: { dataset: { seed: 3, posts: 3, votes: 5 } } });
  });
  after(async () => {
    await other?.stop();
    await stack.close();
  });

  it('a worker of another environment refuses the run, non-retryably, and posts nothing to Slack', async () => {
    await stack.stopWorkers();
    other = startWorkerProcess('other-env', workerEnvOf(stack, { SYNC_ENV: 'other' }));
    await other.ready;

    const writesBefore = stack.hubspotWrites(); // the portal's setup
    const handle = await stack.env.client.workflow.start(syncFeatureRequests, {
      taskQueue: stack.taskQueue,
      workflowId: `${stack.taskQueue}/wrong-environment`,
      args: [{ environment: 'test', mode: 'full' }],
    });
    const error = await handle.result().then(
      () => assert.fail('the run completed on a worker of another environment'),
      (err: unknown) => err,
    );
    assert.ok(error instanceof WorkflowFailedError, String(error));
    const cause = error.cause;
    assert.ok(cause instanceof ApplicationFailure, String(cause));
    assert.equal(cause.type, FailureType.EnvironmentMismatch);
    assert.equal(cause.nonRetryable, true);
    // The operator sees both names: the run's and the worker's.
    assert.match(cause.message, /\btest\b/);
    assert.match(cause.message, /\bother\b/);

    assert.equal(stack.sims.slack.messages().length, 0, 'no summary in the other environment’s channel');
    assert.equal(stack.hubspotWrites(), writesBefore, 'nothing written with the other environment’s token');
  });

  it('two environments on one task queue: no activity of one run reaches the other portal', async () => {
    await other?.stop();
    await stack.startWorkers();
    // The other environment's worker has a portal of its own: any request there crossed environments.
    const otherPortal = new HubspotSimulator();
    await otherPortal.listen(0);
    other = startWorkerProcess(
      'other-env-activities',
      workerEnvOf(stack, {
        SYNC_ENV: 'other',
        HUBSPOT_ACCESS_TOKEN: otherPortal.accessToken,
        HUBSPOT_BASE_URL: otherPortal.url,
      }),
    );
    try {
      await other.ready;
      // Every HubSpot activity now goes to the other environment's worker, which must refuse it.
      await stack.stopWorkerOf(`${stack.taskQueue}-hubspot`);
      const handle = await stack.env.client.workflow.start(syncFeatureRequests, {
        taskQueue: stack.taskQueue,
        workflowId: `${stack.taskQueue}/shared-queue`,
        args: [{ environment: 'test', mode: 'full' }],
      });
      const outcome = await handle.result().then(
        () => 'completed',
        (err: unknown) => rootType(err),
      );
      assert.equal(outcome, FailureType.EnvironmentMismatch);
      assert.deepEqual(
        otherPortal.server.requests().map((r) => `${r.method} ${r.path}`),
        [],
        'no request reached the other environment’s portal',
      );
    } finally {
      await other.stop();
      other = undefined;
      await otherPortal.close();
    }
  });
});
