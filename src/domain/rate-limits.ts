// Canny's published rate limits (../shared/reference/canny.md, "Rate limits", from Canny's API reference,
// checked 2026-10): per key, per second, minute and hour, by plan. The sync's budget takes a share of them; the
// simulator enforces them in full. Pure: parsing and arithmetic only.

export interface RateLimit {
  /** Requests allowed in any window of `windowMs` (a rolling window: the stricter reading of "per minute"). */
  count: number;
  windowMs: number;
}

export const CANNY_PLANS = {
  free: '5/s,100/m,1000/h',
  pro: '10/s,300/m,5000/h',
  business: '20/s,600/m,15000/h',
} as const;
export type CannyPlan = keyof typeof CANNY_PLANS;

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000 } as const;
const UNIT_NAME: Record<number, string> = { 1_000: 's', 60_000: 'm', 3_600_000: 'h' };

/**
 * `10/s,300/m,5000/h` → the limits, shortest window first. Throws an Error naming the part that does not
 * parse (the config turns it into a problem of CANNY_RATE_LIMITS).
 */
export function parseRateLimits(text: string): RateLimit[] {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) throw new Error('must list at least one limit, e.g. 10/s,300/m,5000/h');
  const limits = parts.map((part) => {
    const m = /^(\d+)\s*\/\s*([smh])$/.exec(part);
    if (!m || Number(m[1]) < 1)
      throw new Error(`'${part}' is not a limit: write a whole number of requests per s, m or h, e.g. 300/m`);
    return { count: Number(m[1]), windowMs: UNIT_MS[m[2] as keyof typeof UNIT_MS] };
  });
  const windows = limits.map((l) => l.windowMs);
  if (new Set(windows).size !== windows.length) throw new Error('names one window twice');
  return limits.sort((a, b) => a.windowMs - b.windowMs);
}

export function formatRateLimits(limits: readonly RateLimit[]): string {
  return limits.map((l) => `${l.count}/${UNIT_NAME[l.windowMs] ?? `${l.windowMs}ms`}`).join(',');
}

/** The part of the key's limits this sync may spend: each count times `share`, rounded down, at least 1. */
export function shareOf(limits: readonly RateLimit[], share: number): RateLimit[] {
  return limits.map((l) => ({ count: Math.max(1, Math.floor(l.count * share)), windowMs: l.windowMs }));
}

/** The hourly allowance of a set of limits: its hour limit, or what the shorter windows allow in an hour. */
export function hourlyAllowance(limits: readonly RateLimit[]): number {
  return Math.min(...limits.map((l) => Math.floor((l.count * UNIT_MS.h) / l.windowMs)));
}

/**
 * The time `requests` take at these limits' rates, counting only the windows they do not fit in at once: the
 * bound a source read is held against (the benchmark). At Pro's 80 %, 1,100 requests are bound by 240 a
 * minute (275 s); they fit in the hour's 4,000 at once, so the hour does not count.
 */
export function readBoundMs(requests: number, limits: readonly RateLimit[]): number {
  return Math.max(
    0,
    ...limits.filter((l) => requests > l.count).map((l) => Math.ceil((requests * l.windowMs) / l.count)),
  );
}
