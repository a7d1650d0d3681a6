// The worker process as an operator starts it (`npm run worker`): what it prints at start-up, the exit code
// of a bad configuration, and where its metrics listen.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { testEnv } from '../hooks';
import { TEST_PAYLOAD_KEYS } from '../support/payload-keys';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-processes';

/** A port nothing listens on right now (the OS picks it). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Local addresses of listening TCP sockets on `port`, as the kernel reports them (hex, /proc/net/tcp*). */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const found: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!fs.existsSync(file)) continue;
    for (const line of fs.readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      // State 0A is LISTEN.
      if (local?.endsWith(`:${hexPort}`) && state === '0A') found.push(local.split(':')[0]!);
    }
  }
  return found;
}

/** Resolves with the error code of a connection attempt, or 'connected'. */
function connectOutcome(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/** What a worker needs to start and poll; nothing here is called before a run arrives. */
async function startupEnv(extra: Record<string, string>): Promise<Record<string, string>> {
  const env = await testEnv();
  return {
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_NAMESPACE: 'default',
    SYNC_ENV: 'startup-test',
    CANNY_API_KEY: 'unused-canny-key',
    HUBSPOT_ACCESS_TOKEN: 'unused-hubspot-token',
    SYNC_TASK_QUEUE: `fs-startup-${process.pid}-${Date.now()}`,
    LOG_LEVEL: 'info',
    SYNC_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
    ...extra,
  };
}

describe('worker process start-up', function () {
  this.timeout(180_000);

  it('exits 2 on a configuration error, listing every problem and no secret', async () => {
    const worker = startWorkerProcess('bad-config', {
      SYNC_ENV: 'startup-test',
      HUBSPOT_ACCESS_TOKEN: 'secret-token-value',
      METRICS_PORT: 'ninety',
    });
    const code = await worker.exited;
    const output = worker.lines.join('\n');
    assert.equal(code, 2, output);
    assert.match(output, /CANNY_API_KEY is required/);
    assert.match(output, /METRICS_PORT must be a whole number/);
    assert.ok(!output.includes('secret-token-value'), output);
  });

  it('exits 2 without payload keys (even as SYNC_ENV=default), and on a malformed key, naming the entry only', async () => {
    for (const syncEnv of ['startup-test', 'default']) {
      // The documented defaults: the real Canny and HubSpot APIs, no keys.
      const unset = startWorkerProcess(
        'no-keys',
        await startupEnv({ SYNC_ENV: syncEnv, SYNC_PAYLOAD_KEYS: '' }),
      );
      const code = await unset.exited;
      const output = unset.lines.join('\n');
      assert.equal(code, 2, `${syncEnv}: ${output}`);
      assert.match(output, /SYNC_PAYLOAD_KEYS is required/, output);
      assert.match(output, /openssl rand -base64 32/, 'says how to make a key');
    }

    const material = Buffer.alloc(20, 7).toString('base64');
    const malformed = startWorkerProcess(
      'bad-key',
      await startupEnv({ SYNC_PAYLOAD_KEYS: `k1:${material}` }),
    );
    const output = malformed.lines.join('\n');
    assert.equal(await malformed.exited, 2, output);
    assert.match(
      malformed.lines.join('\n'),
      /SYNC_PAYLOAD_KEYS entry 1 \('k1'\) must hold a base64 key of 32 bytes/,
    );
    assert.ok(!malformed.lines.join('\n').includes(material));
  });

  it('starts without keys, with a warning, only with SYNC_PAYLOAD_KEYS=none or against loopback simulators', async () => {
    const cases: Array<[string, Record<string, string>]> = [
      ['keys-none', { SYNC_PAYLOAD_KEYS: 'none' }],
      [
        'simulators',
        {
          SYNC_PAYLOAD_KEYS: '',
          CANNY_BASE_URL: 'http://127.0.0.1:9/',
          HUBSPOT_BASE_URL: 'http://localhost:9/',
        },
      ],
    ];
    for (const [name, extra] of cases) {
      const worker = startWorkerProcess(name, await startupEnv(extra));
      try {
        await worker.ready;
      } finally {
        await worker.stop();
      }
      assert.ok(
        worker.lines.some((l) => l.includes('payloads are NOT encrypted') && l.includes('"level":40')),
        worker.lines.join('\n'),
      );
    }
  });

  describe('a started worker (LOG_LEVEL=info, METRICS_PORT set)', () => {
    let worker: WorkerProcess;
    let port: number;

    before(async () => {
      port = await freePort();
      worker = startWorkerProcess('startup', await startupEnv({ METRICS_PORT: String(port) }));
      await worker.ready;
    });
    after(async () => {
      await worker.stop();
    });

    it('serves /metrics on 127.0.0.1, with the SDK metrics', async () => {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(response.status, 200);
      const text = await response.text();
      assert.match(text, /^temporal_/m, 'the SDK metrics are exported');
    });

    it('listens on loopback only, not on every interface', async () => {
      const addresses = listeningAddresses(port);
      if (addresses.length > 0) {
        // 0100007F is 127.0.0.1 in /proc's little-endian hex; all zeros would be 0.0.0.0 or [::].
        assert.deepEqual(addresses, ['0100007F']);
      }
      const other = Object.values(os.networkInterfaces())
        .flat()
        .find((a) => a && a.family === 'IPv4' && !a.internal);
      if (other) assert.equal(await connectOutcome(other.address, port), 'ECONNREFUSED', other.address);
      // Loopback itself answers (the positive side, whatever interfaces this machine has).
      assert.equal(await connectOutcome('127.0.0.1', port), 'connected');
    });

    it('starts quietly: no webpack dump and no "No workflows registered" warnings; names the files read', async () => {
      // Stopped first, so every line it would print (the pollers' warnings come after "worker started") is in.
      // SIGTERM is a graceful stop: exit 0.
      const code = await worker.stop();
      const lines = worker.lines;
      assert.equal(code, 0, lines.join('\n'));
      const started = lines.find((l) => l.includes('worker started'));
      assert.ok(started, lines.join('\n'));
      // Where it talks to, so a shell with another environment's variables still set shows.
      const where = JSON.parse(started) as {
        temporal?: { address: string };
        hubspot?: string;
        canny?: string;
      };
      assert.equal(where.hubspot, 'https://api.hubapi.com');
      assert.equal(where.canny, 'https://canny.io');
      assert.ok(where.temporal?.address, started);
      for (const noise of ['webpack', 'No workflows registered'])
        assert.ok(!lines.some((l) => l.includes(noise)), `"${noise}" in:\n${lines.join('\n')}`);
      const files = lines
        .map((l) => {
          try {
            return JSON.parse(l) as { msg?: string; configFiles?: string[] };
          } catch {
            return {};
          }
        })
        .find((entry) => entry.msg === 'configuration loaded');
      // The test's working directory has no .env: the worker says so rather than nothing.
      assert.deepEqual(files?.configFiles, [], lines.join('\n'));
      // Whether payloads are encrypted is said at start-up, with the key ids and never the keys.
      const encrypted = lines.find((l) => l.includes('payloads are encrypted'));
      assert.ok(encrypted, lines.join('\n'));
      assert.match(encrypted, /"encryptKeyId":"test-1"/);
      assert.ok(!lines.join('\n').includes(TEST_PAYLOAD_KEYS.split(':')[1]!), 'no key material');
    });
  });
});
