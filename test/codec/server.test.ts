// The codec server over real HTTP: the Temporal codec-server protocol, its token, CORS and body limit, and
// what it logs.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { ConfigError, parseCodecServerConfig } from '../../src/config';
import { EncryptionCodec } from '../../src/codec/payload-codec';
import { startCodecServer, type CodecServer } from '../../src/codec/server';
import { keysOf, newKey } from '../support/payload-keys';

const ROOT = path.resolve(__dirname, '../..');
const UI = 'http://localhost:8233';
const TOKEN = 'codec-token-0123456789abcdef';
const KEYS = newKey('server-1');

/** A collecting logger: every line the server would print. */
function collector() {
  const lines: string[] = [];
  const log = (level: string) => (fields: Record<string, unknown>, message: string) =>
    void lines.push(JSON.stringify({ level, ...fields, msg: message }));
  return { lines, log: { info: log('info'), warn: log('warn') } };
}

async function encrypted(value: unknown) {
  const [payload] = await new EncryptionCodec(keysOf(KEYS)).encode([
    defaultPayloadConverter.toPayload(value),
  ]);
  const b64 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('base64');
  return {
    metadata: Object.fromEntries(Object.entries(payload!.metadata!).map(([k, v]) => [k, b64(v)])),
    data: b64(payload!.data),
  };
}

/** Writes `raw` over a plain socket and resolves with what the server answered before it closed. */
function rawRequest(url: string, raw: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = net.connect({ host: hostname, port: Number(port) }, () => socket.end(raw));
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

/**
 * A chunked POST (no Content-Length) of `bytes` bytes: the status the server answered, or the client's
 * error code when the connection broke before any answer.
 */
function chunkedPost(url: string, bytes: number, headers: Record<string, string>): Promise<number | string> {
  return new Promise((resolve) => {
    let answered = false;
    const req = http.request(`${url}/decode`, { method: 'POST', headers }, (res) => {
      answered = true;
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (!answered) resolve(err.code ?? err.message);
    });
    const chunk = 'A'.repeat(16_384);
    for (let sent = 0; sent < bytes; sent += chunk.length) req.write(chunk);
    req.end();
  });
}

describe('codec server', function () {
  this.timeout(60_000);
  let server: CodecServer;
  const logs = collector();

  before(async () => {
    server = await startCodecServer(
      parseCodecServerConfig({
        SYNC_PAYLOAD_KEYS: KEYS,
        SYNC_CODEC_PORT: '0',
        SYNC_CODEC_TOKEN: TOKEN,
        SYNC_CODEC_CORS_ORIGINS: UI,
        SYNC_CODEC_MAX_BODY_BYTES: '65536',
      }),
      logs.log,
    );
  });
  after(() => server?.close());

  const post = (route: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${route}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: UI, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('decodes for the right token, at /decode and /{namespace}/decode, as the UI sends them', async () => {
    const payload = await encrypted({ email: 'grace@example.com' });
    for (const route of ['/decode', '/default/decode']) {
      const response = await post(
        route,
        { payloads: [payload] },
        { Authorization: `Bearer ${TOKEN}`, 'X-Namespace': 'default' },
      );
      assert.equal(response.status, 200, await response.clone().text());
      assert.equal(response.headers.get('access-control-allow-origin'), UI);
      const { payloads } = (await response.json()) as {
        payloads: Array<{ metadata: Record<string, string>; data: string }>;
      };
      assert.equal(Buffer.from(payloads[0]!.metadata.encoding!, 'base64').toString(), 'json/plain');
      assert.deepEqual(JSON.parse(Buffer.from(payloads[0]!.data, 'base64').toString()), {
        email: 'grace@example.com',
      });
    }
  });

  it('encodes at /encode: what it returns decodes again', async () => {
    const plain = defaultPayloadConverter.toPayload('round trip');
    const body = {
      payloads: [
        {
          metadata: { encoding: Buffer.from(plain.metadata!.encoding!).toString('base64') },
          data: Buffer.from(plain.data!).toString('base64'),
        },
      ],
    };
    const encoded = await post('/encode', body, { Authorization: `Bearer ${TOKEN}` });
    assert.equal(encoded.status, 200);
    const back = await post('/decode', await encoded.json(), { Authorization: `Bearer ${TOKEN}` });
    const { payloads } = (await back.json()) as { payloads: Array<{ data: string }> };
    assert.equal(Buffer.from(payloads[0]!.data, 'base64').toString(), '"round trip"');
  });

  it('refuses a missing or wrong token with 401', async () => {
    const body = { payloads: [await encrypted('x')] };
    assert.equal((await post('/decode', body)).status, 401);
    assert.equal((await post('/decode', body, { Authorization: 'Bearer wrong-token' })).status, 401);
    assert.equal((await post('/decode', body, { Authorization: TOKEN })).status, 401, 'not a bearer header');
  });

  it('answers the preflight of the UI origin, and gives a foreign origin no CORS headers', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/default/decode`, {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization,content-type,x-namespace',
        },
      });
    const ours = await preflight(UI);
    assert.equal(ours.status, 204);
    assert.equal(ours.headers.get('access-control-allow-origin'), UI);
    assert.match(ours.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    assert.match(ours.headers.get('access-control-allow-headers') ?? '', /X-Namespace/);
    assert.match(ours.headers.get('access-control-allow-headers') ?? '', /Content-Type/);

    const foreign = await preflight('https://evil.example');
    assert.equal(foreign.headers.get('access-control-allow-origin'), null);
    assert.equal(foreign.headers.get('access-control-allow-headers'), null);
    const foreignPost = await post(
      '/decode',
      { payloads: [] },
      { Origin: 'https://evil.example', Authorization: `Bearer ${TOKEN}` },
    );
    assert.equal(foreignPost.headers.get('access-control-allow-origin'), null);
  });

  it('refuses an oversized body with 413', async () => {
    const big = JSON.stringify({ payloads: [{ metadata: {}, data: 'A'.repeat(100_000) }] });
    const response = await post('/decode', big, { Authorization: `Bearer ${TOKEN}` });
    assert.equal(response.status, 413);
  });

  it('answers 413 to a chunked body over the limit (no Content-Length), instead of hanging up', async () => {
    const status = await chunkedPost(server.url, 200_000, {
      'Content-Type': 'application/json',
      Authorization: `Bearer ${TOKEN}`,
    });
    assert.equal(status, 413);
  });

  it('answers 400 to a request line whose URL does not parse, and keeps serving', async () => {
    const answer = await rawRequest(server.url, 'POST http://[/decode HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(answer, /^HTTP\/1\.1 400 /);
    const after = await post('/decode', { payloads: [] }, { Authorization: `Bearer ${TOKEN}` });
    assert.equal(after.status, 200);
  });

  it('refuses a POST that is not application/json with 415 (a cross-origin one always needs a preflight)', async () => {
    const response = await post(
      '/decode',
      { payloads: [] },
      { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'text/plain' },
    );
    assert.equal(response.status, 415);
  });

  it('sends Vary: Origin on every answer, with or without a known origin', async () => {
    const known = await post('/decode', { payloads: [] }, { Authorization: `Bearer ${TOKEN}` });
    const foreign = await post('/decode', { payloads: [] }, { Origin: 'https://evil.example' });
    const missing = await fetch(`${server.url}/nowhere`);
    for (const response of [known, foreign, missing])
      assert.match(response.headers.get('vary') ?? '', /Origin/, String(response.status));
  });

  it('logs requests without payload content or the token', () => {
    const text = logs.lines.join('\n');
    assert.ok(
      logs.lines.some((l) => l.includes('"status":200')),
      text,
    );
    for (const secret of ['grace@example.com', 'round trip', TOKEN, KEYS.split(':')[1]!])
      assert.ok(!text.includes(secret), `${secret} in the logs`);
  });

  it('refuses to listen beyond loopback without a token; on loopback without one it says so', async () => {
    const config = parseCodecServerConfig({
      SYNC_PAYLOAD_KEYS: KEYS,
      SYNC_CODEC_PORT: '0',
      SYNC_CODEC_HOST: '0.0.0.0',
    });
    await assert.rejects(
      startCodecServer(config, collector().log),
      (err: unknown) => err instanceof ConfigError && /SYNC_CODEC_TOKEN is required/.test(err.message),
    );
    const local = collector();
    const open = await startCodecServer({ ...config, SYNC_CODEC_HOST: '127.0.0.1' }, local.log);
    await open.close();
    assert.ok(
      local.lines.some((l) => /WITHOUT a token/.test(l) && l.includes('"level":"warn"')),
      local.lines.join('\n'),
    );
  });

  it('without a token, answers only loopback Host names (DNS rebinding)', async () => {
    const open = await startCodecServer(
      parseCodecServerConfig({ SYNC_PAYLOAD_KEYS: KEYS, SYNC_CODEC_PORT: '0', SYNC_CODEC_CORS_ORIGINS: UI }),
      collector().log,
    );
    try {
      const port = new URL(open.url).port;
      const withHost = (host: string) =>
        new Promise<number>((resolve, reject) => {
          const req = http.request(
            `${open.url}/decode`,
            { method: 'POST', headers: { Host: host, 'Content-Type': 'application/json' } },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          );
          req.on('error', reject);
          req.end(JSON.stringify({ payloads: [] }));
        });
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`])
        assert.equal(await withHost(host), 200, host);
      for (const host of [`rebind.evil.example:${port}`, 'localhost:1', `localhost.evil.example:${port}`])
        assert.equal(await withHost(host), 403, host);
    } finally {
      await open.close();
    }
  });

  it('npm run codec-server exits 2 beyond loopback without a token, naming SYNC_CODEC_TOKEN', async () => {
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'src/codec-server.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        SYNC_PAYLOAD_KEYS: KEYS,
        SYNC_CODEC_HOST: '0.0.0.0',
        SYNC_CODEC_PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 2, output);
    assert.match(output, /SYNC_CODEC_TOKEN is required/);
    assert.ok(!output.includes(KEYS.split(':')[1]!));
  });

  it('refuses to listen beyond loopback without TLS, unless a reverse proxy terminates it', async () => {
    const beyond = {
      SYNC_PAYLOAD_KEYS: KEYS,
      SYNC_CODEC_PORT: '0',
      SYNC_CODEC_HOST: '0.0.0.0',
      SYNC_CODEC_TOKEN: TOKEN,
    };
    await assert.rejects(
      startCodecServer(parseCodecServerConfig(beyond), collector().log),
      (err: unknown) =>
        err instanceof ConfigError &&
        /TLS is required/.test(err.message) &&
        /SYNC_CODEC_TLS_CERT/.test(err.message) &&
        /SYNC_CODEC_TLS_PROXY/.test(err.message),
    );
    const behindProxy = await startCodecServer(
      parseCodecServerConfig({ ...beyond, SYNC_CODEC_TLS_PROXY: 'true' }),
      collector().log,
    );
    await behindProxy.close();
  });

  it('serves over TLS with SYNC_CODEC_TLS_CERT and SYNC_CODEC_TLS_KEY', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codec-tls-'));
    try {
      const cert = path.join(dir, 'cert.pem');
      const key = path.join(dir, 'key.pem');
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
          '-addext',
          'subjectAltName=DNS:localhost,IP:127.0.0.1',
          '-keyout',
          key,
          '-out',
          cert,
        ],
        { stdio: 'ignore' },
      );
      const tls = await startCodecServer(
        parseCodecServerConfig({
          SYNC_PAYLOAD_KEYS: KEYS,
          SYNC_CODEC_PORT: '0',
          SYNC_CODEC_TOKEN: TOKEN,
          SYNC_CODEC_TLS_CERT: cert,
          SYNC_CODEC_TLS_KEY: key,
        }),
        collector().log,
      );
      try {
        assert.match(tls.url, /^https:\/\//);
        const body = JSON.stringify({ payloads: [await encrypted({ email: 'grace@example.com' })] });
        const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
          const req = https.request(
            `${tls.url}/decode`,
            {
              method: 'POST',
              ca: fs.readFileSync(cert),
              headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
            },
            (res) => {
              let text = '';
              res.on('data', (c: Buffer) => (text += c.toString()));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
            },
          );
          req.on('error', reject);
          req.end(body);
        });
        assert.equal(answer.status, 200, answer.text);
        const [decoded] = (JSON.parse(answer.text) as { payloads: Array<{ data: string }> }).payloads;
        assert.match(Buffer.from(decoded!.data, 'base64').toString(), /grace@example.com/);
        // Plain HTTP to the TLS port gets no decoded payload.
        const plain = await fetch(`${tls.url.replace('https', 'http')}/decode`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
          body,
        }).then(
          async (r) => r.text(),
          () => '',
        );
        assert.ok(!plain.includes('grace@example.com'));
      } finally {
        await tls.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('caps what one request decodes to, all payloads together (413), however small its body', async () => {
    // 3 MB of one letter deflates to a few kilobytes: 20 of them fit in a small body and inflate to 60 MB.
    const bomb = await encrypted('a'.repeat(3 * 1024 * 1024));
    const capped = await startCodecServer(
      parseCodecServerConfig({
        SYNC_PAYLOAD_KEYS: KEYS,
        SYNC_CODEC_PORT: '0',
        SYNC_CODEC_TOKEN: TOKEN,
        SYNC_CODEC_MAX_DECODED_BYTES: String(16 * 1024 * 1024),
      }),
      collector().log,
    );
    try {
      const post = (count: number) =>
        fetch(`${capped.url}/decode`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ payloads: Array.from({ length: count }, () => bomb) }),
        });
      const body = JSON.stringify({ payloads: Array.from({ length: 20 }, () => bomb) });
      assert.ok(body.length < 1024 * 1024, `a small body (${body.length} bytes)`);
      const refused = await post(20);
      assert.equal(refused.status, 413);
      assert.match(await refused.text(), /SYNC_CODEC_MAX_DECODED_BYTES/);
      assert.equal((await post(2)).status, 200, 'within the cap');
    } finally {
      await capped.close();
    }
  });
});
