// Crashes and a hostile HubSpot must not change the outcome: injected 429s and 5xx on a fifth of the
// calls, and a worker killed with SIGKILL mid-run, end in the same HubSpot state as a clean run, with no
// duplicate anywhere.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { cleanRun, portalState } from '../support/portal-state';
import { syncFeatureRequests } from '../../src/workflows';
import { LEASE_RETRY_MS, startStack, type Stack } from '../support/stack';

const DATASET = { seed: 7, posts: 30, votes: 200, users: 50, companies: 20 };

describe('resilience: same final state under faults and crashes', function () {
  this.timeout(300_000);
  let reference: ReturnType<typeof portalState>;

  before(async () => {
    reference = (await cleanRun({ simulators: { dataset: DATASET } })).state;
    assert.ok(reference.requests.length > 0);
  });

  it('429s with Retry-After and 5xx on 20% of HubSpot calls still end in the same state', async () => {
    const stack = await startStack({ simulators: { dataset: DATASET } });
    try {
      stack.sims.hubspot.server.addFault({ kind: 'rate-limit', probability: 0.1, retryAfterSeconds: 1 });
      stack.sims.hubspot.server.addFault({ kind: 'server-error', probability: 0.11, status: 503 });
      const summary = await stack.sync();
      const faults = stack.sims.hubspot.server.requests().filter((r) => r.fault);
      assert.ok(faults.length >= 3, `faults were injected (${faults.length})`);
      assert.ok(summary.apiRequests.rateLimited > 0, 'rate-limited attempts are counted');
      assert.equal(summary.featureRequests.failed, 0, JSON.stringify(summary.failures));
      assert.deepEqual(portalState(stack.sims.hubspot), reference);
    } finally {
      await stack.close();
    }
  });

  /**
   * `afterRequestsWritten`: kill right after the requests were upserted and while their associations are in
   * flight (held back by injected latency): the replacement re-plans the page, finds the requests written,
   * fingerprint and all, and must still finish their associations.
   */
  const killMidRun =
    (signal: 'SIGKILL' | 'SIGTERM', when: 'some-writes' | 'afterRequestsWritten' = 'some-writes') =>
    async () => {
      // A slow HubSpot budget keeps the run going long enough to kill it in the middle of its writes.
      const stack: Stack = await startStack({
        simulators: { dataset: DATASET },
        env: { HUBSPOT_REQUESTS_PER_10S: '40' },
      });
      let child: ChildProcess | undefined;
      try {
        await stack.stopWorkers(); // the in-process workers step aside: the run belongs to worker processes
        const workerEnv = {
          ...process.env,
          TEMPORAL_ADDRESS: stack.env.address,
          TEMPORAL_NAMESPACE: 'default',
          // The worker's environment must be the run's: workers refuse runs of other environments.
          SYNC_ENV: stack.config.SYNC_ENV,
          CANNY_API_KEY: stack.config.CANNY_API_KEY,
          CANNY_BASE_URL: stack.config.CANNY_BASE_URL,
          HUBSPOT_ACCESS_TOKEN: stack.config.HUBSPOT_ACCESS_TOKEN,
          HUBSPOT_BASE_URL: stack.config.HUBSPOT_BASE_URL,
          HUBSPOT_REQUESTS_PER_10S: '40',
          SLACK_BOT_TOKEN: stack.config.SLACK_BOT_TOKEN ?? '',
          SLACK_CHANNEL: stack.config.SLACK_CHANNEL ?? '',
          SLACK_API_URL: stack.config.SLACK_API_URL,
          SYNC_TASK_QUEUE: stack.taskQueue,
          SYNC_STORE_URL: stack.config.SYNC_STORE_URL,
          // The test's client encrypts: the worker must hold the same keys to read the run.
          SYNC_PAYLOAD_KEYS: stack.config.SYNC_PAYLOAD_KEYS ?? '',
          LOG_LEVEL: 'warn',
        } as NodeJS.ProcessEnv;
        const startWorker = (): ChildProcess =>
          spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../../src/worker.ts')], {
            env: workerEnv,
            stdio: ['ignore', 'ignore', 'inherit'],
          });

        // The portal's setup (schema, properties, association labels) made writes of its own: count the run's.
        const setupWrites = stack.hubspotWrites();
        child = startWorker();
        const workflowId = `${stack.taskQueue}/killed`;
        const handle = await stack.env.client.workflow.start(syncFeatureRequests, {
          taskQueue: stack.taskQueue,
          workflowId,
          args: [{ environment: 'test', mode: 'full', leaseRetryIntervalMs: LEASE_RETRY_MS }],
        });
        // Kill once the run has written some, but not all, of its records.
        const deadline = Date.now() + 120_000;
        const requestsWritten = () =>
          stack.sims.hubspot.server
            .requests()
            .some((r) => r.path.includes('/2-') && r.path.endsWith('/batch/upsert'));
        if (when === 'afterRequestsWritten') {
          stack.sims.hubspot.server.addFault({
            route: 'associations/:fromObjectType/:toObjectType/batch/create',
            kind: 'latency',
            latencyMs: 3_000,
          });
        }
        while (
          when === 'afterRequestsWritten' ? !requestsWritten() : stack.hubspotWrites() - setupWrites < 4
        ) {
          assert.ok(Date.now() < deadline, 'the run never started writing');
          await new Promise((r) => setTimeout(r, 50));
        }
        child.kill(signal);
        stack.sims.hubspot.server.clearFaults();
        const code = await new Promise<number | null>((r) => child!.once('exit', (exitCode) => r(exitCode)));
        // SIGTERM is a graceful shutdown: in-flight activities finish or are handed back, and the process exits 0.
        if (signal === 'SIGTERM') assert.equal(code, 0, 'graceful shutdown exits 0');
        // Whatever the old worker finished on its way out, the run itself is not done: no worker is left to end it.
        assert.equal((await handle.describe()).status.name, 'RUNNING', 'stopped mid-run');

        // The replacement serves Prometheus metrics: the SDK's and the sync's own counters.
        const metricsPort = 19_400 + (process.pid % 500);
        workerEnv.METRICS_PORT = String(metricsPort);
        child = startWorker();
        const summary = await handle.result();
        assert.equal(summary.featureRequests.failed, 0, JSON.stringify(summary.failures));
        assert.deepEqual(portalState(stack.sims.hubspot), reference);

        // One more run with a renamed post, all on the replacement, which counts it in its metrics.
        const post = stack.sims.canny.posts()[0]!;
        stack.sims.canny.updatePost(post.id, { title: `${post.title} (renamed)` });
        await stack.env.client.workflow.execute(syncFeatureRequests, {
          taskQueue: stack.taskQueue,
          workflowId: `${workflowId}/after`,
          args: [{ environment: 'test', mode: 'full', leaseRetryIntervalMs: LEASE_RETRY_MS }],
        });
        const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
        assert.match(metrics, /feedback_sync_api_requests\{[^}]*system="hubspot"/);
        assert.match(metrics, /feedback_sync_records_written\{[^}]*kind="feature_request"[^}]*op="updated"/);
        assert.match(metrics, /temporal_activity_execution_latency/);
      } finally {
        if (child && child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          await new Promise((r) => child!.once('exit', r));
        }
        await stack.close();
      }
    };

  it(
    'a worker killed with SIGKILL mid-run is replaced and the run finishes with no duplicate',
    killMidRun('SIGKILL'),
  );
  it(
    'a worker killed between writing requests and their associations: the replacement finishes the associations',
    killMidRun('SIGKILL', 'afterRequestsWritten'),
  );
  it(
    'a worker stopped with SIGTERM mid-run exits cleanly and a restarted worker finishes the run',
    killMidRun('SIGTERM'),
  );
});
