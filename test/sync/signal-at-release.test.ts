// A company sync asked for at any moment of a run is run (issue #16, item 11): a syncCompany signal that
// arrives while the run gives its writer lease back, after it read its rerun flag, must not be lost.
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { syncCompanySignal } from '../../src/workflows/messages';
import { syncFeatureRequests } from '../../src/workflows';
import { LEASE_RETRY_MS, startStack } from '../support/stack';

describe('a syncCompany signal while the run releases its lease', function () {
  this.timeout(120_000);

  it('runs the company once more', async () => {
    const stack = await startStack({ simulators: { dataset: { seed: 11, posts: 6, votes: 12 } } });
    try {
      const expected = stack.sims.dataset!.expected;
      const domain = expected.companyDomains.find((d) =>
        Object.values(expected.posts).some((p) => p.companyDomains.includes(d)),
      )!;
      const workflowId = `${stack.taskQueue}/company/${domain}`;
      const start = () =>
        stack.env.client.workflow.signalWithStart(syncFeatureRequests, {
          taskQueue: stack.taskQueue,
          workflowId,
          args: [{ environment: 'test', mode: 'company', domain, leaseRetryIntervalMs: LEASE_RETRY_MS }],
          signal: syncCompanySignal,
          signalArgs: [{ domain }],
        });
      // The summary post is slowed, so the test can take the run store's write lock before the run gives its
      // lease back: the release then waits on the lock, and the signal lands while it does.
      stack.sims.slack.server.addFault({ kind: 'latency', latencyMs: 1_500 });
      const handle = await start();
      const history = async () => (await handle.fetchHistory()).events ?? [];
      const scheduled = async (activityType: string): Promise<boolean> =>
        (await history()).some(
          (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType,
        );
      const signals = async (): Promise<number> =>
        (await history()).filter((e) => e.workflowExecutionSignaledEventAttributes).length;
      const until = async (check: () => Promise<boolean>, what: string): Promise<void> => {
        const deadline = Date.now() + 60_000;
        while (!(await check())) {
          assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      await until(() => scheduled('postSummary'), 'the summary post');
      const file = stack.config.SYNC_STORE_URL.replace(/^sqlite:/, '');
      const lock = new Database(path.resolve(file));
      lock.prepare('BEGIN IMMEDIATE').run();
      try {
        await until(() => scheduled('releaseWriterLease'), 'the release');
        const before = await signals();
        await start(); // asked again, after the run read its rerun flag
        await until(async () => (await signals()) > before, 'the signal');
        await new Promise((r) => setTimeout(r, 300));
      } finally {
        lock.prepare('COMMIT').run();
        lock.close();
      }
      stack.sims.slack.server.clearFaults();
      const summary = await handle.result();
      assert.equal(summary.mode, 'company');
      assert.equal(stack.sims.slack.messages().length, 2, 'the company ran once more');
    } finally {
      await stack.close();
    }
  });
});
