// A local stand-in for the Slack Web API methods the run summary needs (see ../shared/reference/slack.md):
// posting it, and, for a retried post, finding the summary an earlier attempt may have posted
// (users.conversations to learn a channel name's id, conversations.history with message metadata).
// Slack answers every call with HTTP 200 and `ok:false` for errors; only a rate limit is an HTTP status (429).
import { SimServer, Simulator, type SimRequest, type SimResponse } from './http-kit';

export interface SlackChannel {
  id: string;
  /** Without the leading `#`. */
  name: string;
  /** A private channel: reading it needs the `groups:*` scopes instead of `channels:*`. */
  private?: boolean;
}

export interface SlackSimulatorOptions {
  token?: string;
  /** Channels the bot is in: `#name`, `name`, an id like `C0123456789`, or both as an object. */
  channels?: Array<string | SlackChannel>;
  /** Channels that exist but the bot was never invited to: posting answers `not_in_channel`. */
  notInChannels?: Array<string | SlackChannel>;
  /** Total characters of block text above which Slack answers `msg_blocks_too_long` (observed near 13k). */
  maxBlocksTextLength?: number;
  /** The token's scopes; default: chat:write and reading channels (history and lists, public and private). */
  scopes?: string[];
  seed?: number;
}

export interface SlackMessage {
  /** The channel id. */
  channel: string;
  text: string | undefined;
  blocks: unknown[] | undefined;
  /** Message metadata as posted (`event_type`, `event_payload`). */
  metadata: unknown;
  ts: string;
  receivedAt: number;
}

const DEFAULT_CHANNELS: SlackChannel[] = [
  { id: 'C0000000001', name: 'feature-requests' },
  { id: 'C0000000002', name: 'general' },
];
const DEFAULT_NOT_IN_CHANNELS: SlackChannel[] = [{ id: 'C0000000099', name: 'private-sales' }];
const MAX_BLOCKS = 50;
const MAX_SECTION_TEXT = 3_000;
const MAX_FIELDS = 10;
const MAX_FIELD_TEXT = 2_000;
const MAX_HEADER_TEXT = 150;
const MAX_TEXT = 40_000;
const DEFAULT_SCOPES = ['chat:write', 'channels:history', 'groups:history', 'channels:read', 'groups:read'];
const DEFAULT_PAGE = 100;
const MAX_PAGE = 999;
const BOT = { user: 'U0SIMBOT01', bot_id: 'B0SIMBOT01', team: 'T0SIMTEAM1', app_id: 'A0SIMAPP01' };

class SlackError extends Error {
  constructor(
    readonly code: string,
    readonly detail?: string,
    /** For `missing_scope`: the scope the method needs. */
    readonly needed?: string,
  ) {
    super(code);
  }
}

export class SlackSimulator extends Simulator {
  readonly server: SimServer;
  readonly token: string;
  private readonly channels: Array<SlackChannel & { member: boolean }>;
  private readonly maxBlocksTextLength: number;
  private readonly scopes: Set<string>;
  private posted: SlackMessage[] = [];
  private nextPostHook?: (message: SlackMessage) => Promise<void> | void;
  private lastTsMicros = 0;

  constructor(options: SlackSimulatorOptions = {}) {
    super();
    this.token = options.token ?? 'xoxb-sim-token';
    this.maxBlocksTextLength = options.maxBlocksTextLength ?? 13_000;
    this.scopes = new Set(options.scopes ?? DEFAULT_SCOPES);
    let generated = 0;
    const toChannel = (entry: string | SlackChannel, member: boolean): SlackChannel & { member: boolean } => {
      if (typeof entry !== 'string') return { ...entry, member };
      if (/^[CG][A-Z0-9]{8,}$/.test(entry)) return { id: entry, name: entry.toLowerCase(), member };
      generated += 1;
      return { id: `C1SIM${String(generated).padStart(6, '0')}`, name: entry.replace(/^#/, ''), member };
    };
    this.channels = [
      ...(options.channels ?? DEFAULT_CHANNELS).map((c) => toChannel(c, true)),
      ...(options.notInChannels ?? DEFAULT_NOT_IN_CHANNELS).map((c) => toChannel(c, false)),
    ];
    this.server = new SimServer({
      name: 'slack',
      seed: options.seed,
      rateLimitResponse: (rule) => ({
        status: 429,
        headers: { 'Retry-After': String(rule.retryAfterSeconds ?? 1) },
        body: { ok: false, error: 'ratelimited' },
      }),
      notFoundResponse: () => ({ status: 200, body: { ok: false, error: 'unknown_method' } }),
    });
    this.server.onReset(() => {
      this.posted = [];
      this.nextPostHook = undefined;
    });
    this.server.setStateProvider(() => ({
      channels: this.channels,
      messages: this.posted.map((m) => ({ channel: m.channel, ts: m.ts, text: m.text })),
    }));
    this.server.route('POST', '/api/auth.test', (req) => this.call(req, () => this.authTest()));
    this.server.route('POST', '/api/chat.postMessage', async (req) => {
      const answer = this.call(req, (body) => this.postMessage(body));
      const hook = this.nextPostHook;
      if (hook && isRecord(answer.body) && answer.body.ok === true) {
        this.nextPostHook = undefined;
        await hook(this.posted[this.posted.length - 1]!);
      }
      return answer;
    });
    this.server.route('POST', '/api/conversations.history', (req) =>
      this.call(req, (body) => this.history(body)),
    );
    this.server.route('POST', '/api/users.conversations', (req) =>
      this.call(req, (body) => this.userConversations(body)),
    );
  }

  /**
   * The next post Slack accepts is answered only once `hook` resolves: the message is in the channel and the
   * poster does not know yet (a test kills the poster's worker meanwhile).
   */
  onNextPost(hook: (message: SlackMessage) => Promise<void> | void): void {
    this.nextPostHook = hook;
  }

  /** What to pass as the WebClient's `slackApiUrl`. */
  get apiUrl(): string {
    return `${this.server.url}/api/`;
  }

  /** Clears faults, the request log and the posted messages. */
  reset(): void {
    this.server.reset();
  }

  /** Every message accepted, oldest first. */
  messages(): SlackMessage[] {
    return [...this.posted];
  }

  /** The channel id a `#name`, a name or an id stands for; undefined when Slack would not know it. */
  channelId(nameOrId: string): string | undefined {
    return this.findChannel(nameOrId)?.id;
  }

  private call(
    req: SimRequest,
    method: (body: Record<string, unknown>) => Record<string, unknown>,
  ): SimResponse {
    const body = isRecord(req.body) ? req.body : {};
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length).trim() : body.token;
    if (token !== this.token) return { status: 200, body: { ok: false, error: 'invalid_auth' } };
    try {
      return { status: 200, body: { ok: true, ...method(body) } };
    } catch (err) {
      if (!(err instanceof SlackError)) throw err;
      return {
        status: 200,
        body: {
          ok: false,
          error: err.code,
          ...(err.needed ? { needed: err.needed, provided: [...this.scopes].join(',') } : {}),
          ...(err.detail ? { response_metadata: { messages: [`[ERROR] ${err.detail}`] } } : {}),
        },
      };
    }
  }

  private authTest(): Record<string, unknown> {
    return {
      url: 'https://feedback-sync-sim.slack.com/',
      team: 'Feedback Sync Simulator',
      user: 'feedback-sync',
      team_id: BOT.team,
      user_id: BOT.user,
      bot_id: BOT.bot_id,
      is_enterprise_install: false,
    };
  }

  private requireScope(scope: string): void {
    if (!this.scopes.has(scope)) throw new SlackError('missing_scope', undefined, scope);
  }

  private postMessage(body: Record<string, unknown>): Record<string, unknown> {
    this.requireScope('chat:write');
    const channel = this.findChannel(typeof body.channel === 'string' ? body.channel : '');
    if (!channel) throw new SlackError('channel_not_found');
    if (!channel.member) throw new SlackError('not_in_channel');
    const text = typeof body.text === 'string' && body.text !== '' ? body.text : undefined;
    const blocks = parseBlocks(body.blocks);
    if (text === undefined && (blocks === undefined || blocks.length === 0)) throw new SlackError('no_text');
    if (text !== undefined && text.length > MAX_TEXT) throw new SlackError('msg_too_long');
    if (blocks) this.validateBlocks(blocks);
    const metadata = parseJson(body.metadata, 'invalid_metadata_format');
    const ts = this.nextTs();
    this.posted.push({ channel: channel.id, text, blocks, metadata, ts, receivedAt: Date.now() });
    return { channel: channel.id, ts, message: messageOf(this.posted[this.posted.length - 1]!, false) };
  }

  /** A channel's messages, newest first, after `oldest` (exclusive); metadata with `include_all_metadata`. */
  private history(body: Record<string, unknown>): Record<string, unknown> {
    const id = typeof body.channel === 'string' ? body.channel : '';
    // Only an id: like Slack, a `#name` is not found.
    const channel = this.channels.find((c) => c.id === id);
    if (!channel) throw new SlackError('channel_not_found');
    this.requireScope(channel.private ? 'groups:history' : 'channels:history');
    if (!channel.member) throw new SlackError('not_in_channel');
    const oldest = typeof body.oldest === 'string' ? body.oldest : '0';
    const withMetadata = body.include_all_metadata === 'true' || body.include_all_metadata === true;
    const newestFirst = this.posted
      .filter((m) => m.channel === channel.id && compareTs(m.ts, oldest) > 0)
      .reverse();
    const { items, nextCursor } = paged(newestFirst, body);
    return {
      messages: items.map((m) => messageOf(m, withMetadata)),
      has_more: nextCursor !== '',
      response_metadata: { next_cursor: nextCursor },
    };
  }

  /** The channels the bot is a member of, of the types asked for (default public ones). */
  private userConversations(body: Record<string, unknown>): Record<string, unknown> {
    const types = (typeof body.types === 'string' ? body.types : 'public_channel').split(',');
    if (types.includes('public_channel')) this.requireScope('channels:read');
    if (types.includes('private_channel')) this.requireScope('groups:read');
    const listed = this.channels.filter(
      (c) => c.member && types.includes(c.private ? 'private_channel' : 'public_channel'),
    );
    const { items, nextCursor } = paged(listed, body);
    return {
      channels: items.map((c) => ({
        id: c.id,
        name: c.name,
        is_private: c.private ?? false,
        is_member: true,
      })),
      response_metadata: { next_cursor: nextCursor },
    };
  }

  private validateBlocks(blocks: unknown[]): void {
    if (blocks.length > MAX_BLOCKS)
      throw new SlackError('invalid_blocks', `must be less than ${MAX_BLOCKS + 1} items`);
    let total = 0;
    blocks.forEach((block, i) => {
      if (!isRecord(block) || typeof block.type !== 'string')
        throw new SlackError('invalid_blocks', `missing type [json-pointer:/blocks/${i}]`);
      const text = textOf(block.text);
      if (block.type === 'header') {
        if (text === undefined || text.length === 0 || text.length > MAX_HEADER_TEXT) {
          throw new SlackError(
            'invalid_blocks',
            `must be less than ${MAX_HEADER_TEXT + 1} characters [json-pointer:/blocks/${i}/text]`,
          );
        }
      }
      if (block.type === 'section') {
        const fields = Array.isArray(block.fields) ? block.fields : [];
        if (text === undefined && fields.length === 0) {
          throw new SlackError('invalid_blocks', `must provide text or fields [json-pointer:/blocks/${i}]`);
        }
        if (text !== undefined && (text.length === 0 || text.length > MAX_SECTION_TEXT)) {
          throw new SlackError(
            'invalid_blocks',
            `must be between 1 and ${MAX_SECTION_TEXT} characters [json-pointer:/blocks/${i}/text]`,
          );
        }
        if (fields.length > MAX_FIELDS)
          throw new SlackError(
            'invalid_blocks',
            `must be less than ${MAX_FIELDS + 1} items [json-pointer:/blocks/${i}/fields]`,
          );
        fields.forEach((field, j) => {
          const fieldText = textOf(field) ?? '';
          if (fieldText.length > MAX_FIELD_TEXT) {
            throw new SlackError(
              'invalid_blocks',
              `must be less than ${MAX_FIELD_TEXT + 1} characters [json-pointer:/blocks/${i}/fields/${j}]`,
            );
          }
          total += fieldText.length;
        });
      }
      total += text?.length ?? 0;
      if (block.type === 'context' && Array.isArray(block.elements)) {
        for (const element of block.elements) total += textOf(element)?.length ?? 0;
      }
    });
    // Each block can be valid and the message still refused as a whole.
    if (total > this.maxBlocksTextLength) throw new SlackError('msg_blocks_too_long');
  }

  private findChannel(nameOrId: string): (SlackChannel & { member: boolean }) | undefined {
    const key = nameOrId.trim();
    const name = key.replace(/^#/, '').toLowerCase();
    return this.channels.find((c) => c.id === key || c.name === name);
  }

  /** Slack's `ts`: seconds and six digits of microseconds, unique and increasing within a channel. */
  private nextTs(): string {
    this.lastTsMicros = Math.max(Date.now() * 1000, this.lastTsMicros + 1);
    const seconds = Math.floor(this.lastTsMicros / 1_000_000);
    const micros = this.lastTsMicros % 1_000_000;
    return `${seconds}.${String(micros).padStart(6, '0')}`;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function messageOf(m: SlackMessage, withMetadata: boolean): Record<string, unknown> {
  return {
    type: 'message',
    subtype: 'bot_message',
    text: m.text ?? '',
    ts: m.ts,
    ...(m.blocks ? { blocks: m.blocks } : {}),
    ...(withMetadata && m.metadata !== undefined ? { metadata: m.metadata } : {}),
    ...BOT,
  };
}

/** `1700000000.000100` as a number of microseconds compares exactly (no float rounding). */
function compareTs(a: string, b: string): number {
  const micros = (ts: string): bigint => {
    const [s = '0', f = ''] = ts.split('.');
    return BigInt(s || '0') * 1_000_000n + BigInt((f + '000000').slice(0, 6) || '0');
  };
  const d = micros(a) - micros(b);
  return d > 0n ? 1 : d < 0n ? -1 : 0;
}

/** Slack's cursor pagination: an opaque cursor (here the offset), empty when there is nothing more. */
function paged<T>(all: T[], body: Record<string, unknown>): { items: T[]; nextCursor: string } {
  const limit = Math.min(MAX_PAGE, Math.max(1, Number(body.limit ?? DEFAULT_PAGE) || DEFAULT_PAGE));
  const cursor = typeof body.cursor === 'string' && body.cursor !== '' ? body.cursor : undefined;
  const offset = cursor
    ? Number(
        Buffer.from(cursor, 'base64')
          .toString('utf8')
          .replace(/^offset:/, ''),
      )
    : 0;
  if (!Number.isInteger(offset) || offset < 0) throw new SlackError('invalid_cursor');
  const items = all.slice(offset, offset + limit);
  const end = offset + items.length;
  return {
    items,
    nextCursor: end < all.length ? Buffer.from(`offset:${end}`, 'utf8').toString('base64') : '',
  };
}

/** A JSON field the form body carries as a string (`metadata`); JSON callers send the object. */
function parseJson(raw: unknown, error: string): unknown {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new SlackError(error);
  }
}

/** `@slack/web-api` sends `blocks` as a JSON string inside the form body; JSON callers send an array. */
function parseBlocks(raw: unknown): unknown[] | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      throw new SlackError('invalid_blocks_format');
    }
  }
  if (!Array.isArray(value)) throw new SlackError('invalid_blocks_format');
  return value as unknown[];
}

function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isRecord(value) && typeof value.text === 'string') return value.text;
  return undefined;
}
