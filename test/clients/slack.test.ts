// SlackNotifier over real HTTP against the Slack simulator: a summary lands with its blocks, and every failure
// is typed by the one question that matters for a non-idempotent post: could Slack have posted it?
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { SlackNotifier } from '../../src/clients/slack';
import type { RequestCounter } from '../../src/clients/source';
import { FailureType } from '../../src/failures';
import { SlackSimulator } from '../../src/simulators/slack';

const TOKEN = 'xoxb-TEST-5ecret-token';

class RecordingCounter implements RequestCounter {
  requests = 0;
  rateLimited = 0;
  count(system: 'canny' | 'hubspot' | 'slack', rateLimited = false): void {
    assert.equal(system, 'slack');
    this.requests += 1;
    if (rateLimited) this.rateLimited += 1;
  }
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
    assert.ok(!err.message.includes(TOKEN), `the token leaked into: ${err.message}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

const summary = {
  text: 'Feedback sync finished: 12 feature requests updated',
  blocks: [
    { type: 'header', text: { type: 'plain_text', text: 'Feedback sync: production' } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: '*Created*\n3' },
        { type: 'mrkdwn', text: '*Updated*\n12' },
      ],
    },
    { type: 'context', elements: [{ type: 'mrkdwn', text: 'Run abc-123 · 4.2 s' }] },
  ],
};

describe('SlackNotifier', function () {
  let sim: SlackSimulator;
  let counter: RecordingCounter;

  const notifier = (options: { token?: string; channel?: string; timeoutMs?: number } = {}): SlackNotifier =>
    new SlackNotifier({
      token: options.token ?? TOKEN,
      channel: options.channel ?? '#feature-requests',
      apiUrl: sim.apiUrl,
      counter,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });

  beforeEach(async function () {
    sim = new SlackSimulator({ token: TOKEN });
    await sim.listen(0);
    counter = new RecordingCounter();
  });

  afterEach(async function () {
    await sim.close();
  });

  it('posts the summary with its blocks and text fallback', async function () {
    const posted = await notifier().post(summary);
    const channel = sim.channelId('#feature-requests')!;
    assert.equal(posted.channel, channel);
    assert.match(posted.ts, /^\d+\.\d{6}$/);
    const messages = sim.messages();
    assert.equal(messages.length, 1);
    assert.deepEqual(
      {
        channel: messages[0]!.channel,
        ts: messages[0]!.ts,
        text: messages[0]!.text,
        blocks: messages[0]!.blocks,
      },
      { channel, ts: posted.ts, text: summary.text, blocks: summary.blocks },
    );
    assert.deepEqual(
      { requests: counter.requests, rateLimited: counter.rateLimited },
      { requests: 1, rateLimited: 0 },
    );
  });

  it('posts text alone when there are no blocks', async function () {
    await notifier({ channel: sim.channelId('#general')! }).post({ text: 'Nothing changed', blocks: [] });
    assert.equal(sim.messages()[0]!.text, 'Nothing changed');
    assert.equal(sim.messages()[0]!.blocks, undefined);
  });

  for (const [name, options, code] of [
    ['a wrong token', { token: 'xoxb-someone-else' }, 'invalid_auth'],
    ['an unknown channel', { channel: '#no-such-channel' }, 'channel_not_found'],
    ['a channel the bot is not in', { channel: '#private-sales' }, 'not_in_channel'],
  ] as const) {
    it(`${name} is a non-retryable SlackPlatformError naming ${code}`, async function () {
      const failure = await failureOf(notifier(options).post(summary));
      assert.equal(failure.type, FailureType.SlackPlatformError);
      assert.equal(failure.nonRetryable, true);
      assert.match(failure.message, new RegExp(code));
      assert.equal(sim.messages().length, 0);
      assert.equal(counter.requests, 1);
    });
  }

  it('blocks Slack refuses are a SlackPlatformError naming invalid_blocks', async function () {
    const tooLong = { type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } };
    const failure = await failureOf(notifier().post({ text: 'fallback', blocks: [tooLong] }));
    assert.equal(failure.type, FailureType.SlackPlatformError);
    assert.match(failure.message, /invalid_blocks/);
    assert.match(failure.message, /json-pointer:\/blocks\/0\/text/, 'the message says which block');
  });

  it('a 429 is SlackRateLimited, retryable after Retry-After, and the SDK does not retry it', async function () {
    sim.server.addFault({ route: 'chat.postMessage', kind: 'rate-limit', count: 1, retryAfterSeconds: 3 });
    const failure = await failureOf(notifier().post(summary));
    assert.equal(failure.type, FailureType.SlackRateLimited);
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.nextRetryDelay, 3_000);
    assert.deepEqual(
      { requests: counter.requests, rateLimited: counter.rateLimited },
      { requests: 1, rateLimited: 1 },
    );
    assert.equal(sim.server.requests().length, 1, 'one request: no retry inside the client');
    assert.equal(sim.messages().length, 0);
  });

  it('a 500 is SlackAmbiguous and not retryable: Slack may have posted', async function () {
    sim.server.addFault({ route: 'chat.postMessage', kind: 'server-error', status: 500, count: 1 });
    const failure = await failureOf(notifier().post(summary));
    assert.equal(failure.type, FailureType.SlackAmbiguous);
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /HTTP 500/);
    assert.equal(sim.server.requests().length, 1);
  });

  it('a connection dropped after the request was sent is SlackAmbiguous', async function () {
    sim.server.addFault({ route: 'chat.postMessage', kind: 'drop', count: 1 });
    const failure = await failureOf(notifier().post(summary));
    assert.equal(failure.type, FailureType.SlackAmbiguous);
    assert.equal(failure.nonRetryable, true);
  });

  it('no answer within the timeout is SlackAmbiguous', async function () {
    sim.server.addFault({ route: 'chat.postMessage', kind: 'hang', count: 1 });
    const started = Date.now();
    const failure = await failureOf(notifier({ timeoutMs: 200 }).post(summary));
    assert.equal(failure.type, FailureType.SlackAmbiguous);
    assert.ok(Date.now() - started < 5_000);
  });

  it('a refused connection is a retryable NetworkError: the request never reached Slack', async function () {
    const apiUrl = sim.apiUrl;
    await sim.close();
    const closed = new SlackNotifier({ token: TOKEN, channel: '#feature-requests', apiUrl, counter });
    const failure = await failureOf(closed.post(summary));
    assert.equal(failure.type, FailureType.NetworkError);
    assert.equal(failure.nonRetryable, false);
    assert.match(failure.message, /ECONNREFUSED/);
    assert.equal(counter.requests, 1);
  });

  it('an unresolvable host is a retryable NetworkError', async function () {
    const nowhere = new SlackNotifier({
      token: TOKEN,
      channel: '#feature-requests',
      apiUrl: 'http://slack.invalid/api/',
      timeoutMs: 10_000,
    });
    const failure = await failureOf(nowhere.post(summary));
    assert.equal(failure.type, FailureType.NetworkError);
    assert.match(failure.message, /ENOTFOUND|EAI_AGAIN/);
  });

  describe('the run marker and findSummary', function () {
    const marker = { workflowId: 'feedback-sync/test/full/1', runId: 'run-1' };

    it('a post carries the run in its metadata; findSummary finds it by channel name or id', async function () {
      const since = Date.now() - 1_000;
      await notifier().post({ text: 'someone else', blocks: [] });
      const posted = await notifier().post(summary, marker);
      await notifier().post({ text: 'later chatter', blocks: [] });
      assert.deepEqual(sim.messages()[1]!.metadata, {
        event_type: 'feedback_sync_summary',
        event_payload: { workflow_id: marker.workflowId, run_id: marker.runId },
      });
      counter.requests = 0;
      assert.deepEqual(await notifier().findSummary(marker, since), posted);
      assert.equal(counter.requests, 2, 'the channel id from users.conversations, then one history page');
      counter.requests = 0;
      assert.deepEqual(await notifier({ channel: posted.channel }).findSummary(marker, since), posted);
      assert.equal(counter.requests, 1, 'with a channel id, history only');
    });

    it('finds nothing for another run, or before its window', async function () {
      const since = Date.now() - 1_000;
      const posted = await notifier().post(summary, marker);
      assert.equal(await notifier().findSummary({ ...marker, runId: 'run-2' }, since), undefined);
      // The window opens ten minutes (clock skew) before the time given.
      const after = Number(posted.ts.split('.')[0]) * 1_000 + 11 * 60_000;
      assert.equal(await notifier().findSummary(marker, after), undefined);
    });

    it('pages through a busy channel', async function () {
      const since = Date.now() - 1_000;
      const posted = await notifier().post(summary, marker);
      for (let i = 0; i < 250; i++) await notifier().post({ text: `chatter ${i}`, blocks: [] });
      assert.deepEqual(await notifier().findSummary(marker, since), posted);
    });

    for (const [name, scopes, needed] of [
      ['without channels:history', ['chat:write', 'channels:read', 'groups:read'], 'channels:history'],
      ['with a channel name and without channels:read', ['chat:write', 'channels:history'], 'channels:read'],
    ] as const) {
      it(`${name}, it fails loudly: SlackAmbiguous (no retry, no post) naming the scope`, async function () {
        await sim.close();
        sim = new SlackSimulator({ token: TOKEN, scopes: [...scopes] });
        await sim.listen(0);
        const failure = await failureOf(notifier().findSummary(marker, Date.now() - 1_000));
        assert.equal(failure.type, FailureType.SlackAmbiguous);
        assert.equal(failure.nonRetryable, true);
        assert.ok(failure.message.includes(needed), failure.message);
      });
    }

    it('a channel name the bot is not in cannot be checked: SlackAmbiguous naming the id as the fix', async function () {
      const failure = await failureOf(
        notifier({ channel: '#private-sales' }).findSummary(marker, Date.now() - 1_000),
      );
      assert.equal(failure.type, FailureType.SlackAmbiguous);
      assert.match(failure.message, /SLACK_CHANNEL/);
    });

    it('a 500 while looking is a retryable NetworkError: reading cannot post twice', async function () {
      sim.server.addFault({ route: 'conversations.history', kind: 'server-error', status: 500, count: 1 });
      const failure = await failureOf(notifier().findSummary(marker, Date.now() - 1_000));
      assert.equal(failure.type, FailureType.NetworkError);
      assert.equal(failure.nonRetryable, false);
    });
  });

  describe('authTest', function () {
    it('names the team and bot user', async function () {
      assert.deepEqual(await notifier().authTest(), {
        team: 'Feedback Sync Simulator',
        user: 'feedback-sync',
      });
    });

    it('a wrong token is SlackPlatformError invalid_auth', async function () {
      const failure = await failureOf(notifier({ token: 'xoxb-wrong' }).authTest());
      assert.equal(failure.type, FailureType.SlackPlatformError);
      assert.match(failure.message, /invalid_auth/);
    });

    it('a 500 is a retryable NetworkError: reading who we are cannot post twice', async function () {
      sim.server.addFault({ route: 'auth.test', kind: 'server-error', status: 500, count: 1 });
      const failure = await failureOf(notifier().authTest());
      assert.equal(failure.type, FailureType.NetworkError);
      assert.equal(failure.nonRetryable, false);
    });
  });
});
