// `npm run demo`: the whole product on this machine with no credentials. A Temporal dev server (Web UI on
// 8233, workflows kept in .temporal/demo.sqlite across restarts), the Canny, HubSpot and Slack simulators seeded
// with the demo dataset, the portal set up as `hubspot setup --apply` would, the three workers in this process,
// and a schedule that syncs every 5 minutes. The first run is triggered at once and its summary printed.
//
//   npm run demo              keeps running until Ctrl-C (workers stop, the server stops, nothing is deleted)
//   npm run demo -- --once    one run, a check that the Temporal UI shows it, then exit (CI, test/demo.test.ts)
//   npm run demo -- --tier professional
//                             a simulated portal of that tier (free, starter, professional; enterprise by
//                             default): below Enterprise it cannot hold a custom object, and the requests
//                             become tickets in a "Feature requests" pipeline (HUBSPOT_TARGET=auto)
//
// Environment: TEMPORAL_PORT (7233), TEMPORAL_UI_PORT (8233), CANNY_SIM_PORT (4010), HUBSPOT_SIM_PORT (4020),
// SLACK_SIM_PORT (4030), SYNC_CODEC_PORT (8888), DEMO_DB_FILE (.temporal/demo.sqlite; `memory` keeps nothing),
// DEMO_KEYS_FILE (.feedback-sync/demo-payload-keys), DEMO_ONCE=1, DEMO_TIMEOUT_SECONDS (300, for the first
// run), LOG_LEVEL (warn).
//
// Payloads are encrypted like a deployment's (README: Personal data): a development key is generated on first
// use into DEMO_KEYS_FILE (gitignored), and a codec server on loopback lets the Web UI show them decoded.
//
// If something already answers on TEMPORAL_PORT (say `npm run temporal`), the demo uses that server and leaves
// it running. Its own task queue (`feedback-sync-demo`) keeps its runs away from a worker of a real portal
// polling the default queue on the same server.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  Client,
  Connection,
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type ScheduleHandle,
  type ScheduleOptions,
  type ScheduleSpec,
  type ScheduleOptionsStartWorkflowAction,
} from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type LogLevel, type Worker } from '@temporalio/worker';
import { applySetup } from '../src/clients/hubspot-setup';
import { HubspotGateway } from '../src/clients/hubspot';
import { dataConverterFor } from '../src/codec/data-converter';
import { parsePayloadKeys } from '../src/codec/keys';
import { startCodecServer } from '../src/codec/server';
import { hubspotConnection, parseCodecServerConfig, parseConfig, type Config } from '../src/config';
import type { RunSummary } from '../src/domain/types';
import { checkRuntime, RuntimeCheckError } from '../src/runtime-check';
import { DRY_RUN_ATTRIBUTE, ENVIRONMENT_ATTRIBUTE, MODE_ATTRIBUTE } from '../src/search-attributes';
import { DEMO_DATASET, startSimulators, TIERS, type RunningSimulators, type Tier } from '../src/simulators';
import { openStore } from '../src/store/open';
import { createWorkers } from '../src/worker';
import { syncFeatureRequests, type SyncInput } from '../src/workflows';
import {
  ensureSearchAttributes,
  portAnswers,
  startDevServer,
  waitForTemporal,
  type DevServer,
} from './dev-stack';

const ENVIRONMENT = 'demo';
const TASK_QUEUE = 'feedback-sync-demo';
const SCHEDULE_ID = 'feedback-sync/demo';
const WORKFLOW_ID = 'feedback-sync/demo/full';
const NAMESPACE = 'default';
const SLACK_CHANNEL = '#feature-requests';
/** How long `--once` polls the UI server for the run (its visibility store lags the run by a moment). */
const UI_CHECK_TIMEOUT_MS = 20_000;

interface DemoOptions {
  once: boolean;
  /** The simulated portal's subscription (`--tier`). */
  tier: Tier;
  temporalPort: number;
  uiPort: number;
  simPorts: { canny: number; hubspot: number; slack: number };
  codecPort: number;
  keysFile: string;
  /** undefined = in memory. */
  dbFile: string | undefined;
  timeoutMs: number;
  logLevel: LogLevel;
}

function envPort(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) throw new Error(`${name}=${raw} is not a port`);
  return port;
}

const USAGE = `Usage: npm run demo [-- [--once] [--tier ${TIERS.join('|')}]]`;

function readOptions(argv: string[]): DemoOptions {
  let tier: Tier = 'enterprise';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--once') continue;
    const value =
      arg === '--tier' ? argv[++i] : arg.startsWith('--tier=') ? arg.slice('--tier='.length) : null;
    if (value === null) throw new Error(`Unknown argument ${arg}. ${USAGE}`);
    if (!TIERS.includes(value as Tier)) throw new Error(`--tier ${value ?? ''}: not a tier. ${USAGE}`);
    tier = value as Tier;
  }
  const once = argv.includes('--once') || ['1', 'true', 'yes'].includes(process.env.DEMO_ONCE ?? '');
  const db = process.env.DEMO_DB_FILE;
  const timeoutSeconds = Number(process.env.DEMO_TIMEOUT_SECONDS ?? 300);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0)
    throw new Error(`DEMO_TIMEOUT_SECONDS=${process.env.DEMO_TIMEOUT_SECONDS} is not a positive number`);
  const level = (process.env.LOG_LEVEL ?? 'warn').toUpperCase();
  if (!['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'].includes(level))
    throw new Error(`LOG_LEVEL=${process.env.LOG_LEVEL} is not one of trace, debug, info, warn, error`);
  return {
    once,
    tier,
    temporalPort: envPort('TEMPORAL_PORT', 7233),
    uiPort: envPort('TEMPORAL_UI_PORT', 8233),
    simPorts: {
      canny: envPort('CANNY_SIM_PORT', 4010),
      hubspot: envPort('HUBSPOT_SIM_PORT', 4020),
      slack: envPort('SLACK_SIM_PORT', 4030),
    },
    codecPort: envPort('SYNC_CODEC_PORT', 8888),
    keysFile: path.resolve(
      process.env.DEMO_KEYS_FILE || path.join(__dirname, '..', '.feedback-sync', 'demo-payload-keys'),
    ),
    dbFile:
      db === 'memory'
        ? undefined
        : path.resolve(db || path.join(__dirname, '..', '.temporal', 'demo.sqlite')),
    timeoutMs: timeoutSeconds * 1000,
    logLevel: level as LogLevel,
  };
}

/** Ctrl-C or SIGTERM: the first asks for a clean stop, a second one exits at once. */
class StopSignal {
  private resolve!: (signal: NodeJS.Signals) => void;
  readonly requested = new Promise<NodeJS.Signals>((resolve) => {
    this.resolve = resolve;
  });
  signal: NodeJS.Signals | undefined;

  constructor() {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (this.signal) {
        console.error(`\n${signal} again: exiting without cleaning up`);
        process.exit(130);
      }
      this.signal = signal;
      console.log(`\n${signal}: stopping the demo (Ctrl-C again to force)...`);
      this.resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  /** Awaits `step`, or throws Stopped as soon as a stop is asked for. */
  async race<T>(step: Promise<T>): Promise<T> {
    return Promise.race([
      step,
      this.requested.then((signal): never => {
        throw new Stopped(signal);
      }),
    ]);
  }
}

class Stopped extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`stopped by ${signal}`);
  }
}

/**
 * The demo's SYNC_PAYLOAD_KEYS, generated on first use and kept in `file`: runs kept in the demo's SQLite file
 * decode on the next start too. `wx`: two demos starting at once agree on the first one's key.
 */
function demoPayloadKeys(file: string): { value: string; created: boolean } {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    fs.writeFileSync(file, `demo-1:${crypto.randomBytes(32).toString('base64')}\n`, {
      flag: 'wx',
      mode: 0o600,
    });
    return { value: fs.readFileSync(file, 'utf8').trim(), created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { value: fs.readFileSync(file, 'utf8').trim(), created: false };
  }
}

function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative;
}

const rule = (title: string): string => `\n── ${title} ${'─'.repeat(Math.max(3, 72 - title.length))}`;

/** The Slack summary as it reaches the channel, framed so it stands out among the logs. */
function printSlackSummary(text: string): void {
  const lines = text.split('\n');
  const title = `┌─ Slack summary → ${SLACK_CHANNEL} `;
  const width = Math.min(100, Math.max(title.length + 3, ...lines.map((l) => l.length + 2)));
  console.log(`\n${title}${'─'.repeat(width - title.length)}`);
  for (const line of lines) console.log(`│ ${line}`);
  console.log(`└${'─'.repeat(width - 1)}`);
}

function printSummaryTable(summary: RunSummary): void {
  const { featureRequests: fr, companies: co, contacts: ct, associations: as, apiRequests: api } = summary;
  const rows: Array<[string, string]> = [
    ['workflow', `${summary.workflowId} (run ${summary.runId})`],
    ['duration', `${(summary.durationMs / 1000).toFixed(1)} s`],
    [
      'feature requests',
      `${fr.identified} identified, ${fr.created} created, ${fr.updated} updated, ${fr.unchanged} unchanged, ${fr.failed} failed`,
    ],
    ['companies', `${co.matched} matched, ${co.created} created, ${co.failed} failed`],
    ['contacts', `${ct.matched} matched, ${ct.created} created, ${ct.failed} failed, ${ct.skipped} skipped`],
    ['associations', `${as.created} created, ${as.removed} removed`],
    [
      'API requests',
      `HubSpot ${api.hubspot}, Canny ${api.canny}, Slack ${api.slack}, rate-limited ${api.rateLimited}`,
    ],
    ['failures', summary.failures.length === 0 ? 'none' : `${summary.failures.length} (first listed below)`],
    ['Temporal UI', summary.uiUrl],
  ];
  for (const [label, value] of rows) console.log(`  ${label.padEnd(17)} ${value}`);
  for (const f of summary.failures.slice(0, 5)) console.log(`    - ${f.kind} ${f.key}: ${f.reason}`);
}

/** Creates the schedule, or brings an existing one (from an earlier demo, kept in SQLite) up to date. */
async function upsertSchedule(
  client: Client,
  input: SyncInput,
): Promise<{ handle: ScheduleHandle; created: boolean }> {
  const action: ScheduleOptionsStartWorkflowAction<typeof syncFeatureRequests> = {
    type: 'startWorkflow',
    workflowType: syncFeatureRequests,
    workflowId: WORKFLOW_ID,
    taskQueue: TASK_QUEUE,
    args: [input],
    typedSearchAttributes: [
      { key: ENVIRONMENT_ATTRIBUTE, value: input.environment },
      { key: MODE_ATTRIBUTE, value: input.mode },
      { key: DRY_RUN_ATTRIBUTE, value: input.dryRun ?? false },
    ],
    staticSummary: 'Demo: full sync of the simulated Canny into the simulated HubSpot',
  };
  const spec: ScheduleSpec = { intervals: [{ every: '5 minutes' }] };
  // SKIP: a sync still running when the next one is due makes that one pointless. The catch-up window is set
  // explicitly (docs and server defaults disagree): a demo restarted within 10 minutes catches up once.
  const policies: ScheduleOptions['policies'] = {
    overlap: ScheduleOverlapPolicy.SKIP,
    catchupWindow: '10 minutes',
  };
  try {
    const handle = await client.schedule.create({ scheduleId: SCHEDULE_ID, spec, action, policies });
    return { handle, created: true };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    const handle = client.schedule.getHandle(SCHEDULE_ID);
    await handle.update((previous) => ({ spec, action, policies, state: previous.state }));
    return { handle, created: false };
  }
}

/** Triggers the schedule now and returns the run it started (found through the schedule's recent actions). */
async function triggerNow(handle: ScheduleHandle): Promise<{ workflowId: string; runId: string }> {
  const before = await handle.describe();
  const known = new Set(before.info.recentActions.map((a) => a.action.workflow.firstExecutionRunId));
  // A manual trigger defaults to ALLOW_ALL: the first run starts even while a scheduled one runs.
  await handle.trigger();
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const now = await handle.describe();
    const fresh = [...now.info.recentActions]
      .reverse()
      .find((a) => !known.has(a.action.workflow.firstExecutionRunId));
    if (fresh)
      return {
        workflowId: fresh.action.workflow.workflowId,
        runId: fresh.action.workflow.firstExecutionRunId,
      };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`Triggered schedule ${SCHEDULE_ID}, but no new run appeared within 30 s`);
}

/** Asks the Temporal UI's HTTP API (the UI's own backend) for the run, as a browser would. */
async function checkUiShowsRun(uiUrl: string, workflowId: string, runId: string): Promise<string> {
  const url = `${uiUrl}/api/v1/namespaces/${NAMESPACE}/workflows/${encodeURIComponent(workflowId)}?execution.runId=${runId}`;
  const deadline = Date.now() + UI_CHECK_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      const text = await response.text();
      if (response.ok && text.includes(workflowId) && text.includes(runId)) {
        const status = /"status":\s*"WORKFLOW_EXECUTION_STATUS_(\w+)"/.exec(text)?.[1] ?? 'unknown';
        return `UI check: OK — GET ${url} returned the run (status ${status})`;
      }
      last = `HTTP ${response.status}: ${text.slice(0, 200)}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`UI check: FAILED — GET ${url} did not show the run within 20 s (${last})`);
}

function printWhereToLook(o: {
  server: { address: string; uiUrl: string; reused: boolean };
  sims: RunningSimulators;
  config: Config;
  runUrl: string;
  once: boolean;
  codecUrl: string;
  keysFile: string;
}): void {
  const { sims, config } = o;
  console.log(rule('Where to look'));
  console.log(`  Temporal UI        ${o.server.uiUrl}/namespaces/${NAMESPACE}/workflows`);
  console.log(`  this run           ${o.runUrl}`);
  console.log(
    `  schedule           ${o.server.uiUrl}/namespaces/${NAMESPACE}/schedules/${encodeURIComponent(SCHEDULE_ID)}`,
  );
  console.log(
    `  demo runs          ${o.server.uiUrl}/namespaces/${NAMESPACE}/workflows?query=${encodeURIComponent(`${ENVIRONMENT_ATTRIBUTE.name}="${ENVIRONMENT}"`)}`,
  );
  console.log(`  Canny simulator    ${sims.urls.canny}   state: ${sims.urls.canny}/_sim/state`);
  console.log(`  HubSpot simulator  ${sims.urls.hubspot}   state: ${sims.urls.hubspot}/_sim/state`);
  console.log(`  Slack simulator    ${sims.urls.slack}   state: ${sims.urls.slack}/_sim/state`);
  console.log(`  request logs       GET <simulator>/_sim/requests`);
  console.log(
    `  decoded payloads   the UI shows inputs and results through the codec server ${o.codecUrl};\n` +
      `                     in Temporal they are encrypted (key in ${displayPath(o.keysFile)})`,
  );
  if (o.once) return;
  console.log(rule('Drive it with the CLI (in another terminal)'));
  const env: Record<string, string> = {
    TEMPORAL_ADDRESS: o.server.address,
    TEMPORAL_NAMESPACE: NAMESPACE,
    SYNC_ENV: ENVIRONMENT,
    SYNC_TASK_QUEUE: TASK_QUEUE,
    // The demo's run store, absolute: `runs show`, a dry run's listing and `failures` read it from any folder.
    SYNC_STORE_URL: `sqlite:${path.resolve(config.SYNC_STORE_URL.slice('sqlite:'.length))}`,
    CANNY_BASE_URL: config.CANNY_BASE_URL,
    CANNY_API_KEY: config.CANNY_API_KEY,
    HUBSPOT_BASE_URL: config.HUBSPOT_BASE_URL,
    HUBSPOT_ACCESS_TOKEN: config.HUBSPOT_ACCESS_TOKEN,
    HUBSPOT_REQUESTS_PER_10S: String(config.HUBSPOT_REQUESTS_PER_10S),
    HUBSPOT_SEARCH_REQUESTS_PER_SECOND: String(config.HUBSPOT_SEARCH_REQUESTS_PER_SECOND),
    SLACK_API_URL: config.SLACK_API_URL,
    SLACK_BOT_TOKEN: config.SLACK_BOT_TOKEN ?? '',
    SLACK_CHANNEL: config.SLACK_CHANNEL ?? '',
    TEMPORAL_UI_URL: config.TEMPORAL_UI_URL,
  };
  for (const [key, value] of Object.entries(env)) console.log(`  export ${key}='${value}'`);
  // The key by reference, not by value: the CLI encrypts and decodes like the demo's workers.
  // An absolute path: the lines work from any folder.
  console.log(`  export SYNC_PAYLOAD_KEYS="$(cat '${path.resolve(o.keysFile)}')"`);
  console.log(`  npx feedback-sync --help          # every command`);
  console.log(`  npx feedback-sync hubspot check   # the simulated portal matches the data model`);
  console.log(
    `\nThe schedule ${SCHEDULE_ID} syncs every 5 minutes; this process runs the workers. Ctrl-C stops it (nothing is deleted).`,
  );
}

async function main(): Promise<number> {
  checkRuntime();
  const options = readOptions(process.argv.slice(2));
  const stop = new StopSignal();
  // Worker lifecycle chatter at INFO buries the demo's output; LOG_LEVEL=info shows it. The HubSpot workers run
  // activities only, and their warning that they poll no workflows is expected.
  const fallback = new DefaultLogger(options.logLevel);
  Runtime.install({
    logger: new DefaultLogger(options.logLevel, (entry) => {
      if (!entry.message.startsWith('No workflows registered'))
        fallback.log(entry.level, entry.message, entry.meta);
    }),
  });

  const cleanups: Array<[string, () => Promise<void>]> = [];
  const cleanup = async (): Promise<void> => {
    for (const [what, fn] of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        console.error(`  stopping ${what} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };

  try {
    // --- payload keys and the codec server (before Temporal: its UI is told where the codec server is) ---
    const payloadKeys = demoPayloadKeys(options.keysFile);
    const keys = parsePayloadKeys(payloadKeys.value).keys;
    if (!keys)
      throw new Error(`${displayPath(options.keysFile)} holds no valid key: delete it to get a new one`);
    console.log(
      `Payload keys: ${payloadKeys.created ? 'generated a development key in' : 'using the development key in'} ` +
        `${displayPath(options.keysFile)} (payloads are encrypted in Temporal)`,
    );
    const codec = await stop.race(
      startCodecServer(
        parseCodecServerConfig({
          SYNC_ENV: ENVIRONMENT,
          SYNC_PAYLOAD_KEYS: payloadKeys.value,
          SYNC_CODEC_PORT: String(options.codecPort),
          SYNC_CODEC_CORS_ORIGINS: `http://localhost:${options.uiPort},http://127.0.0.1:${options.uiPort}`,
        }),
        {
          // Its request lines are noise in the demo; its warning (no token, loopback only) is printed.
          info: () => undefined,
          warn: (_fields, message) => console.log(`Codec server: ${message}`),
        },
      ),
    );
    cleanups.push(['the codec server', () => codec.close()]);

    // --- Temporal ---
    let server: { address: string; uiUrl: string; reused: boolean };
    const address = `127.0.0.1:${options.temporalPort}`;
    if (await portAnswers(options.temporalPort)) {
      await stop.race(waitForTemporal(address, { timeoutMs: 15_000 }));
      const added = await stop.race(ensureSearchAttributes(address, NAMESPACE));
      server = { address, uiUrl: `http://localhost:${options.uiPort}`, reused: true };
      console.log(
        `Temporal: reusing the server already answering on ${address} (the demo will not stop it)` +
          (added.length ? `; added search attributes ${added.join(', ')}` : ''),
      );
      console.log(
        `Temporal: its UI decodes payloads only if it was started with --ui-codec-endpoint ${codec.url} ` +
          '(npm run temporal does), or once it is set in the UI (its codec server setting)',
      );
    } else {
      const started = Date.now();
      const dev: DevServer = await stop.race(
        startDevServer({
          port: options.temporalPort,
          uiPort: options.uiPort,
          dbFile: options.dbFile,
          codecEndpoint: codec.url,
        }),
      );
      cleanups.push(['the Temporal dev server', () => dev.stop()]);
      server = { address: dev.address, uiUrl: dev.uiUrl!, reused: false };
      console.log(
        `Temporal: dev server up in ${Date.now() - started} ms on ${dev.address}, UI ${dev.uiUrl}, ` +
          (options.dbFile ? `workflows kept in ${displayPath(options.dbFile)}` : 'in memory'),
      );
    }

    // --- simulators, config, portal ---
    const sims = await stop.race(
      startSimulators({ ports: options.simPorts, dataset: DEMO_DATASET, hubspot: { tier: options.tier } }),
    );
    cleanups.push(['the simulators', () => sims.close()]);
    const ds = sims.dataset!;
    console.log(
      `Simulators: Canny ${sims.urls.canny}, HubSpot ${sims.urls.hubspot}, Slack ${sims.urls.slack} — ` +
        `${ds.canny.posts.length} posts, ${ds.canny.votes.length} votes, ${ds.canny.users.length} people, ` +
        `${ds.hubspot.companies.length} HubSpot companies, ${ds.hubspot.contacts.length} contacts`,
    );
    const config = parseConfig({
      SYNC_ENV: ENVIRONMENT,
      CANNY_API_KEY: sims.canny.apiKey,
      CANNY_BASE_URL: sims.urls.canny,
      HUBSPOT_ACCESS_TOKEN: sims.hubspot.accessToken,
      HUBSPOT_BASE_URL: sims.urls.hubspot,
      HUBSPOT_COMPANY_ARR_PROPERTY: ds.options.arrProperty,
      HUBSPOT_REQUESTS_PER_10S: String(sims.hubspot.requestsPer10s),
      HUBSPOT_SEARCH_REQUESTS_PER_SECOND: String(sims.hubspot.searchPerSecond),
      SLACK_BOT_TOKEN: sims.slack.token,
      SLACK_CHANNEL,
      SLACK_API_URL: sims.slack.apiUrl,
      SYNC_TASK_QUEUE: TASK_QUEUE,
      TEMPORAL_UI_URL: server.uiUrl,
      SYNC_PAYLOAD_KEYS: payloadKeys.value,
      // The run store, next to the demo's Temporal state (gitignored).
      SYNC_STORE_URL: `sqlite:${path.join(__dirname, '..', '.temporal', 'demo-run-store.db')}`,
    });
    const gateway = new HubspotGateway(hubspotConnection(config));
    const setup = await stop.race(
      applySetup(gateway, {
        objectName: config.HUBSPOT_OBJECT_NAME,
        arrProperty: config.HUBSPOT_COMPANY_ARR_PROPERTY,
        target: config.HUBSPOT_TARGET,
      }),
    );
    console.log(
      `HubSpot setup (as \`hubspot setup --apply\`) on a simulated ${options.tier} portal: requests as ` +
        `${setup.target.kind === 'tickets' ? 'tickets in the "Feature requests" pipeline' : `the custom object ${config.HUBSPOT_OBJECT_NAME}`} (${setup.target.why})`,
    );
    for (const line of setup.applied) console.log(`  + ${line}`);
    if (setup.problems.length > 0)
      throw new Error(
        `the simulated portal is not ready: ${setup.problems.map((p) => p.message).join('; ')}`,
      );

    // --- workers ---
    const native = await stop.race(NativeConnection.connect({ address: server.address }));
    cleanups.push(['the worker connection', () => native.close()]);
    console.log('Workers: bundling the workflows and starting the three workers...');
    const store = await stop.race(openStore(config.SYNC_STORE_URL));
    cleanups.push(['the run store', () => store.destroy()]);
    const workers: Worker[] = await stop.race(
      createWorkers({
        config,
        connection: native,
        store,
        namespace: NAMESPACE,
        echo: (text) => printSlackSummary(text),
      }),
    );
    let workerFailure: unknown;
    const running = Promise.all(
      workers.map((w) =>
        w.run().catch((err: unknown) => {
          workerFailure ??= err;
          for (const other of workers) if (other.getState() === 'RUNNING') other.shutdown();
        }),
      ),
    );
    cleanups.push([
      'the workers',
      async () => {
        for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
        await running;
      },
    ]);
    const workersStopped = running.then(() => {
      throw new Error(
        `a worker stopped: ${workerFailure instanceof Error ? workerFailure.message : 'unknown'}`,
      );
    });
    workersStopped.catch(() => undefined); // observed below; never an unhandled rejection
    console.log(`Workers: running on task queue ${TASK_QUEUE} (+ -hubspot, -hubspot-search)`);

    // --- schedule and the first run ---
    const connection = await stop.race(Connection.connect({ address: server.address }));
    cleanups.push(['the client connection', () => connection.close()]);
    const client = new Client({ connection, namespace: NAMESPACE, dataConverter: dataConverterFor(keys) });
    const input: SyncInput = { environment: ENVIRONMENT, mode: 'full', uiBaseUrl: server.uiUrl, parallel: 8 };
    const { handle: schedule, created } = await stop.race(upsertSchedule(client, input));
    console.log(
      `Schedule: ${created ? 'created' : 'updated'} ${SCHEDULE_ID} (every 5 minutes, overlap SKIP)`,
    );
    // Runs left open by an earlier demo (stopped mid-run) target simulators that no longer exist: end them, so
    // the first run starts from a clean slate. Their histories stay visible in the UI.
    const leftover = (await schedule.describe()).info.runningActions;
    for (const action of leftover) {
      await client.workflow
        .getHandle(action.workflow.workflowId)
        .terminate('left over from an earlier demo session; its simulators are gone');
      console.log(`Schedule: terminated ${action.workflow.workflowId}, left over from an earlier session`);
    }

    const run = await stop.race(triggerNow(schedule));
    console.log(`First run: triggered ${run.workflowId} — waiting for it...`);
    const handle = client.workflow.getHandle<typeof syncFeatureRequests>(run.workflowId, run.runId, {
      followRuns: true,
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the first run did not finish within ${options.timeoutMs / 1000} s`)),
        options.timeoutMs,
      );
    });
    const summary = await stop
      .race(Promise.race([handle.result(), timeout, workersStopped]))
      .finally(() => clearTimeout(timer));
    console.log(rule('First run'));
    printSummaryTable(summary);
    console.log(
      `  ${'Slack'.padEnd(17)} ${sims.slack.messages().length} message(s) in ${SLACK_CHANNEL} (simulator)`,
    );

    if (options.once) {
      if (!(await portAnswers(Number(new URL(server.uiUrl).port)))) {
        console.log(`UI check: SKIPPED — nothing answers on ${server.uiUrl} (a reused, headless server?)`);
      } else {
        console.log(await checkUiShowsRun(server.uiUrl, run.workflowId, run.runId));
      }
    }
    printWhereToLook({
      server,
      sims,
      config,
      runUrl: summary.uiUrl,
      once: options.once,
      codecUrl: codec.url,
      keysFile: options.keysFile,
    });
    if (options.once) return 0;

    // --- keep running ---
    try {
      await stop.race(workersStopped);
    } catch (err) {
      if (!(err instanceof Stopped)) throw err;
    }
    return 0;
  } catch (err) {
    if (err instanceof Stopped) return 0;
    throw err;
  } finally {
    if (cleanups.length)
      console.log(
        `Stopping: ${cleanups
          .map(([what]) => what)
          .reverse()
          .join(', ')}...`,
      );
    await cleanup();
    if (cleanups.length) console.log('Stopped.');
  }
}

main()
  .then((code) => process.exit(code))
  .catch((err: unknown) => {
    if (err instanceof RuntimeCheckError) {
      console.error(err.message);
      process.exit(2);
    }
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  });
