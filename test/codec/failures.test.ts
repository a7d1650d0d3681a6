// A failed run on a real `npm run worker` process (the workflow bundle it makes from sources): every failure
// the Temporal server stores, in the run's events and in its page children's, is encoded, so no message or
// stack trace (which may quote an email) is readable without the codec.
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { syncFeatureRequests } from '../../src/workflows';
import { rawHistories } from '../support/raw-history';
import { startStack } from '../support/stack';
import { startWorkerProcess, stopAll, workerEnvOf, type WorkerProcess } from '../support/worker-processes';

/** The message the SDK leaves in place of an encoded failure's. */
const ENCODED_FAILURE = 'Encoded failure';

interface FailureText {
  path: string;
  message: string;
  stackTrace: string;
}

/** Every failure (under a `failure` or `cause` key, at any depth) with its plain message and stack trace. */
function failuresIn(root: unknown): FailureText[] {
  const found: FailureText[] = [];
  const visit = (value: unknown, path: string, isFailure: boolean): void => {
    if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return;
    if (isFailure) {
      const f = value as { message?: string | null; stackTrace?: string | null };
      found.push({ path, message: f.message ?? '', stackTrace: f.stackTrace ?? '' });
    }
    for (const [k, child] of Object.entries(value))
      visit(child, `${path}.${k}`, k === 'failure' || k === 'cause');
  };
  visit(root, '', false);
  return found;
}

describe('failures in the raw history of a worker process', function () {
  this.timeout(300_000);

  it('HubSpot answers 401 to the page children: the run fails, and no failure of the run or a child is plain', async () => {
    const stack = await startStack({
      simulators: { dataset: { seed: 5, posts: 30, votes: 120, users: 40, companies: 10 } },
      env: { SYNC_PAGE_SIZE: '5', HUBSPOT_REQUESTS_PER_10S: '60' },
    });
    const workers: WorkerProcess[] = [];
    try {
      // The run belongs to the worker process only: the stack's in-process workers use the suite's bundle.
      await stack.stopWorkers();
      const worker = startWorkerProcess('failing', workerEnvOf(stack));
      workers.push(worker);
      await worker.ready;
      // The requests' upserts, which only the page children send, answer 401: a child fails first, and the
      // run fails with it (revoking the whole token could fail the parent's own activity first).
      const typeId = stack.sims.hubspot.schemas()[0]!.objectTypeId;
      stack.sims.hubspot.server.addFault({
        route: `${typeId}/batch/upsert`,
        kind: 'server-error',
        status: 401,
      });
      const handle = await stack.env.client.workflow.start(syncFeatureRequests, {
        taskQueue: stack.taskQueue,
        workflowId: `${stack.taskQueue}/unauthorized`,
        args: [{ environment: 'test', mode: 'full' }],
      });
      await assert.rejects(handle.result(), WorkflowFailedError);

      const runId = (await handle.describe()).runId;
      const raw = await rawHistories(stack.env.connection, handle.workflowId, runId);
      const failedRun = raw[0]!.history.events?.find((e) => e.workflowExecutionFailedEventAttributes);
      assert.ok(failedRun, 'the run ends in WorkflowExecutionFailed');
      assert.ok(
        raw[0]!.history.events?.some((e) => e.childWorkflowExecutionFailedEventAttributes),
        'the run records a failed child',
      );
      const failedRuns = raw.filter(({ history }) =>
        history.events?.some((e) => e.workflowExecutionFailedEventAttributes),
      );
      assert.ok(
        failedRuns.length >= 2,
        `failed runs (the run and a child): ${failedRuns.map((r) => r.workflowId).join(', ')}`,
      );

      let failures = 0;
      for (const { workflowId, history } of raw) {
        for (const failure of failuresIn(history)) {
          failures++;
          assert.ok(
            failure.message === '' || failure.message === ENCODED_FAILURE,
            `${workflowId}${failure.path} holds a plain message: ${failure.message}`,
          );
          assert.equal(failure.stackTrace, '', `${workflowId}${failure.path} holds a plain stack trace`);
        }
      }
      assert.ok(failures > 0, 'the histories hold failures');
    } finally {
      await stopAll(workers);
      await stack.close();
    }
  });
});
