// status
import type { Command } from 'commander';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { loadOperatorConfig } from '../config';
import { sourceReadText, TARGET_TEXT } from '../domain/summary';
import type { RunSummary } from '../domain/types';
import { DRY_RUN_ATTRIBUTE, ENVIRONMENT_ATTRIBUTE, MODE_ATTRIBUTE } from '../search-attributes';
import type { Progress, syncFeatureRequests } from '../workflows';
import { EXIT, json, jsonOption, type Act, type Context } from './context';
import { iso, parsePositiveInt } from './format';
import { progressText, queryProgress } from './progress';
import { describeScheduleOrNull, scheduleJson, specText } from './schedule';

interface RunRow {
  workflowId: string;
  runId: string;
  status: string;
  startTime: Date;
  closeTime?: Date;
  mode?: string;
  dryRun?: boolean;
  domain?: string;
  summary?: Pick<
    RunSummary,
    'featureRequests' | 'companies' | 'contacts' | 'associations' | 'source' | 'target'
  >;
  /** A running run's phase, units done of total and counts so far (its `progress` query). */
  progress?: Progress;
}

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
  // One request per listed run (a result or a query), all at once: --limit bounds them.
  await Promise.all(
    rows.map(async (row) => {
      const handle = client.workflow.getHandle<typeof syncFeatureRequests>(row.workflowId, row.runId, {
        followRuns: false,
      });
      if (row.status === 'RUNNING') {
        const progress = await queryProgress(handle);
        if (progress) row.progress = progress;
        return;
      }
      if (row.status !== 'COMPLETED') return;
      const summary = await handle.result();
      const { featureRequests, companies, contacts, associations, source, target } = summary;
      row.summary = {
        featureRequests,
        companies,
        contacts,
        associations,
        ...(source ? { source } : {}),
        ...(target ? { target } : {}),
      };
      if (summary.domain) row.domain = summary.domain;
    }),
  );
  return rows;
}

function runLine(row: RunRow): string {
  const target = row.summary?.target ? ` → HubSpot ${TARGET_TEXT[row.summary.target]}` : '';
  const kind = `${row.mode ?? '?'}${row.domain ? ` ${row.domain}` : ''}${row.dryRun ? ' dry-run' : ''}${target}`;
  const times = `started ${iso(row.startTime)}${row.closeTime ? `, closed ${iso(row.closeTime)}` : ''}`;
  const fr = row.summary?.featureRequests;
  const counts = fr
    ? ` — ${fr.identified} identified · ${fr.created} created · ${fr.updated} updated · ${fr.unchanged} unchanged · ${fr.failed} failed`
    : '';
  const progress = row.progress ? ` — ${progressText(row.progress)}` : '';
  const source = row.summary?.source ? `\n      source read: ${sourceReadText(row.summary.source)}` : '';
  return `  ${row.status.padEnd(16)} ${row.workflowId}  [${kind}]  ${times}${counts}${progress}${source}`;
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

export function addStatusCommand(program: Command, ctx: Context, act: Act): void {
  program
    .command('status')
    .description(
      'running runs (phase and counts) and recent runs (counts) of this environment, and the schedule',
    )
    .addOption(jsonOption())
    .option('--limit <n>', 'how many runs to list', parsePositiveInt, 10)
    .action(act((opts: { json?: boolean; limit: number }) => status(ctx, opts)));
}
