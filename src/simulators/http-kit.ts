// A small HTTP toolkit shared by the three simulators: routing, JSON/form bodies, a request log,
// fault injection and an admin API. Simulators stand in for SaaS APIs the machine cannot reach, so
// everything here listens on loopback only.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface SimRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON or form body (form fields as strings); undefined when empty. */
  body: unknown;
  rawBody: string;
}

export interface SimResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

/**
 * `drop` cuts the connection before the request is handled; `drop-after` handles it (a write lands) and then
 * cuts the connection before the answer: the client cannot tell whether its write happened.
 */
export type FaultKind = 'rate-limit' | 'server-error' | 'latency' | 'hang' | 'drop' | 'drop-after';

export interface FaultRule {
  /** Matches the route's template (e.g. `POST /crm/v3/objects/:objectType/batch/upsert`) or the raw path, as a substring. Omit for every route. */
  route?: string;
  kind: FaultKind;
  /** Chance per matching call, 0..1 (drawn from the simulator's seeded generator). */
  probability?: number;
  /** Apply to the next N matching calls only. */
  count?: number;
  /** For `latency`: milliseconds added. */
  latencyMs?: number;
  /** For `rate-limit`: the Retry-After the response carries, in seconds. */
  retryAfterSeconds?: number;
  /** For `server-error`: the status (default 502). */
  status?: number;
}

export interface RequestLogEntry {
  at: number;
  method: string;
  path: string;
  /** The route template that matched, e.g. `POST /crm/v3/objects/:objectType/batch/upsert`; `unmatched` otherwise. */
  route: string;
  status: number;
  /** Set when a fault rule produced the answer. */
  fault?: FaultKind;
}

interface Route {
  method: string;
  template: string;
  regex: RegExp;
  keys: string[];
  handler: Handler;
}

/** Deterministic generator (mulberry32) so that fault probabilities and datasets are repeatable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SimServerOptions {
  name: string;
  /** Seed for fault probabilities. */
  seed?: number;
  /** How this service answers an injected rate limit. */
  rateLimitResponse: (rule: FaultRule) => SimResponse;
  /** How this service answers an injected server error. */
  serverErrorResponse?: (status: number) => SimResponse;
  /** How this service answers an unknown route. */
  notFoundResponse?: (req: SimRequest) => SimResponse;
}

export class SimServer {
  readonly name: string;
  private readonly routes: Route[] = [];
  private faults: (FaultRule & { remaining?: number })[] = [];
  private log: RequestLogEntry[] = [];
  private server?: http.Server;
  private readonly sockets = new Set<import('node:net').Socket>();
  private random: () => number;
  private readonly seed: number;
  private readonly options: SimServerOptions;
  private resetHooks: (() => void)[] = [];
  private stateProvider: () => unknown = () => ({});

  constructor(options: SimServerOptions) {
    this.options = options;
    this.name = options.name;
    this.seed = options.seed ?? 1;
    this.random = seededRandom(this.seed);
    this.registerAdminRoutes();
  }

  /** Register a route; `template` uses `:name` segments, e.g. `/crm/v3/objects/:objectType/batch/read`. */
  route(method: string, template: string, handler: Handler): this {
    const keys: string[] = [];
    const pattern = template
      .split('/')
      .map((segment) => {
        if (segment.startsWith(':')) {
          keys.push(segment.slice(1));
          return '([^/]+)';
        }
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.routes.push({ method, template, regex: new RegExp(`^${pattern}/?$`), keys, handler });
    return this;
  }

  onReset(hook: () => void): void {
    this.resetHooks.push(hook);
  }

  setStateProvider(provider: () => unknown): void {
    this.stateProvider = provider;
  }

  addFault(rule: FaultRule): void {
    this.faults.push({ ...rule, remaining: rule.count });
  }

  clearFaults(): void {
    this.faults = [];
  }

  requests(): readonly RequestLogEntry[] {
    return this.log;
  }

  /** Counts per route template (`METHOD /template`), excluding the admin API. */
  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const entry of this.log) counts[entry.route] = (counts[entry.route] ?? 0) + 1;
    return counts;
  }

  clearLog(): void {
    this.log = [];
  }

  /** Clears faults, the request log and (through hooks) the simulator's data. */
  reset(): void {
    this.clearFaults();
    this.clearLog();
    this.random = seededRandom(this.seed);
    for (const hook of this.resetHooks) hook();
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error(`${this.name} simulator is not listening`);
    return `http://127.0.0.1:${address.port}`;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ status: 'error', message: String(err) }));
        }
      });
    });
    this.server.keepAliveTimeout = 5_000;
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    return this.url;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private registerAdminRoutes(): void {
    this.route('GET', '/_sim/state', () => ({ status: 200, body: this.stateProvider() }));
    this.route('GET', '/_sim/requests', () => ({
      status: 200,
      body: { counts: this.counts(), requests: this.log },
    }));
    this.route('POST', '/_sim/reset', () => {
      this.reset();
      return { status: 204 };
    });
    this.route('POST', '/_sim/faults', (req) => {
      const rules = Array.isArray(req.body) ? req.body : [req.body];
      for (const rule of rules as FaultRule[]) this.addFault(rule);
      return { status: 204 };
    });
    this.route('DELETE', '/_sim/faults', () => {
      this.clearFaults();
      return { status: 204 };
    });
  }

  private pickFault(routeKey: string, path: string): FaultRule | undefined {
    for (const rule of this.faults) {
      if (rule.route && !routeKey.includes(rule.route) && !path.includes(rule.route)) continue;
      if (rule.remaining !== undefined) {
        if (rule.remaining <= 0) continue;
      }
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      if (rule.remaining !== undefined) rule.remaining -= 1;
      return rule;
    }
    return undefined;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const admin = path.startsWith('/_sim/');

    let matched: Route | undefined;
    let params: Record<string, string> = {};
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.regex.exec(path);
      if (!m) continue;
      matched = route;
      params = Object.fromEntries(route.keys.map((key, i) => [key, decodeURIComponent(m[i + 1] ?? '')]));
      break;
    }
    const routeKey = matched ? `${method} ${matched.template}` : 'unmatched';
    const simReq: SimRequest = {
      method,
      path,
      params,
      query: url.searchParams,
      headers: req.headers,
      body: parseBody(rawBody, req.headers['content-type']),
      rawBody,
    };

    const fault = admin ? undefined : this.pickFault(routeKey, path);
    const record = (status: number, kind?: FaultKind): void => {
      if (admin) return;
      this.log.push({
        at: Date.now(),
        method,
        path,
        route: routeKey,
        status,
        ...(kind ? { fault: kind } : {}),
      });
    };

    if (fault) {
      switch (fault.kind) {
        case 'hang':
          // Never answer; the client's timeout (or Temporal's) must take over. The socket is freed on close().
          record(0, 'hang');
          return;
        case 'drop':
          record(0, 'drop');
          req.socket.destroy();
          return;
        case 'latency':
          await sleep(fault.latencyMs ?? 1_000);
          break;
        case 'rate-limit': {
          const answer = this.options.rateLimitResponse(fault);
          record(answer.status, 'rate-limit');
          send(res, answer);
          return;
        }
        case 'server-error': {
          const status = fault.status ?? 502;
          const answer = this.options.serverErrorResponse?.(status) ?? {
            status,
            body: { status: 'error', message: 'Injected server error' },
          };
          record(answer.status, 'server-error');
          send(res, answer);
          return;
        }
      }
    }

    let answer: SimResponse;
    if (!matched) {
      answer = this.options.notFoundResponse?.(simReq) ?? {
        status: 404,
        body: { status: 'error', message: `No route for ${method} ${path}` },
      };
    } else {
      try {
        answer = await matched.handler(simReq);
      } catch (err) {
        answer = { status: 500, body: { status: 'error', message: `Simulator error: ${String(err)}` } };
      }
    }
    if (fault?.kind === 'drop-after') {
      record(0, 'drop-after');
      req.socket.destroy();
      return;
    }
    record(answer.status, fault?.kind);
    send(res, answer);
  }
}

/** What every simulator shares: one SimServer on loopback, its URL, start and stop. */
export abstract class Simulator {
  abstract readonly server: SimServer;

  get url(): string {
    return this.server.url;
  }

  listen(port = 0): Promise<string> {
    return this.server.listen(port);
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

function send(res: http.ServerResponse, answer: SimResponse): void {
  const headers: Record<string, string> = { ...(answer.headers ?? {}) };
  if (answer.status === 204 || answer.body === undefined) {
    res.writeHead(answer.status, headers);
    res.end();
    return;
  }
  const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['Content-Type'] = 'application/json;charset=utf-8';
  }
  res.writeHead(answer.status, headers);
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(raw: string, contentType: string | undefined): unknown {
  if (!raw) return undefined;
  if (contentType?.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(raw));
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A rolling-window counter: `hit()` answers false once more than `max` hits fall inside `windowMs`. */
export class RollingWindow {
  private hits: number[] = [];
  constructor(
    public max: number,
    public readonly windowMs: number,
  ) {}

  hit(now = Date.now()): boolean {
    this.prune(now);
    if (this.hits.length >= this.max) return false;
    this.hits.push(now);
    return true;
  }

  remaining(now = Date.now()): number {
    this.prune(now);
    return Math.max(0, this.max - this.hits.length);
  }

  /** Milliseconds until one more hit fits. */
  retryAfterMs(now = Date.now()): number {
    this.prune(now);
    const oldest = this.hits[0];
    return oldest === undefined ? 0 : Math.max(0, oldest + this.windowMs - now);
  }

  reset(): void {
    this.hits = [];
  }

  private prune(now: number): void {
    const cutoff = now - this.windowMs;
    let i = 0;
    while (i < this.hits.length && this.hits[i]! <= cutoff) i++;
    if (i > 0) this.hits.splice(0, i);
  }
}
