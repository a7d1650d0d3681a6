// The one configuration schema. Read from the environment (and `.env` files), validated once at the edge
// (worker.ts, client.ts); a bad or missing value stops start-up with every problem listed.
//
// Environments: SYNC_ENV names a profile (`sandbox`, `production`, anything). Precedence, highest first:
//   1. `NAME_`-prefixed variables (upper-cased, dashes as underscores: `SANDBOX_HUBSPOT_ACCESS_TOKEN`), from
//      the process environment or either file, in the same order among themselves;
//   2. the process environment;
//   3. `.env.NAME`;
//   4. `.env`.
// That is the convention of dotenv-flow, Vite and Next.js: a file for one profile beats the shared file, and
// what the operator exported beats both. SYNC_ENV itself comes from the process environment or `.env`.
// dotenv-flow itself does not fit: it keys profiles on NODE_ENV-like names chosen before any file is read,
// and knows nothing of prefixed variables; `dotenv` parses the files, the layering is the few lines below.
import dotenv from 'dotenv';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parsePayloadKeys, payloadProtection, unencryptedProblem } from './codec/keys';
import { SLACK_NOTIFY } from './domain/notify';
import { HUBSPOT_API_VERSION, HUBSPOT_API_VERSION_PATTERN } from './clients/hubspot-api';
import { TARGET_SETTINGS } from './domain/request-target';
import { CANNY_PLANS, parseRateLimits, shareOf, type RateLimit } from './domain/rate-limits';

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: "must be 'true' or 'false'" })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const wholeNumber = { error: 'must be a whole number' };
const positiveInt = (fallback: number) =>
  z.coerce.number(wholeNumber).int(wholeNumber).positive('must be above 0').default(fallback);

const required = () => z.string({ error: 'is required' }).min(1, 'is required');

const url = (fallback?: string) => {
  const schema = z.url({ message: 'must be a URL' });
  return fallback === undefined ? schema : schema.default(fallback);
};

/**
 * `property=value` pairs, comma-separated (`industry=COMPUTER_SOFTWARE,lifecyclestage=lead`): values every
 * record of a kind the sync creates carries, to meet a portal's validation rules. A value may not hold a comma.
 */
export function parsePropertyDefaults(text: string | undefined): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const raw of (text ?? '').split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const at = item.indexOf('=');
    const name = at > 0 ? item.slice(0, at).trim() : '';
    const value = at > 0 ? item.slice(at + 1).trim() : '';
    if (!/^[a-z0-9_]+$/.test(name) || value === '')
      throw new Error(
        `"${item}" is not a property=value pair (an internal property name, a non-empty value)`,
      );
    if (name in pairs) throw new Error(`${name} is given twice`);
    pairs[name] = value;
  }
  return pairs;
}

const propertyDefaults = (sync: string[]) =>
  z
    .string()
    .optional()
    .superRefine((text, ctx) => {
      try {
        const owned = Object.keys(parsePropertyDefaults(text)).filter((p) => sync.includes(p));
        if (owned.length > 0)
          ctx.addIssue({ code: 'custom', message: `${owned.join(', ')} is written by the sync itself` });
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    });

const fields = {
  SYNC_ENV: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes')
    .default('default'),
  CANNY_API_KEY: required(),
  CANNY_BASE_URL: url('https://canny.io'),
  CANNY_PARALLEL_BOARDS: positiveInt(4),
  // The key's published limits (src/domain/rate-limits.ts): the plan's, or CANNY_RATE_LIMITS when set.
  CANNY_PLAN: z
    .enum(['free', 'pro', 'business'], { message: "must be 'free', 'pro' or 'business'" })
    .default('pro'),
  CANNY_RATE_LIMITS: z
    .string()
    .optional()
    .superRefine((text, ctx) => {
      if (text === undefined || text.trim() === '' || text.trim() === 'none') return;
      try {
        parseRateLimits(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
  // The share of the key's limits this sync spends: the rest is left to the key's other users.
  CANNY_BUDGET_SHARE: z.coerce
    .number({ error: 'must be a number' })
    .gt(0, 'must be above 0')
    .max(1, 'must be at most 1')
    .default(0.8),
  HUBSPOT_ACCESS_TOKEN: required(),
  HUBSPOT_BASE_URL: url('https://api.hubapi.com'),
  HUBSPOT_COMPANY_ARR_PROPERTY: z.string().min(1).default('annualrevenue'),
  HUBSPOT_REQUESTS_PER_10S: positiveInt(100),
  HUBSPOT_SEARCH_REQUESTS_PER_SECOND: positiveInt(4),
  HUBSPOT_OBJECT_NAME: z.string().min(1).default('feature_request'),
  HUBSPOT_TARGET: z.enum(TARGET_SETTINGS).default('auto'),
  HUBSPOT_REQUEST_TIMEOUT_MS: positiveInt(60_000),
  // HubSpot's date-based API version every call names (src/clients/hubspot-api.ts).
  HUBSPOT_API_VERSION: z
    .string()
    .regex(HUBSPOT_API_VERSION_PATTERN, 'must be a HubSpot API date version such as 2026-09')
    .default(HUBSPOT_API_VERSION),
  HUBSPOT_COMPANY_DEFAULTS: propertyDefaults(['domain', 'name', 'feedback_sync_domain']),
  // A voter's own names come before a default for them (a portal that requires a last name, say).
  HUBSPOT_CONTACT_DEFAULTS: propertyDefaults(['email']),
  SLACK_BOT_TOKEN: z.string().optional(),
  SLACK_CHANNEL: z.string().optional(),
  SLACK_API_URL: url('https://slack.com/api/'),
  // Which runs post their summary: `always` (the default: the data model's "every run posts one summary"),
  // `changes` (runs that changed something, and failures), or `failures` only.
  SLACK_NOTIFY: z
    .enum(SLACK_NOTIFY, { error: `must be one of ${SLACK_NOTIFY.join(', ')}` })
    .default('always'),
  // Where summaries of runs with failures go instead, with SLACK_ALERT_MENTION first (`<!here>`, `<@U123>`,
  // `<!subteam^S123>`); unset: the summary channel, without a mention.
  SLACK_ALERT_CHANNEL: z.string().optional(),
  SLACK_ALERT_MENTION: z.string().optional(),
  // Unset: `feedback-sync-<SYNC_ENV>` (withDefaultQueue), so environments are apart unless told otherwise.
  SYNC_TASK_QUEUE: z.string().min(1).optional(),
  SYNC_CREATE_COMPANIES: bool(true),
  SYNC_CREATE_CONTACTS: bool(true),
  // The most requests one run marks deleted or merged; past it the run marks none and asks for a person's
  // confirmation (`sync --confirm-vanish`). Unset: 50, or 5 % of the stored requests, whichever is larger.
  SYNC_MAX_VANISHED: z.coerce.number(wholeNumber).int(wholeNumber).min(0).optional(),
  SYNC_PAGE_SIZE: z.coerce
    .number(wholeNumber)
    .int(wholeNumber)
    .min(1)
    .max(100, 'must be at most 100 (HubSpot batches)')
    .default(100),
  // At most 32: each page in flight may hand back up to 99 leftover pairs of each kind, which the run
  // carries across continue-as-new; 32 keeps that hand-over far under Temporal's payload limits.
  SYNC_MAX_PARALLEL: z.coerce
    .number(wholeNumber)
    .int(wholeNumber)
    .positive('must be above 0')
    .max(32, 'must be at most 32')
    .default(8),
  TEMPORAL_UI_URL: url('http://localhost:8233'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  SYNC_STORE_URL: z
    .string()
    .regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, "must be 'sqlite:<file>' or 'postgres://…'")
    .default('sqlite:.feedback-sync/run-store.db'),
  SYNC_STORE_RETENTION_DAYS: positiveInt(7),
  // The most runs whose audit trail the store keeps (the oldest go first), whatever their age.
  SYNC_STORE_MAX_RUNS: positiveInt(1000),
  SYNC_STORE_MAX_MB: positiveInt(1024),
  METRICS_PORT: z.coerce.number(wholeNumber).int(wholeNumber).min(0).max(65535).optional(),
  // Loopback by default: the endpoint has no authentication. `0.0.0.0` for a scraper on another host.
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  // `id:base64key,…`: the first encrypts, all decrypt (README: Personal data). Checked in crossFieldProblems,
  // which names the bad entry without echoing key material.
  SYNC_PAYLOAD_KEYS: z.string().optional(),
  // Bind new payloads to their Temporal namespace (README: Personal data). Off by default in this release:
  // turn it on once every worker, CLI and codec server of the namespace reads bound payloads.
  SYNC_PAYLOAD_NAMESPACE_BINDING: bool(false),
};

/** The key's limits as published for CANNY_PLAN, or as CANNY_RATE_LIMITS states them. */
export function cannyKeyLimits(config: Pick<Config, 'CANNY_PLAN' | 'CANNY_RATE_LIMITS'>): RateLimit[] {
  const explicit = config.CANNY_RATE_LIMITS?.trim();
  // `none`: no budget at all, for a source without limits (the simulators, the benchmark's baseline).
  if (explicit === 'none') return [];
  return parseRateLimits(explicit ? explicit : CANNY_PLANS[config.CANNY_PLAN]);
}

/** What this sync may spend of the key's limits, across every worker: CANNY_BUDGET_SHARE of each. */
export function cannyBudget(
  config: Pick<Config, 'CANNY_PLAN' | 'CANNY_RATE_LIMITS' | 'CANNY_BUDGET_SHARE'>,
): RateLimit[] {
  return shareOf(cannyKeyLimits(config), config.CANNY_BUDGET_SHARE);
}

/** The default task queue carries the environment: two environments never share a queue by accident. */
function withDefaultQueue<T extends { SYNC_ENV: string; SYNC_TASK_QUEUE?: string | undefined }>(
  cfg: T,
): T & { SYNC_TASK_QUEUE: string } {
  return { ...cfg, SYNC_TASK_QUEUE: cfg.SYNC_TASK_QUEUE ?? `feedback-sync-${cfg.SYNC_ENV}` };
}

export const configSchema = z.object(fields).transform(withDefaultQueue);

export type Config = z.infer<typeof configSchema>;

/** What commands that only talk to Temporal need: no third-party secrets. */
const operatorSchema = z
  .object({
    SYNC_ENV: fields.SYNC_ENV,
    // The source budget's settings (no secret): `schedule create` weighs the last read against them.
    CANNY_PLAN: fields.CANNY_PLAN,
    CANNY_RATE_LIMITS: fields.CANNY_RATE_LIMITS,
    CANNY_BUDGET_SHARE: fields.CANNY_BUDGET_SHARE,
    SYNC_TASK_QUEUE: fields.SYNC_TASK_QUEUE,
    SYNC_MAX_PARALLEL: fields.SYNC_MAX_PARALLEL,
    TEMPORAL_UI_URL: fields.TEMPORAL_UI_URL,
    LOG_LEVEL: fields.LOG_LEVEL,
    SYNC_PAYLOAD_KEYS: fields.SYNC_PAYLOAD_KEYS,
  })
  .transform(withDefaultQueue);
export type OperatorConfig = z.infer<typeof operatorSchema>;

/** What `hubspot check` and `hubspot setup` need: HubSpot's settings, no Canny or Slack secret. */
const hubspotSchema = z.object({
  SYNC_ENV: fields.SYNC_ENV,
  HUBSPOT_ACCESS_TOKEN: fields.HUBSPOT_ACCESS_TOKEN,
  HUBSPOT_BASE_URL: fields.HUBSPOT_BASE_URL,
  HUBSPOT_COMPANY_ARR_PROPERTY: fields.HUBSPOT_COMPANY_ARR_PROPERTY,
  HUBSPOT_OBJECT_NAME: fields.HUBSPOT_OBJECT_NAME,
  HUBSPOT_TARGET: fields.HUBSPOT_TARGET,
  HUBSPOT_REQUEST_TIMEOUT_MS: fields.HUBSPOT_REQUEST_TIMEOUT_MS,
  HUBSPOT_API_VERSION: fields.HUBSPOT_API_VERSION,
  HUBSPOT_COMPANY_DEFAULTS: fields.HUBSPOT_COMPANY_DEFAULTS,
  HUBSPOT_CONTACT_DEFAULTS: fields.HUBSPOT_CONTACT_DEFAULTS,
  LOG_LEVEL: fields.LOG_LEVEL,
});
export type HubspotConfig = z.infer<typeof hubspotSchema>;

/** What `npm run codec-server` needs: the payload keys and how it listens (README: Personal data). */
const codecServerSchema = z.object({
  SYNC_ENV: fields.SYNC_ENV,
  LOG_LEVEL: fields.LOG_LEVEL,
  SYNC_PAYLOAD_KEYS: z
    .string({ error: 'is required (the codec server decodes with these keys)' })
    .refine((v) => v.trim() !== 'none', 'is required (the codec server decodes with these keys)'),
  // Loopback by default: beyond it a token is required (checked in src/codec/server.ts).
  SYNC_CODEC_HOST: z.string().min(1).default('127.0.0.1'),
  SYNC_CODEC_PORT: z.coerce.number(wholeNumber).int(wholeNumber).min(0).max(65535).default(8888),
  SYNC_CODEC_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  // The Web UI's origin(s), comma-separated: the browser sends the payloads from there.
  SYNC_CODEC_CORS_ORIGINS: z.string().min(1).default('http://localhost:8233'),
  SYNC_CODEC_MAX_BODY_BYTES: positiveInt(8 * 1024 * 1024),
  // What one request may decode to, all payloads together: compressed payloads inflate (413 beyond).
  SYNC_CODEC_MAX_DECODED_BYTES: positiveInt(64 * 1024 * 1024),
  // TLS: PEM files of the certificate (chain) and its key. Beyond loopback the server needs them, or
  // SYNC_CODEC_TLS_PROXY=true when a reverse proxy in front of it terminates TLS.
  SYNC_CODEC_TLS_CERT: z.string().min(1).optional(),
  SYNC_CODEC_TLS_KEY: z.string().min(1).optional(),
  SYNC_CODEC_TLS_PROXY: bool(false),
  SYNC_PAYLOAD_NAMESPACE_BINDING: fields.SYNC_PAYLOAD_NAMESPACE_BINDING,
});
export type CodecServerConfig = z.infer<typeof codecServerSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function parseWith<T>(
  schema: z.ZodType<T>,
  env: Record<string, string | undefined>,
  extra: string[] = [],
): T {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  const problems = [
    ...(result.success
      ? []
      : result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'} ${issue.message}`)),
    ...extra,
  ];
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  return result.data;
}

/** Parses a plain record of variables (already merged with the profile) into a Config. */
/** Rules across fields, the same for the worker and the command line. */
function crossFieldProblems(env: Record<string, string | undefined>): string[] {
  return [
    ...(env.SLACK_BOT_TOKEN && !env.SLACK_CHANNEL
      ? ['SLACK_CHANNEL is required when SLACK_BOT_TOKEN is set']
      : []),
    ...((env.SLACK_ALERT_CHANNEL || env.SLACK_ALERT_MENTION) && !env.SLACK_BOT_TOKEN
      ? ['SLACK_ALERT_CHANNEL and SLACK_ALERT_MENTION need SLACK_BOT_TOKEN (without it nothing is posted)']
      : []),
    ...parsePayloadKeys(env.SYNC_PAYLOAD_KEYS).problems,
    ...arrDefaultProblem(env),
  ];
}

/** A default for the ARR property would feed made-up ARR into every rollup of a company the sync creates. */
function arrDefaultProblem(env: Record<string, string | undefined>): string[] {
  const arr = env.HUBSPOT_COMPANY_ARR_PROPERTY?.trim() || 'annualrevenue';
  try {
    return arr in parsePropertyDefaults(env.HUBSPOT_COMPANY_DEFAULTS)
      ? [
          `HUBSPOT_COMPANY_DEFAULTS may not set ${arr}, the ARR property (HUBSPOT_COMPANY_ARR_PROPERTY) rollups sum`,
        ]
      : [];
  } catch {
    return []; // a malformed value is the field's own problem
  }
}

export function parseConfig(
  env: Record<string, string | undefined>,
  options: { worker?: boolean } = {},
): Config {
  // Checked beside the schema, not after it, so every problem is listed in one pass: a worker would refuse
  // to run unencrypted, so that is one of them.
  const protection = payloadProtection(env);
  // A malformed SYNC_PAYLOAD_KEYS is its own problem (crossFieldProblems), not a missing one.
  const malformed = parsePayloadKeys(env.SYNC_PAYLOAD_KEYS).problems.length > 0;
  const unencrypted = options.worker && !malformed && !protection.encrypted && !protection.allowed;
  return parseWith(configSchema, env, [
    ...crossFieldProblems(env),
    ...(unencrypted ? [unencryptedProblem()] : []),
  ]);
}

export function parseOperatorConfig(env: Record<string, string | undefined>): OperatorConfig {
  // The CLI starts runs the worker will carry out: a setting the worker would refuse is refused here too.
  return parseWith(operatorSchema, env, crossFieldProblems(env));
}

export interface ResolvedEnvironment {
  values: Record<string, string | undefined>;
  /** The files read, by name only (they hold secrets), lowest precedence first: `.env`, `.env.<SYNC_ENV>`. */
  files: string[];
}

/** The variables in force after the profile precedence (see the top of this file), and the files read. */
export function resolveEnvironmentWithFiles(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): ResolvedEnvironment {
  const files: string[] = [];
  const fromFile = (file: string): Record<string, string> => {
    const full = path.join(cwd, file);
    if (!fs.existsSync(full)) return {};
    files.push(file);
    return dotenv.parse(fs.readFileSync(full));
  };
  const shared = fromFile('.env');
  // The profile is chosen before its own file is read: a SYNC_ENV inside `.env.NAME` cannot change it.
  const profile = env.SYNC_ENV || shared.SYNC_ENV;
  const plain = { ...shared, ...(profile ? fromFile(`.env.${profile}`) : {}), ...env };
  if (!profile) return { values: plain, files };
  const prefix = `${profile.toUpperCase().replace(/-/g, '_')}_`;
  const overrides = Object.fromEntries(
    Object.entries(plain)
      .filter(([key]) => key.startsWith(prefix) && key.length > prefix.length)
      .map(([key, value]) => [key.slice(prefix.length), value] as const)
      .filter(([key]) => key !== 'SYNC_ENV'),
  );
  return { values: { ...plain, ...overrides, SYNC_ENV: profile }, files };
}

/** The process environment with `.env`, `.env.<SYNC_ENV>` and `<SYNC_ENV>_` prefixed overrides applied. */
export function resolveEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Record<string, string | undefined> {
  return resolveEnvironmentWithFiles(env, cwd).values;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseConfig(resolveEnvironment(env));
}

export function loadOperatorConfig(env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  return parseOperatorConfig(resolveEnvironment(env));
}

export function parseCodecServerConfig(env: Record<string, string | undefined>): CodecServerConfig {
  return parseWith(codecServerSchema, env, parsePayloadKeys(env.SYNC_PAYLOAD_KEYS).problems);
}

export function loadHubspotConfig(env: NodeJS.ProcessEnv = process.env): HubspotConfig {
  const resolved = resolveEnvironment(env);
  return parseWith(hubspotSchema, resolved, arrDefaultProblem(resolved));
}

/** HubSpot activities are dispatched at this rate by the server, across every worker of the queue. */
export function hubspotActivitiesPerSecond(cfg: Pick<Config, 'HUBSPOT_REQUESTS_PER_10S'>): number {
  // 95 %: the rolling window is strict and Temporal's limiter is a token bucket, so leave a little room.
  return (cfg.HUBSPOT_REQUESTS_PER_10S / 10) * 0.95;
}

/** How a HubSpot gateway connects, from either config: token, base URL, timeout, API version, create defaults. */
export function hubspotConnection(
  cfg: Pick<
    HubspotConfig,
    | 'HUBSPOT_ACCESS_TOKEN'
    | 'HUBSPOT_BASE_URL'
    | 'HUBSPOT_REQUEST_TIMEOUT_MS'
    | 'HUBSPOT_API_VERSION'
    | 'HUBSPOT_COMPANY_DEFAULTS'
    | 'HUBSPOT_CONTACT_DEFAULTS'
  >,
) {
  return {
    accessToken: cfg.HUBSPOT_ACCESS_TOKEN,
    baseUrl: cfg.HUBSPOT_BASE_URL,
    timeoutMs: cfg.HUBSPOT_REQUEST_TIMEOUT_MS,
    apiVersion: cfg.HUBSPOT_API_VERSION,
    defaults: createDefaults(cfg),
  };
}

/** HUBSPOT_COMPANY_DEFAULTS and HUBSPOT_CONTACT_DEFAULTS as pairs (the schema has checked them). */
export function createDefaults(
  cfg: Pick<HubspotConfig, 'HUBSPOT_COMPANY_DEFAULTS' | 'HUBSPOT_CONTACT_DEFAULTS'>,
): { company: Record<string, string>; contact: Record<string, string> } {
  return {
    company: parsePropertyDefaults(cfg.HUBSPOT_COMPANY_DEFAULTS),
    contact: parsePropertyDefaults(cfg.HUBSPOT_CONTACT_DEFAULTS),
  };
}
