// The codec server: decodes (and encodes) payloads for the Temporal Web UI and CLI, so the people allowed to
// see personal data see it, and the Temporal server never does. The protocol (Temporal's codec-server spec):
// POST `/encode` or `/decode`, also under `/{namespace}/`, with the Payloads message as protobuf JSON,
// `{ "payloads": [{ "metadata": { "encoding": "<base64>" }, "data": "<base64>" }] }`, answered in kind.
//
// Guards: CORS only for the configured UI origins (a page elsewhere gets no CORS headers, so the browser
// keeps the answer from it); a bearer token, compared in constant time, and TLS (its own, or a reverse proxy's
// that the operator vouches for) required whenever the server listens beyond loopback; a body size limit and
// a limit on what one request decodes to, all payloads together (413). Logs carry methods, paths, statuses
// and counts, never payloads.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Payload } from '@temporalio/common';
import { ConfigError, type CodecServerConfig } from '../config';
import { parsePayloadKeys } from './keys';
import { DecodedTooLarge, EncryptionCodec } from './payload-codec';

interface JsonPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
}

export interface CodecServerLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface CodecServer {
  /** `http://host:port`, what `--ui-codec-endpoint` takes. */
  url: string;
  close(): Promise<void>;
}

const ROUTE = /^\/(?:[^/]+\/)?(encode|decode)$/;
const NAMESPACED = /^\/([^/]+)\/(?:encode|decode)$/;

const headerOf = (req: http.IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

/** The request's path, or undefined when its URL does not parse (`POST http://[/decode`). */
function pathOf(req: http.IncomingMessage): string | undefined {
  try {
    return new URL(req.url ?? '/', 'http://codec').pathname;
  } catch {
    return undefined;
  }
}

/** A JSON body: a cross-origin page can send text/plain without a preflight, never application/json. */
const isJson = (contentType: string | undefined): boolean =>
  /^application\/json\s*(;|$)/i.test(contentType ?? '');

/** 127.0.0.0/8, ::1 and `localhost`: only this machine can connect. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

const digest = (value: string): Buffer => crypto.createHash('sha256').update(value, 'utf8').digest();

/** Constant time in the token's content: both sides are hashed to the same length first. */
function tokenMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '';
  return crypto.timingSafeEqual(digest(given), digest(token));
}

const fromJson = ({ metadata, data }: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(data ?? '', 'base64'),
});

const toJson = ({ metadata, data }: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')]),
  ),
  data: Buffer.from(data ?? []).toString('base64'),
});

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new HttpError(413, `body over ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        // Stop reading; the caller answers 413 with `Connection: close` and closes once it is sent
        // (destroying here would hang up before the client sees why).
        req.off('data', onData);
        req.pause();
        reject(new HttpError(413, `body over ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parsePayloads(body: Buffer): Payload[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
  const payloads = (parsed as { payloads?: unknown } | null)?.payloads;
  if (!Array.isArray(payloads)) throw new HttpError(400, 'body needs a payloads array');
  return (payloads as JsonPayload[]).map(fromJson);
}

/** Checks the configuration's rules across fields: beyond loopback, a token and TLS. */
export function codecServerProblems(config: CodecServerConfig): string[] {
  const problems: string[] = [];
  const beyond = !isLoopback(config.SYNC_CODEC_HOST);
  if (beyond && !config.SYNC_CODEC_TOKEN)
    problems.push(
      `SYNC_CODEC_TOKEN is required when SYNC_CODEC_HOST (${config.SYNC_CODEC_HOST}) is beyond loopback: ` +
        'anyone who can reach the port could decode personal data',
    );
  if (Boolean(config.SYNC_CODEC_TLS_CERT) !== Boolean(config.SYNC_CODEC_TLS_KEY))
    problems.push('SYNC_CODEC_TLS_CERT and SYNC_CODEC_TLS_KEY go together: set both, or neither');
  if (beyond && !config.SYNC_CODEC_TLS_CERT && !config.SYNC_CODEC_TLS_PROXY)
    problems.push(
      `TLS is required when SYNC_CODEC_HOST (${config.SYNC_CODEC_HOST}) is beyond loopback: the token and the ` +
        'decoded emails would cross the network in clear. Set SYNC_CODEC_TLS_CERT and SYNC_CODEC_TLS_KEY, ' +
        'or SYNC_CODEC_TLS_PROXY=true when a reverse proxy in front of the server terminates TLS',
    );
  return problems;
}

/** Decodes a request's payloads within `limit` bytes for all of them together. */
function decodeWithin(codec: EncryptionCodec, payloads: Payload[], limit: number): Payload[] {
  let used = 0;
  return payloads.map((payload) => {
    const decoded = codec.decodeOne(payload, limit - used);
    used +=
      (decoded.data?.length ?? 0) +
      Object.values(decoded.metadata ?? {}).reduce((n, v) => n + (v?.length ?? 0), 0);
    if (used > limit) throw new DecodedTooLarge(limit);
    return decoded;
  });
}

export async function startCodecServer(config: CodecServerConfig, log: CodecServerLog): Promise<CodecServer> {
  const problems = codecServerProblems(config);
  const { keys } = parsePayloadKeys(config.SYNC_PAYLOAD_KEYS);
  if (!keys) problems.push('SYNC_PAYLOAD_KEYS is required (the codec server decodes with these keys)');
  if (problems.length > 0) throw new ConfigError(problems);
  const codec = new EncryptionCodec(keys!, undefined, config.SYNC_PAYLOAD_NAMESPACE_BINDING);
  const origins = new Set(
    config.SYNC_CODEC_CORS_ORIGINS.split(',')
      .map((o) => o.trim().replace(/\/$/, ''))
      .filter(Boolean),
  );
  const token = config.SYNC_CODEC_TOKEN;

  // Without a token, DNS rebinding would let any web page reach a loopback server under its own name: only
  // this machine's names are answered then (set once listening, with the port).
  let loopbackHosts = new Set<string>();

  const handle = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    path: string | undefined,
  ): Promise<number> => {
    // Every answer depends on the origin (CORS headers or none): caches must key on it.
    res.setHeader('Vary', 'Origin');
    if (path === undefined) throw new HttpError(400, 'the request URL does not parse');
    if (!token && !loopbackHosts.has((req.headers.host ?? '').toLowerCase()))
      throw new HttpError(403, 'without SYNC_CODEC_TOKEN only localhost, 127.0.0.1 and [::1] are answered');
    const origin = req.headers.origin;
    if (origin && origins.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Namespace');
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Max-Age', '600');
    }
    const route = ROUTE.exec(path)?.[1];
    if (!route) throw new HttpError(404, 'POST /encode or /decode');
    // The preflight carries no credentials: it is answered without the token.
    if (req.method === 'OPTIONS') return 204;
    if (req.method !== 'POST') throw new HttpError(405, 'POST only');
    if (!isJson(req.headers['content-type'])) throw new HttpError(415, 'Content-Type: application/json only');
    if (token && !tokenMatches(req.headers.authorization, token)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      throw new HttpError(401, 'a valid bearer token is required');
    }
    const payloads = parsePayloads(await readBody(req, config.SYNC_CODEC_MAX_BODY_BYTES));
    // The namespace the UI or CLI asks for (`/{namespace}/decode`, or the X-Namespace header): payloads
    // bound to another one are refused.
    const namespace = NAMESPACED.exec(path)?.[1] ?? headerOf(req, 'x-namespace');
    const bound = namespace ? codec.forNamespace(namespace) : codec;
    let result: Payload[];
    try {
      result =
        route === 'decode'
          ? decodeWithin(bound, payloads, config.SYNC_CODEC_MAX_DECODED_BYTES)
          : await bound.encode(payloads);
    } catch (err) {
      if (err instanceof DecodedTooLarge)
        throw new HttpError(413, `${err.message} in one request (SYNC_CODEC_MAX_DECODED_BYTES)`);
      throw err;
    }
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ payloads: result.map(toJson) }));
    return 200;
  };

  const tls =
    config.SYNC_CODEC_TLS_CERT && config.SYNC_CODEC_TLS_KEY
      ? { cert: fs.readFileSync(config.SYNC_CODEC_TLS_CERT), key: fs.readFileSync(config.SYNC_CODEC_TLS_KEY) }
      : undefined;
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const path = pathOf(req);
    handle(req, res, path)
      .then((status) => {
        if (status !== 200) {
          res.statusCode = status;
          res.end();
        }
        log.info({ method: req.method, path, status }, 'codec request');
      })
      .catch((err: unknown) => {
        // Decoding failures (a missing key) are 400 with the codec's message: it names a key id, no data.
        const status = err instanceof HttpError ? err.status : 400;
        const message = err instanceof Error ? err.message : String(err);
        log.warn({ method: req.method, path, status, error: message }, 'codec request refused');
        if (res.headersSent) return;
        res.statusCode = status;
        res.setHeader('Content-Type', 'text/plain');
        // A 413 is answered before the whole body is read: close once it is sent, so the client stops sending.
        if (status === 413) {
          res.setHeader('Connection', 'close');
          res.end(message, () => req.destroy());
          return;
        }
        res.end(message);
      });
  };
  const server = tls ? https.createServer(tls, onRequest) : http.createServer(onRequest);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.SYNC_CODEC_PORT, config.SYNC_CODEC_HOST, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.SYNC_CODEC_HOST.includes(':') ? `[${config.SYNC_CODEC_HOST}]` : config.SYNC_CODEC_HOST;
  // A browser omits the port in Host only when it is the default one.
  const withPort = (name: string): string[] => (port === 80 ? [name, `${name}:80`] : [`${name}:${port}`]);
  loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]', host.toLowerCase()].flatMap(withPort));
  const url = `${tls ? 'https' : 'http'}://${host}:${port}`;
  log.info(
    {
      url,
      origins: [...origins],
      keyIds: [...keys!.keys.keys()],
      token: Boolean(token),
      tls: tls ? 'own' : config.SYNC_CODEC_TLS_PROXY ? 'reverse proxy' : 'none (loopback)',
    },
    'codec server listening',
  );
  if (!token)
    log.warn(
      { host: config.SYNC_CODEC_HOST },
      'codec server runs WITHOUT a token (loopback only): any local process can decode payloads; set SYNC_CODEC_TOKEN',
    );
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
