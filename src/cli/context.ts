// What every command shares: exit codes, the expected-failure error, the context a command runs in.
import { Option } from 'commander';
import type { Client } from '@temporalio/client';
import type { WorkerOptions } from '@temporalio/worker';

export const EXIT = { ok: 0, failed: 1, usage: 2, problems: 3 } as const;

export interface CliDeps {
  /** An existing client (tests); otherwise one is connected from TEMPORAL_* / the envconfig profile. */
  client?: Client;
  env?: NodeJS.ProcessEnv;
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
  /** Workflow code for `replay`; defaults to the prebuilt bundle when built, else src/workflows. */
  workflows?: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>;
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

export interface Context {
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  err: (line: string) => void;
  deps: CliDeps;
  /** Runs `fn` with a connected client; a connection the CLI opened is closed afterwards. */
  temporal<T>(fn: (client: Client, namespace: string) => Promise<T>): Promise<T>;
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
