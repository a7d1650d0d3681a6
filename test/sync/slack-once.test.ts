// The run summary is posted at most once, even when the worker dies after Slack accepted it, and it counts
// what was sent: its own post, and the requests of activities that failed.
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createSlackActivities } from '../../src/activities/slack';
import type { RequestCounts } from '../../src/activities/tracking';
import { SlackNotifier } from '../../src/clients/slack';
import { buildSummary, emptyCounts } from '../../src/domain/summary';
import { FailureType } from '../../src/failures';
import { SlackSimulator } from '../../src/simulators/slack';
import { syncFeatureRequests } from '../../src/workflows';
import { rootFailure } from '../../src/workflows/util';
import { startStack } from '../support/stack';
import { startWorkerProcess, stopAll, workerEnvOf, type WorkerProcess } from '../support/worker-processes';

const DATASET = { seed: 3, posts: 5, votes: 20 };

async function until(what: string, condition: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `HubSpot 12 · Canny 3 · Slack 1 · 429s 0` from a summary's plain text. */
function requestsIn(text: string): { hubspot: number; canny: number; slack: number } {
  const m = /HubSpot ([\d,]+) · Canny ([\d,]+) · Slack ([\d,]+)/.exec(text);
  assert.ok(m, `no request counts in: ${text}`);
  const n = (s: string): number => Number(s.replace(/,/g, ''));
  return { hubspot: n(m[1]!), canny: n(m[2]!), slack: n(m[3]!) };
}

describe('the Slack summary, posted once', function () {
  this.timeout(300_000);

  describe('postSummary activity: a retry looks for its own earlier post', function () {
    let sim: SlackSimulator;
    const summary = buildSummary({
      ...emptyCounts(),
      runId: 'run-1',
      workflowId: 'feedback-sync/test/full/1',
      environment: 'test',
      mode: 'full',
      dryRun: false,
      startedAt: new Date(),
      finishedAt: new Date(),
      uiUrl: 'http://localhost:8233/x',
    });
    const postSummaryOf = (s: SlackSimulator) => {
      const activities = createSlackActivities({
        slack: (counter) =>
          new SlackNotifier({ token: s.token, channel: '#feature-requests', apiUrl: s.apiUrl, counter }),
        // This summary changed nothing: `changes`, the default, would not post it at all.
        notify: 'always',
      });
      return (input: Parameters<typeof activities.postSummary>[0]) => activities.postSummary(input);
    };
    const attempt = (n: number, heartbeatDetails?: unknown) =>
      new MockActivityEnvironment({
        attempt: n,
        scheduledTimestampMs: Date.now() - 5_000,
        ...(heartbeatDetails ? { heartbeatDetails } : {}),
      });

    beforeEach(async () => {
      sim = new SlackSimulator();
      await sim.listen(0);
    });
    afterEach(async () => sim.close());

    it('a retry whose earlier attempt posted finds that message and posts nothing', async () => {
      const first: { channel?: string; ts?: string } = await attempt(1).run(postSummaryOf(sim), {
        summary,
        status: 'completed' as const,
      });
      assert.equal(sim.messages().length, 1);
      const retry: { channel?: string; ts?: string; requests: RequestCounts } = await attempt(2).run(
        postSummaryOf(sim),
        {
          summary,
          status: 'completed' as const,
        },
      );
      assert.equal(sim.messages().length, 1, 'no second message');
      assert.deepEqual([retry.channel, retry.ts], [first.channel, first.ts]);
      assert.ok(retry.requests.slack >= 2, 'the lookup is counted');
    });

    it('a retry finds no earlier message of its run and posts once', async () => {
      await attempt(1).run(postSummaryOf(sim), {
        summary: { ...summary, runId: 'another-run' },
        status: 'completed' as const,
      });
      await attempt(2).run(postSummaryOf(sim), { summary, status: 'completed' as const });
      assert.equal(sim.messages().length, 2);
    });

    it('without the history scope a retry fails loudly (SlackAmbiguous) and does not post', async () => {
      const narrow = new SlackSimulator({ scopes: ['chat:write', 'channels:read', 'groups:read'] });
      await narrow.listen(0);
      try {
        const err = await attempt(2)
          .run(postSummaryOf(narrow), { summary, status: 'completed' as const })
          .then(
            () => assert.fail('expected a failure'),
            (e: unknown) => e,
          );
        assert.ok(err instanceof ApplicationFailure);
        assert.equal(err.type, FailureType.SlackAmbiguous);
        assert.match(err.message, /channels:history/);
        assert.equal(narrow.messages().length, 0);
        // After an attempt that said it surely did not post (a 429), no lookup and no read scope are needed.
        await attempt(3, { notPostedIn: 2 }).run(postSummaryOf(narrow), {
          summary,
          status: 'completed' as const,
        });
        assert.equal(narrow.messages().length, 1);
      } finally {
        await narrow.close();
      }
    });
  });

  it('a worker killed right after Slack accepted the post leaves exactly one summary', async () => {
    const stack = await startStack({ simulators: { dataset: DATASET } });
    const processes: WorkerProcess[] = [];
    try {
      await stack.stopWorkers();
      const first = startWorkerProcess('first', workerEnvOf(stack));
      processes.push(first);
      await first.ready;
      // Slack has the message; before it answers, the worker that posted it dies.
      stack.sims.slack.onNextPost(async () => {
        first.kill('SIGKILL');
        await first.exited;
      });
      const handle = await stack.env.client.workflow.start(syncFeatureRequests, {
        taskQueue: stack.taskQueue,
        workflowId: `${stack.taskQueue}/slack-once`,
        args: [{ environment: 'test', mode: 'full' }],
      });
      await until('the post', () => stack.sims.slack.messages().length === 1);
      await first.exited;
      const second = startWorkerProcess('second', workerEnvOf(stack));
      processes.push(second);
      await second.ready;
      const summary = await handle.result();

      assert.equal(stack.sims.slack.messages().length, 1, 'exactly one summary in the channel');
      const looked = stack.sims.slack.server
        .requests()
        .filter((r) => r.path.endsWith('conversations.history'));
      assert.ok(looked.length >= 1, 'the retry looked for its earlier post');
      assert.ok(summary.apiRequests.slack >= 2, 'the post and the lookup are counted');
    } finally {
      await stopAll(processes);
      await stack.close();
    }
  });

  it('the message and the run result count the same requests, its own post included', async () => {
    const stack = await startStack({ simulators: { dataset: DATASET } });
    try {
      const summary = await stack.sync();
      const [message] = stack.sims.slack.messages();
      assert.deepEqual(requestsIn(message!.text ?? ''), {
        hubspot: summary.apiRequests.hubspot,
        canny: summary.apiRequests.canny,
        slack: summary.apiRequests.slack,
      });
      assert.equal(summary.apiRequests.slack, 1);
    } finally {
      await stack.close();
    }
  });

  it('a run failed by a HubSpot 401 counts the request that drew it, and its fallback says why', async () => {
    const stack = await startStack({
      simulators: { dataset: DATASET },
      env: { HUBSPOT_ACCESS_TOKEN: 'pat-wrong-token' },
      setup: false,
    });
    try {
      const err = await stack.sync().then(
        () => assert.fail('the run should fail'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof WorkflowFailedError);
      assert.equal(rootFailure(err.cause)?.type, FailureType.HubspotUnauthorized);
      const [message] = stack.sims.slack.messages();
      const text = message?.text ?? '';
      assert.ok(requestsIn(text).hubspot >= 1, text);
      assert.match(text, /^Error: HubspotUnauthorized/m);
    } finally {
      await stack.close();
    }
  });
});
