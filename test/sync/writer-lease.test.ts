// One writing run per environment: a company run started while a full run writes waits for the writer lease
// (progress phase 'waiting'), writes only once the full run is done, and the two leave exactly the HubSpot
// state of a clean run. A lease whose holder was terminated is taken over by the next run.
import assert from 'node:assert/strict';
import type { temporal } from '@temporalio/proto';
import { queryProgress } from '../../src/cli/progress';
import { taskQueues } from '../../src/task-queues';
import { syncCompanySignal, syncFeatureRequests } from '../../src/workflows';
import { acquireLease, leaseHolder } from '../../src/store/writer-lease';
import { cliFor, envOf, eventually } from '../support/cli';
import { assertNoDuplicates, portalState } from '../support/portal-state';
import { LEASE_RETRY_MS, startStack, type Stack } from '../support/stack';
import { startWorkerProcess, stopAll, workerEnvOf, type WorkerProcess } from '../support/worker-processes';

const DATASET = { seed: 11, posts: 60, votes: 400, users: 90, companies: 25 };
const ENV = { SYNC_PAGE_SIZE: '6', HUBSPOT_REQUESTS_PER_10S: '60' };

type State = ReturnType<typeof portalState>;

const ms = (t: temporal.api.history.v1.IHistoryEvent['eventTime']): number =>
  Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);

/**
 * When a run's whole chain (every run of its continue-as-new chain, and their page children) scheduled and
 * completed activities on the HubSpot queues, and how many runs the chain had.
 */
async function hubspotActivityTimes(
  stack: Stack,
  workflowId: string,
): Promise<{ firstScheduled: number; lastCompleted: number; runs: number }> {
  const queues = taskQueues(stack.taskQueue);
  const hubspotQueues = new Set([queues.hubspot, queues.hubspotSearch]);
  let firstScheduled = Infinity;
  let lastCompleted = 0;
  /** Returns the run this one continued from, if any. */
  const collect = async (id: string, runId?: string): Promise<string | undefined> => {
    const history = await stack.env.client.workflow.getHandle(id, runId).fetchHistory();
    const onHubspot = new Set<string>();
    for (const event of history.events ?? []) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled && hubspotQueues.has(scheduled.taskQueue?.name ?? '')) {
        onHubspot.add(String(event.eventId));
        firstScheduled = Math.min(firstScheduled, ms(event.eventTime));
      }
      const done =
        event.activityTaskCompletedEventAttributes ??
        event.activityTaskFailedEventAttributes ??
        event.activityTaskTimedOutEventAttributes;
      if (done && onHubspot.has(String(done.scheduledEventId)))
        lastCompleted = Math.max(lastCompleted, ms(event.eventTime));
      const child = event.childWorkflowExecutionStartedEventAttributes;
      if (child?.workflowExecution?.workflowId)
        await collect(child.workflowExecution.workflowId, child.workflowExecution.runId ?? undefined);
    }
    return history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  };
  let runs = 1;
  let previous = await collect(workflowId);
  for (; previous; runs++) previous = await collect(workflowId, previous);
  return { firstScheduled, lastCompleted, runs };
}

describe('one writing run per environment (writer lease)', function () {
  this.timeout(600_000);
  let reference: State;
  /** The company whose people voted on the most requests: its run shares the most with a full run. */
  let domain: string;

  before(async () => {
    const clean = await startStack({ simulators: { dataset: DATASET }, env: ENV });
    try {
      await clean.sync();
      reference = portalState(clean.sims.hubspot);
    } finally {
      await clean.close();
    }
    const votedBy = new Map<string, number>();
    for (const r of reference.requests)
      for (const d of r.companies) if (d) votedBy.set(d, (votedBy.get(d) ?? 0) + 1);
    [domain] = [...votedBy.entries()].sort((a, b) => b[1] - a[1])[0]!;
    assert.ok((votedBy.get(domain) ?? 0) >= 3, 'the company shares requests with the full run');
  });

  it('a company run started while a full run writes waits for it, then both leave the exact state', async () => {
    const stack = await startStack({ simulators: { dataset: DATASET }, env: ENV });
    await stack.stopWorkers();
    const workers: WorkerProcess[] = [];
    try {
      stack.sims.hubspot.server.addFault({ kind: 'latency', probability: 1, latencyMs: 120 });
      workers.push(startWorkerProcess('A', workerEnvOf(stack)), startWorkerProcess('B', workerEnvOf(stack)));
      await Promise.all(workers.map((w) => w.ready));
      const full = await stack.env.client.workflow.start(syncFeatureRequests, {
        taskQueue: stack.taskQueue,
        workflowId: `${stack.taskQueue}/full`,
        args: [{ environment: 'test', mode: 'full', leaseRetryIntervalMs: LEASE_RETRY_MS }],
      });
      await eventually(
        () => Promise.resolve(stack.hubspotWrites() >= 3 ? true : undefined),
        'the full run writing',
        120_000,
      );
      // As `sync-company` starts it.
      const company = await stack.env.client.workflow.signalWithStart(syncFeatureRequests, {
        taskQueue: stack.taskQueue,
        workflowId: `${stack.taskQueue}/company/${domain}`,
        args: [{ environment: 'test', mode: 'company', domain, leaseRetryIntervalMs: LEASE_RETRY_MS }],
        signal: syncCompanySignal,
        signalArgs: [{ domain }],
      });
      // Until the full run closes: the company run is seen waiting, with the full run named as the holder.
      let seenWaiting = false;
      while ((await full.describe()).status.name === 'RUNNING') {
        const progress = await queryProgress(company);
        if (progress?.phase === 'waiting') {
          assert.equal(progress.waitingFor, full.workflowId);
          if ((await full.describe()).status.name === 'RUNNING') seenWaiting = true;
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const fullSummary = await full.result();
      const companySummary = await company.result();
      assert.equal(fullSummary.featureRequests.failed, 0, JSON.stringify(fullSummary.failures));
      assert.equal(companySummary.featureRequests.failed, 0, JSON.stringify(companySummary.failures));
      assert.ok(companySummary.featureRequests.identified >= 3);

      const f = await hubspotActivityTimes(stack, full.workflowId);
      const c = await hubspotActivityTimes(stack, company.workflowId);
      assert.ok(
        c.firstScheduled >= f.lastCompleted,
        `the company run's first HubSpot call (${new Date(c.firstScheduled).toISOString()}) comes after ` +
          `the full run's last one (${new Date(f.lastCompleted).toISOString()})`,
      );
      assert.ok(seenWaiting, "the company run's phase was 'waiting' while the full run ran");

      stack.sims.hubspot.server.clearFaults();
      assert.deepEqual(portalState(stack.sims.hubspot), reference);
      assertNoDuplicates(stack.sims.hubspot);
      assert.equal(await leaseHolder(stack.store, 'test'), undefined, 'both runs gave the lease back');
      const mark = stack.hubspotWrites();
      const rerun = await stack.sync();
      assert.equal(stack.hubspotWrites() - mark, 0, 'a following full run writes nothing');
      assert.equal(rerun.featureRequests.unchanged, reference.requests.length);
    } finally {
      await stopAll(workers);
      await stack.close();
    }
  });

  it('a lease held by a terminated run is taken over by the next run', async () => {
    const stack = await startStack({ simulators: { dataset: DATASET }, env: ENV });
    try {
      stack.sims.hubspot.server.addFault({ kind: 'latency', probability: 1, latencyMs: 120 });
      const first = await stack.env.client.workflow.start(syncFeatureRequests, {
        taskQueue: stack.taskQueue,
        workflowId: `${stack.taskQueue}/terminated`,
        args: [{ environment: 'test', mode: 'full', leaseRetryIntervalMs: LEASE_RETRY_MS }],
      });
      await eventually(
        async () =>
          (await leaseHolder(stack.store, 'test'))?.workflowId === first.workflowId ? true : undefined,
        'the first run holding the lease',
        120_000,
      );
      await first.terminate('test: a run that never gives its lease back');
      assert.equal((await leaseHolder(stack.store, 'test'))?.workflowId, first.workflowId, 'still held');
      stack.sims.hubspot.server.clearFaults();
      const summary = await stack.sync();
      assert.equal(summary.featureRequests.failed, 0, JSON.stringify(summary.failures));
      assert.deepEqual(portalState(stack.sims.hubspot), reference);
      assert.equal(await leaseHolder(stack.store, 'test'), undefined);
    } finally {
      await stack.close();
    }
  });

  it('status shows a run waiting for the lease and its holder; the holder ends and the run goes on', async () => {
    const stack = await startStack({ simulators: { dataset: DATASET }, env: ENV });
    try {
      // A holder that runs until it is terminated: a run on a task queue no worker polls.
      const holder = await stack.env.client.workflow.start(syncFeatureRequests, {
        taskQueue: `${stack.taskQueue}-nobody`,
        workflowId: `${stack.taskQueue}/holder`,
        args: [{ environment: 'test', mode: 'full', leaseRetryIntervalMs: LEASE_RETRY_MS }],
      });
      const held = await acquireLease(
        stack.store,
        'test',
        { workflowId: holder.workflowId, runKey: 'h' },
        () => Promise.resolve(false),
      );
      assert.deepEqual(held, { acquired: true });
      const writesBefore = stack.hubspotWrites(); // the portal's setup
      const waiting = await stack.env.client.workflow.start(syncFeatureRequests, {
        taskQueue: stack.taskQueue,
        workflowId: `${stack.taskQueue}/waiting`,
        args: [{ environment: 'test', mode: 'full', leaseRetryIntervalMs: LEASE_RETRY_MS }],
      });
      const cli = await cliFor(stack.env.client, envOf(stack.config, 'test'));
      const line = await eventually(
        async () =>
          (await cli('status')).stdout.find(
            (l) => l.includes(waiting.workflowId) && l.includes('waiting for the writer lease'),
          ),
        'status showing the run waiting',
        60_000,
      );
      assert.match(line, /RUNNING/);
      assert.ok(line.includes(`(held by ${holder.workflowId})`), line);
      assert.equal(stack.hubspotWrites() - writesBefore, 0, 'the waiting run wrote nothing');
      await holder.terminate('test: the holder ends without giving the lease back');
      const summary = await waiting.result();
      assert.equal(summary.featureRequests.failed, 0, JSON.stringify(summary.failures));
      assert.deepEqual(portalState(stack.sims.hubspot), reference);
      assert.equal(await leaseHolder(stack.store, 'test'), undefined);
    } finally {
      await stack.close();
    }
  });

  it('a company run keeps the lease across continue-as-new and its rerun: a full run writes after the chain', async () => {
    const stack = await startStack({ simulators: { dataset: DATASET }, env: ENV });
    try {
      stack.sims.hubspot.server.addFault({ kind: 'latency', probability: 1, latencyMs: 120 });
      const start = () =>
        stack.env.client.workflow.signalWithStart(syncFeatureRequests, {
          taskQueue: stack.taskQueue,
          workflowId: `${stack.taskQueue}/company/${domain}`,
          // A low threshold: the company run hands over to a fresh run between its pages.
          args: [
            {
              environment: 'test',
              mode: 'company',
              domain,
              continueAsNewAfterEvents: 30,
              leaseRetryIntervalMs: LEASE_RETRY_MS,
            },
          ],
          signal: syncCompanySignal,
          signalArgs: [{ domain }],
        });
      const company = await start();
      await eventually(
        async () => ((await queryProgress(company))?.phase === 'pages' ? true : undefined),
        'the company run in its pages',
        120_000,
      );
      await start(); // asked again while it runs: it runs once more, a new run key under the same workflow id
      const full = await stack.env.client.workflow.start(syncFeatureRequests, {
        taskQueue: stack.taskQueue,
        workflowId: `${stack.taskQueue}/full`,
        args: [{ environment: 'test', mode: 'full', leaseRetryIntervalMs: LEASE_RETRY_MS }],
      });
      const companySummary = await company.result();
      const fullSummary = await full.result();
      assert.equal(companySummary.featureRequests.failed, 0, JSON.stringify(companySummary.failures));
      assert.equal(fullSummary.featureRequests.failed, 0, JSON.stringify(fullSummary.failures));
      assert.equal(stack.sims.slack.messages().length, 3, 'two company passes and the full run');

      const c = await hubspotActivityTimes(stack, company.workflowId);
      const f = await hubspotActivityTimes(stack, full.workflowId);
      assert.ok(c.runs >= 3, `the company chain continued as new (${c.runs} runs)`);
      assert.ok(
        f.firstScheduled >= c.lastCompleted,
        `the full run's first HubSpot call (${new Date(f.firstScheduled).toISOString()}) comes after ` +
          `the company chain's last one (${new Date(c.lastCompleted).toISOString()})`,
      );
      stack.sims.hubspot.server.clearFaults();
      assert.deepEqual(portalState(stack.sims.hubspot), reference);
      assert.equal(await leaseHolder(stack.store, 'test'), undefined);
    } finally {
      await stack.close();
    }
  });
});
