// The operator's command line: start and watch syncs, manage the schedule, export and replay histories, and
// check or set up a HubSpot portal. `runCli(argv, deps)` runs one command in-process and returns its exit
// code, so tests drive it with the suite's own Temporal client and capture what it prints.
//
// Exit codes: 0 ok; 1 the run failed or an error occurred; 2 usage or configuration error; 3 the HubSpot
// portal differs from the data model. Results go to stdout (one JSON line with --json), diagnostics to stderr.
import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import {
  Client,
  Connection,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  WorkflowFailedError,
  type ScheduleDescription,
  type ScheduleHandle,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleOverlapPolicy,
  type ScheduleSpec,
  type WorkflowExecutionInfo,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, type SearchAttributePair } from '@temporalio/common';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { msToNumber } from '@temporalio/common/lib/time';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { DefaultLogger, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { applySetup, checkPortal, type PortalReport } from './clients/hubspot-setup';
import { HubspotGateway } from './clients/hubspot';
import {
  ConfigError,
  loadConfig,
  loadOperatorConfig,
  resolveEnvironment,
  resolveEnvironmentWithFiles,
  type OperatorConfig,
} from './config';
import { isFreeMailDomain, normalizeDomainArgument } from './domain/email';
import { runUiUrl } from './domain/summary';
import type { RunSummary, SyncMode } from './domain/types';
import { DRY_RUN_ATTRIBUTE, ENVIRONMENT_ATTRIBUTE, MODE_ATTRIBUTE } from './search-attributes';
import { defaultWorkflows } from './worker';
import { syncCompanySignal, syncFeatureRequests, type SyncInput } from './workflows';

export const EXIT = { ok: 0, failed: 1, usage: 2, problems: 3 } as const;

export interface CliDeps {
  /** An existing client (tests); otherwise one is connected from TEMPORAL_* / the envconfig profile. */
  client?: Client;
  env?: NodeJS.ProcessEnv;
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
  /** Workflow code for `replay`; defaults to the prebuilt bundle when built, else src/workflows. */
  workflows?: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>;
}

/** An expected failure: its message is printed as is (no stack) and it decides the exit code. */
class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
const usageError = (message: string): CliError => new CliError(message, EXIT.usage);
const failedError = (message: string): CliError => new CliError(message, EXIT.failed);

interface Context {
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  err: (line: string) => void;
  deps: CliDeps;
  /** Runs `fn` with a connected client; a connection the CLI opened is closed afterwards. */
  temporal<T>(fn: (client: Client, namespace: string) => Promise<T>): Promise<T>;
}

// ---------------------------------------------------------------------------------------------------------
// Business keys and start options shared by `sync`, `sync-company` and the schedule's action

export const scheduleIdOf = (env: string): string => `feedback-sync/${env}`;

export function syncWorkflowId(env: string, kind: 'full' | 'dry-run' | { company: string }): string {
  return typeof kind === 'string'
    ? `feedback-sync/${env}/${kind}`
    : `feedback-sync/${env}/company/${kind.company}`;
}

function syncInput(
  cfg: OperatorConfig,
  mode: SyncMode,
  options: { dryRun?: boolean; domain?: string } = {},
): SyncInput {
  return {
    environment: cfg.SYNC_ENV,
    mode,
    ...(options.domain ? { domain: options.domain } : {}),
    dryRun: options.dryRun ?? false,
    uiBaseUrl: cfg.TEMPORAL_UI_URL,
    parallel: cfg.SYNC_MAX_PARALLEL,
  };
}

// Set at start (not only by the workflow's upsert) so a run is findable by `status` before its first task.
function searchAttributePairs(input: SyncInput): SearchAttributePair[] {
  return [
    { key: ENVIRONMENT_ATTRIBUTE, value: input.environment },
    { key: MODE_ATTRIBUTE, value: input.mode },
    { key: DRY_RUN_ATTRIBUTE, value: input.dryRun ?? false },
  ];
}

function staticSummary(input: SyncInput, scheduled = false): string {
  const what =
    input.mode === 'company'
      ? `Company sync: ${input.domain ?? '?'}`
      : scheduled
        ? 'Scheduled full sync'
        : 'Full sync';
  return `${what}${input.dryRun ? ' — dry run' : ''} (${input.environment})`;
}

// ---------------------------------------------------------------------------------------------------------
// Parsing and formatting helpers

function parseDuration(value: string): number {
  let ms: number;
  try {
    ms = msToNumber(value as Parameters<typeof msToNumber>[0]);
  } catch {
    throw new InvalidArgumentError(`"${value}" is not a duration (examples: 30s, 15m, 1h, 1d)`);
  }
  if (!Number.isFinite(ms) || ms < 0) throw new InvalidArgumentError(`"${value}" must not be negative`);
  return ms;
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`"${value}" is not a positive integer`);
  return n;
}

function parseInstant(value: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new InvalidArgumentError(`"${value}" is not an ISO 8601 date-time (e.g. 2025-01-31T09:00:00Z)`);
  return date;
}

/** `3600000` → `1h`, `5400000` → `1h 30m`, `0` → `0s`. */
export function compactDuration(ms: number): string {
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ];
  const parts: string[] = [];
  // Milliseconds only matter below a second.
  let rest = ms >= 1000 ? Math.round(ms / 1000) * 1000 : Math.round(ms);
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.length > 0 ? parts.join(' ') : '0s';
}

const iso = (date: Date | undefined): string => (date ? date.toISOString() : '—');

function messageOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // Temporal wraps the interesting part (the activity's or workflow's failure) in `cause`.
  const parts = [err.message];
  let cause = (err as { cause?: unknown }).cause;
  while (cause instanceof Error && parts.length < 5) {
    if (!parts.includes(cause.message)) parts.push(cause.message);
    cause = (cause as { cause?: unknown }).cause;
  }
  return parts.join(': ');
}

function summaryLines(summary: RunSummary): string[] {
  const { featureRequests: fr, companies: co, contacts: ct, associations: as, apiRequests: api } = summary;
  const scope = summary.mode === 'company' ? `Company sync ${summary.domain ?? ''}` : 'Full sync';
  const failures = fr.failed + co.failed + ct.failed;
  const lines = [
    `${scope}${summary.dryRun ? ' (dry run: nothing written)' : ''} — ${summary.environment}: ` +
      `completed${failures > 0 || summary.failures.length > 0 ? ' with failures' : ''} in ${compactDuration(summary.durationMs)}`,
    `  Feature requests  ${fr.identified} identified · ${fr.created} created · ${fr.updated} updated · ${fr.unchanged} unchanged · ${fr.failed} failed`,
    `  Companies         ${co.matched} matched · ${co.created} created · ${co.failed} failed`,
    `  Contacts          ${ct.matched} matched · ${ct.created} created · ${ct.failed} failed · ${ct.skipped} skipped`,
    `  Associations      ${as.created} created · ${as.removed} removed`,
    `  API requests      HubSpot ${api.hubspot} · Canny ${api.canny} · Slack ${api.slack} · 429s ${api.rateLimited}`,
  ];
  for (const f of summary.failures.slice(0, 10)) lines.push(`  ! ${f.kind} ${f.key}: ${f.reason}`);
  if (summary.failures.length > 10)
    lines.push(`  … ${summary.failures.length - 10} more failures in the JSON`);
  lines.push(`  ${summary.uiUrl}`);
  return lines;
}

function json(ctx: Context, value: unknown): void {
  ctx.out(JSON.stringify(value));
}

// ---------------------------------------------------------------------------------------------------------
// sync, sync-company

interface RunOptions {
  wait?: boolean;
  json?: boolean;
}

async function reportStarted(
  ctx: Context,
  handle: WorkflowHandle<typeof syncFeatureRequests>,
  runId: string,
  cfg: OperatorConfig,
  namespace: string,
  what: string,
  opts: RunOptions,
): Promise<number> {
  const uiUrl = runUiUrl(cfg.TEMPORAL_UI_URL, namespace, handle.workflowId, runId);
  if (opts.json && !opts.wait) json(ctx, { workflowId: handle.workflowId, runId, uiUrl });
  if (!opts.json) {
    ctx.out(`${what}`);
    ctx.out(`  workflow id  ${handle.workflowId}`);
    ctx.out(`  run id       ${runId}`);
    ctx.out(`  UI           ${uiUrl}`);
  }
  return opts.wait ? waitForSummary(ctx, handle, runId, uiUrl, opts) : EXIT.ok;
}

/** Record-level failures still complete a run (exit 0); only a failed workflow exits 1. */
async function waitForSummary(
  ctx: Context,
  handle: WorkflowHandle<typeof syncFeatureRequests>,
  runId: string,
  uiUrl: string,
  opts: RunOptions,
): Promise<number> {
  let summary: RunSummary;
  try {
    summary = await handle.result();
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    const error = messageOf(err);
    ctx.err(`sync failed: ${error}`);
    ctx.err(`  ${uiUrl}`);
    if (opts.json) json(ctx, { status: 'failed', workflowId: handle.workflowId, runId, uiUrl, error });
    return EXIT.failed;
  }
  if (opts.json) json(ctx, summary);
  else summaryLines(summary).forEach((line) => ctx.out(line));
  return EXIT.ok;
}

/**
 * A running full sync that writes, if visibility knows one. Scheduled runs have ids of their own
 * (`…/full-<time>`), so the manual id alone cannot keep a manual run from starting beside a scheduled one.
 * Visibility lags about a second: this narrows the window, the id policy closes it for manual runs only.
 */
async function runningFullSync(client: Client, env: string): Promise<string | undefined> {
  const query =
    `WorkflowType = 'syncFeatureRequests' AND ExecutionStatus = 'Running' AND ` +
    `${ENVIRONMENT_ATTRIBUTE.name} = "${env}" AND ${MODE_ATTRIBUTE.name} = 'full' AND ${DRY_RUN_ATTRIBUTE.name} = false`;
  for await (const info of client.workflow.list({ query, pageSize: 1 })) return info.workflowId;
  return undefined;
}

async function sync(ctx: Context, opts: RunOptions & { dryRun?: boolean }): Promise<number> {
  const cfg = loadOperatorConfig(ctx.env);
  const input = syncInput(cfg, 'full', { dryRun: opts.dryRun ?? false });
  const workflowId = syncWorkflowId(cfg.SYNC_ENV, input.dryRun ? 'dry-run' : 'full');
  return ctx.temporal(async (client, namespace) => {
    const running = input.dryRun ? undefined : await runningFullSync(client, cfg.SYNC_ENV);
    if (running)
      throw failedError(`a sync is already running: ${running} (wait for it, or see it with \`status\`)`);
    if (!input.dryRun) {
      const schedule = await describeScheduleOrNull(client, cfg.SYNC_ENV);
      if (schedule) return syncThroughSchedule(ctx, client, namespace, cfg, schedule, opts);
    }
    let handle: WorkflowHandleWithFirstExecutionRunId<typeof syncFeatureRequests>;
    try {
      handle = await client.workflow.start(syncFeatureRequests, {
        workflowId,
        taskQueue: cfg.SYNC_TASK_QUEUE,
        args: [input],
        // One manual full sync per environment at a time: the id is the lock, a second start fails.
        workflowIdConflictPolicy: 'FAIL',
        typedSearchAttributes: searchAttributePairs(input),
        staticSummary: staticSummary(input),
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError)
        throw failedError(
          `a sync is already running: ${workflowId} (wait for it, or see it with \`status\`)`,
        );
      throw err;
    }
    const what = `Started ${staticSummary(input).toLowerCase()}`;
    return reportStarted(ctx, handle, handle.firstExecutionRunId, cfg, namespace, what, opts);
  });
}

/**
 * With a schedule in place, a manual full sync is a trigger of that schedule with overlap SKIP: the
 * schedule's own bookkeeping then keeps manual and scheduled runs from ever running side by side (a
 * manual run under its own id is invisible to the schedule's overlap policy).
 */
async function syncThroughSchedule(
  ctx: Context,
  client: Client,
  namespace: string,
  cfg: OperatorConfig,
  before: ScheduleDescription,
  opts: RunOptions,
): Promise<number> {
  const busy = before.info.runningActions[0]?.workflow;
  if (busy)
    throw failedError(
      `a sync is already running: ${busy.workflowId} (wait for it, or see it with \`status\`)`,
    );
  const known = new Set(before.info.recentActions.map((a) => a.action.workflow.firstExecutionRunId));
  const schedule = client.schedule.getHandle(scheduleIdOf(cfg.SYNC_ENV));
  await schedule.trigger('SKIP');
  const deadline = Date.now() + 15_000;
  for (;;) {
    const d = await schedule.describe();
    const started = d.info.recentActions.find((a) => !known.has(a.action.workflow.firstExecutionRunId));
    if (started) {
      const { workflowId, firstExecutionRunId } = started.action.workflow;
      const handle = client.workflow.getHandle<typeof syncFeatureRequests>(workflowId, firstExecutionRunId);
      const what = `Started a full sync through schedule ${d.scheduleId}`;
      return reportStarted(ctx, handle, firstExecutionRunId, cfg, namespace, what, opts);
    }
    const running = d.info.runningActions[0]?.workflow;
    if (d.info.numActionsSkippedOverlap > before.info.numActionsSkippedOverlap && running) {
      throw failedError(
        `a sync is already running: ${running.workflowId} (wait for it, or see it with \`status\`)`,
      );
    }
    if (Date.now() > deadline) throw failedError(`schedule ${d.scheduleId} did not start the run in 15 s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function companyDomain(argument: string): string {
  const domain = normalizeDomainArgument(argument);
  if (domain === null)
    throw usageError(`"${argument}" is not a company domain (expected something like acme.com)`);
  if (isFreeMailDomain(domain))
    throw usageError(
      `${domain} is a free-mail provider, not a company: its users are never associated with a company`,
    );
  return domain;
}

async function syncCompany(ctx: Context, argument: string, opts: RunOptions): Promise<number> {
  const domain = companyDomain(argument);
  const cfg = loadOperatorConfig(ctx.env);
  const input = syncInput(cfg, 'company', { domain });
  return ctx.temporal(async (client, namespace) => {
    // signalWithStart: starts the company's run, or tells a running one to run again with fresh data.
    const handle = await client.workflow.signalWithStart(syncFeatureRequests, {
      workflowId: syncWorkflowId(cfg.SYNC_ENV, { company: domain }),
      taskQueue: cfg.SYNC_TASK_QUEUE,
      args: [input],
      signal: syncCompanySignal,
      signalArgs: [{ domain }],
      typedSearchAttributes: searchAttributePairs(input),
      staticSummary: staticSummary(input),
    });
    const what = `Company sync for ${domain} (${cfg.SYNC_ENV}) started or re-requested`;
    return reportStarted(ctx, handle, handle.signaledRunId, cfg, namespace, what, opts);
  });
}

// ---------------------------------------------------------------------------------------------------------
// status

interface RunRow {
  workflowId: string;
  runId: string;
  status: string;
  startTime: Date;
  closeTime?: Date;
  mode?: string;
  dryRun?: boolean;
  domain?: string;
  summary?: Pick<RunSummary, 'featureRequests' | 'companies' | 'contacts' | 'associations'>;
}

/** Results are fetched for this many completed runs only: each is one more request. */
const STATUS_RESULTS = 3;

function runRow(info: WorkflowExecutionInfo): RunRow {
  const attrs = info.typedSearchAttributes;
  const mode = attrs.get(MODE_ATTRIBUTE);
  const dryRun = attrs.get(DRY_RUN_ATTRIBUTE);
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    status: info.status.name,
    startTime: info.startTime,
    ...(info.closeTime ? { closeTime: info.closeTime } : {}),
    ...(mode !== undefined ? { mode } : {}),
    ...(dryRun !== undefined ? { dryRun } : {}),
  };
}

async function listRuns(client: Client, env: string, limit: number): Promise<RunRow[]> {
  // Children (page workflows) carry no attributes; the type filter keeps them out anyway.
  const query = `WorkflowType = 'syncFeatureRequests' AND ${ENVIRONMENT_ATTRIBUTE.name} = "${env}"`;
  const rows: RunRow[] = [];
  for await (const info of client.workflow.list({ query, pageSize: limit })) {
    rows.push(runRow(info));
    if (rows.length >= limit) break;
  }
  rows.sort((a, b) => b.startTime.getTime() - a.startTime.getTime());
  let fetched = 0;
  for (const row of rows) {
    if (row.status !== 'COMPLETED' || fetched >= STATUS_RESULTS) continue;
    fetched++;
    const summary = await client.workflow
      .getHandle<typeof syncFeatureRequests>(row.workflowId, row.runId, { followRuns: false })
      .result();
    const { featureRequests, companies, contacts, associations } = summary;
    row.summary = { featureRequests, companies, contacts, associations };
    if (summary.domain) row.domain = summary.domain;
  }
  return rows;
}

function runLine(row: RunRow): string {
  const kind = `${row.mode ?? '?'}${row.domain ? ` ${row.domain}` : ''}${row.dryRun ? ' dry-run' : ''}`;
  const times = `started ${iso(row.startTime)}${row.closeTime ? `, closed ${iso(row.closeTime)}` : ''}`;
  const fr = row.summary?.featureRequests;
  const counts = fr
    ? ` — ${fr.identified} identified · ${fr.created} created · ${fr.updated} updated · ${fr.unchanged} unchanged · ${fr.failed} failed`
    : '';
  return `  ${row.status.padEnd(16)} ${row.workflowId}  [${kind}]  ${times}${counts}`;
}

async function describeScheduleOrNull(client: Client, env: string): Promise<ScheduleDescription | null> {
  try {
    return await client.schedule.getHandle(scheduleIdOf(env)).describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return null;
    throw err;
  }
}

async function status(ctx: Context, opts: { json?: boolean; limit: number }): Promise<number> {
  const cfg = loadOperatorConfig(ctx.env);
  return ctx.temporal(async (client) => {
    const [runs, schedule] = await Promise.all([
      listRuns(client, cfg.SYNC_ENV, opts.limit),
      describeScheduleOrNull(client, cfg.SYNC_ENV),
    ]);
    if (opts.json) {
      json(ctx, {
        environment: cfg.SYNC_ENV,
        schedule: schedule ? scheduleJson(schedule) : null,
        runs,
      });
      return EXIT.ok;
    }
    ctx.out(`Environment ${cfg.SYNC_ENV}`);
    if (schedule) {
      const next = schedule.info.nextActionTimes[0];
      ctx.out(
        `Schedule ${schedule.scheduleId}: ${schedule.state.paused ? 'PAUSED' : 'active'}, ${specText(schedule)}` +
          `${next && !schedule.state.paused ? `, next run ${iso(next)}` : ''}` +
          `${schedule.state.note ? ` (note: ${schedule.state.note})` : ''}`,
      );
    } else ctx.out(`No schedule (create one with \`schedule create --every 1h\`)`);
    if (runs.length === 0) ctx.out('No runs yet.');
    else {
      ctx.out(`Runs, newest first:`);
      runs.forEach((row) => ctx.out(runLine(row)));
    }
    return EXIT.ok;
  });
}

// ---------------------------------------------------------------------------------------------------------
// schedule

const OVERLAP_POLICIES = ['SKIP', 'BUFFER_ONE', 'BUFFER_ALL', 'CANCEL_OTHER', 'TERMINATE_OTHER', 'ALLOW_ALL'];
// The server's catch-up default and the documented one disagree; an explicit value means one behaviour.
const DEFAULT_CATCHUP_WINDOW = '10m';

interface ScheduleSpecOptions {
  every?: number;
  cron?: string;
  timezone?: string;
  jitter?: number;
  overlap?: ScheduleOverlapPolicy;
  catchupWindow?: number;
  paused?: boolean;
  note?: string;
}

function scheduleAction(cfg: OperatorConfig): ScheduleOptionsStartWorkflowAction<typeof syncFeatureRequests> {
  const input = syncInput(cfg, 'full');
  return {
    type: 'startWorkflow',
    workflowType: syncFeatureRequests,
    // The server appends the nominal time, so scheduled runs never collide with each other.
    workflowId: syncWorkflowId(cfg.SYNC_ENV, 'full'),
    taskQueue: cfg.SYNC_TASK_QUEUE,
    args: [input],
    typedSearchAttributes: searchAttributePairs(input),
    staticSummary: staticSummary(input, true),
  };
}

function timing(opts: ScheduleSpecOptions): Pick<ScheduleSpec, 'intervals' | 'cronExpressions'> {
  if (opts.every !== undefined) {
    if (opts.every <= 0) throw usageError('--every must be longer than 0s');
    return { intervals: [{ every: opts.every }] };
  }
  return opts.cron !== undefined ? { cronExpressions: [opts.cron] } : {};
}

function specText(description: Pick<ScheduleDescription, 'spec'>): string {
  const spec = description.spec;
  const parts: string[] = [];
  for (const interval of spec.intervals ?? [])
    parts.push(
      `every ${compactDuration(interval.every)}${interval.offset ? ` (offset ${compactDuration(interval.offset)})` : ''}`,
    );
  for (const calendar of spec.calendars ?? []) parts.push(`calendar ${calendarText(calendar)}`);
  parts.push(`timezone ${spec.timezone || 'UTC'}`);
  if (spec.jitter) parts.push(`jitter ${compactDuration(spec.jitter)}`);
  return parts.join(', ');
}

type CalendarDescription = NonNullable<ScheduleDescription['spec']['calendars']>[number];

// A field covering its whole domain prints as `*`, like the cron expression it came from.
const FULL_FIELDS = ['0-59', '0-59', '0-23', '1-31', 'JANUARY-DECEMBER', 'SUNDAY-SATURDAY'];

/** A calendar (the server turns cron expressions into calendars) in cron's field order, seconds first. */
function calendarText(calendar: CalendarDescription): string {
  if (calendar.comment) return `"${calendar.comment}"`;
  type Ranges = Array<{ start: unknown; end: unknown; step: number }>;
  const range = (r: Ranges[number]): string =>
    `${String(r.start)}${r.end !== r.start ? `-${String(r.end)}` : ''}${r.step > 1 ? `/${r.step}` : ''}`;
  const fields = [
    calendar.second,
    calendar.minute,
    calendar.hour,
    calendar.dayOfMonth,
    calendar.month,
    calendar.dayOfWeek,
  ] as Ranges[];
  const text = fields.map((ranges, i) => {
    const value = ranges.map(range).join(',');
    return value === '' || value === FULL_FIELDS[i] ? '*' : value;
  });
  return `"${text.join(' ')}" (second minute hour day month weekday)`;
}

function scheduleJson(d: ScheduleDescription) {
  return {
    scheduleId: d.scheduleId,
    spec: d.spec,
    specText: specText(d),
    policies: d.policies,
    state: d.state,
    action: {
      workflowType: d.action.workflowType,
      workflowId: d.action.workflowId,
      taskQueue: d.action.taskQueue,
    },
    nextActionTimes: d.info.nextActionTimes.slice(0, 5),
    recentActions: d.info.recentActions.map((a) => ({
      scheduledAt: a.scheduledAt,
      takenAt: a.takenAt,
      workflowId: a.action.workflow.workflowId,
      runId: a.action.workflow.firstExecutionRunId,
    })),
    runningActions: d.info.runningActions.map((a) => a.workflow),
    numActionsTaken: d.info.numActionsTaken,
    numActionsSkippedOverlap: d.info.numActionsSkippedOverlap,
    numActionsMissedCatchupWindow: d.info.numActionsMissedCatchupWindow,
  };
}

function withScheduleErrors<T>(scheduleId: string, work: () => Promise<T>): Promise<T> {
  return work().catch((err: unknown) => {
    if (err instanceof ScheduleNotFoundError)
      throw failedError(`no schedule ${scheduleId} (create it with \`schedule create --every 1h\`)`);
    throw err;
  });
}

async function scheduleCreate(ctx: Context, opts: ScheduleSpecOptions): Promise<number> {
  if ((opts.every === undefined) === (opts.cron === undefined))
    throw usageError('give exactly one of --every <duration> or --cron <expression>');
  const cfg = loadOperatorConfig(ctx.env);
  const scheduleId = scheduleIdOf(cfg.SYNC_ENV);
  return ctx.temporal(async (client) => {
    try {
      await client.schedule.create({
        scheduleId,
        spec: {
          ...timing(opts),
          timezone: opts.timezone ?? 'UTC',
          ...(opts.jitter !== undefined ? { jitter: opts.jitter } : {}),
        },
        action: scheduleAction(cfg),
        policies: {
          overlap: opts.overlap ?? 'SKIP',
          catchupWindow: opts.catchupWindow ?? DEFAULT_CATCHUP_WINDOW,
        },
        state: { paused: opts.paused ?? false, ...(opts.note ? { note: opts.note } : {}) },
      });
    } catch (err) {
      if (err instanceof ScheduleAlreadyRunning)
        throw failedError(`schedule ${scheduleId} already exists; change it with \`schedule update\``);
      throw err;
    }
    ctx.out(`Created schedule ${scheduleId}${opts.paused ? ' (paused)' : ''}`);
    return printSchedule(ctx, await client.schedule.getHandle(scheduleId).describe(), client);
  });
}

async function scheduleUpdate(ctx: Context, opts: ScheduleSpecOptions): Promise<number> {
  const cfg = loadOperatorConfig(ctx.env);
  const scheduleId = scheduleIdOf(cfg.SYNC_ENV);
  return ctx.temporal((client) =>
    withScheduleErrors(scheduleId, async () => {
      const handle = client.schedule.getHandle(scheduleId);
      await handle.update((previous) => {
        const replaceTiming = opts.every !== undefined || opts.cron !== undefined;
        return {
          spec: {
            ...previous.spec,
            // A new --every or --cron replaces the old timing entirely (calendars are the server's cron form).
            ...(replaceTiming ? { intervals: [], calendars: [], cronExpressions: [], ...timing(opts) } : {}),
            ...(opts.timezone !== undefined ? { timezone: opts.timezone } : {}),
            ...(opts.jitter !== undefined ? { jitter: opts.jitter } : {}),
          },
          // The action is rebuilt from this environment's config, so `update` also rolls out config changes.
          action: scheduleAction(cfg),
          policies: {
            ...previous.policies,
            ...(opts.overlap ? { overlap: opts.overlap } : {}),
            ...(opts.catchupWindow !== undefined ? { catchupWindow: opts.catchupWindow } : {}),
          },
          state: {
            ...previous.state,
            ...(opts.paused !== undefined ? { paused: opts.paused } : {}),
            ...(opts.note !== undefined ? { note: opts.note } : {}),
          },
        };
      });
      ctx.out(`Updated schedule ${scheduleId}`);
      return printSchedule(ctx, await handle.describe(), client);
    }),
  );
}

async function recentResults(client: Client, d: ScheduleDescription): Promise<string[]> {
  return Promise.all(
    d.info.recentActions.slice(-5).map(async (a) => {
      const { workflowId, firstExecutionRunId } = a.action.workflow;
      const info = await client.workflow
        .getHandle(workflowId, firstExecutionRunId)
        .describe()
        .catch(() => undefined);
      return `  ${iso(a.takenAt)}  ${workflowId}  ${info?.status.name ?? 'UNKNOWN'}`;
    }),
  );
}

async function printSchedule(ctx: Context, d: ScheduleDescription, client: Client): Promise<number> {
  ctx.out(`Schedule ${d.scheduleId}`);
  ctx.out(`  State     ${d.state.paused ? 'PAUSED' : 'active'}${d.state.note ? ` — ${d.state.note}` : ''}`);
  ctx.out(`  Spec      ${specText(d)}`);
  ctx.out(
    `  Policies  overlap ${d.policies.overlap}, catch-up window ${compactDuration(d.policies.catchupWindow)}`,
  );
  ctx.out(`  Action    ${d.action.workflowType} ${d.action.workflowId} on ${d.action.taskQueue}`);
  ctx.out(
    `  Next runs${d.info.nextActionTimes.length === 0 ? ' none' : ''}${d.state.paused ? ' (none while paused)' : ''}`,
  );
  d.info.nextActionTimes.slice(0, 5).forEach((t) => ctx.out(`    ${iso(t)}`));
  ctx.out(
    `  Actions   ${d.info.numActionsTaken} taken, ${d.info.numActionsSkippedOverlap} skipped (overlap), ` +
      `${d.info.numActionsMissedCatchupWindow} missed (catch-up window)`,
  );
  if (d.info.recentActions.length > 0) {
    ctx.out('  Recent actions:');
    (await recentResults(client, d)).forEach((line) => ctx.out(line));
  }
  return EXIT.ok;
}

async function scheduleDescribe(ctx: Context, opts: { json?: boolean }): Promise<number> {
  const cfg = loadOperatorConfig(ctx.env);
  const scheduleId = scheduleIdOf(cfg.SYNC_ENV);
  return ctx.temporal((client) =>
    withScheduleErrors(scheduleId, async () => {
      const d = await client.schedule.getHandle(scheduleId).describe();
      if (opts.json) {
        json(ctx, scheduleJson(d));
        return EXIT.ok;
      }
      return printSchedule(ctx, d, client);
    }),
  );
}

/** pause, unpause, trigger, backfill and delete: one call on the handle and a line saying what happened. */
async function scheduleCall(
  ctx: Context,
  call: (handle: ScheduleHandle) => Promise<string>,
): Promise<number> {
  const cfg = loadOperatorConfig(ctx.env);
  const scheduleId = scheduleIdOf(cfg.SYNC_ENV);
  return ctx.temporal((client) =>
    withScheduleErrors(scheduleId, async () => {
      ctx.out(await call(client.schedule.getHandle(scheduleId)));
      return EXIT.ok;
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------
// history, replay

async function exportHistory(
  ctx: Context,
  workflowId: string,
  opts: { runId?: string; out: string },
): Promise<number> {
  return ctx.temporal(async (client) => {
    const history = await client.workflow.getHandle(workflowId, opts.runId).fetchHistory();
    fs.mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
    fs.writeFileSync(opts.out, historyToJSON(history));
    ctx.out(`Wrote ${history.events?.length ?? 0} events of ${workflowId} to ${opts.out}`);
    return EXIT.ok;
  });
}

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

/**
 * The run's workflow id, from its start event. Replay must use the original id: the workflow derives its
 * children's ids from it, and a different id is a nondeterminism error.
 */
export function workflowIdOfHistory(history: History): string | undefined {
  return history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowId ?? undefined;
}

async function replay(
  ctx: Context,
  workflowId: string | undefined,
  opts: { runId?: string; file?: string },
): Promise<number> {
  if ((workflowId === undefined) === (opts.file === undefined))
    throw usageError('give a workflow id or --file <history.json>, not both');
  const history = opts.file
    ? historyFromJSON(JSON.parse(fs.readFileSync(opts.file, 'utf8')))
    : await ctx.temporal((client) => client.workflow.getHandle(workflowId!, opts.runId).fetchHistory());
  const source = opts.file ?? workflowId!;
  try {
    await Worker.runReplayHistory(
      { ...(ctx.deps.workflows ?? defaultWorkflows()), replayName: 'feedback-sync-cli' },
      history,
      workflowId ?? workflowIdOfHistory(history) ?? path.basename(source, '.json'),
    );
  } catch (err) {
    // A DeterminismViolationError means deploying this code would break runs like this one.
    const kind =
      err instanceof Error && err.name === 'DeterminismViolationError' ? 'nondeterminism' : 'error';
    ctx.err(`replay FAILED (${kind}) for ${source}: ${messageOf(err)}`);
    return EXIT.failed;
  }
  ctx.out(`replay OK: ${source} (${history.events?.length ?? 0} events) matches the current workflow code`);
  return EXIT.ok;
}

// ---------------------------------------------------------------------------------------------------------
// hubspot check / setup

function hubspotGateway(ctx: Context) {
  const cfg = loadConfig(ctx.env);
  return {
    gateway: new HubspotGateway({ accessToken: cfg.HUBSPOT_ACCESS_TOKEN, baseUrl: cfg.HUBSPOT_BASE_URL }),
    settings: { objectName: cfg.HUBSPOT_OBJECT_NAME, arrProperty: cfg.HUBSPOT_COMPANY_ARR_PROPERTY },
  };
}

function printPortalReport(
  ctx: Context,
  report: PortalReport,
  opts: { json?: boolean; apply?: boolean },
): number {
  const code = report.problems.length > 0 ? EXIT.problems : EXIT.ok;
  if (opts.json) {
    json(ctx, { ok: code === EXIT.ok, ...report });
    return code;
  }
  report.applied.forEach((line) => ctx.out(`applied: ${line}`));
  if (report.problems.length === 0) {
    ctx.out(`HubSpot portal matches the data model (object type ${report.objectTypeId ?? '?'})`);
    return code;
  }
  ctx.out(`HubSpot portal differs from the data model (${report.problems.length}):`);
  for (const problem of report.problems) {
    const manual = report.manual.includes(problem)
      ? ' [needs a person: --apply never changes what exists]'
      : '';
    ctx.out(`  - ${problem.subject}: ${problem.message}${manual}`);
  }
  if (!opts.apply && report.problems.length > report.manual.length)
    ctx.out('Run `hubspot setup --apply` to create what is missing.');
  return code;
}

async function hubspotCheck(ctx: Context, opts: { json?: boolean }): Promise<number> {
  const { gateway, settings } = hubspotGateway(ctx);
  return printPortalReport(ctx, await checkPortal(gateway, settings), opts);
}

async function hubspotSetup(ctx: Context, opts: { json?: boolean; apply?: boolean }): Promise<number> {
  const { gateway, settings } = hubspotGateway(ctx);
  const report = opts.apply ? await applySetup(gateway, settings) : await checkPortal(gateway, settings);
  return printPortalReport(ctx, report, opts);
}

// ---------------------------------------------------------------------------------------------------------
// The program

function definedStrings(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

function temporalFor(deps: CliDeps, env: () => NodeJS.ProcessEnv): Context['temporal'] {
  return async (fn) => {
    if (deps.client) return fn(deps.client, deps.client.options.namespace);
    // TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS and profiles, also from .env files.
    const { connectionOptions, namespace = 'default' } = loadClientConnectConfig({
      overrideEnvVars: definedStrings(resolveEnvironment(env())),
    });
    const address = connectionOptions.address ?? 'localhost:7233';
    const connection = await Connection.connect(connectionOptions).catch((err: unknown) => {
      throw failedError(`cannot connect to Temporal at ${address}: ${messageOf(err)}`);
    });
    try {
      return await fn(new Client({ connection, namespace }), namespace);
    } finally {
      await connection.close();
    }
  };
}

const jsonOption = (): Option => new Option('--json', 'print one JSON line instead of text');
const overlapOption = (description: string): Option =>
  new Option('--overlap <policy>', description).choices(OVERLAP_POLICIES);

function addSpecOptions(command: Command, creating: boolean): Command {
  return command
    .addOption(
      new Option('--every <duration>', 'run at this interval, e.g. 15m, 1h')
        .argParser(parseDuration)
        .conflicts('cron'),
    )
    .addOption(new Option('--cron <expression>', 'run on this cron expression, e.g. "0 * * * *"'))
    .option('--timezone <tz>', `IANA time zone of the spec${creating ? ' (default: UTC)' : ''}`)
    .option('--jitter <duration>', 'start each run up to this much later, at random', parseDuration)
    .addOption(
      overlapOption(
        `what to do when a run is still going at the next start${creating ? ' (default: SKIP, so two syncs never run at once)' : ''}`,
      ),
    )
    .option(
      '--catchup-window <duration>',
      `how late a missed run may still start after an outage${creating ? ` (default: ${DEFAULT_CATCHUP_WINDOW})` : ''}`,
      parseDuration,
    )
    .option('--paused', creating ? 'create it paused' : 'pause it')
    .option('--note <text>', 'a note shown with the paused state');
}

export function buildProgram(deps: CliDeps = {}, onExit: (code: number) => void = () => undefined): Command {
  const out = deps.stdout ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const err = deps.stderr ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const program = new Command('feedback-sync');
  // `--env` beats SYNC_ENV: one shell can drive several environments.
  const env = (): NodeJS.ProcessEnv => {
    const base = deps.env ?? process.env;
    const chosen = program.opts<{ env?: string }>().env;
    return chosen ? { ...base, SYNC_ENV: chosen } : base;
  };
  const ctx: Context = {
    get env() {
      return env();
    },
    out,
    err,
    deps,
    temporal: temporalFor(deps, env),
  };
  const act =
    <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A): Promise<void> => {
      onExit(await fn(...args));
    };

  program
    .description('Operate the Canny → HubSpot feature request sync on Temporal.')
    .option('--env <name>', 'environment profile to use (overrides SYNC_ENV)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => out(text.replace(/\n$/, '')),
      writeErr: (text) => err(text.replace(/\n$/, '')),
    })
    .showHelpAfterError('(add --help for usage)')
    // Which .env files are in force (names only, they hold secrets), on stderr so --json stdout stays one line.
    .hook('preAction', () => {
      const { files } = resolveEnvironmentWithFiles(env());
      if (files.length > 0) err(`config files: ${files.join(', ')}`);
    })
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 run failed or error, 2 usage or configuration error, 3 HubSpot portal differs.\n' +
        'Temporal connection: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_PROFILE.',
    );

  program
    .command('sync')
    .description('start a full sync of every feature request (one at a time per environment)')
    .option('--dry-run', 'compute what would change and write nothing to HubSpot')
    .option('--wait', 'wait for the run to finish and print its summary')
    .addOption(jsonOption())
    .action(act((opts: RunOptions & { dryRun?: boolean }) => sync(ctx, opts)));

  program
    .command('sync-company')
    .description("re-sync the feature requests one company's people voted on or wrote")
    .argument('<domain>', 'company domain, e.g. acme.com (www. and subdomains are reduced to it)')
    .option('--wait', 'wait for the run to finish and print its summary')
    .addOption(jsonOption())
    .action(act((domain: string, opts: RunOptions) => syncCompany(ctx, domain, opts)));

  program
    .command('status')
    .description(
      'running and recent runs of this environment (counts for the 3 newest completed), and the schedule',
    )
    .addOption(jsonOption())
    .option('--limit <n>', 'how many runs to list', parsePositiveInt, 10)
    .action(act((opts: { json?: boolean; limit: number }) => status(ctx, opts)));

  addScheduleCommands(program, ctx, act);

  program
    .command('history')
    .description("export a run's event history as JSON (for replay tests and bug reports)")
    .argument('<workflowId>')
    .option('--run-id <id>', 'a specific run (default: the latest)')
    .requiredOption('--out <file>', 'where to write the JSON')
    .action(act((id: string, opts: { runId?: string; out: string }) => exportHistory(ctx, id, opts)));

  program
    .command('replay')
    .description('replay a run against the current workflow code: proves a deploy is safe for it')
    .argument('[workflowId]', 'a run on the server')
    .option('--run-id <id>', 'a specific run (default: the latest)')
    .option('--file <history.json>', 'a history exported by `history`')
    .action(act((id: string | undefined, opts: { runId?: string; file?: string }) => replay(ctx, id, opts)));

  const hubspot = program
    .command('hubspot')
    .description('check or set up the HubSpot portal (needs HUBSPOT_*)');
  hubspot
    .command('check')
    .description('compare the portal with the data model; exit 3 when they differ')
    .addOption(jsonOption())
    .action(act((opts: { json?: boolean }) => hubspotCheck(ctx, opts)));
  hubspot
    .command('setup')
    .description('show what is missing; with --apply create it (never changes what exists)')
    .option('--apply', 'create the missing object, properties and associations')
    .addOption(jsonOption())
    .action(act((opts: { json?: boolean; apply?: boolean }) => hubspotSetup(ctx, opts)));

  return program;
}

type Act = <A extends unknown[]>(fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

function addScheduleCommands(program: Command, ctx: Context, act: Act): void {
  const schedule = program
    .command('schedule')
    .description('manage the schedule that runs the full sync (id feedback-sync/<env>)');

  addSpecOptions(schedule.command('create').description('create the schedule'), true).action(
    act((opts: ScheduleSpecOptions) => scheduleCreate(ctx, opts)),
  );
  addSpecOptions(
    schedule.command('update').description('change the schedule; options not given stay as they are'),
    false,
  ).action(act((opts: ScheduleSpecOptions) => scheduleUpdate(ctx, opts)));
  schedule
    .command('describe')
    .description('spec, overlap policy, paused state, the next 5 runs and recent actions')
    .addOption(jsonOption())
    .action(act((opts: { json?: boolean }) => scheduleDescribe(ctx, opts)));
  schedule
    .command('pause')
    .description('stop starting runs (a running one continues)')
    .option('--note <text>', 'why, shown by describe and in the UI')
    .action(
      act((opts: { note?: string }) =>
        scheduleCall(ctx, async (h) => {
          await h.pause(opts.note ?? 'paused from the command line');
          return `Paused schedule ${h.scheduleId}`;
        }),
      ),
    );
  schedule
    .command('unpause')
    .description('start runs again')
    .option('--note <text>', 'why, shown by describe and in the UI')
    .action(
      act((opts: { note?: string }) =>
        scheduleCall(ctx, async (h) => {
          await h.unpause(opts.note ?? 'unpaused from the command line');
          return `Unpaused schedule ${h.scheduleId}`;
        }),
      ),
    );
  schedule
    .command('trigger')
    .description("start a run now (obeys the schedule's overlap policy unless --overlap)")
    .addOption(overlapOption('overlap policy for this run only'))
    .action(
      act((opts: { overlap?: ScheduleOverlapPolicy }) =>
        scheduleCall(ctx, async (h) => {
          // The SDK's default for trigger is ALLOW_ALL, which would let two syncs run at once.
          const overlap = opts.overlap ?? (await h.describe()).policies.overlap;
          await h.trigger(overlap);
          return `Triggered schedule ${h.scheduleId} (overlap ${overlap}); see \`schedule describe\``;
        }),
      ),
    );
  schedule
    .command('backfill')
    .description('take the actions the schedule would have taken between two instants, now')
    .requiredOption('--start <iso>', 'start instant, e.g. 2025-01-31T00:00:00Z', parseInstant)
    .requiredOption('--end <iso>', 'end instant', parseInstant)
    .addOption(overlapOption("overlap policy for the backfill (default: the schedule's)"))
    .action(
      act((opts: { start: Date; end: Date; overlap?: ScheduleOverlapPolicy }) => {
        if (opts.end <= opts.start) throw usageError('--end must be after --start');
        return scheduleCall(ctx, async (h) => {
          await h.backfill({
            start: opts.start,
            end: opts.end,
            ...(opts.overlap ? { overlap: opts.overlap } : {}),
          });
          return `Backfilling schedule ${h.scheduleId} from ${iso(opts.start)} to ${iso(opts.end)}`;
        });
      }),
    );
  schedule
    .command('delete')
    .description('delete the schedule (runs already started continue)')
    .action(
      act(() =>
        scheduleCall(ctx, async (h) => {
          await h.delete();
          return `Deleted schedule ${h.scheduleId}`;
        }),
      ),
    );
}

/** Runs one command line (without `node script`) and returns its exit code; never exits the process. */
export async function runCli(argv: string[], deps: CliDeps = {}): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(deps, (c) => (code = c));
  const err = deps.stderr ?? ((line: string) => void process.stderr.write(`${line}\n`));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    // Commander has printed its own message (or the help) already.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof ConfigError) {
      err(error.message);
      return EXIT.usage;
    }
    if (error instanceof CliError) {
      err(`error: ${error.message}`);
      return error.exitCode;
    }
    err(`error: ${messageOf(error)}`);
    return EXIT.failed;
  }
}

async function main(): Promise<void> {
  // Replay runs a worker: keep its INFO chatter off stdout, which scripts read.
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) => process.stderr.write(`[${entry.level}] ${entry.message}\n`)),
  });
  process.exit(await runCli(process.argv.slice(2)));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
