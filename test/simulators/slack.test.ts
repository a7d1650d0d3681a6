// The Slack simulator driven by the official WebClient, configured the way an activity must use it (no SDK
// retries, rate limits rejected), so the error codes asserted here are the ones the activity will see.
import assert from 'node:assert/strict';
import {
  ErrorCode,
  LogLevel,
  WebClient,
  type KnownBlock,
  type Logger,
  type WebAPIPlatformError,
  type WebAPIRateLimitedError,
} from '@slack/web-api';
import { SlackSimulator } from '../../src/simulators/slack';

// The client logs every refused call; the tests assert on those refusals, so the log is noise here.
const silent: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

function client(sim: SlackSimulator, token = 'xoxb-sim-token'): WebClient {
  return new WebClient(token, {
    logger: silent,
    slackApiUrl: sim.url + '/api/',
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
}

async function platformError(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (err) {
    const e = err as WebAPIPlatformError;
    assert.equal(e.code, ErrorCode.PlatformError);
    return e.data.error;
  }
  assert.fail('expected a platform error');
}

describe('SlackSimulator', function () {
  let sim: SlackSimulator;

  beforeEach(async function () {
    sim = new SlackSimulator();
    await sim.listen(0);
  });

  afterEach(async function () {
    await sim.close();
  });

  it('answers auth.test for the right token', async function () {
    const answer = await client(sim).auth.test();
    assert.equal(answer.ok, true);
    assert.ok(answer.bot_id);
  });

  it('posts a message, keeping text and parsed blocks for inspection', async function () {
    const blocks = [
      { type: 'header', text: { type: 'plain_text', text: 'Feedback sync ✅' } },
      { type: 'section', text: { type: 'mrkdwn', text: '*12* requests synced' } },
    ];
    const answer = await client(sim).chat.postMessage({
      channel: '#feature-requests',
      text: 'Sync done',
      blocks,
    });
    assert.equal(answer.ok, true);
    assert.equal(answer.channel, 'C0000000001');
    assert.match(answer.ts!, /^\d{10}\.\d{6}$/);

    const second = await client(sim).chat.postMessage({ channel: 'C0000000001', text: 'again' });
    assert.ok(second.ts! > answer.ts!, 'ts increases');

    const messages = sim.messages();
    assert.equal(messages.length, 2);
    assert.equal(messages[0]?.channel, 'C0000000001');
    assert.equal(messages[0]?.text, 'Sync done');
    assert.deepEqual(messages[0]?.blocks, blocks);
    assert.equal(messages[0]?.ts, answer.ts);
    assert.equal(messages[1]?.blocks, undefined);
  });

  it('surfaces invalid_auth, channel_not_found, not_in_channel and no_text as platform errors', async function () {
    assert.equal(await platformError(client(sim, 'xoxb-wrong').auth.test()), 'invalid_auth');
    assert.equal(
      await platformError(
        client(sim, 'xoxb-wrong').chat.postMessage({ channel: '#feature-requests', text: 'x' }),
      ),
      'invalid_auth',
    );
    assert.equal(
      await platformError(client(sim).chat.postMessage({ channel: '#nope', text: 'x' })),
      'channel_not_found',
    );
    assert.equal(
      await platformError(client(sim).chat.postMessage({ channel: '#private-sales', text: 'x' })),
      'not_in_channel',
    );
    assert.equal(
      await platformError(client(sim).chat.postMessage({ channel: '#feature-requests', text: '' })),
      'no_text',
    );
    assert.equal(sim.messages().length, 0);
  });

  it('refuses blocks beyond Block Kit limits', async function () {
    const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });
    const post = (blocks: KnownBlock[]) =>
      platformError(client(sim).chat.postMessage({ channel: '#feature-requests', text: 'fallback', blocks }));

    assert.equal(await post(Array.from({ length: 51 }, (_, i) => section(`row ${i}`))), 'invalid_blocks');
    assert.equal(await post([section('x'.repeat(3_001))]), 'invalid_blocks');
    assert.equal(
      await post([{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }]),
      'invalid_blocks',
    );
    // Every block valid, the whole too long.
    assert.equal(
      await post(Array.from({ length: 5 }, () => section('y'.repeat(2_900)))),
      'msg_blocks_too_long',
    );

    const ok = await client(sim).chat.postMessage({
      channel: '#feature-requests',
      text: 'fallback',
      blocks: Array.from({ length: 50 }, (_, i) => section(`row ${i}`)),
    });
    assert.equal(ok.ok, true, 'exactly 50 blocks are fine');
  });

  it('answers an injected rate limit with 429 and Retry-After, surfaced as a rate-limited error', async function () {
    sim.server.addFault({ route: 'chat.postMessage', kind: 'rate-limit', retryAfterSeconds: 7, count: 1 });
    try {
      await client(sim).chat.postMessage({ channel: '#feature-requests', text: 'x' });
      assert.fail('expected a rate-limited error');
    } catch (err) {
      const e = err as WebAPIRateLimitedError;
      assert.equal(e.code, ErrorCode.RateLimitedError);
      assert.equal(e.retryAfter, 7);
    }
    assert.equal(sim.messages().length, 0);
    const after = await client(sim).chat.postMessage({ channel: '#feature-requests', text: 'x' });
    assert.equal(after.ok, true);
    assert.deepEqual(
      sim.server.requests().map((r) => r.status),
      [429, 200],
    );
  });

  it('accepts JSON bodies with the token in the body, and forgets messages on reset', async function () {
    const res = await fetch(`${sim.url}/api/chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'xoxb-sim-token', channel: 'general', text: 'hi' }),
    });
    assert.equal(res.status, 200);
    assert.deepEqual(((await res.json()) as { ok: boolean }).ok, true);
    assert.equal(sim.messages()[0]?.channel, 'C0000000002');
    sim.reset();
    assert.equal(sim.messages().length, 0);
  });

  it('keeps message metadata, and returns it from conversations.history with include_all_metadata', async function () {
    const metadata = { event_type: 'feedback_sync_summary', event_payload: { run_id: 'r-1' } };
    const first = await client(sim).chat.postMessage({ channel: '#feature-requests', text: 'one', metadata });
    await client(sim).chat.postMessage({ channel: 'general', text: 'elsewhere' });
    const second = await client(sim).chat.postMessage({ channel: '#feature-requests', text: 'two' });
    assert.deepEqual(sim.messages()[0]?.metadata, metadata);

    const page = await client(sim).conversations.history({
      channel: 'C0000000001',
      include_all_metadata: true,
      limit: 1,
    });
    assert.deepEqual(
      page.messages?.map((m) => m.ts),
      [second.ts],
      'newest first, one per page',
    );
    assert.equal(page.has_more, true);
    const rest = await client(sim).conversations.history({
      channel: 'C0000000001',
      include_all_metadata: true,
      limit: 1,
      cursor: page.response_metadata!.next_cursor!,
    });
    assert.equal(rest.messages?.[0]?.ts, first.ts);
    assert.deepEqual(rest.messages?.[0]?.metadata, metadata);
    assert.equal(rest.has_more, false);

    const plain = await client(sim).conversations.history({ channel: 'C0000000001' });
    assert.equal(plain.messages?.length, 2);
    assert.ok(
      plain.messages?.every((m) => m.metadata === undefined),
      'metadata only when asked for',
    );
    const newer = await client(sim).conversations.history({ channel: 'C0000000001', oldest: first.ts! });
    assert.deepEqual(
      newer.messages?.map((m) => m.ts),
      [second.ts],
      'oldest is exclusive',
    );
    assert.equal(
      await platformError(client(sim).conversations.history({ channel: '#feature-requests' })),
      'channel_not_found',
      'history takes an id, not a name',
    );
  });

  it("lists the bot's channels with users.conversations, paged", async function () {
    const first = await client(sim).users.conversations({
      types: 'public_channel,private_channel',
      limit: 1,
    });
    assert.deepEqual(
      first.channels?.map((c) => [c.id, c.name]),
      [['C0000000001', 'feature-requests']],
    );
    const next = await client(sim).users.conversations({
      types: 'public_channel,private_channel',
      limit: 1,
      cursor: first.response_metadata!.next_cursor!,
    });
    assert.deepEqual(
      next.channels?.map((c) => c.id),
      ['C0000000002'],
    );
    assert.equal(
      next.response_metadata?.next_cursor ?? '',
      '',
      'the channel the bot is not in is not listed',
    );
  });

  it('refuses methods whose scope the token lacks, naming the scope', async function () {
    const narrow = new SlackSimulator({ scopes: ['chat:write'] });
    await narrow.listen(0);
    try {
      const refusal = async (promise: Promise<unknown>): Promise<[string?, string?]> => {
        try {
          await promise;
        } catch (err) {
          const data = (err as WebAPIPlatformError).data as { error?: string; needed?: string };
          return [data.error, data.needed];
        }
        assert.fail('expected a refusal');
      };
      assert.deepEqual(await refusal(client(narrow).conversations.history({ channel: 'C0000000001' })), [
        'missing_scope',
        'channels:history',
      ]);
      assert.deepEqual(await refusal(client(narrow).users.conversations({ types: 'public_channel' })), [
        'missing_scope',
        'channels:read',
      ]);
      const posted = await client(narrow).chat.postMessage({ channel: '#feature-requests', text: 'x' });
      assert.equal(posted.ok, true, 'chat:write is enough to post');
    } finally {
      await narrow.close();
    }
  });

  it('can hold the answer to an accepted post: Slack has the message, the poster does not know yet', async function () {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const seen: string[] = [];
    sim.onNextPost(async (message) => {
      seen.push(message.text ?? '');
      await held;
    });
    let answered = false;
    const posting = client(sim)
      .chat.postMessage({ channel: '#feature-requests', text: 'held' })
      .then((answer) => {
        answered = true;
        return answer;
      });
    while (sim.messages().length === 0) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(seen, ['held']);
    assert.equal(answered, false, 'no answer while held');
    release();
    assert.equal((await posting).ok, true);
    const next = await client(sim).chat.postMessage({ channel: '#feature-requests', text: 'free' });
    assert.equal(next.ok, true, 'the hook applies to one post only');
    assert.deepEqual(seen, ['held']);
  });

  it('answers unknown methods like Slack does', async function () {
    const res = await fetch(`${sim.url}/api/chat.nope`, { method: 'POST' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: false, error: 'unknown_method' });
  });
});
