// The whole product on loopback for end-to-end tests: the three simulators, a portal set up by
// `hubspot setup --apply`, and the real workers on the shared dev server, with a fresh task queue per stack.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { applySetup } from '../../src/clients/hubspot-setup';
import { HubspotGateway } from '../../src/clients/hubspot';
import { hubspotConnection, parseConfig, type Config } from '../../src/config';
import { startSimulators, type StartSimulatorsOptions } from '../../src/simulators';
import type { RunSummary } from '../../src/domain/types';
import { openStore } from '../../src/store/open';
import { createWorkers } from '../../src/worker';
import { syncFeatureRequests, type SyncInput } from '../../src/workflows';
import { testEnv, workflowBundle } from '../hooks';
import { TEST_PAYLOAD_KEYS } from './payload-keys';

let stackCounter = 0;

export type Stack = Awaited<ReturnType<typeof startStack>>;

export async function startStack(
  options: {
    simulators?: StartSimulatorsOptions;
    env?: Record<string, string>;
    setup?: boolean;
    /** Another Temporal server than the suite's (one with a Web UI, say); the caller tears it down. */
    temporal?: TestWorkflowEnvironment;
  } = {},
) {
  const env = options.temporal ?? (await testEnv());
  const sims = await startSimulators(options.simulators ?? {});
  const taskQueue = `fs-test-${process.pid}-${++stackCounter}-${Date.now()}`;
  // One run store per stack, shared by its in-process workers and any worker process it starts.
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-stack-'));
  const config: Config = parseConfig({
    SYNC_STORE_URL: `sqlite:${path.join(storeDir, 'run-store.db')}`,
    SYNC_ENV: 'test',
    CANNY_API_KEY: sims.canny.apiKey,
    CANNY_BASE_URL: sims.urls.canny,
    HUBSPOT_ACCESS_TOKEN: sims.hubspot.accessToken,
    HUBSPOT_BASE_URL: sims.urls.hubspot,
    HUBSPOT_REQUESTS_PER_10S: '190',
    HUBSPOT_SEARCH_REQUESTS_PER_SECOND: '5',
    // Short: a terminated lease holder is taken over this long (plus 10 s) after it closed.
    HUBSPOT_REQUEST_TIMEOUT_MS: '8000',
    SLACK_BOT_TOKEN: sims.slack.token,
    SLACK_CHANNEL: '#feature-requests',
    // Every run posts: most tests read the summary from Slack. `changes`, the default, is tested apart.
    SLACK_NOTIFY: 'always',
    SLACK_API_URL: sims.slack.apiUrl,
    SYNC_TASK_QUEUE: taskQueue,
    HUBSPOT_COMPANY_ARR_PROPERTY: sims.dataset?.options.arrProperty ?? 'annualrevenue',
    // The suite client's keys (test/hooks.ts): a stack's workers read what the tests start.
    SYNC_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
    ...options.env,
  });
  const gateway = new HubspotGateway(hubspotConnection(config));
  if (options.setup !== false) {
    await applySetup(gateway, {
      objectName: config.HUBSPOT_OBJECT_NAME,
      arrProperty: config.HUBSPOT_COMPANY_ARR_PROPERTY,
      target: config.HUBSPOT_TARGET,
    });
  }
  // The portal's setup (schema, properties, association labels) is not the run's: writes count from here.
  const setupRequests = sims.hubspot.server.requests().length;
  const store = await openStore(config.SYNC_STORE_URL);
  let workers: Worker[] = [];
  let running: Promise<unknown> = Promise.resolve();

  const startWorkers = async (): Promise<void> => {
    workers = await createWorkers({
      config,
      store,
      connection: env.nativeConnection,
      workflows: { workflowBundle: await workflowBundle() },
    });
    running = Promise.allSettled(workers.map((w) => w.run()));
  };
  const stopWorkers = async (): Promise<void> => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    await running;
    workers = [];
  };
  await startWorkers();
  /** Stops the in-process worker of one task queue (the others go on): its tasks then go to other workers. */
  const stopWorkerOf = async (queue: string): Promise<void> => {
    const worker = workers.find((w) => w.options.taskQueue === queue);
    if (!worker) throw new Error(`no in-process worker polls ${queue}`);
    if (worker.getState() === 'RUNNING') worker.shutdown();
    while (worker.getState() !== 'STOPPED' && worker.getState() !== 'FAILED')
      await new Promise((resolve) => setTimeout(resolve, 50));
  };

  let runCounter = 0;
  const sync = async (input: Partial<SyncInput> = {}, workflowId?: string): Promise<RunSummary> =>
    env.client.workflow.execute(syncFeatureRequests, {
      taskQueue,
      workflowId: workflowId ?? `${taskQueue}/full/${++runCounter}`,
      args: [{ environment: config.SYNC_ENV, mode: 'full', leaseRetryIntervalMs: LEASE_RETRY_MS, ...input }],
    });

  return {
    env,
    sims,
    config,
    store,
    taskQueue,
    gateway,
    sync,
    startWorkers,
    stopWorkers,
    stopWorkerOf,
    /**
     * Write requests HubSpot received since the portal's setup: anything but GET, search and batch/read (the
     * data model's definition).
     */
    hubspotWrites(): number {
      return sims.hubspot.server
        .requests()
        .slice(setupRequests)
        .filter(
          (r) =>
            r.method !== 'GET' &&
            !r.path.endsWith('/search') &&
            !r.path.endsWith('/batch/read') &&
            !r.path.startsWith('/_sim'),
        ).length;
    },
    async close(): Promise<void> {
      await stopWorkers();
      await sims.close();
      await store.destroy();
      fs.rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

/** How often a test's run waiting for the writer lease asks again (runs of the CLI keep the default 20 s). */
export const LEASE_RETRY_MS = 2_000;

/** Starts a full run on the stack's task queue, as `<queue>/<name>`, without waiting for it. */
export function startFullRun(stack: Stack, name: string) {
  return stack.env.client.workflow.start(syncFeatureRequests, {
    taskQueue: stack.taskQueue,
    workflowId: `${stack.taskQueue}/${name}`,
    args: [{ environment: stack.config.SYNC_ENV, mode: 'full', leaseRetryIntervalMs: LEASE_RETRY_MS }],
  });
}

/** A ticket made as a person makes one, through HubSpot's API rather than the sync: its id. */
export async function createTicket(stack: Stack, properties: Record<string, string>): Promise<string> {
  const created = await stack.gateway.request<{ results: Array<{ id: string }> }>(
    'create a ticket',
    'POST',
    stack.gateway.paths.objects('tickets', '/batch/create'),
    { inputs: [{ properties }] },
  );
  return created.results[0]!.id;
}
