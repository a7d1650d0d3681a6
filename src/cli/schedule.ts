// schedule create, update, describe, pause, unpause, trigger, backfill, delete
import { Command, Option } from 'commander';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type Client,
  type ScheduleDescription,
  type ScheduleHandle,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleOverlapPolicy,
  type ScheduleSpec,
} from '@temporalio/client';
import { cannyBudget, loadOperatorConfig, type OperatorConfig } from '../config';
import { formatRateLimits, hourlyAllowance, readBoundMs } from '../domain/rate-limits';
import type { RunSummary } from '../domain/types';
import { ENVIRONMENT_ATTRIBUTE, MODE_ATTRIBUTE } from '../search-attributes';
import { syncFeatureRequests } from '../workflows';
import {
  askOnTerminal,
  EXIT,
  STARTS,
  failedError,
  isTerminal,
  json,
  jsonOption,
  usageError,
  type Act,
  type Context,
} from './context';
import { compactDuration, iso, parseDuration, parseInstant } from './format';
import { scheduleIdOf, searchAttributePairs, staticSummary, syncInput, syncWorkflowId } from './runs';

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

export async function describeScheduleOrNull(
  client: Client,
  env: string,
): Promise<ScheduleDescription | null> {
  try {
    return await client.schedule.getHandle(scheduleIdOf(env)).describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return null;
    throw err;
  }
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

export function specText(description: Pick<ScheduleDescription, 'spec'>): string {
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

export function scheduleJson(d: ScheduleDescription) {
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

/**
 * The server refused what was typed (a cron it cannot parse, say): a usage error. The SDK turns the
 * server's "Invalid schedule spec" into a TypeError; other INVALID_ARGUMENTs stay gRPC errors (code 3).
 */
function isInvalidArgument(err: unknown): err is Error {
  const codeOf = (e: unknown): unknown =>
    typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return (
    err instanceof TypeError ||
    (err instanceof Error && (codeOf(err) === 3 || codeOf((err as { cause?: unknown }).cause) === 3))
  );
}

function withScheduleErrors<T>(scheduleId: string, work: () => Promise<T>): Promise<T> {
  return work().catch((err: unknown) => {
    if (err instanceof ScheduleNotFoundError)
      throw failedError(`no schedule ${scheduleId} (create it with \`schedule create --every 1h\`)`);
    if (isInvalidArgument(err)) throw usageError(`the server refused the schedule: ${err.message}`);
    throw err;
  });
}

/** An unknown zone is caught here, before connecting; Node knows the same IANA zones as the server. */
function checkTimezone(timezone: string | undefined): void {
  if (timezone === undefined) return;
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw usageError(`--timezone ${timezone} is not an IANA time zone (examples: UTC, Europe/Berlin)`);
  }
}

async function scheduleCreate(ctx: Context, opts: ScheduleSpecOptions): Promise<number> {
  if ((opts.every === undefined) === (opts.cron === undefined))
    throw usageError('give exactly one of --every <duration> or --cron <expression>');
  checkTimezone(opts.timezone);
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
      if (isInvalidArgument(err)) throw usageError(`the server refused the schedule: ${err.message}`);
      throw err;
    }
    ctx.out(`Created schedule ${scheduleId}${opts.paused ? ' (paused)' : ''}`);
    // Advice only: the schedule exists whatever the look-up of the last run does.
    const warnings = await sourceBudgetWarnings(client, cfg, opts.every).catch((err: unknown) => [
      `the last full run's source read could not be weighed against the Canny budget: ${err instanceof Error ? err.message : String(err)}`,
    ]);
    for (const warning of warnings) ctx.err(`warning: ${warning}`);
    return printSchedule(ctx, await client.schedule.getHandle(scheduleId).describe(), client);
  }, STARTS);
}

/**
 * What the last full run's source read says about a schedule: at the configured Canny budget, a read that would
 * not fit in the interval, or that spends more than half of the hourly budget (the key's other users, and the
 * next run, need the rest). Nothing when no full run has completed yet.
 */
export async function sourceBudgetWarnings(
  client: Client,
  cfg: OperatorConfig,
  everyMs: number | undefined,
): Promise<string[]> {
  const budget = cannyBudget(cfg);
  if (budget.length === 0) return [];
  const query =
    `WorkflowType = 'syncFeatureRequests' AND ${ENVIRONMENT_ATTRIBUTE.name} = "${cfg.SYNC_ENV}" ` +
    `AND ${MODE_ATTRIBUTE.name} = "full" AND ExecutionStatus = "Completed"`;
  let last: RunSummary | undefined;
  for await (const info of client.workflow.list({ query, pageSize: 1 })) {
    last = await client.workflow
      .getHandle<typeof syncFeatureRequests>(info.workflowId, info.runId, { followRuns: false })
      .result()
      .catch(() => undefined);
    break;
  }
  const requests = last?.source?.requests;
  if (requests === undefined) return [];
  const warnings: string[] = [];
  const readMs = readBoundMs(requests, budget);
  const budgetText = `CANNY_* budget ${formatRateLimits(budget)}`;
  if (everyMs !== undefined && readMs > everyMs)
    warnings.push(
      `the last full run's source read (${requests} Canny requests) takes about ${compactDuration(readMs)} at the ` +
        `${budgetText}: longer than the schedule's interval of ${compactDuration(everyMs)}, so runs would follow ` +
        `each other without a pause (the overlap policy skips the ones that come too early)`,
    );
  const hourly = hourlyAllowance(budget);
  if (requests > hourly / 2)
    warnings.push(
      `the last full run's source read (${requests} Canny requests) spends ${Math.round((100 * requests) / hourly)} % ` +
        `of the hourly budget (${hourly}/h at the ${budgetText}): more than half, which leaves little for the ` +
        `key's other users and for company syncs`,
    );
  return warnings;
}

async function scheduleUpdate(ctx: Context, opts: ScheduleSpecOptions): Promise<number> {
  checkTimezone(opts.timezone);
  const cfg = loadOperatorConfig(ctx.env);
  const scheduleId = scheduleIdOf(cfg.SYNC_ENV);
  return ctx.temporal(
    (client) =>
      withScheduleErrors(scheduleId, async () => {
        const handle = client.schedule.getHandle(scheduleId);
        await handle.update((previous) => {
          const replaceTiming = opts.every !== undefined || opts.cron !== undefined;
          return {
            spec: {
              ...previous.spec,
              // A new --every or --cron replaces the old timing entirely (calendars are the server's cron form).
              ...(replaceTiming
                ? { intervals: [], calendars: [], cronExpressions: [], ...timing(opts) }
                : {}),
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
    STARTS,
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
  opts: { starts?: boolean } = {},
): Promise<number> {
  const cfg = loadOperatorConfig(ctx.env);
  const scheduleId = scheduleIdOf(cfg.SYNC_ENV);
  return ctx.temporal(
    (client) =>
      withScheduleErrors(scheduleId, async () => {
        ctx.out(await call(client.schedule.getHandle(scheduleId)));
        return EXIT.ok;
      }),
    opts,
  );
}

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

export function addScheduleCommands(program: Command, ctx: Context, act: Act): void {
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
        scheduleCall(
          ctx,
          async (h) => {
            // The SDK's default for trigger is ALLOW_ALL, which would let two syncs run at once.
            const overlap = opts.overlap ?? (await h.describe()).policies.overlap;
            await h.trigger(overlap);
            return `Triggered schedule ${h.scheduleId} (overlap ${overlap}); see \`schedule describe\``;
          },
          STARTS,
        ),
      ),
    );
  schedule
    .command('backfill')
    .description('take the actions the schedule would have taken between two instants, now')
    .requiredOption('--start <iso>', 'start instant, e.g. 2025-01-31T00:00:00Z (required)', parseInstant)
    .requiredOption('--end <iso>', 'end instant (required)', parseInstant)
    .addOption(overlapOption("overlap policy for the backfill (default: the schedule's)"))
    .action(
      act((opts: { start: Date; end: Date; overlap?: ScheduleOverlapPolicy }) => {
        if (opts.end <= opts.start) throw usageError('--end must be after --start');
        return scheduleCall(
          ctx,
          async (h) => {
            await h.backfill({
              start: opts.start,
              end: opts.end,
              ...(opts.overlap ? { overlap: opts.overlap } : {}),
            });
            return `Backfilling schedule ${h.scheduleId} from ${iso(opts.start)} to ${iso(opts.end)}`;
          },
          STARTS,
        );
      }),
    );
  schedule
    .command('delete')
    .description('delete the schedule (runs already started continue); asks first on a terminal')
    .option('--yes', 'delete without asking (needed off a terminal)')
    .action(act((opts: { yes?: boolean }) => scheduleDelete(ctx, opts)));
}

/**
 * Deleting loses the spec, the policies and the action history, so a person confirms it. Off a terminal
 * (a script, CI) nobody can answer: refusing there makes the script say `--yes`, rather than guess.
 */
async function scheduleDelete(ctx: Context, opts: { yes?: boolean }): Promise<number> {
  const scheduleId = scheduleIdOf(loadOperatorConfig(ctx.env).SYNC_ENV);
  if (!opts.yes) {
    if (!isTerminal(ctx.deps))
      throw usageError(`not deleting schedule ${scheduleId} without confirmation: pass --yes`);
    const confirm = ctx.deps.confirm ?? askOnTerminal;
    if (!(await confirm(`Delete schedule ${scheduleId}? Runs already started continue.`)))
      throw failedError(`schedule ${scheduleId} not deleted`);
  }
  return scheduleCall(ctx, async (h) => {
    await h.delete();
    return `Deleted schedule ${h.scheduleId}`;
  });
}
