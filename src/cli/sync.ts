// sync, sync-company
import type { Command } from 'commander';
import {
  WorkflowFailedError,
  type Client,
  type ScheduleDescription,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { loadOperatorConfig, type OperatorConfig } from '../config';
import { isFreeMailDomain, normalizeDomainArgument } from '../domain/email';
import { hasRecordFailures } from '../domain/notify';
import { runUiUrl } from '../domain/summary';
import type { RunSummary } from '../domain/types';
import { DRY_RUN_ATTRIBUTE, ENVIRONMENT_ATTRIBUTE, MODE_ATTRIBUTE } from '../search-attributes';
import { syncCompanySignal, syncFeatureRequests } from '../workflows';
import {
  EXIT,
  STARTS,
  failedError,
  failureInfo,
  json,
  jsonOption,
  messageOf,
  usageError,
  type Act,
  type Context,
} from './context';
import { auditLines, readAudit } from './audit';
import { failuresAcknowledged } from './failures';
import { summaryLines } from './format';
import { watchProgress } from './progress';
import { scheduleIdOf, searchAttributePairs, staticSummary, syncInput, syncWorkflowId } from './runs';
import { describeScheduleOrNull } from './schedule';

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

/** The dry run's audit, or undefined (and why, on stderr) when this shell cannot read the run store. */
async function dryRunListing(ctx: Context, workflowId: string, summary: RunSummary) {
  try {
    const { audit, where, exists } = await readAudit(ctx, workflowId);
    // The newest run of the id in this store, and this one: planned after it started (a minute's leeway
    // for the workers' clocks), not an older run's.
    if (audit && Date.parse(audit.startedAt) >= Date.parse(summary.startedAt) - 60_000) return audit;
    ctx.err(
      exists
        ? `(the run store at ${where} does not hold this run: set SYNC_STORE_URL as the workers have it, or run \`runs show ${workflowId}\` where they are)`
        : `(no run store at ${where}: set SYNC_STORE_URL as the workers have it to see what the dry run would do)`,
    );
  } catch (err) {
    ctx.err(`(the listing could not be read from the run store: ${messageOf(err)})`);
  }
  return undefined;
}

/** A completed run exits 0, or 4 when records failed in it; a failed workflow exits 1. */
async function waitForSummary(
  ctx: Context,
  handle: WorkflowHandle<typeof syncFeatureRequests>,
  runId: string,
  uiUrl: string,
  opts: RunOptions,
): Promise<number> {
  let summary: RunSummary;
  const stopProgress = watchProgress(ctx, handle);
  try {
    summary = await handle.result();
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    stopProgress();
    const error = messageOf(err);
    const { type, hint } = failureInfo(err);
    ctx.err(`sync failed: ${error}`);
    ctx.err(`  ${uiUrl}`);
    if (opts.json)
      json(ctx, {
        status: 'failed',
        workflowId: handle.workflowId,
        runId,
        uiUrl,
        error,
        code: EXIT.failed,
        hint: hint ?? null,
        ...(type ? { type } : {}),
      });
    return EXIT.failed;
  }
  stopProgress();
  // A dry run lists what it would do, from the run store's audit trail, when the store is reachable here.
  const listing = summary.dryRun ? await dryRunListing(ctx, handle.workflowId, summary) : undefined;
  if (opts.json) json(ctx, listing ? { ...summary, listing } : summary);
  else {
    summaryLines(summary).forEach((line) => ctx.out(line));
    if (listing) auditLines(listing).forEach((line) => ctx.out(line));
  }
  // A domain nobody voted from is most often a typo: say so, but the run itself did nothing wrong.
  if (summary.mode === 'company' && summary.featureRequests.identified === 0)
    ctx.err(
      `warning: no feature request has a voter or author at ${summary.domain ?? '?'}: nothing to sync ` +
        '(check the domain, or whether Canny knows these people)',
    );
  if (!hasRecordFailures(summary)) return EXIT.ok;
  if (await failuresAcknowledged(ctx, summary)) {
    ctx.err(`every failure of this run is acknowledged (\`failures list\`): exit 0`);
    return EXIT.ok;
  }
  return EXIT.recordFailures;
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

async function sync(
  ctx: Context,
  opts: RunOptions & { dryRun?: boolean; confirmVanish?: boolean },
): Promise<number> {
  const cfg = loadOperatorConfig(ctx.env);
  const input = syncInput(cfg, 'full', {
    dryRun: opts.dryRun ?? false,
    confirmVanish: opts.confirmVanish ?? false,
  });
  const workflowId = syncWorkflowId(cfg.SYNC_ENV, input.dryRun ? 'dry-run' : 'full');
  return ctx.temporal(async (client, namespace) => {
    const running = input.dryRun ? undefined : await runningFullSync(client, cfg.SYNC_ENV);
    if (running)
      throw failedError(`a sync is already running: ${running} (wait for it, or see it with \`status\`)`);
    // A confirmation belongs to this one run, not to the schedule's action: it starts under the manual id.
    if (!input.dryRun && !input.confirmVanish) {
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
  }, STARTS);
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
  }, STARTS);
}

export function addSyncCommands(program: Command, ctx: Context, act: Act): void {
  program
    .command('sync')
    .description('start a full sync of every feature request (one at a time per environment)')
    .option('--dry-run', 'compute what would change and write nothing to HubSpot')
    .option(
      '--confirm-vanish',
      'mark every request whose post is gone from the source, even more than SYNC_MAX_VANISHED',
    )
    .option('--wait', 'wait for the run to finish, show its progress and print its summary')
    .addOption(jsonOption())
    .action(act((opts: RunOptions & { dryRun?: boolean; confirmVanish?: boolean }) => sync(ctx, opts)));

  program
    .command('sync-company')
    .description("re-sync the feature requests one company's people voted on or wrote")
    .argument('<domain>', 'company domain, e.g. acme.com (www. and subdomains are reduced to it)')
    .option('--wait', 'wait for the run to finish, show its progress and print its summary')
    .addOption(jsonOption())
    .action(act((domain: string, opts: RunOptions) => syncCompany(ctx, domain, opts)));
}
