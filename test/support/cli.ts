// Runs the command line in-process against the suite's dev server, with its output captured.
import type { Client } from '@temporalio/client';
import type { WorkerOptions } from '@temporalio/worker';
import { runCli, type CliDeps } from '../../src/client';
import type { Config } from '../../src/config';
import { workflowBundle } from '../hooks';

export interface CliResult {
  code: number;
  stdout: string[];
  stderr: string[];
  /** The last stdout line parsed as JSON (what `--json` promises scripts). */
  lastJson<T = unknown>(): T;
}

export interface Cli {
  (...argv: string[]): Promise<CliResult>;
  env: Record<string, string>;
}

/** The variables a deployment of `config` would set, as the strings the CLI parses, under another SYNC_ENV. */
export function envOf(config: Config, syncEnv: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) if (value !== undefined) env[key] = String(value);
  env.SYNC_ENV = syncEnv;
  return env;
}

/** A CLI bound to a client and an environment record; replay reuses the suite's workflow bundle. */
export async function cliFor(
  client: Client,
  env: Record<string, string>,
  extra: Pick<CliDeps, 'isTTY' | 'confirm' | 'progressIntervalMs'> = {},
): Promise<Cli> {
  const workflows: Pick<WorkerOptions, 'workflowBundle'> = { workflowBundle: await workflowBundle() };
  const cli = async (...argv: string[]): Promise<CliResult> => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const code = await runCli(argv, {
      client,
      env,
      workflows,
      ...extra,
      stdout: (line) => stdout.push(line),
      stderr: (line) => stderr.push(line),
    });
    return {
      code,
      stdout,
      stderr,
      lastJson<T>(): T {
        const last = stdout[stdout.length - 1];
        if (last === undefined) throw new Error(`no stdout; stderr: ${stderr.join('\n')}`);
        return JSON.parse(last) as T;
      },
    };
  };
  return Object.assign(cli, { env });
}

/** Polls until `probe` returns a value (visibility on the dev server lags a little). */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
