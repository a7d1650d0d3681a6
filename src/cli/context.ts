// What every command shares: exit codes, the expected-failure error, the context a command runs in.
import { Option } from 'commander';
import type { Client } from '@temporalio/client';
import type { WorkerOptions } from '@temporalio/worker';

/** 4: the run completed, but some records failed (CI and monitors must tell that from a clean run). */
export const EXIT = { ok: 0, failed: 1, usage: 2, problems: 3, recordFailures: 4 } as const;

export interface CliDeps {
  /** An existing client (tests); otherwise one is connected from TEMPORAL_* / the envconfig profile. */
  client?: Client;
  env?: NodeJS.ProcessEnv;
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
  /** Workflow code for `replay`; defaults to the prebuilt bundle when built, else src/workflows. */
  workflows?: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>;
  /** Whether a person is at a terminal (stdin and stderr); default: what the process has. */
  isTTY?: boolean;
  /** Asks a yes/no question on the terminal; default: readline on stdin/stderr. */
  confirm?: (question: string) => Promise<boolean>;
  /** Off a terminal, `--wait` prints a progress line this often (default 10 s). */
  progressIntervalMs?: number;
}

/** An expected failure: its message is printed as is (no stack) and it decides the exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
export const usageError = (message: string): CliError => new CliError(message, EXIT.usage);
export const failedError = (message: string): CliError => new CliError(message, EXIT.failed);

/** For `ctx.temporal`: the command starts runs (or defines a schedule's), see Context.temporal. */
export const STARTS = { starts: true } as const;

export interface Context {
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  err: (line: string) => void;
  deps: CliDeps;
  /**
   * Runs `fn` with a connected client; a connection the CLI opened is closed afterwards. `starts`: the
   * command starts runs or defines a schedule's, so it is refused without payload keys where the worker
   * would refuse to run them (README: Personal data); other commands only warn.
   */
  temporal<T>(fn: (client: Client, namespace: string) => Promise<T>, opts?: { starts?: boolean }): Promise<T>;
}

export function messageOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // Temporal wraps the interesting part (the activity's or workflow's failure) in `cause`.
  const parts = [err.message];
  let cause = (err as { cause?: unknown }).cause;
  while (cause instanceof Error && parts.length < 5) {
    if (!parts.includes(cause.message)) parts.push(cause.message);
    cause = (cause as { cause?: unknown }).cause;
  }
  return parts.join(': ');
}

export function json(ctx: Context, value: unknown): void {
  ctx.out(JSON.stringify(value));
}

export type Act = <A extends unknown[]>(fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

export const jsonOption = (): Option => new Option('--json', 'print one JSON line instead of text');

/** A question on stderr, answered on stdin: only `y` or `yes` is a yes. */
export async function askOnTerminal(question: string): Promise<boolean> {
  const readline = await import('node:readline/promises');
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

export const isTerminal = (deps: CliDeps): boolean =>
  deps.isTTY ?? (Boolean(process.stdin.isTTY) && Boolean(process.stderr.isTTY));

/**
 * The failure type and hint of an error, from the first ApplicationFailure in its cause chain: the clients
 * put a hint in a failure's details, and Temporal carries details across activity and workflow failures.
 */
export function failureInfo(err: unknown): { type?: string; hint?: string } {
  let current: unknown = err;
  for (let depth = 0; current instanceof Error && depth < 6; depth++) {
    const { type, details } = current as { type?: unknown; details?: unknown };
    if (typeof type === 'string' && current.name === 'ApplicationFailure') {
      const first: unknown = Array.isArray(details) ? details[0] : undefined;
      const hint =
        typeof first === 'object' && first !== null && typeof (first as { hint?: unknown }).hint === 'string'
          ? (first as { hint: string }).hint
          : undefined;
      return { type, ...(hint ? { hint } : {}) };
    }
    current = (current as { cause?: unknown }).cause;
  }
  return {};
}
