// Workers as separate OS processes, started the way operators start them: `npm run worker`, configured by
// environment variables only. The tests (test/support/worker-processes.ts) and `npm run bench -- --workers N`
// run fleets of them: Worker objects in one process share memory that real replicas never share.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

export interface WorkerProcess {
  name: string;
  child: ChildProcess;
  /** Every line the process wrote, stdout and stderr, in order. */
  lines: string[];
  /** Resolves once the worker logged that it polls its queues. */
  ready: Promise<void>;
  /** Resolves with the exit code (null when killed by a signal) once the whole process group is gone. */
  exited: Promise<number | null>;
  /** Sends a signal to the whole process group (tsx and the node process it runs). */
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<number | null>;
}

/**
 * The command `npm run worker` runs, read from package.json. It is run through `sh -c 'exec …'` rather than
 * through npm, because npm exits at once on SIGTERM without waiting for the worker, and hides its exit code.
 */
function workerCommand(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  return pkg.scripts.worker!;
}

/**
 * Starts the `npm run worker` command in its own process group, with only the given variables on top of PATH and HOME
 * (no `.env` of the developer's leaks in: the working directory has none, and nothing else is inherited).
 */
export function startWorkerProcess(
  name: string,
  env: Record<string, string>,
  options: { echo?: boolean } = {},
): WorkerProcess {
  const child = spawn('sh', ['-c', `exec env ${workerCommand()}`], {
    cwd: ROOT,
    env: {
      PATH: `${path.join(ROOT, 'node_modules/.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
      HOME: process.env.HOME ?? '',
      ...(process.env.XDG_CACHE_HOME ? { XDG_CACHE_HOME: process.env.XDG_CACHE_HOME } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: string[] = [];
  let resolveReady!: () => void;
  let rejectReady!: (err: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => undefined); // observed by whoever awaits it
  const onData = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      lines.push(line);
      if (options.echo || process.env.TEST_WORKER_ECHO) console.log(`      [${name}] ${line}`);
      if (line.includes('worker started')) resolveReady();
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      rejectReady(new Error(`worker ${name} exited (${code}) before it was ready:\n${lines.join('\n')}`));
      resolve(code);
    });
  });
  const kill = (signal: NodeJS.Signals): void => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // SIGKILL takes the whole group (the worker and any helper it started). Any other signal goes to the
    // worker's node process, which `sh -c exec` made the group's leader: it shuts down gracefully itself.
    try {
      process.kill(signal === 'SIGKILL' ? -child.pid! : child.pid!, signal);
    } catch {
      // already gone
    }
  };
  return {
    name,
    child,
    lines,
    ready,
    exited,
    kill,
    async stop() {
      kill('SIGTERM');
      const timer = setTimeout(() => kill('SIGKILL'), 30_000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** The processes of a process group, from /proc (Linux). */
export function processGroupMembers(groupId: number): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command's closing parenthesis: state ppid pgrp ...
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === groupId) pids.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return pids;
}

/** Stops every process still running (for `finally` blocks). */
export async function stopAll(processes: WorkerProcess[]): Promise<void> {
  await Promise.all(processes.map((p) => p.stop()));
}
