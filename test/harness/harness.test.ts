import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { dataConverterFor } from '../../src/codec/data-converter';
import { decodeHistory } from '../../src/codec/history';
import { testEnv, workflowBundle } from '../hooks';
import { keysOf, TEST_PAYLOAD_KEYS } from '../support/payload-keys';
import * as activities from './activities';
import { harnessWorkflow } from './workflows';

const workflowsPath = path.resolve(__dirname, 'workflows.ts');
const fixture = path.resolve(__dirname, '../fixtures/histories/harness-workflow.json');

describe('test harness: a real Temporal dev server', function () {
  this.timeout(120_000);

  it('runs a workflow that calls an activity on the dev server', async () => {
    const env = await testEnv();
    const taskQueue = `harness-${Date.now()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(workflowsPath),
      activities,
      // The suite's client encrypts (test/hooks.ts): its worker must decode.
      dataConverter: dataConverterFor(keysOf(TEST_PAYLOAD_KEYS)),
    });
    const workflowId = `harness-${Date.now()}`;
    const result = await worker.runUntil(
      env.client.workflow.execute(harnessWorkflow, { taskQueue, workflowId, args: ['mocha'] }),
    );
    assert.equal(result, 'workflow saw: hello mocha from activity attempt 1');

    // The server, not a mock, holds the history: it lists the activity's scheduling and completion.
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const types = (history.events ?? []).map((e) => e.eventType);
    assert.ok(types.length >= 11, `expected a full history, got ${types.length} events`);
    if (process.env.RECORD_FIXTURES === '1') {
      // Decoded: the suite's payload key is new on every run, so a fixture must not need it.
      const codecs = env.client.options.loadedDataConverter.payloadCodecs;
      fs.writeFileSync(fixture, historyToJSON(await decodeHistory(history, codecs)));
    }
  });

  it('replays a recorded JSON history of that workflow', async () => {
    const history = historyFromJSON(JSON.parse(fs.readFileSync(fixture, 'utf8')));
    await Worker.runReplayHistory({ workflowsPath, replayName: 'harness' }, history);
  });

  it('fails replay when the workflow code no longer matches the history', async () => {
    const history = historyFromJSON(JSON.parse(fs.readFileSync(fixture, 'utf8')));
    await assert.rejects(
      Worker.runReplayHistory(
        { workflowsPath: path.resolve(__dirname, 'workflows-changed.ts'), replayName: 'harness-changed' },
        history,
      ),
      (err: Error) => err.name === 'DeterminismViolationError',
    );
  });
});
