import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import type { RunSummary } from '../../src/domain/types';
import { ENVIRONMENT_ATTRIBUTE, MODE_ATTRIBUTE } from '../../src/search-attributes';
import { cliFor, envOf, eventually, type Cli } from '../support/cli';
import { startStack, type Stack } from '../support/stack';

// A schedule id per test file and process: `feedback-sync/<env>` must not collide on the shared server.
const ENV = `cli-sched-${process.pid}`;
const SCHEDULE_ID = `feedback-sync/${ENV}`;

interface DescribeJson {
  scheduleId: string;
  specText: string;
  spec: { intervals?: Array<{ every: number }>; calendars?: unknown[]; timezone?: string; jitter?: number };
  policies: { overlap: string; catchupWindow: number };
  state: { paused: boolean; note?: string };
  action: { workflowType: string; workflowId: string; taskQueue: string };
  nextActionTimes: string[];
  recentActions: Array<{ workflowId: string; runId: string }>;
}

describe('client: schedule', function () {
  this.timeout(60_000);
  let stack: Stack;
  let client: Client;
  let cli: Cli;

  const describeJson = async (): Promise<DescribeJson> => {
    const result = await cli('schedule', 'describe', '--json');
    assert.equal(result.code, 0, result.stderr.join('\n'));
    return result.lastJson<DescribeJson>();
  };

  before(async () => {
    stack = await startStack({ env: { SYNC_ENV: ENV } }); // workers refuse runs of other environments
    client = stack.env.client;
    cli = await cliFor(client, envOf(stack.config, ENV));
  });
  after(async () => {
    await client?.schedule
      .getHandle(SCHEDULE_ID)
      .delete()
      .catch(() => undefined);
    await stack?.close();
  });

  it('create, then describe shows the spec, the policies and the next runs', async () => {
    const created = await cli('schedule', 'create', '--every', '1h', '--jitter', '30s');
    assert.equal(created.code, 0, created.stderr.join('\n'));
    assert.match(created.stdout.join('\n'), /every 1h/);

    const d = await describeJson();
    assert.equal(d.scheduleId, SCHEDULE_ID);
    assert.deepEqual(
      d.spec.intervals?.map((i) => i.every),
      [3_600_000],
    );
    assert.equal(d.spec.timezone || 'UTC', 'UTC');
    assert.equal(d.spec.jitter, 30_000);
    assert.equal(d.policies.overlap, 'SKIP', 'two syncs never run at once');
    assert.equal(d.policies.catchupWindow, 600_000, 'the explicit default');
    assert.equal(d.state.paused, false);
    assert.equal(d.nextActionTimes.length, 5);
    assert.equal(d.action.workflowType, 'syncFeatureRequests');
    assert.equal(d.action.workflowId, `feedback-sync/${ENV}/full`);
    assert.equal(d.action.taskQueue, stack.taskQueue);

    const again = await cli('schedule', 'create', '--every', '15m');
    assert.equal(again.code, 1);
    assert.match(again.stderr.join('\n'), /already exists; change it with `schedule update`/);
  });

  it('update replaces the timing and keeps the rest', async () => {
    const updated = await cli(
      'schedule',
      'update',
      '--cron',
      '30 9 * * 1-5',
      '--timezone',
      'Europe/Berlin',
      '--overlap',
      'BUFFER_ONE',
    );
    assert.equal(updated.code, 0, updated.stderr.join('\n'));
    let d = await describeJson();
    assert.deepEqual(d.spec.intervals ?? [], []);
    assert.equal(d.spec.calendars?.length, 1);
    assert.equal(d.spec.timezone, 'Europe/Berlin');
    assert.equal(d.spec.jitter, 30_000);
    assert.equal(d.policies.overlap, 'BUFFER_ONE');
    assert.match(d.specText, /30 9/);

    const back = await cli('schedule', 'update', '--every', '1h', '--timezone', 'UTC', '--overlap', 'SKIP');
    assert.equal(back.code, 0, back.stderr.join('\n'));
    d = await describeJson();
    assert.deepEqual(
      d.spec.intervals?.map((i) => i.every),
      [3_600_000],
    );
    assert.equal(d.spec.calendars?.length ?? 0, 0);
    assert.equal(d.policies.overlap, 'SKIP');
  });

  it('trigger starts a run that completes, tagged with the environment; no manual sync beside it', async () => {
    // Without workers the scheduled run stays running for as long as the test needs.
    await stack.stopWorkers();
    const triggered = await cli('schedule', 'trigger');
    assert.equal(triggered.code, 0, triggered.stderr.join('\n'));
    assert.match(triggered.stdout.join('\n'), /overlap SKIP/);

    const action = await eventually(async () => {
      const d = await client.schedule.getHandle(SCHEDULE_ID).describe();
      return d.info.recentActions[0];
    }, 'the triggered action');
    const { workflowId, firstExecutionRunId } = action.action.workflow;
    assert.ok(workflowId.startsWith(`feedback-sync/${ENV}/full-`), workflowId);

    const refused = await eventually(async () => {
      const result = await cli('sync');
      return result.code === 1 ? result : undefined;
    }, 'visibility to list the scheduled run');
    assert.match(refused.stderr.join('\n'), new RegExp(`a sync is already running: ${workflowId}`));
    await stack.startWorkers();
    const handle = client.workflow.getHandle<() => Promise<RunSummary>>(workflowId, firstExecutionRunId);
    const summary = await handle.result();
    assert.equal(summary.mode, 'full');
    assert.equal(summary.environment, ENV);
    assert.equal(summary.featureRequests.identified, stack.sims.dataset!.expected.livePostIds.length);
    assert.equal(summary.featureRequests.failed, 0, JSON.stringify(summary.failures));

    const description = await handle.describe();
    assert.equal(description.typedSearchAttributes.get(ENVIRONMENT_ATTRIBUTE), ENV);
    assert.equal(description.typedSearchAttributes.get(MODE_ATTRIBUTE), 'full');

    const text = await cli('schedule', 'describe');
    assert.equal(text.code, 0);
    assert.match(text.stdout.join('\n'), new RegExp(`${workflowId}\\s+COMPLETED`));
  });

  it('with a schedule, a manual sync runs through it, so no run can start beside another', async () => {
    const done = await cli('sync', '--wait', '--json');
    assert.equal(done.code, 0, done.stderr.join('\n'));
    const summary = done.lastJson<RunSummary>();
    assert.ok(summary.workflowId.startsWith(`feedback-sync/${ENV}/full-`), summary.workflowId);

    await stack.stopWorkers(); // the next run stays running for as long as the test needs
    const started = await cli('sync', '--json');
    assert.equal(started.code, 0, started.stderr.join('\n'));
    const { workflowId, runId } = started.lastJson<{ workflowId: string; runId: string }>();
    const second = await cli('sync');
    assert.equal(second.code, 1);
    assert.match(second.stderr.join('\n'), new RegExp(`a sync is already running: ${workflowId}`));
    await stack.startWorkers();
    const result = await client.workflow.getHandle<() => Promise<RunSummary>>(workflowId, runId).result();
    assert.equal(result.mode, 'full');
  });

  it('pause shows paused with its note, status shows it, unpause resumes', async () => {
    const paused = await cli('schedule', 'pause', '--note', 'HubSpot maintenance');
    assert.equal(paused.code, 0, paused.stderr.join('\n'));
    let d = await describeJson();
    assert.equal(d.state.paused, true);
    assert.equal(d.state.note, 'HubSpot maintenance');

    const status = await cli('status');
    assert.equal(status.code, 0, status.stderr.join('\n'));
    assert.match(status.stdout.join('\n'), new RegExp(`Schedule ${SCHEDULE_ID}: PAUSED, every 1h`));

    const unpaused = await cli('schedule', 'unpause');
    assert.equal(unpaused.code, 0);
    d = await describeJson();
    assert.equal(d.state.paused, false);
  });

  it('backfill is accepted, delete removes the schedule, and later calls say it is gone', async () => {
    // A window with no interval boundary inside: accepted, starts nothing.
    const backfill = await cli(
      'schedule',
      'backfill',
      '--start',
      '2025-01-01T00:10:00Z',
      '--end',
      '2025-01-01T00:20:00Z',
    );
    assert.equal(backfill.code, 0, backfill.stderr.join('\n'));

    const deleted = await cli('schedule', 'delete', '--yes');
    assert.equal(deleted.code, 0, deleted.stderr.join('\n'));
    const gone = await cli('schedule', 'describe');
    assert.equal(gone.code, 1);
    assert.match(gone.stderr.join('\n'), new RegExp(`no schedule ${SCHEDULE_ID}`));
  });

  it("create warns when the last full run's read would not fit the interval at the budget, or spends over half the hour", async () => {
    // After the delete above: a completed full run to weigh (earlier tests' runs may be from manual syncs too).
    const summary = await stack.sync();
    const requests = summary.source!.requests;
    assert.ok(requests > 0);
    await eventually(
      async () =>
        (
          await client.workflow.count(
            `${ENVIRONMENT_ATTRIBUTE.name} = "${ENV}" AND ${MODE_ATTRIBUTE.name} = "full" AND ExecutionStatus = "Completed"`,
          )
        ).count > 0 || undefined,
      'the run visible',
    );
    // A budget of a request a minute and one an hour (the default 80 % share of 2/m and 2/h).
    const tight = await cliFor(client, { ...envOf(stack.config, ENV), CANNY_RATE_LIMITS: '2/m,2/h' });
    const created = await tight('schedule', 'create', '--every', '1m', '--paused');
    assert.equal(created.code, 0, created.stderr.join('\n'));
    const stderr = created.stderr.join('\n');
    assert.match(
      stderr,
      new RegExp(`warning: the last full run's source read \\(${requests} Canny requests\\) takes about`),
    );
    assert.match(stderr, /longer than the schedule's interval of 1m/);
    assert.match(stderr, /of the hourly budget \(1\/h at the CANNY_\* budget 1\/m,1\/h\): more than half/);

    await cli('schedule', 'delete', '--yes');
    const roomy = await cli('schedule', 'create', '--every', '1h', '--paused');
    assert.equal(roomy.code, 0, roomy.stderr.join('\n'));
    assert.doesNotMatch(roomy.stderr.join('\n'), /warning/, 'the default Pro budget has room for it');
    await cli('schedule', 'delete', '--yes');
  });
});
