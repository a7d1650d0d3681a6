// Recorded histories of real runs, replayed against the current workflow code on every test run: a change that
// would break runs in flight (nondeterminism) fails here before it is deployed. RECORD_FIXTURES=1 records a new
// set next to the old ones (named by the day, and RECORD_FIXTURES_TAG if set), which stay: every set is replayed.
// RECORD_FIXTURES_TIER=professional records them on a portal that keeps the requests as tickets.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { runCli, workflowIdOfHistory } from '../../src/client';
import { decodeHistory } from '../../src/codec/history';
import type { RunSummary } from '../../src/domain/types';
import { workflowBundle } from '../hooks';
import { cliFor, envOf } from '../support/cli';
import { startStack } from '../support/stack';

const FIXTURES = path.resolve(__dirname, '../fixtures/histories');

function syncFixtures(): string[] {
  return fs
    .readdirSync(FIXTURES)
    .filter((name) => /^sync-.*\.json$/.test(name))
    .sort()
    .map((name) => path.join(FIXTURES, name));
}

describe('workflow histories replay against the current code', function () {
  this.timeout(60_000);

  if (process.env.RECORD_FIXTURES === '1') {
    it('records a full sync and a company sync (RECORD_FIXTURES=1)', async () => {
      const env = `cli-fixtures-${process.pid}`;
      // RECORD_FIXTURES_TIER=professional records runs that write tickets (HUBSPOT_TARGET=auto picks them).
      const tier = process.env.RECORD_FIXTURES_TIER as 'professional' | undefined;
      // Workers refuse runs of other environments.
      const stack = await startStack({
        env: { SYNC_ENV: env },
        ...(tier ? { simulators: { hubspot: { tier } } } : {}),
      });
      try {
        const cli = await cliFor(stack.env.client, envOf(stack.config, env));
        const full = await cli('sync', '--wait', '--json');
        assert.equal(full.code, 0, full.stderr.join('\n'));
        const fullSummary = full.lastJson<RunSummary>();

        const expected = stack.sims.dataset!.expected;
        const domain = expected.companyDomains.find((d) =>
          expected.livePostIds.some((id) => expected.posts[id]!.companyDomains.includes(d)),
        )!;
        const company = await cli('sync-company', domain, '--json');
        assert.equal(company.code, 0, company.stderr.join('\n'));
        const started = company.lastJson<{ workflowId: string; runId: string }>();
        await stack.env.client.workflow.getHandle(started.workflowId).result();

        // New recordings never replace old ones (they are what released versions left in flight): each set
        // is named by the day it was recorded, and a name that exists is refused.
        // RECORD_FIXTURES_TAG names a second set of one day (a second version released that day).
        const tag = process.env.RECORD_FIXTURES_TAG;
        const day = `${new Date().toISOString().slice(0, 10)}${tag ? `-${tag}` : ''}`;
        const record = async (workflowId: string, runId: string | undefined, name: string): Promise<void> => {
          const file = name.replace(/\.json$/, `-${day}.json`);
          assert.ok(
            !fs.existsSync(path.join(FIXTURES, file)),
            `${file} exists: recordings are never replaced`,
          );
          const history = await stack.env.client.workflow.getHandle(workflowId, runId).fetchHistory();
          // Decoded: the suite's payload key is new on every run, so a fixture must not need it.
          const codecs = stack.env.client.options.loadedDataConverter.payloadCodecs;
          fs.writeFileSync(path.join(FIXTURES, file), historyToJSON(await decodeHistory(history, codecs)));
        };
        await record(fullSummary.workflowId, fullSummary.runId, 'sync-full.json');
        // A page child of that run: the writes, the association batches and their hand-back to the parent.
        await record(`${fullSummary.workflowId}/page-0`, undefined, 'sync-page.json');
        // The run that received the signal with its start: it exercises the signal handler.
        await record(started.workflowId, started.runId, 'sync-company.json');
      } finally {
        await stack.close();
      }
    });
  }

  it('replays every recorded sync history (test/fixtures/histories/sync-*.json)', async () => {
    const files = syncFixtures();
    assert.ok(files.length >= 2, `expected sync-full.json and sync-company.json, found ${files.length}`);
    const bundle = await workflowBundle(path.resolve(__dirname, '../../src/workflows'));
    for (const file of files) {
      const history = historyFromJSON(JSON.parse(fs.readFileSync(file, 'utf8')));
      await Worker.runReplayHistory(
        { workflowBundle: bundle, replayName: path.basename(file, '.json') },
        history,
        workflowIdOfHistory(history),
      );
    }
  });

  it('replay exits 1 and names the nondeterminism when the code no longer matches', async () => {
    const harness = path.resolve(__dirname, '../harness');
    const replay = async (workflows: string) => {
      const stdout: string[] = [];
      const stderr: string[] = [];
      const code = await runCli(['replay', '--file', path.join(FIXTURES, 'harness-workflow.json')], {
        env: { SYNC_ENV: 'cli-replay' },
        workflows: { workflowBundle: await workflowBundle(path.join(harness, workflows)) },
        stdout: (line) => stdout.push(line),
        stderr: (line) => stderr.push(line),
      });
      return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
    };
    const same = await replay('workflows.ts');
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout, /^replay OK/);
    const changed = await replay('workflows-changed.ts');
    assert.equal(changed.code, 1);
    assert.match(changed.stderr, /replay FAILED \(nondeterminism\)/);
  });
});
