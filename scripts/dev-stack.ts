// A real Temporal dev server as a child process, for the demo and the benchmark (no test dependencies).
//
// The SDK's TestWorkflowEnvironment gives the server 5 s to answer and wants to own its lifetime; the demo keeps
// a SQLite file across restarts and the benchmark wants free ports, so this starts `temporal server start-dev`
// itself, waits for it with a bounded loop and stops it with SIGTERM, then SIGKILL. The binary comes from
// scripts/temporal-cli.ts (see ../../shared/reference/temporal.md: the SDK's own download cannot work here).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { allSearchAttributes, searchAttributeFlags } from '../src/search-attributes';
import { singlePartitionFlags } from '../src/task-queues';
import { ensureTemporalCli } from './temporal-cli';

export interface DevServerOptions {
  /** gRPC port; omitted or 0 picks a free one. */
  port?: number;
  /** Web UI port; omitted or 0 picks a free one. Ignored when headless. */
  uiPort?: number;
  headless?: boolean;
  /** SQLite file that keeps workflows across restarts; omitted keeps everything in memory. */
  dbFile?: string;
  /** How long the server may take to answer (a first start on a large SQLite file is slow). */
  readyTimeoutMs?: number;
  /** The codec server the Web UI decodes payloads through (`--ui-codec-endpoint`). Ignored when headless. */
  codecEndpoint?: string;
  /** Where the server's own output (warnings and errors) goes; defaults to stderr. */
  log?: (line: string) => void;
}

export interface DevServer {
  /** `127.0.0.1:PORT`, for Connection.connect and NativeConnection.connect. */
  address: string;
  port: number;
  /** `http://localhost:UI_PORT`, or undefined when headless. */
  uiUrl: string | undefined;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const DEFAULT_READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;

/** A port nobody listens on right now (the OS picks it; another process could still take it first). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on the port (used to reuse a developer's running server). */
export function portAnswers(port: number, host = HOST, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (answer: boolean): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Connects and asks for the namespace until the server answers, or throws after `timeoutMs`. */
export async function waitForTemporal(
  address: string,
  options: { namespace?: string; timeoutMs?: number; exited?: () => string | undefined } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
  let lastError: unknown;
  while (Date.now() < deadline) {
    const exited = options.exited?.();
    if (exited) throw new Error(exited);
    try {
      const connection = await Connection.connect({ address, connectTimeout: '2s' });
      try {
        // The namespace exists only once the server finished its start-up, not when the port opens.
        await connection.workflowService.describeNamespace({ namespace: options.namespace ?? 'default' });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `Temporal at ${address} did not answer within ${Math.round((options.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS) / 1000)} s: ${
      lastError instanceof Error ? lastError.message : String(lastError)
    }`,
  );
}

/**
 * Adds the sync's search attributes to a server this process did not start (a developer's `npm run temporal`
 * has them; an older or foreign one may not). Returns the names it added.
 */
export async function ensureSearchAttributes(address: string, namespace = 'default'): Promise<string[]> {
  const connection = await Connection.connect({ address });
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const known = new Set(Object.keys(existing.customAttributes ?? {}));
    const missing = allSearchAttributes.filter((key) => !known.has(key.name));
    if (missing.length === 0) return [];
    const typeNumbers: Record<string, number> = {
      TEXT: 1,
      KEYWORD: 2,
      INT: 3,
      DOUBLE: 4,
      BOOL: 5,
      DATETIME: 6,
      KEYWORD_LIST: 7,
    };
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, typeNumbers[key.type]!])),
    });
    return missing.map((key) => key.name);
  } finally {
    await connection.close();
  }
}

/** Starts `temporal server start-dev` and resolves once it answers gRPC calls. */
export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const binary = await ensureTemporalCli(log);
  const port = opts.port || (await freePort());
  const headless = opts.headless ?? false;
  const uiPort = headless ? undefined : opts.uiPort || (await freePort());
  if (opts.dbFile) fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });

  const args = [
    'server',
    'start-dev',
    '--ip',
    HOST,
    '--port',
    String(port),
    ...(uiPort === undefined ? ['--headless'] : ['--ui-port', String(uiPort)]),
    ...(uiPort !== undefined && opts.codecEndpoint ? ['--ui-codec-endpoint', opts.codecEndpoint] : []),
    ...(opts.dbFile ? ['--db-filename', opts.dbFile] : []),
    '--namespace',
    'default',
    ...searchAttributeFlags(),
    ...singlePartitionFlags(),
    '--log-level',
    'warn',
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let tail: string[] = [];
  let exitMessage: string | undefined;
  let stopping = false;
  const onOutput = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      tail = [...tail.slice(-19), line];
      // While shutting down, the server's internal workers warn about every closed connection: noise.
      if (!stopping) log(`[temporal] ${line}`);
    }
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitMessage = `temporal server start-dev exited (${signal ?? `code ${code}`}) before it answered:\n${tail.join('\n')}`;
      resolve();
    });
  });
  // A crash of this process must not leave the server running (and the SQLite file locked).
  const killOnExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const stop = async (): Promise<void> => {
    stopping = true;
    process.removeListener('exit', killOnExit);
    await stopChild(child, exited);
  };

  const address = `${HOST}:${port}`;
  try {
    await waitForTemporal(address, {
      timeoutMs: opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
      exited: () => exitMessage,
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    address,
    port,
    uiUrl: uiPort === undefined ? undefined : `http://localhost:${uiPort}`,
    stop,
  };
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), STOP_GRACE_MS);
  });
  const late = await Promise.race([exited.then(() => false), timedOut]);
  clearTimeout(timer);
  if (late) {
    child.kill('SIGKILL');
    await exited;
  }
}
