// Correct on any number of workers: real `npm run worker` processes, two or three at once, joining and
// leaving mid-run, killed, and a HubSpot that revokes the token halfway. Every case ends in exactly the
// HubSpot state of a clean run, with no duplicate, and a rerun that writes nothing.
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import type { RunSummary } from '../../src/domain/types';
import { eventually } from '../support/cli';
import { assertNoDuplicates, portalState } from '../support/portal-state';
import { startFullRun, startStack, type Stack } from '../support/stack';
import { startWorkerProcess, stopAll, workerEnvOf, type WorkerProcess } from '../support/worker-processes';

const DATASET = { seed: 11, posts: 60, votes: 400, users: 90, companies: 25 };
/** Ten pages, so that pages, their children and their activities spread over the workers. */
const ENV = { SYNC_PAGE_SIZE: '6', HUBSPOT_REQUESTS_PER_10S: '60' };

type State = ReturnType<typeof portalState>;

/** Worker identities that started activities in the run and its page children. */
async function activityWorkers(stack: Stack, workflowId: string): Promise<Set<string>> {
  const identities = new Set<string>();
  const collect = async (id: string, runId?: string): Promise<void> => {
    const history = await stack.env.client.workflow.getHandle(id, runId).fetchHistory();
    for (const event of history.events ?? []) {
      const started = event.activityTaskStartedEventAttributes;
      if (started?.identity) identities.add(started.identity);
      const child = event.childWorkflowExecutionStartedEventAttributes;
      if (child?.workflowExecution?.workflowId)
        await collect(child.workflowExecution.workflowId, child.workflowExecution.runId ?? undefined);
    }
  };
  await collect(workflowId);
  return identities;
}

describe('any number of workers: separate worker processes', function () {
  this.timeout(600_000);
  let reference: State;

  before(async () => {
    const clean = await startStack({ simulators: { dataset: DATASET }, env: ENV });
    try {
      await clean.sync();
      reference = portalState(clean.sims.hubspot);
    } finally {
      await clean.close();
    }
    assert.ok(reference.requests.length > 20);
  });

  /** A stack whose runs belong to worker processes only (its in-process workers step aside). */
  async function processStack(env: Record<string, string> = {}): Promise<Stack> {
    const stack = await startStack({ simulators: { dataset: DATASET }, env: { ...ENV, ...env } });
    await stack.stopWorkers();
    return stack;
  }

  async function expectExactAndQuiet(stack: Stack, summary: RunSummary): Promise<void> {
    assert.equal(summary.featureRequests.failed, 0, JSON.stringify(summary.failures));
    assert.deepEqual(portalState(stack.sims.hubspot), reference);
    assertNoDuplicates(stack.sims.hubspot);
    const mark = stack.hubspotWrites();
    const rerun = await stack.sync();
    assert.equal(stack.hubspotWrites() - mark, 0, 'a rerun writes nothing');
    assert.equal(rerun.featureRequests.unchanged, reference.requests.length);
  }

  for (const count of [2, 3]) {
    it(`${count} worker processes with HubSpot latency: exact state, then a rerun with zero writes`, async () => {
      const stack = await processStack();
      const workers: WorkerProcess[] = [];
      try {
        stack.sims.hubspot.server.addFault({ kind: 'latency', probability: 1, latencyMs: 120 });
        for (let i = 0; i < count; i++) workers.push(startWorkerProcess(`W${i}`, workerEnvOf(stack)));
        await Promise.all(workers.map((w) => w.ready));
        const handle = await startFullRun(stack, `workers-${count}`);
        const summary = await handle.result();
        const identities = await activityWorkers(stack, handle.workflowId);
        assert.ok(identities.size >= 2, `activities ran on ${identities.size} worker(s)`);
        stack.sims.hubspot.server.clearFaults();
        await expectExactAndQuiet(stack, summary);
      } finally {
        await stopAll(workers);
        await stack.close();
      }
    });
  }

  it('rolling restart mid-run: B joins, A gets SIGTERM; exact state, no duplicates', async () => {
    // A slow budget, so that B has time to start while A is still busy.
    const stack = await processStack({ HUBSPOT_REQUESTS_PER_10S: '25' });
    const workers: WorkerProcess[] = [];
    try {
      const a = startWorkerProcess('A', workerEnvOf(stack));
      workers.push(a);
      await a.ready;
      const handle = await startFullRun(stack, 'rolling');
      await eventually(
        () => Promise.resolve(stack.hubspotWrites() >= 6 ? true : undefined),
        'the run writing',
        120_000,
      );
      const b = startWorkerProcess('B', workerEnvOf(stack));
      workers.push(b);
      await b.ready;
      assert.equal((await handle.describe()).status.name, 'RUNNING', 'A leaves mid-run');
      assert.equal(await a.stop(), 0, 'A shuts down gracefully');
      await expectExactAndQuiet(stack, await handle.result());
    } finally {
      await stopAll(workers);
      await stack.close();
    }
  });

  it('one of two workers is SIGKILLed mid-run: exact state, no duplicates', async () => {
    const stack = await processStack();
    const workers: WorkerProcess[] = [];
    try {
      workers.push(startWorkerProcess('A', workerEnvOf(stack)), startWorkerProcess('B', workerEnvOf(stack)));
      await Promise.all(workers.map((w) => w.ready));
      const handle = await startFullRun(stack, 'sigkill');
      await eventually(
        () => Promise.resolve(stack.hubspotWrites() >= 8 ? true : undefined),
        'the run writing',
        120_000,
      );
      workers[0]!.kill('SIGKILL');
      await workers[0]!.exited;
      await expectExactAndQuiet(stack, await handle.result());
    } finally {
      await stopAll(workers);
      await stack.close();
    }
  });

  it('HubSpot answers 401 to every call after some writes: the run fails, and the next one is exact', async () => {
    const stack = await processStack();
    const workers: WorkerProcess[] = [];
    try {
      workers.push(startWorkerProcess('A', workerEnvOf(stack)), startWorkerProcess('B', workerEnvOf(stack)));
      await Promise.all(workers.map((w) => w.ready));
      const handle = await startFullRun(stack, 'revoked');
      await eventually(
        () => Promise.resolve(stack.hubspotWrites() >= 10 ? true : undefined),
        'the run writing',
        120_000,
      );
      const token = stack.sims.hubspot.accessToken;
      stack.sims.hubspot.accessToken = 'revoked';
      await assert.rejects(handle.result(), WorkflowFailedError);
      // Requests the run wrote but could not finish carry no fingerprint that HubSpot does not fully hold.
      const committed = stack.sims.hubspot
        .objects('feature_request')
        .filter((r) => String(r.properties.sync_fingerprint ?? '') !== '');
      const expected = new Map(reference.requests.map((r) => [r.properties.external_id, r]));
      const held = portalState(stack.sims.hubspot).requests;
      for (const record of committed) {
        const now = held.find((r) => r.properties.external_id === record.properties.external_id);
        assert.deepEqual(
          now,
          expected.get(String(record.properties.external_id)),
          'a committed request is exact',
        );
      }
      stack.sims.hubspot.accessToken = token;
      await expectExactAndQuiet(stack, await stack.sync());
    } finally {
      await stopAll(workers);
      await stack.close();
    }
  });

  for (const how of ['cancel', 'terminate'] as const) {
    it(`a running sync is ${how === 'cancel' ? 'cancelled' : 'terminated'}: the next run is exact`, async () => {
      const stack = await processStack();
      const workers: WorkerProcess[] = [];
      try {
        workers.push(
          startWorkerProcess('A', workerEnvOf(stack)),
          startWorkerProcess('B', workerEnvOf(stack)),
        );
        await Promise.all(workers.map((w) => w.ready));
        const handle = await startFullRun(stack, how);
        await eventually(
          // While pages are being written: every place that absorbs one page's failure must let it through.
          () =>
            Promise.resolve(
              stack.sims.hubspot.server
                .requests()
                .some((r) => r.path.includes('/2-') && r.path.endsWith('/batch/upsert'))
                ? true
                : undefined,
            ),
          'the pages being written',
          120_000,
        );
        if (how === 'cancel') await handle.cancel();
        else await handle.terminate('test');
        await assert.rejects(handle.result());
        assert.equal((await handle.describe()).status.name, how === 'cancel' ? 'CANCELLED' : 'TERMINATED');
        await expectExactAndQuiet(stack, await stack.sync());
      } finally {
        await stopAll(workers);
        await stack.close();
      }
    });
  }

  it('a source change after the snapshot: this run follows its snapshot, the next run converges', async () => {
    // The state the second run must reach: a clean sync, the change, and a sync of the changed source.
    const changed = await startStack({ simulators: { dataset: DATASET }, env: ENV });
    const change = (s: Stack): { votedPost: string; mergedPost: string } => {
      const posts = s.sims.canny.posts();
      const votedPost = posts[3]!.id;
      const mergedPost = posts[5]!.id;
      const voter = s.sims.canny.addUser({
        id: 'late-voter',
        email: 'late.voter@latecomer.io',
        name: 'Late Voter',
      });
      s.sims.canny.addVote(votedPost, voter, { created: '2026-06-01T00:00:00.000Z' });
      s.sims.canny.mergePost(mergedPost, posts[4]!.id);
      return { votedPost, mergedPost };
    };
    let after: State;
    try {
      await changed.sync();
      change(changed);
      await changed.sync();
      after = portalState(changed.sims.hubspot);
    } finally {
      await changed.close();
    }
    assert.notDeepEqual(after, reference);

    const stack = await processStack();
    const workers: WorkerProcess[] = [];
    try {
      workers.push(startWorkerProcess('A', workerEnvOf(stack)), startWorkerProcess('B', workerEnvOf(stack)));
      await Promise.all(workers.map((w) => w.ready));
      const handle = await startFullRun(stack, 'changed-source');
      // Once the snapshot is taken (the run's first HubSpot search), the source changes under the run.
      await eventually(
        () =>
          Promise.resolve(
            stack.sims.hubspot.server.requests().some((r) => r.path.endsWith('/search')) ? true : undefined,
          ),
        'the snapshot',
        120_000,
      );
      change(stack);
      workers[0]!.kill('SIGKILL'); // and a worker is lost, which used to rebuild from the changed source
      const summary = await handle.result();
      assert.equal(summary.featureRequests.failed, 0, JSON.stringify(summary.failures));
      assert.deepEqual(
        portalState(stack.sims.hubspot),
        reference,
        'the run wrote its snapshot, nothing of the change',
      );
      await stack.sync();
      assert.deepEqual(portalState(stack.sims.hubspot), after, 'the next run converges');
      assertNoDuplicates(stack.sims.hubspot);
    } finally {
      await stopAll(workers);
      await stack.close();
    }
  });
});
