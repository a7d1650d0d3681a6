// A local stand-in for the two Slack Web API methods the run summary needs (see ../shared/reference/slack.md).
// Slack answers every call with HTTP 200 and `ok:false` for errors; only a rate limit is an HTTP status (429).
import { SimServer, Simulator, type SimRequest, type SimResponse } from './http-kit';

export interface SlackChannel {
  id: string;
  /** Without the leading `#`. */
  name: string;
}

export interface SlackSimulatorOptions {
  token?: string;
  /** Channels the bot is in: `#name`, `name`, an id like `C0123456789`, or both as an object. */
  channels?: Array<string | SlackChannel>;
  /** Channels that exist but the bot was never invited to: posting answers `not_in_channel`. */
  notInChannels?: Array<string | SlackChannel>;
  /** Total characters of block text above which Slack answers `msg_blocks_too_long` (observed near 13k). */
  maxBlocksTextLength?: number;
  seed?: number;
}

export interface SlackMessage {
  /** The channel id. */
  channel: string;
  text: string | undefined;
  blocks: unknown[] | undefined;
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
const BOT = { user: 'U0SIMBOT01', bot_id: 'B0SIMBOT01', team: 'T0SIMTEAM1', app_id: 'A0SIMAPP01' };

class SlackError extends Error {
  constructor(
    readonly code: string,
    readonly detail?: string,
  ) {
    super(code);
  }
}

export class SlackSimulator extends Simulator {
  readonly server: SimServer;
  readonly token: string;
  private readonly channels: Array<SlackChannel & { member: boolean }>;
  private readonly maxBlocksTextLength: number;
  private posted: SlackMessage[] = [];
  private lastTsMicros = 0;

  constructor(options: SlackSimulatorOptions = {}) {
    super();
    this.token = options.token ?? 'xoxb-sim-token';
    this.maxBlocksTextLength = options.maxBlocksTextLength ?? 13_000;
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
    });
    this.server.setStateProvider(() => ({
      channels: this.channels,
      messages: this.posted.map((m) => ({ channel: m.channel, ts: m.ts, text: m.text })),
    }));
    this.server.route('POST', '/api/auth.test', (req) => this.call(req, () => this.authTest()));
    this.server.route('POST', '/api/chat.postMessage', (req) =>
      this.call(req, (body) => this.postMessage(body)),
    );
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

  private postMessage(body: Record<string, unknown>): Record<string, unknown> {
    const channel = this.findChannel(typeof body.channel === 'string' ? body.channel : '');
    if (!channel) throw new SlackError('channel_not_found');
    if (!channel.member) throw new SlackError('not_in_channel');
    const text = typeof body.text === 'string' && body.text !== '' ? body.text : undefined;
    const blocks = parseBlocks(body.blocks);
    if (text === undefined && (blocks === undefined || blocks.length === 0)) throw new SlackError('no_text');
    if (text !== undefined && text.length > MAX_TEXT) throw new SlackError('msg_too_long');
    if (blocks) this.validateBlocks(blocks);
    const ts = this.nextTs();
    this.posted.push({ channel: channel.id, text, blocks, ts, receivedAt: Date.now() });
    return {
      channel: channel.id,
      ts,
      message: { type: 'message', subtype: 'bot_message', text: text ?? '', ts, blocks, ...BOT },
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
