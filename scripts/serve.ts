// `feedback-sync up` (or `npm run serve`): the whole product on one machine, from `.env`, in one command.
//
//   1. a Temporal dev server whose state persists in a file (SYNC_UP_DIR, default .feedback-sync/), unless
//      TEMPORAL_ADDRESS points beyond this machine (then that server is used);
//   2. the codec server, so that the Web UI shows decoded payloads (when SYNC_PAYLOAD_KEYS is set);
//   3. the worker;
//   4. the schedule (SYNC_SCHEDULE_EVERY, default 1h), created if missing, and a first run now.
//
// Ctrl-C or a SIGTERM (systemd's stop) stops them in reverse order: the worker first (it finishes its
// activities in flight and hands the rest back), then the codec server, then Temporal. Exit 0 when all stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { runCli } from '../src/client';
import { resolveEnvironment } from '../src/config';
import { searchAttributeFlags } from '../src/search-attributes';
import { singlePartitionFlags } from '../src/task-queues';
import { ensureTemporalCli } from './temporal-cli';

const ROOT = path.resolve(__dirname, '..');
const STOP_TIMEOUT_MS = 30_000;

interface Child {
  name: string;
  process: ChildProcess;
  exited: Promise<number | null>;
}

function start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Child {
  // Its own process group: a Ctrl-C at the terminal reaches `up` only, which stops the parts in order.
  const child = spawn(command, args, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ? 128 : code)),
  );
  return { name, process: child, exited };
}

async function stop(child: Child, log: (line: string) => void): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => {
    log(`${child.name} did not stop within ${STOP_TIMEOUT_MS / 1000} s: killing it`);
    child.process.kill('SIGKILL');
  }, STOP_TIMEOUT_MS);
  await child.exited;
  clearTimeout(timer);
  log(`${child.name} stopped`);
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

async function waitForTemporal(address: string, alive: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.close();
      return;
    } catch (err) {
      if (!alive())
        throw new Error('the Temporal dev server exited at start (see its output above)', { cause: err });
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

export async function serve(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const log = (line: string): void => void process.stderr.write(`[up] ${line}\n`);
  const resolved = resolveEnvironment(env);
  const childEnv: NodeJS.ProcessEnv = { ...env };
  const address = resolved.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  const [host = '127.0.0.1', port = '7233'] = address.split(/:(?=\d+$)/);
  const dir = path.resolve(ROOT, resolved.SYNC_UP_DIR ?? '.feedback-sync');
  fs.mkdirSync(dir, { recursive: true });
  const children: Child[] = [];
  let stopping = false;
  // From the start: a signal while Temporal starts stops what has started. Repeats are ignored (a Ctrl-C
  // and the signal `up` passes on, or systemd's to the whole group): the first stop goes on.
  let signalled: (signal: string) => void = () => undefined;
  const signal = new Promise<string>((resolve) => (signalled = resolve));
  let received: string | undefined;
  for (const name of ['SIGINT', 'SIGTERM'] as const)
    process.on(name, () => {
      if (received) return log(`${name}: already stopping`);
      received = name;
      signalled(name);
    });
  const stopAll = async (): Promise<void> => {
    stopping = true;
    for (const child of [...children].reverse()) await stop(child, log);
  };

  try {
    // 1. Temporal.
    if (LOOPBACK.has(host)) {
      const binary = await ensureTemporalCli(log);
      const uiPort = resolved.TEMPORAL_UI_PORT ?? '8233';
      const codecPort = resolved.SYNC_CODEC_PORT ?? '8888';
      const args = [
        'server',
        'start-dev',
        '--ip',
        host === 'localhost' ? '127.0.0.1' : host.replace(/^\[|\]$/g, ''),
        '--port',
        port,
        '--ui-port',
        uiPort,
        '--ui-codec-endpoint',
        resolved.SYNC_CODEC_URL ?? `http://127.0.0.1:${codecPort}`,
        '--db-filename',
        path.join(dir, 'temporal.sqlite'),
        '--log-level',
        'error',
        ...searchAttributeFlags(),
        ...singlePartitionFlags(),
      ];
      children.push(start('Temporal dev server', binary, args, childEnv));
      log(`Temporal dev server on ${address}, Web UI http://localhost:${uiPort}, state in ${dir}`);
      childEnv.TEMPORAL_ADDRESS = address;
      childEnv.TEMPORAL_UI_URL ??= `http://localhost:${uiPort}`;
      childEnv.SYNC_CODEC_CORS_ORIGINS ??= `http://localhost:${uiPort}`;
      await Promise.race([
        waitForTemporal(address, () => children[0]!.process.exitCode === null),
        signal.then(() => {
          throw new Error('stopped while Temporal started');
        }),
      ]);
    } else log(`Temporal at ${address} (TEMPORAL_ADDRESS): no dev server started`);

    // 2. The codec server, for the Web UI's decoded payloads.
    const keys = resolved.SYNC_PAYLOAD_KEYS?.trim();
    if (keys && keys !== 'none') {
      children.push(
        start('codec server', process.execPath, ['--import', 'tsx', 'src/codec-server.ts'], childEnv),
      );
      log(`codec server on 127.0.0.1:${resolved.SYNC_CODEC_PORT ?? '8888'}`);
    } else log('no codec server: SYNC_PAYLOAD_KEYS is not set, payloads are not encrypted');

    // 3. The worker.
    // With `npm run worker`'s memory settings (README: Deployment, Memory).
    const worker = start(
      'worker',
      process.execPath,
      ['--max-semi-space-size=4', '--import', 'tsx', 'src/worker.ts'],
      { ...childEnv, MALLOC_ARENA_MAX: childEnv.MALLOC_ARENA_MAX ?? '2' },
    );
    children.push(worker);

    // 4. The schedule, and a first run now.
    const cli = (argv: string[]) => runCli(argv, { env: childEnv });
    const every = resolved.SYNC_SCHEDULE_EVERY ?? '1h';
    // Created once; a restart keeps it (the schedule command's own message would read as an error).
    const exists =
      (await runCli(['schedule', 'describe', '--json'], {
        env: childEnv,
        stdout: () => undefined,
        stderr: () => undefined,
      })) === 0;
    if (exists) log(`the schedule exists: kept as it is (change it with \`feedback-sync schedule update\`)`);
    else if ((await cli(['schedule', 'create', '--every', every])) !== 0)
      throw new Error('the schedule could not be created');
    if ((await cli(['schedule', 'trigger'])) === 0) log('a first run now; then every run on the schedule');
    log('running: Ctrl-C (or SIGTERM) stops everything');

    // Until a signal, or until a part stops on its own (then the rest stops too).
    const died = Promise.race(children.map((c) => c.exited.then(() => c)));
    const ended = await Promise.race([signal, died]);
    if (typeof ended === 'string') {
      log(`${ended}: stopping`);
      await stopAll();
      log('stopped');
      return 0;
    }
    log(`${ended.name} exited (code ${String(ended.process.exitCode)}): stopping the rest`);
    await stopAll();
    return 1;
  } catch (err) {
    log(err instanceof Error ? err.message : String(err));
    if (!stopping) await stopAll();
    // Stopped by a signal while starting: a clean stop.
    return received ? 0 : 1;
  }
}

if (require.main === module) {
  void serve().then((code) => process.exit(code));
}
