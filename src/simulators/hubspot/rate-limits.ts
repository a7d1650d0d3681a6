// HubSpot's rate limits (../../../../shared/reference/hubspot.md, "Limits"): the rolling 10-second window, the
// search endpoints' own per-second window, the daily limit, the headers that report them and the 429 bodies.
import { randomUUID } from 'node:crypto';
import { RollingWindow, type SimResponse } from '../http-kit';
import type { Json } from './model';
import { iso } from './values';

const TEN_SECONDS = 10_000;

function rateLimitBody(message: string, policyName: string): Json {
  return {
    status: 'error',
    message,
    errorType: 'RATE_LIMIT',
    correlationId: randomUUID(),
    policyName,
    requestId: randomUUID(),
  };
}

export class RateLimits {
  readonly window: RollingWindow;
  readonly searchWindow: RollingWindow;
  dailyLimit: number;
  dailyUsed = 0;
  private dailyDay = '';

  constructor(options: { requestsPer10s: number; searchPerSecond: number; dailyLimit: number }) {
    this.window = new RollingWindow(options.requestsPer10s, TEN_SECONDS);
    this.searchWindow = new RollingWindow(options.searchPerSecond, 1_000);
    this.dailyLimit = options.dailyLimit;
  }

  reset(): void {
    this.dailyUsed = 0;
    this.window.reset();
    this.searchWindow.reset();
  }

  headers(): Record<string, string> {
    return {
      'X-HubSpot-RateLimit-Max': String(this.window.max),
      'X-HubSpot-RateLimit-Remaining': String(this.window.remaining()),
      'X-HubSpot-RateLimit-Interval-Milliseconds': String(TEN_SECONDS),
      'X-HubSpot-RateLimit-Daily': String(this.dailyLimit),
      'X-HubSpot-RateLimit-Daily-Remaining': String(Math.max(0, this.dailyLimit - this.dailyUsed)),
    };
  }

  tenSecondlyResponse(retryAfterSeconds: number): SimResponse {
    return {
      status: 429,
      headers: { ...this.headers(), 'Retry-After': String(retryAfterSeconds) },
      body: rateLimitBody('You have reached your ten_secondly_rolling limit.', 'TEN_SECONDLY_ROLLING'),
    };
  }

  /** Returns a 429 when a limit is exhausted, after counting the request against the others. */
  check(search: boolean): SimResponse | undefined {
    const now = Date.now();
    const day = iso(now).slice(0, 10);
    if (day !== this.dailyDay) {
      this.dailyDay = day;
      this.dailyUsed = 0;
    }
    if (this.dailyUsed >= this.dailyLimit) {
      const midnight = Date.parse(`${day}T00:00:00.000Z`) + 86_400_000;
      return {
        status: 429,
        headers: { ...this.headers(), 'Retry-After': String(Math.ceil((midnight - now) / 1000)) },
        body: rateLimitBody('You have reached your daily limit.', 'DAILY'),
      };
    }
    if (search) {
      if (!this.searchWindow.hit(now)) {
        return {
          status: 429,
          headers: {
            'Retry-After': String(Math.max(1, Math.ceil(this.searchWindow.retryAfterMs(now) / 1000))),
          },
          body: rateLimitBody('You have reached your secondly limit.', 'SECONDLY'),
        };
      }
    } else if (!this.window.hit(now)) {
      return this.tenSecondlyResponse(Math.max(1, Math.ceil(this.window.retryAfterMs(now) / 1000)));
    }
    this.dailyUsed += 1;
    return undefined;
  }
}
