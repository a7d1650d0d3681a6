// The worker on the Node line it is tested on (24 LTS in CI): two `npm run worker` processes run a full sync and
// stop on SIGTERM with exit 0, and processes SIGKILLed mid-run die by that signal. None may abort: on Node 24.19,
// better-sqlite3 12 aborted the process (SIGABRT, exit 134) when V8 finalized a statement after its environment
// was gone (nodejs/node#65446), at exit, in worker threads or mid-run. README, Requirements.
import assert from 'node:assert/strict';
import type { RunSummary } from '../../src/domain/types';
import { MIN_NODE } from '../../src/runtime-check';
import { eventually } from '../support/cli';
import { assertNoDuplicates, portalState } from '../support/portal-state';
import { startFullRun, startStack, type Stack } from '../support/stack';
import { startWorkerProcess, stopAll, workerEnvOf, type WorkerProcess } from '../support/worker-processes';

const DATASET = { seed: 24, posts: 40, votes: 260, users: 70, companies: 20 };
const ENV = { SYNC_PAGE_SIZE: '5', HUBSPOT_REQUESTS_PER_10S: '40' };

/** No process may have aborted: not by a signal other than the one sent, and no assertion in its output. */
function assertNoAbort(worker: WorkerProcess): void {
  const output = worker.lines.join('\n');
  assert.notEqual(worker.child.signalCode, 'SIGABRT', `${worker.name} aborted:\n${output}`);
  assert.notEqual(worker.child.exitCode, 134, `${worker.name} aborted:\n${output}`);
  assert.doesNotMatch(output, /Assertion failed|RemoveEnvironmentCleanupHook|core dumped/, output);
}

/** The Node version the worker logged at start (`worker started`), which is the `node` on PATH. */
function loggedNode(worker: WorkerProcess): string {
  const line = worker.lines.find((l) => l.includes('worker started')) ?? '';
  return /"node":"(v[\d.]+)"/.exec(line)?.[1] ?? `(not logged: ${line})`;
}

describe('the worker on this Node line: graceful stops and kills, never an abort', function () {
  this.timeout(600_000);
  let reference: ReturnType<typeof portalState>;

  before(async () => {
    const clean = await startStack({ simulators: { dataset: DATASET }, env: ENV });
    try {
      await clean.sync();
      reference = portalState(clean.sims.hubspot);
    } finally {
      await clean.close();
    }
  });

  async function processStack(): Promise<Stack> {
    const stack = await startStack({ simulators: { dataset: DATASET }, env: ENV });
    await stack.stopWorkers();
    return stack;
  }

  function assertExact(stack: Stack, summary: RunSummary): void {
    assert.equal(summary.featureRequests.failed, 0, JSON.stringify(summary.failures));
    assert.deepEqual(portalState(stack.sims.hubspot), reference);
    assertNoDuplicates(stack.sims.hubspot);
  }

  it('two worker processes run a full sync each, then exit 0 on SIGTERM', async () => {
    const stack = await processStack();
    const workers: WorkerProcess[] = [];
    try {
      workers.push(startWorkerProcess('A', workerEnvOf(stack)), startWorkerProcess('B', workerEnvOf(stack)));
      await Promise.all(workers.map((w) => w.ready));
      for (const w of workers) {
        const version = loggedNode(w);
        assert.equal(version, process.version, `${w.name} runs the node on PATH`);
        const [major, minor] = version.slice(1).split('.').map(Number);
        assert.ok(
          major! > MIN_NODE[0] || (major === MIN_NODE[0] && minor! >= MIN_NODE[1]),
          `a supported Node line: ${version}`,
        );
      }
      // Two full runs, one after the other: the first writes, the second reads everything and writes nothing.
      assertExact(stack, await (await startFullRun(stack, 'first')).result());
      const mark = stack.hubspotWrites();
      const second = await (await startFullRun(stack, 'second')).result();
      assert.equal(second.featureRequests.unchanged, reference.requests.length);
      assert.equal(stack.hubspotWrites() - mark, 0, 'the second run writes nothing');

      const codes = await Promise.all(workers.map((w) => w.stop()));
      assert.deepEqual(codes, [0, 0], 'both exit 0 on SIGTERM');
      workers.forEach(assertNoAbort);
      assert.deepEqual(
        workers.map((w) => w.child.signalCode),
        [null, null],
      );
    } finally {
      await stopAll(workers);
      await stack.close();
    }
  });

  it('SIGKILL mid-run, then a restart and a rolling stop: killed processes die by SIGKILL, the rest exit 0', async () => {
    const stack = await processStack();
    const workers: WorkerProcess[] = [];
    try {
      const [a, b] = [
        startWorkerProcess('A', workerEnvOf(stack)),
        startWorkerProcess('B', workerEnvOf(stack)),
      ];
      workers.push(a, b);
      await Promise.all([a.ready, b.ready]);
      const handle = await startFullRun(stack, 'killed');
      await eventually(
        () => Promise.resolve(stack.hubspotWrites() >= 6 ? true : undefined),
        'the run writing',
        120_000,
      );
      // Both are killed mid-run: the run waits for a worker, and no process aborts on its way out.
      a.kill('SIGKILL');
      b.kill('SIGKILL');
      await Promise.all([a.exited, b.exited]);
      for (const w of [a, b]) {
        assert.equal(w.child.signalCode, 'SIGKILL', `${w.name} died by the signal it was sent`);
        assertNoAbort(w);
      }
      assert.equal((await handle.describe()).status.name, 'RUNNING', 'killed mid-run');

      // A restart picks the run up; a rolling stop hands it from C to D.
      const c = startWorkerProcess('C', workerEnvOf(stack));
      workers.push(c);
      await c.ready;
      const before = stack.hubspotWrites();
      await eventually(
        () => Promise.resolve(stack.hubspotWrites() > before ? true : undefined),
        'C writing',
        120_000,
      );
      const d = startWorkerProcess('D', workerEnvOf(stack));
      workers.push(d);
      await d.ready;
      assert.equal(await c.stop(), 0, 'C exits 0 on SIGTERM mid-run');
      assertNoAbort(c);

      assertExact(stack, await handle.result());
      assert.equal(await d.stop(), 0, 'D exits 0 on SIGTERM');
      assertNoAbort(d);
    } finally {
      await stopAll(workers);
      await stack.close();
    }
  });
});
