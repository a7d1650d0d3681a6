// Workers of one task queue with run stores of their own (two hosts on the default SQLite file): a clear error
// that names SYNC_STORE_URL, and never two writers (issue #16, item 8). A worker process with another SQLite
// file joins the stack's workers; the run is refused before it writes anything.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { temporalLiveness } from '../../src/clients/temporal';
import { FailureType } from '../../src/failures';
import { startFullRun, startStack, type Stack } from '../support/stack';
import { startWorkerProcess, workerEnvOf, type WorkerProcess } from '../support/worker-processes';

function rootFailure(err: unknown): ApplicationFailure | undefined {
  let cause: unknown = err;
  while (cause instanceof Error) {
    if (cause instanceof ApplicationFailure && cause.type) return cause;
    cause = cause.cause;
  }
  return undefined;
}

describe('workers that do not share one run store', function () {
  this.timeout(180_000);
  let stack: Stack;
  let other: WorkerProcess | undefined;
  let dir: string;

  before(async () => {
    stack = await startStack({ simulators: { dataset: { seed: 4, posts: 8, votes: 20 } } });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'split-store-'));
  });
  after(async () => {
    await other?.stop();
    await stack.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fail the run with a clear error, and nothing is written', async () => {
    other = startWorkerProcess(
      'other-store',
      workerEnvOf(stack, { SYNC_STORE_URL: `sqlite:${path.join(dir, 'own-store.db')}` }),
    );
    await other.ready;
    // Both workers have polled the queue: Temporal knows both stores.
    const liveness = temporalLiveness(stack.env.client.workflowService, 'default');
    const deadline = Date.now() + 30_000;
    while ((await liveness.storesPolling(stack.taskQueue)).length < 2) {
      assert.ok(Date.now() < deadline, 'both workers poll the queue');
      await new Promise((r) => setTimeout(r, 200));
    }
    const writes = stack.hubspotWrites();
    const handle = await startFullRun(stack, 'split-store');
    const error = await handle.result().then(
      () => assert.fail('the run completed with two stores'),
      (err: unknown) => err,
    );
    const failure = rootFailure(error);
    assert.ok(failure, String(error));
    assert.equal(failure.type, FailureType.StoreMismatch);
    assert.match(failure.message, /SYNC_STORE_URL/);
    assert.equal(stack.hubspotWrites(), writes, 'no write');
  });
});
