import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { externalIdOf } from '../../src/domain/feature-request';
import type { RunSummary } from '../../src/domain/types';
import { DRY_RUN_ATTRIBUTE, ENVIRONMENT_ATTRIBUTE, MODE_ATTRIBUTE } from '../../src/search-attributes';
import { cliFor, envOf, eventually, type Cli } from '../support/cli';
import { startStack, type Stack } from '../support/stack';

const ENV = `cli-sync-${process.pid}`;

describe('client: sync, sync-company, status, history and replay', function () {
  this.timeout(60_000);
  let stack: Stack;
  let client: Client;
  let cli: Cli;
  let companyDomain: string;
  let companyPostIds: string[];
  /** The run that wrote the requests the company run did not: its history has child workflows. */
  let fullRun: { workflowId: string; runId: string };

  before(async () => {
    stack = await startStack({ env: { SYNC_ENV: ENV } }); // workers refuse runs of other environments
    client = stack.env.client;
    cli = await cliFor(client, envOf(stack.config, ENV));
    // The company whose people touched the most requests, but not all of them: a targeted run must differ.
    const expected = stack.sims.dataset!.expected;
    const postsOf = (domain: string) =>
      expected.livePostIds.filter((id) => expected.posts[id]!.companyDomains.includes(domain));
    const [best] = expected.companyDomains
      .map((domain) => ({ domain, posts: postsOf(domain) }))
      .filter((c) => c.posts.length < expected.livePostIds.length)
      .sort((a, b) => b.posts.length - a.posts.length);
    companyDomain = best!.domain;
    companyPostIds = best!.posts;
  });
  after(async () => {
    await stack?.close();
  });

  const externalIds = (): string[] =>
    stack.sims.hubspot
      .objects('feature_request')
      .map((r) => String(r.properties.external_id))
      .sort();

  it('sync --dry-run --wait --json counts what would change and writes nothing to HubSpot', async () => {
    const writesBefore = stack.hubspotWrites();
    const result = await cli('sync', '--dry-run', '--wait', '--json');
    assert.equal(result.code, 0, result.stderr.join('\n'));
    const summary = result.lastJson<RunSummary>();
    assert.equal(summary.dryRun, true);
    assert.equal(summary.mode, 'full');
    assert.equal(summary.environment, ENV);
    assert.equal(summary.workflowId, `feedback-sync/${ENV}/dry-run`);
    const live = stack.sims.dataset!.expected.livePostIds.length;
    assert.equal(summary.featureRequests.identified, live);
    assert.equal(summary.featureRequests.created, live, 'a dry run says what it would create');
    assert.equal(stack.hubspotWrites() - writesBefore, 0, 'no HubSpot write requests');
    assert.deepEqual(externalIds(), []);
  });

  it('sync-company <domain> --wait re-syncs only the requests of that company', async () => {
    assert.ok(companyPostIds.length > 0);
    // Written as an operator might type it: normalised to the registrable domain.
    const result = await cli('sync-company', `WWW.${companyDomain.toUpperCase()}`, '--wait');
    assert.equal(result.code, 0, result.stderr.join('\n'));
    const text = result.stdout.join('\n');
    assert.match(text, new RegExp(`workflow id\\s+feedback-sync/${ENV}/company/${companyDomain}`));
    assert.match(text, new RegExp(`Company sync ${companyDomain}`));

    const handle = client.workflow.getHandle<() => Promise<RunSummary>>(
      `feedback-sync/${ENV}/company/${companyDomain}`,
    );
    const summary = await handle.result();
    assert.equal(summary.mode, 'company');
    assert.equal(summary.domain, companyDomain);
    assert.equal(summary.featureRequests.identified, companyPostIds.length);
    // One run, not two: the signal sent with the start is this run's own request.
    assert.equal(summary.featureRequests.created, companyPostIds.length);
    assert.equal(summary.featureRequests.failed, 0, JSON.stringify(summary.failures));
    const history = await handle.fetchHistory();
    assert.ok(
      !history.events?.some((e) => e.workflowExecutionContinuedAsNewEventAttributes),
      'the company sync ran once, without continuing as new',
    );
    // Only that company's requests exist in HubSpot: nothing about any other request was written.
    assert.deepEqual(externalIds(), companyPostIds.map(externalIdOf).sort());
  });

  it('sync --wait --json prints the summary JSON as the last stdout line and exits 0', async () => {
    const result = await cli('sync', '--wait', '--json');
    assert.equal(result.code, 0, result.stderr.join('\n'));
    const summary = result.lastJson<RunSummary>();
    fullRun = { workflowId: summary.workflowId, runId: summary.runId };
    const live = stack.sims.dataset!.expected.livePostIds.length;
    assert.equal(summary.workflowId, `feedback-sync/${ENV}/full`);
    assert.equal(summary.dryRun, false);
    assert.equal(summary.featureRequests.identified, live);
    assert.equal(summary.featureRequests.created, live - companyPostIds.length);
    assert.equal(summary.featureRequests.failed, 0, JSON.stringify(summary.failures));
    assert.equal(externalIds().length, live);
    assert.match(summary.uiUrl, /\/namespaces\/default\/workflows\/feedback-sync%2F/);

    // The environment is in the run's search attributes, so `status` and the UI can find it.
    const description = await client.workflow.getHandle(summary.workflowId, summary.runId).describe();
    assert.equal(description.typedSearchAttributes.get(ENVIRONMENT_ATTRIBUTE), ENV);
    assert.equal(description.typedSearchAttributes.get(MODE_ATTRIBUTE), 'full');
    assert.equal(description.typedSearchAttributes.get(DRY_RUN_ATTRIBUTE), false);
    assert.match((await description.staticSummary()) ?? '', /^Full sync \(cli-sync-/);
  });

  it('refuses a second manual sync while one runs (exit 1)', async () => {
    const first = await cli('sync', '--json');
    assert.equal(first.code, 0, first.stderr.join('\n'));
    const started = first.lastJson<{ workflowId: string; runId: string; uiUrl: string }>();
    assert.equal(started.workflowId, `feedback-sync/${ENV}/full`);
    assert.ok(started.uiUrl.endsWith(`/${started.runId}/history`));

    const second = await cli('sync');
    assert.equal(second.code, 1);
    assert.match(
      second.stderr.join('\n'),
      new RegExp(`a sync is already running: feedback-sync/${ENV}/full`),
    );
    const summary = await client.workflow.getHandle<() => Promise<RunSummary>>(started.workflowId).result();
    assert.equal(summary.featureRequests.unchanged, summary.featureRequests.identified);
  });

  it('status lists the runs newest first, with mode, dry-run and counts', async () => {
    const status = await eventually(async () => {
      const result = await cli('status', '--json');
      assert.equal(result.code, 0, result.stderr.join('\n'));
      const parsed = result.lastJson<{
        schedule: unknown;
        runs: Array<{
          workflowId: string;
          status: string;
          mode?: string;
          dryRun?: boolean;
          summary?: unknown;
        }>;
      }>();
      return parsed.runs.length >= 4 &&
        parsed.runs.every((r) => ['COMPLETED', 'CONTINUED_AS_NEW'].includes(r.status))
        ? parsed
        : undefined;
    }, 'four completed runs in visibility');
    assert.equal(status.schedule, null);
    const [newest] = status.runs;
    assert.equal(newest!.workflowId, `feedback-sync/${ENV}/full`);
    assert.equal(newest!.mode, 'full');
    assert.ok(newest!.summary, 'counts of the newest completed run');
    assert.ok(status.runs.some((r) => r.mode === 'company'));
    assert.ok(status.runs.some((r) => r.dryRun === true && r.workflowId.endsWith('/dry-run')));

    const text = await cli('status', '--limit', '2');
    assert.equal(text.code, 0);
    assert.match(text.stdout.join('\n'), /No schedule/);
    assert.equal(text.stdout.filter((line) => line.includes('COMPLETED')).length, 2);
  });

  it('history exports a run, and replay passes from the file and from the server', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cli-history-')), 'full.json');
    const exported = await cli('history', fullRun.workflowId, '--run-id', fullRun.runId, '--out', file);
    assert.equal(exported.code, 0, exported.stderr.join('\n'));
    const events = (JSON.parse(fs.readFileSync(file, 'utf8')) as { events: Array<{ eventType: string }> })
      .events;
    assert.ok(
      events.some((e) => /START_CHILD_WORKFLOW/.test(String(e.eventType))),
      'a history with page children',
    );

    // The file carries the workflow id in its start event; the children's ids depend on it.
    const fromFile = await cli('replay', '--file', file);
    assert.equal(fromFile.code, 0, fromFile.stderr.join('\n'));
    assert.match(fromFile.stdout.join('\n'), /replay OK/);

    const fromServer = await cli('replay', fullRun.workflowId, '--run-id', fullRun.runId);
    assert.equal(fromServer.code, 0, fromServer.stderr.join('\n'));
    assert.match(fromServer.stdout.join('\n'), /replay OK/);
  });
});
