// The worker: builds clients, activities and the three Temporal workers of one process; nothing else.
//
// Queues (src/task-queues.ts): the main queue runs workflows, source reads and Slack; the HubSpot queue and
// the HubSpot search queue run one HubSpot request per activity, and their `maxTaskQueueActivitiesPerSecond`
// (enforced by the Temporal server across every worker) is the portal's budget, shared by all workers.
import fs from 'node:fs';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type LogLevel,
  type WorkerOptions,
} from '@temporalio/worker';
import pino from 'pino';
import { createActivities } from './activities';
import { budgetKeyOf, storeBudget, waitInActivity } from './activities/source-budget';
import { hourlyAllowance } from './domain/rate-limits';
import { dataConverterFor } from './codec/data-converter';
import { parsePayloadKeys, payloadProtection } from './codec/keys';
import { connectWithin } from './temporal-connect';
import { CannyClient } from './clients/canny';
import { HubspotGateway } from './clients/hubspot';
import { SlackNotifier } from './clients/slack';
import { temporalLiveness, workerIdentity } from './clients/temporal';
import type { RequestCounter } from './clients/source';
import { acknowledged } from './store/acknowledged';
import { storeIdentity } from './store/identity';
import {
  cannyBudget,
  ConfigError,
  hubspotActivitiesPerSecond,
  hubspotConnection,
  parseConfig,
  resolveEnvironmentWithFiles,
  type Config,
} from './config';
import type { RunSummary } from './domain/types';
import { checkRuntime, RuntimeCheckError } from './runtime-check';
import { openStore, storeLocation, type StoreDb } from './store/open';
import { environmentCheck } from './activities/environment-check';
import { taskQueues } from './task-queues';
import { bundleWorkflowsInChild } from './workflow-bundle';

export interface WorkerSetup {
  config: Config;
  connection: NativeConnection;
  /** The run store (SYNC_STORE_URL), opened by the caller, which closes it after the workers stopped. */
  store: StoreDb;
  namespace?: string;
  /** Prebuilt bundle or sources; defaults to dist/workflow-bundle.js when built, else src/workflows. */
  workflows?: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>;
  /** Called with every run summary's text (the demo prints them). */
  echo?: (text: string, summary: RunSummary) => void;
}

export function defaultWorkflows(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  // Compiled (dist/src/worker.js, the Docker image): the bundle `npm run build` made next to it. From
  // sources (tsx, development): bundle at start, so an edit is never hidden behind a stale bundle.
  const bundle = path.resolve(__dirname, '..', 'workflow-bundle.js');
  if (path.basename(path.dirname(__dirname)) === 'dist' && fs.existsSync(bundle))
    return { workflowBundle: { codePath: bundle } };
  return { workflowsPath: require.resolve('./workflows') };
}

/** The cancellation of the activity this code runs in, if any. */
function activityCancellation(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined; // outside an activity
  }
}

/** The main, HubSpot and HubSpot-search workers of one process, sharing one connection and one run store. */
export async function createWorkers(setup: WorkerSetup): Promise<Worker[]> {
  const { config } = setup;
  const namespace = setup.namespace ?? 'default';
  const limits = cannyBudget(config);
  const budget =
    limits.length > 0 ? storeBudget(setup.store, budgetKeyOf(config.CANNY_API_KEY), limits) : undefined;
  const storeId = await storeIdentity(setup.store);
  const payloadKeys = parsePayloadKeys(config.SYNC_PAYLOAD_KEYS).keys;
  // Parsed once (the create defaults among it): a gateway is built per activity.
  const connection = hubspotConnection(config);
  const hubspot = (counter?: RequestCounter): HubspotGateway => {
    const signal = activityCancellation();
    return new HubspotGateway({
      ...connection,
      ...(counter ? { counter } : {}),
      ...(signal ? { signal } : {}),
    });
  };
  /** The portal of this worker's token, asked once (the writer lease is keyed by it). */
  let portal: Promise<string> | undefined;
  const portalId = (counter?: RequestCounter): Promise<string> => {
    portal ??= hubspot(counter).portalId();
    portal.catch(() => (portal = undefined)); // asked again next time
    return portal;
  };
  const activities = createActivities({
    store: setup.store,
    storeId,
    // Personal data in the run store is sealed with the payload keys (src/store/sealing.ts).
    ...(payloadKeys ? { payloadKeys } : {}),
    // The writer lease asks whether its holder still runs, on this worker's own connection.
    workflows: temporalLiveness(setup.connection.workflowService, namespace),
    namespace,
    taskQueue: config.SYNC_TASK_QUEUE,
    portalId,
    // A terminated holder's activities learn it at their next heartbeat (sent every 5 s at most, see
    // maxHeartbeatThrottleInterval), send no new request, and their last one ends within
    // HUBSPOT_REQUEST_TIMEOUT_MS.
    fenceAfterMs: config.HUBSPOT_REQUEST_TIMEOUT_MS + 15_000,
    storeName: storeLocation(config.SYNC_STORE_URL).display,
    retentionDays: config.SYNC_STORE_RETENTION_DAYS,
    maxRuns: config.SYNC_STORE_MAX_RUNS,
    maxTrailMb: config.SYNC_STORE_MAX_MB,
    environment: config.SYNC_ENV,
    settings: {
      arrProperty: config.HUBSPOT_COMPANY_ARR_PROPERTY,
      objectName: config.HUBSPOT_OBJECT_NAME,
      target: config.HUBSPOT_TARGET,
      createCompanies: config.SYNC_CREATE_COMPANIES,
      createContacts: config.SYNC_CREATE_CONTACTS,
      pageSize: config.SYNC_PAGE_SIZE,
      maxVanished: config.SYNC_MAX_VANISHED ?? null,
      sourceParallelBoards: config.CANNY_PARALLEL_BOARDS,
      sourceHourlyBudget: limits.length > 0 ? hourlyAllowance(limits) : 0,
    },
    // Every request takes a slot of the key's budget, shared through the run store by the whole fleet.
    source: (counter) =>
      new CannyClient({
        apiKey: config.CANNY_API_KEY,
        baseUrl: config.CANNY_BASE_URL,
        counter,
        ...(budget ? { budget } : {}),
        wait: waitInActivity,
      }),
    hubspot,
    ...(config.SLACK_BOT_TOKEN && config.SLACK_CHANNEL
      ? {
          slack: (counter) =>
            new SlackNotifier({
              token: config.SLACK_BOT_TOKEN!,
              channel: config.SLACK_CHANNEL!,
              apiUrl: config.SLACK_API_URL,
              counter,
            }),
        }
      : {}),
    ...(config.SLACK_BOT_TOKEN && config.SLACK_ALERT_CHANNEL
      ? {
          alertSlack: (counter) =>
            new SlackNotifier({
              token: config.SLACK_BOT_TOKEN!,
              channel: config.SLACK_ALERT_CHANNEL!,
              apiUrl: config.SLACK_API_URL,
              counter,
            }),
        }
      : {}),
    ...(config.SLACK_ALERT_MENTION ? { alertMention: config.SLACK_ALERT_MENTION } : {}),
    notify: config.SLACK_NOTIFY,
    acknowledged: async (environment) =>
      new Set((await acknowledged(setup.store, environment)).map((a) => a.key)),
    ...(setup.echo ? { echo: setup.echo } : {}),
  });
  const queues = taskQueues(config.SYNC_TASK_QUEUE);
  const common = {
    connection: setup.connection,
    namespace,
    // `pid@host store=<id>`: the writer lease refuses to grant anything while the task queue's workers name
    // different run stores (src/activities/writer-lease.ts).
    identity: workerIdentity(storeId),
    activities,
    // SYNC_PAYLOAD_KEYS: payloads and failures are encrypted before they reach Temporal (README: Personal data).
    dataConverter: dataConverterFor(payloadKeys, namespace, config.SYNC_PAYLOAD_NAMESPACE_BINDING),
    // Refuses activities of another environment's runs before they send anything (a shared task queue).
    interceptors: { activity: [environmentCheck(config.SYNC_ENV)] },
    // On SIGTERM, in-flight activities (one HubSpot request each) get this long to finish before they are
    // cancelled and handed back to another worker.
    shutdownGraceTime: '10 seconds' as const,
    // Heartbeats reach the server within 5 s (the SDK's default throttle is 80 % of the heartbeat timeout,
    // 24 s): a cancelled or terminated run's activities learn it in time for the lease's fence.
    maxHeartbeatThrottleInterval: '5 seconds' as const,
  };
  const workflows = setup.workflows ?? defaultWorkflows();
  return Promise.all([
    Worker.create({
      ...common,
      ...workflows,
      taskQueue: queues.main,
      maxConcurrentActivityTaskExecutions: 20,
    }),
    Worker.create({
      ...common,
      taskQueue: queues.hubspot,
      maxTaskQueueActivitiesPerSecond: hubspotActivitiesPerSecond(config),
      maxConcurrentActivityTaskExecutions: 32,
    }),
    Worker.create({
      ...common,
      taskQueue: queues.hubspotSearch,
      // 80 %: HubSpot counts searches per second, exactly; Temporal's limiter lets short bursts through.
      maxTaskQueueActivitiesPerSecond: config.HUBSPOT_SEARCH_REQUESTS_PER_SECOND * 0.8,
      maxConcurrentActivityTaskExecutions: 8,
    }),
  ]);
}

/**
 * Runs workers until they stop. SIGINT/SIGTERM (handled by the SDK) make each finish or hand back its
 * in-flight tasks; when one worker stops for any reason the others are stopped too, and every worker has
 * released the connection before this resolves.
 */
export async function runWorkers(workers: Worker[]): Promise<void> {
  const stopOthers = (): void => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
  };
  const results = await Promise.allSettled(workers.map((w) => w.run().finally(stopOthers)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/**
 * The level an SDK log entry is printed at. Two start-up entries are expected on every start and say nothing
 * an operator can act on, so they drop to debug: the webpack build report of the workflow bundle (many lines,
 * at info; a failed build is logged at error and stays there), and "No workflows registered" of the two
 * HubSpot workers, which run activities only by design.
 */
export function sdkLogLevel(level: Level, message: string): Level {
  if (level === 'info' && /^webpack \d[^\n]* compiled/m.test(message)) return 'debug';
  if (level === 'warn' && message.startsWith('No workflows registered')) return 'debug';
  return level;
}

/**
 * Structured logs: JSON lines (pino) when stdout is not a terminal, pretty and coloured on one; the Temporal
 * runtime logs through the same logger. Metrics, when a port is given, are served at `/metrics` on `host`.
 */
export function installLogging(
  level: Config['LOG_LEVEL'],
  environment: string,
  metrics?: { port: number; host: string },
): pino.Logger {
  const logger = pino(
    { level, base: { service: 'feedback-sync', environment } },
    process.stdout.isTTY ? pino.transport({ target: 'pino-pretty', options: { colorize: true } }) : undefined,
  );
  const temporalLevel = level.toUpperCase() as LogLevel;
  Runtime.install({
    logger: new DefaultLogger(temporalLevel, (entry) => {
      const method = sdkLogLevel(entry.level.toLowerCase() as Level, entry.message);
      logger[method]({ ...entry.meta }, entry.message);
    }),
    ...(metrics
      ? {
          telemetryOptions: {
            metrics: { prometheus: { bindAddress: `${hostForAddress(metrics.host)}:${metrics.port}` } },
          },
        }
      : {}),
  });
  return logger;
}

/** An IPv6 literal needs brackets in host:port. */
const hostForAddress = (host: string): string => (host.includes(':') ? `[${host}]` : host);

async function main(): Promise<void> {
  checkRuntime();
  const resolved = resolveEnvironmentWithFiles();
  // Every problem at once, the worker's refusal to run unencrypted included.
  const config = parseConfig(resolved.values, { worker: true });
  const protection = payloadProtection(config);
  const logger = installLogging(
    config.LOG_LEVEL,
    config.SYNC_ENV,
    config.METRICS_PORT ? { port: config.METRICS_PORT, host: config.METRICS_HOST } : undefined,
  );
  // Names only: the files hold secrets. An empty list says that no .env file was found here.
  logger.info({ configFiles: resolved.files, cwd: process.cwd() }, 'configuration loaded');
  if (protection.encrypted)
    logger.info(
      { encryptKeyId: protection.keys.encryptId, keyIds: [...protection.keys.keys.keys()] },
      'payloads are encrypted',
    );
  else
    logger.warn(
      { reason: protection.reason },
      'payloads are NOT encrypted: workflow histories hold personal data in plain text (README: Personal data)',
    );
  // TEMPORAL_* from the environment, and from .env / .env.<SYNC_ENV> like everything else.
  const env = Object.fromEntries(
    Object.entries(resolved.values).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const { connectionOptions, namespace } = loadClientConnectConfig({ overrideEnvVars: env });
  const connection = await connectWithin(connectionOptions.address ?? 'localhost:7233', () =>
    NativeConnection.connect(connectionOptions),
  );
  const store = await openStore(config.SYNC_STORE_URL);
  try {
    // From sources, the bundle is made in a child process: its memory is returned when the child exits.
    const compiled = defaultWorkflows();
    const workflows = compiled.workflowBundle ? compiled : { workflowBundle: await bundleWorkflowsInChild() };
    const workers = await createWorkers({
      config,
      connection,
      store,
      workflows,
      ...(namespace ? { namespace } : {}),
      // No echo: without Slack the summary activity logs the summary itself, once.
    });
    logger.info(
      {
        node: process.version,
        taskQueues: taskQueues(config.SYNC_TASK_QUEUE),
        hubspotPerSecond: hubspotActivitiesPerSecond(config),
        runStore: storeLocation(config.SYNC_STORE_URL).display,
        // Where it talks to: a worker started with another environment's variables still set shows here.
        temporal: {
          address: connectionOptions.address ?? 'localhost:7233',
          namespace: namespace ?? 'default',
        },
        hubspot: config.HUBSPOT_BASE_URL,
        canny: config.CANNY_BASE_URL,
        slack: config.SLACK_BOT_TOKEN ? { api: config.SLACK_API_URL, channel: config.SLACK_CHANNEL } : null,
        ...(config.METRICS_PORT
          ? { metrics: `http://${hostForAddress(config.METRICS_HOST)}:${config.METRICS_PORT}/metrics` }
          : {}),
      },
      'worker started',
    );
    await runWorkers(workers);
  } finally {
    await store.destroy();
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    // 2 like the CLI: a configuration or installation error is fixed by the operator, not by a restart.
    process.exit(err instanceof ConfigError || err instanceof RuntimeCheckError ? 2 : 1);
  });
}
