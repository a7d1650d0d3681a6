// Posts the run summary to Slack (facts in ../shared/reference/slack.md).
//
// Temporal owns retries, so the WebClient's own loops are off: no retries (its default retries ~30 minutes,
// far past any activity timeout) and no silent waiting out of 429s. Every failure becomes a typed
// ApplicationFailure, split by one question: could Slack have posted the message? If it certainly did not (a
// rate limit, a refused connection) a retry is safe; if it might have (a timeout, a 5xx) a retry could post the
// summary twice, and a late or missing summary is better than a duplicate one.
//
// A worker can also die after Slack accepted the post and before it heard back; the activity's retry then
// cannot know. So every summary carries its run in Slack message metadata, and a retry first looks for it
// (`findSummary`) in the channel's recent history. That read needs scopes beyond chat:write; without them the
// retry fails loudly rather than risk a second post.
import {
  ErrorCode,
  LogLevel,
  WebClient,
  type ChatPostMessageArguments,
  type FetchFunction,
  type WebAPIPlatformError,
  type WebAPIRateLimitedError,
  type WebAPIRequestError,
} from '@slack/web-api';
import type { ApplicationFailure } from '@temporalio/common';
import { failure, FailureType } from '../failures';
import type { RequestCounter } from './source';

const DEFAULT_TIMEOUT_MS = 30_000;
/** A 429 whose Retry-After cannot be read waits this long. */
const DEFAULT_RETRY_AFTER_MS = 1_000;

/**
 * Error codes of a request that never left this machine or never reached a listening Slack: the message was
 * certainly not posted, so trying again cannot post it twice. A reset or timeout is NOT here: the request may
 * have arrived.
 */
const NEVER_REACHED_SLACK = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** What an operator does about the platform errors a summary post usually meets. */
/** Named in the failure of a refused token: the log, Slack's own failure line and the CLI show it. */
export const SLACK_AUTH_HINT =
  'check `SLACK_BOT_TOKEN`: the bot token (xoxb-…) of a Slack app with the chat:write scope';

const PLATFORM_HINTS: Record<string, string> = {
  invalid_auth: SLACK_AUTH_HINT,
  not_authed: 'check SLACK_BOT_TOKEN',
  token_revoked: 'the bot token was revoked; reinstall the app and update SLACK_BOT_TOKEN',
  account_inactive: 'the bot token belongs to a deactivated app or user',
  channel_not_found: 'check SLACK_CHANNEL (a private channel needs the bot invited to be visible)',
  not_in_channel: 'invite the bot to the channel (/invite @bot)',
  is_archived: 'the channel is archived',
  missing_scope: 'add that scope to the Slack app and reinstall it',
};

/** The metadata event every summary carries: which run posted it. */
export const SUMMARY_EVENT = 'feedback_sync_summary';
/** Messages older than this before the first attempt was scheduled are not looked at (clock skew margin). */
const LOOKUP_MARGIN_MS = 10 * 60_000;
const HISTORY_PAGE = 200;
/** A summary is looked for among this many messages at most; a busier channel cannot be checked. */
const HISTORY_PAGES = 5;
const CHANNEL_PAGES = 10;

/** Which run a summary belongs to: the same on every attempt of the activity that posts it. */
export interface SummaryMarker {
  workflowId: string;
  runId: string;
}

type SlackBlocks = Extract<ChatPostMessageArguments, { blocks: unknown }>['blocks'];

export interface SlackNotifierOptions {
  token: string;
  /** A channel id (`C0123…`) or name (`#feature-requests`). */
  channel: string;
  /** Slack's Web API base, `https://slack.com/api/` in production; a simulator's in tests. */
  apiUrl: string;
  counter?: RequestCounter;
  /** Per request; default 30 s. Keep it below the activity's start-to-close timeout. */
  timeoutMs?: number;
}

export class SlackNotifier {
  private readonly client: WebClient;
  private readonly channel: string;
  private readonly token: string;
  /** Named when the answer shows it is not Slack's API (a 404). */
  private readonly apiUrl: string;
  /** The channel's id, once Slack told us. */
  private channelId?: string;

  constructor(options: SlackNotifierOptions) {
    if (!options.token) throw new Error('SlackNotifier needs a token');
    if (!options.channel) throw new Error('SlackNotifier needs a channel');
    this.channel = options.channel;
    if (/^[CG][A-Z0-9]{8,}$/.test(options.channel)) this.channelId = options.channel;
    this.token = options.token;
    this.apiUrl = options.apiUrl;
    this.client = new WebClient(options.token, {
      slackApiUrl: options.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      // Every failure surfaces as a typed ApplicationFailure; the SDK's own warnings would report each twice.
      logLevel: LogLevel.ERROR,
      fetch: countingFetch(options.counter),
    });
  }

  /**
   * Posts one message, marked as the summary of `marker`'s run when given. Not idempotent: a failure after
   * which Slack may have posted is never retryable.
   */
  async post(
    message: { text: string; blocks: unknown[] },
    marker?: SummaryMarker,
  ): Promise<{ channel: string; ts: string }> {
    const method = 'chat.postMessage';
    let result: Awaited<ReturnType<WebClient['chat']['postMessage']>>;
    try {
      result = await this.client.chat.postMessage({
        channel: this.channel,
        // The plain-text fallback shows in notifications and clients that cannot render blocks.
        text: message.text,
        // The caller builds Block Kit JSON (src/domain/summary.ts); Slack validates it and answers
        // invalid_blocks, which translates to a SlackPlatformError like any other refusal.
        ...(message.blocks.length > 0 ? { blocks: message.blocks as SlackBlocks } : {}),
        // Invisible to readers, and needs no scope beyond chat:write: a retry finds its run's summary by it.
        ...(marker
          ? {
              metadata: {
                event_type: SUMMARY_EVENT,
                event_payload: { workflow_id: marker.workflowId, run_id: marker.runId },
              },
            }
          : {}),
      });
    } catch (err) {
      throw this.translate(method, err, { idempotent: false });
    }
    if (!result.channel || !result.ts) {
      // Slack said ok, so the message is there: retrying would post it again.
      throw failure(FailureType.SlackAmbiguous, `Slack ${method} answered ok without a channel or ts`);
    }
    return { channel: result.channel, ts: result.ts };
  }

  /**
   * The summary `marker`'s run posted in the channel since `sinceMs` (minus a margin for clock skew), if any.
   * Read-only, so transport failures are retryable. When it cannot tell (a missing scope, a channel name the
   * bot cannot resolve, a channel too busy to read back that far) it fails with SlackAmbiguous: the caller
   * must not post then.
   */
  async findSummary(
    marker: SummaryMarker,
    sinceMs: number,
  ): Promise<{ channel: string; ts: string } | undefined> {
    const channel = await this.resolveChannelId();
    const oldest = (Math.max(0, sinceMs - LOOKUP_MARGIN_MS) / 1_000).toFixed(6);
    let cursor: string | undefined;
    for (let page = 0; page < HISTORY_PAGES; page++) {
      let result: Awaited<ReturnType<WebClient['conversations']['history']>>;
      try {
        result = await this.client.conversations.history({
          channel,
          oldest,
          limit: HISTORY_PAGE,
          include_all_metadata: true,
          ...(cursor ? { cursor } : {}),
        });
      } catch (err) {
        throw this.lookupFailure('conversations.history', err);
      }
      for (const message of result.messages ?? []) {
        const payload = message.metadata?.event_payload as Record<string, unknown> | undefined;
        if (
          message.metadata?.event_type === SUMMARY_EVENT &&
          payload?.workflow_id === marker.workflowId &&
          payload?.run_id === marker.runId &&
          message.ts
        )
          return { channel, ts: message.ts };
      }
      cursor = result.response_metadata?.next_cursor;
      if (!result.has_more || !cursor) return undefined;
    }
    throw failure(
      FailureType.SlackAmbiguous,
      `An earlier attempt may have posted the run summary, and over ${HISTORY_PAGE * HISTORY_PAGES} messages ` +
        'since the run ended cannot all be checked; not posting again, to never post it twice',
    );
  }

  /** The channel id conversations.history needs; a name is looked up among the bot's channels. */
  private async resolveChannelId(): Promise<string> {
    if (this.channelId) return this.channelId;
    const name = this.channel.replace(/^#/, '').toLowerCase();
    let cursor: string | undefined;
    for (let page = 0; page < CHANNEL_PAGES; page++) {
      let result: Awaited<ReturnType<WebClient['users']['conversations']>>;
      try {
        result = await this.client.users.conversations({
          types: 'public_channel,private_channel',
          exclude_archived: true,
          limit: 1_000,
          ...(cursor ? { cursor } : {}),
        });
      } catch (err) {
        throw this.lookupFailure('users.conversations', err);
      }
      const found = result.channels?.find((c) => c.name?.toLowerCase() === name && c.id);
      if (found?.id) return (this.channelId = found.id);
      cursor = result.response_metadata?.next_cursor;
      if (!cursor) break;
    }
    throw failure(
      FailureType.SlackAmbiguous,
      this.redact(
        `An earlier attempt may have posted the run summary, and it cannot be checked: ${this.channel} is not ` +
          "among the bot's channels. Set SLACK_CHANNEL to the channel id; not posting again, to never post it twice",
      ),
    );
  }

  /**
   * A refused lookup: a missing scope means the check is impossible, so the caller must not post (the README
   * lists the scopes). Other failures keep their usual types; transport failures are retryable.
   */
  private lookupFailure(method: string, err: unknown): ApplicationFailure {
    const translated = this.translate(method, err, { idempotent: true });
    if (translated.type !== FailureType.SlackPlatformError) return translated;
    const data = isRecord(err) && isRecord(err.data) ? err.data : {};
    if (data.error !== 'missing_scope') return translated;
    return failure(
      FailureType.SlackAmbiguous,
      `An earlier attempt may have posted the run summary, and it cannot be checked: ${translated.message}. ` +
        'Not posting again, to never post it twice (see "The Slack summary" in the README for the scopes)',
    );
  }

  /** Who the token is, for diagnostics (`check` commands). Read-only, so every transport failure is retryable. */
  async authTest(): Promise<{ team?: string; user?: string }> {
    try {
      const result = await this.client.auth.test();
      return {
        ...(result.team !== undefined ? { team: result.team } : {}),
        ...(result.user !== undefined ? { user: result.user } : {}),
      };
    } catch (err) {
      throw this.translate('auth.test', err, { idempotent: true });
    }
  }

  private translate(
    method: string,
    err: unknown,
    { idempotent }: { idempotent: boolean },
  ): ApplicationFailure {
    const code = isRecord(err) ? err.code : undefined;
    if (code === ErrorCode.RateLimitedError) {
      // Slack refused the call before doing anything: safe to retry, after the wait Slack asked for.
      const retryAfter = (err as WebAPIRateLimitedError).retryAfter;
      return failure(
        FailureType.SlackRateLimited,
        `Slack ${method} is rate limited (retry after ${retryAfter} s)`,
        {
          nextRetryDelayMs: retryAfter > 0 ? retryAfter * 1_000 : DEFAULT_RETRY_AFTER_MS,
        },
      );
    }
    if (code === ErrorCode.PlatformError) {
      const data = (err as WebAPIPlatformError).data as {
        error?: unknown;
        needed?: unknown;
        response_metadata?: { messages?: unknown };
      };
      const slackCode = typeof data.error === 'string' ? data.error : 'unknown_error';
      const needed = typeof data.needed === 'string' ? ` (needs ${data.needed})` : '';
      const hint = PLATFORM_HINTS[slackCode];
      // invalid_blocks says which block in response_metadata (`[ERROR] must be less than 151 characters
      // [json-pointer:/blocks/0/text]`): without it nobody can tell which part of the summary to shorten.
      const messages = data.response_metadata?.messages;
      const detail = Array.isArray(messages)
        ? messages
            .filter((m): m is string => typeof m === 'string')
            .slice(0, 3)
            .map((m) => ` — ${m.replace(/^\[(ERROR|WARN)\]\s*/, '')}`)
            .join('')
        : '';
      return failure(
        FailureType.SlackPlatformError,
        this.redact(`Slack ${method} refused: ${slackCode}${needed}${hint ? `: ${hint}` : ''}${detail}`),
        hint ? { details: [{ hint }] } : {},
      );
    }
    if (code === ErrorCode.RequestError) {
      const original = (err as WebAPIRequestError).original;
      const reason = describeRequestError(original);
      if (idempotent || neverReachedSlack(original)) {
        return failure(
          FailureType.NetworkError,
          this.redact(`Slack ${method} could not be reached: ${reason}`),
        );
      }
      return failure(
        FailureType.SlackAmbiguous,
        this.redact(
          `Slack ${method} failed after the request was sent (${reason}); it may have posted, so no retry`,
        ),
      );
    }
    // WebClient throws a plain Error for a 429 without a readable Retry-After; Slack did not post.
    if (err instanceof Error && err.message.startsWith('Retry header did not contain a valid timeout')) {
      return failure(
        FailureType.SlackRateLimited,
        `Slack ${method} is rate limited (no usable Retry-After)`,
        {
          nextRetryDelayMs: DEFAULT_RETRY_AFTER_MS,
        },
      );
    }
    // An HTTP error (5xx) or anything unforeseen: Slack may have posted before failing.
    const status =
      isRecord(err) && typeof err.statusCode === 'number'
        ? `HTTP ${err.statusCode}${err.statusCode === 404 ? ` — check SLACK_API_URL (${this.apiUrl}): it must point at Slack's Web API, e.g. https://slack.com/api/` : ''}`
        : describe(err);
    if (idempotent)
      return failure(FailureType.NetworkError, this.redact(`Slack ${method} failed: ${status}`));
    return failure(
      FailureType.SlackAmbiguous,
      this.redact(`Slack ${method} failed (${status}); it may have posted, so no retry`),
    );
  }

  /** Defence in depth: no error text Slack or the SDK produces should carry the token, and none ever will. */
  private redact(text: string): string {
    return text.split(this.token).join('[redacted]');
  }
}

/** Counts every HTTP request the WebClient sends, including refused and rate-limited ones. */
function countingFetch(counter: RequestCounter | undefined): FetchFunction {
  return async (url, init) => {
    try {
      const response = await fetch(url, init);
      counter?.count('slack', response.status === 429);
      return response;
    } catch (err) {
      counter?.count('slack', false);
      throw err;
    }
  };
}

/** Node's fetch reports "fetch failed" and keeps the reason (ECONNREFUSED, ...) in `cause`, sometimes nested. */
function errorCodes(err: unknown, depth = 0): string[] {
  if (!isRecord(err) || depth > 3) return [];
  const own = typeof err.code === 'string' ? [err.code] : [];
  // Happy-eyeballs connects fail with an AggregateError holding one error per address.
  const nested = Array.isArray(err.errors) ? err.errors.flatMap((e) => errorCodes(e, depth + 1)) : [];
  return [...own, ...nested, ...errorCodes(err.cause, depth + 1)];
}

function neverReachedSlack(original: Error): boolean {
  const codes = errorCodes(original);
  return codes.length > 0 && codes.every((c) => NEVER_REACHED_SLACK.has(c));
}

function describeRequestError(original: Error): string {
  if (original.name === 'TimeoutError' || original.name === 'AbortError') return 'no answer in time';
  const codes = [...new Set(errorCodes(original))];
  return codes.length > 0 ? `${original.message} (${codes.join(', ')})` : original.message;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}
