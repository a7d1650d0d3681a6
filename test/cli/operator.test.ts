// Issue 12: what a new operator tripped over, from exit codes to progress, hints and confirmations.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { CannyClient } from '../../src/clients/canny';
import { HubspotGateway } from '../../src/clients/hubspot';
import { SlackNotifier } from '../../src/clients/slack';
import type { RunSummary } from '../../src/domain/types';
import { cliFor, envOf, eventually, type Cli } from '../support/cli';
import { startStack, type Stack } from '../support/stack';

const ENV = `cli-operator-${process.pid}`;

interface StatusJson {
  runs: Array<{
    workflowId: string;
    status: string;
    summary?: unknown;
    progress?: { phase: string; done: number; total: number };
  }>;
}

describe('client: operator experience (exit codes, progress, hints, confirmations)', function () {
  this.timeout(90_000);
  let stack: Stack;
  let client: Client;
  let cli: Cli;

  before(async () => {
    stack = await startStack({ env: { SYNC_ENV: ENV } }); // workers refuse runs of other environments
    client = stack.env.client;
    cli = await cliFor(client, envOf(stack.config, ENV), { progressIntervalMs: 50 });
  });
  after(async () => {
    await stack?.close();
  });
  afterEach(() => stack.sims.hubspot.server.clearFaults());

  it('exits 4 when a run completes with record-level failures', async () => {
    // Every contacts batch is refused: the run completes, but its requests fail record by record.
    stack.sims.hubspot.server.addFault({
      route: '/crm/objects/2026-09/contacts/batch/create',
      kind: 'server-error',
      status: 400,
    });
    const result = await cli('sync', '--wait', '--json');
    const summary = result.lastJson<RunSummary>();
    const failed = summary.featureRequests.failed + summary.companies.failed + summary.contacts.failed;
    assert.ok(failed > 0, `record-level failures expected: ${JSON.stringify(summary.featureRequests)}`);
    assert.equal(result.code, 4, result.stderr.join('\n'));
  });

  it('sync --wait off a terminal prints a progress line at each interval, on stderr', async () => {
    // Slow HubSpot down so that the run lasts several intervals.
    stack.sims.hubspot.server.addFault({ kind: 'latency', latencyMs: 100 });
    const result = await cli('sync', '--dry-run', '--wait', '--json');
    assert.equal(result.code, 0, result.stderr.join('\n'));
    const lines = result.stderr.filter((line) => line.startsWith('progress:'));
    assert.ok(lines.length > 0, `progress lines expected, stderr: ${result.stderr.join('\n')}`);
    assert.match(lines[lines.length - 1]!, /^progress: \S+ \d+\/\d+ · \d+ identified · /);
    // stdout stays the one JSON line scripts read.
    assert.equal(result.stdout.length, 1);
    assert.equal(result.lastJson<RunSummary>().dryRun, true);
  });

  it('status shows the phase and counts of a running run, and counts for every completed run it lists', async () => {
    stack.sims.hubspot.server.addFault({ kind: 'latency', latencyMs: 100 });
    const started = await cli('sync', '--dry-run', '--json');
    assert.equal(started.code, 0, started.stderr.join('\n'));
    const { workflowId, runId } = started.lastJson<{ workflowId: string; runId: string }>();
    const running = await eventually(async () => {
      const result = await cli('status', '--json');
      const row = result.lastJson<StatusJson>().runs.find((r) => r.status === 'RUNNING');
      return row?.progress ? row : undefined;
    }, 'a running run with its progress');
    assert.equal(typeof running.progress!.phase, 'string');
    const text = await cli('status');
    assert.equal(text.code, 0);
    await client.workflow.getHandle(workflowId, runId).result();
    stack.sims.hubspot.server.clearFaults();

    // More completed runs than the old limit of 3, every one with its counts.
    await cli('sync', '--dry-run', '--wait');
    await cli('sync', '--dry-run', '--wait');
    const status = await eventually(async () => {
      const parsed = (await cli('status', '--json')).lastJson<StatusJson>();
      const completed = parsed.runs.filter((r) => r.status === 'COMPLETED');
      return completed.length >= 4 ? completed : undefined;
    }, 'four completed runs in visibility');
    assert.ok(
      status.every((r) => r.summary),
      'every completed run listed has its counts',
    );
  });

  it('a token HubSpot refuses names HUBSPOT_ACCESS_TOKEN and the scopes; --json prints {error, code, hint}', async () => {
    const token = 'pat-na1-wrong-token-0000';
    const refused = await cliFor(client, { ...cli.env, HUBSPOT_ACCESS_TOKEN: token });
    const text = await refused('hubspot', 'check');
    assert.equal(text.code, 1);
    assert.match(
      text.stderr.join('\n'),
      /check `?HUBSPOT_ACCESS_TOKEN`? \(for a run: the worker's.*restart it.*\): a private app token or service key with these scopes: .*crm\.objects\.custom\.write/,
    );

    const json = await refused('hubspot', 'check', '--json');
    assert.equal(json.code, 1);
    const error = json.lastJson<{ error: string; code: number; hint: string; type?: string }>();
    assert.equal(error.code, 1);
    assert.equal(error.type, 'HubspotUnauthorized');
    assert.match(error.hint, /HUBSPOT_ACCESS_TOKEN/);
    assert.ok(!json.stdout.concat(json.stderr, text.stdout, text.stderr).join('\n').includes(token));
  });

  it('a base URL that is not HubSpot names the URL and HUBSPOT_BASE_URL', async () => {
    const wrong = `${stack.sims.urls.canny}/not-hubspot`;
    const result = await (await cliFor(client, { ...cli.env, HUBSPOT_BASE_URL: wrong }))('hubspot', 'check');
    assert.equal(result.code, 1);
    assert.match(result.stderr.join('\n'), /HUBSPOT_BASE_URL/);
    assert.ok(result.stderr.join('\n').includes(wrong), result.stderr.join('\n'));
  });

  it("Canny's invalid apiKey and Slack's invalid_auth name CANNY_API_KEY and SLACK_BOT_TOKEN, with a hint", async () => {
    const refusal = async (call: () => Promise<unknown>): Promise<ApplicationFailure> => {
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof ApplicationFailure, String(err));
      return err;
    };
    const canny = await refusal(() =>
      new CannyClient({ apiKey: 'wrong-key', baseUrl: stack.sims.urls.canny }).listBoards(),
    );
    assert.equal(canny.type, 'SourceUnauthorized');
    assert.match(canny.message, /check `CANNY_API_KEY`/);
    assert.match((canny.details?.[0] as { hint: string }).hint, /CANNY_API_KEY/);

    const slack = await refusal(() =>
      new SlackNotifier({ token: 'xoxb-wrong', channel: '#x', apiUrl: stack.sims.slack.apiUrl }).post({
        text: 'hello',
        blocks: [],
      }),
    );
    assert.equal(slack.type, 'SlackPlatformError');
    assert.match(slack.message, /invalid_auth: check `SLACK_BOT_TOKEN`/);
    assert.match((slack.details?.[0] as { hint: string }).hint, /chat:write/);
  });

  it('a HubSpot request that never answers names the URL and HUBSPOT_REQUEST_TIMEOUT_MS', async () => {
    stack.sims.hubspot.server.addFault({ kind: 'hang', count: 1 });
    const gateway = new HubspotGateway({
      accessToken: stack.config.HUBSPOT_ACCESS_TOKEN,
      baseUrl: stack.config.HUBSPOT_BASE_URL,
      timeoutMs: 200,
    });
    const err = await gateway.listSchemas().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ApplicationFailure, String(err));
    assert.equal(err.type, 'NetworkError');
    assert.ok(err.message.includes(stack.config.HUBSPOT_BASE_URL.replace(/\/+$/, '')), err.message);
    assert.match(err.message, /no answer .*in 200 ms \(HUBSPOT_REQUEST_TIMEOUT_MS\)/);
  });

  it('hubspot check needs HubSpot settings only, not CANNY_API_KEY', async () => {
    const { CANNY_API_KEY: _unused, ...hubspotOnly } = cli.env;
    const result = await (await cliFor(client, hubspotOnly))('hubspot', 'check');
    assert.equal(result.code, 0, result.stderr.join('\n'));
  });

  it('a cron the server refuses and an unknown time zone are usage errors (exit 2)', async () => {
    const cron = await cli('schedule', 'create', '--cron', 'every tuesday-ish');
    assert.equal(cron.code, 2, cron.stderr.join('\n'));
    const tz = await cli('schedule', 'create', '--every', '1h', '--timezone', 'Mars/Olympus_Mons');
    assert.equal(tz.code, 2, tz.stderr.join('\n'));
    assert.match(tz.stderr.join('\n'), /Mars\/Olympus_Mons/);
  });

  it('schedule delete off a terminal needs --yes; with --yes it deletes; on a terminal it asks', async () => {
    assert.equal((await cli('schedule', 'create', '--every', '1h', '--paused')).code, 0);
    const refused = await cli('schedule', 'delete');
    assert.equal(refused.code, 2);
    assert.match(refused.stderr.join('\n'), /--yes/);
    assert.equal((await cli('schedule', 'describe')).code, 0, 'still there');

    const questions: string[] = [];
    const declining = await cliFor(client, cli.env, {
      isTTY: true,
      confirm: (question) => {
        questions.push(question);
        return Promise.resolve(false);
      },
    });
    const declined = await declining('schedule', 'delete');
    assert.equal(declined.code, 1);
    assert.match(questions[0] ?? '', new RegExp(`feedback-sync/${ENV}`));
    assert.equal((await cli('schedule', 'describe')).code, 0, 'still there after no');

    const deleted = await cli('schedule', 'delete', '--yes');
    assert.equal(deleted.code, 0, deleted.stderr.join('\n'));
    assert.equal((await cli('schedule', 'describe')).code, 1, 'gone');
  });

  it('sync-company for a domain no request has completes with a warning (exit 0)', async () => {
    const result = await cli('sync-company', 'nobody-votes-here.com', '--wait');
    assert.equal(result.code, 0, result.stderr.join('\n'));
    assert.match(result.stderr.join('\n'), /warning: no feature request .*nobody-votes-here\.com/);
  });

  it('exits quietly when its reader closes the pipe (no EPIPE stack)', async () => {
    const root = path.resolve(__dirname, '../..');
    const pipeEnv = `${ENV}-pipe`;
    // `schedule create` prints a line, then asks the server again: the write fails while work remains.
    const child = spawn('npx', ['tsx', 'src/client.ts', 'schedule', 'create', '--every', '1h', '--paused'], {
      cwd: root,
      // The suite's payload keys: without keys the CLI refuses to create a schedule (exit 2).
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: stack.env.address,
        SYNC_ENV: pipeEnv,
        SYNC_PAYLOAD_KEYS: stack.config.SYNC_PAYLOAD_KEYS ?? '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The reader goes away before the command writes a line, as `| head -0` would.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    await cli('--env', pipeEnv, 'schedule', 'delete', '--yes');
    assert.ok(!/EPIPE/.test(stderr), stderr);
    assert.equal(code, 0, stderr);
  });
});
