// failures ack / unack / list: records an operator knows are bad. A run whose only failures are acknowledged
// exits 0 (and says so) and goes to the summary channel, not the alert one. Kept in the run store, per
// environment, so that every operator and every worker sees the same list.
import type { Command } from 'commander';
import { loadOperatorConfig } from '../config';
import { onlyAcknowledgedFailures } from '../domain/notify';
import type { RunSummary } from '../domain/types';
import { acknowledge, acknowledged, unacknowledge } from '../store/acknowledged';
import type { StoreDb } from '../store/open';
import { EXIT, failedError, json, jsonOption, type Act, type Context } from './context';
import { existingStore } from './store';

async function withStore<T>(ctx: Context, fn: (db: StoreDb) => Promise<T>): Promise<T> {
  const { db, where } = await existingStore(ctx);
  if (!db)
    throw failedError(
      `no run store at ${where}: set SYNC_STORE_URL as the workers have it (acknowledgements live in the run store)`,
    );
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

/**
 * Whether every failure of this completed run is acknowledged, read from the run store when this shell
 * reaches it; false when it does not (the exit code then stays 4).
 */
export async function failuresAcknowledged(ctx: Context, summary: RunSummary): Promise<boolean> {
  try {
    const { db } = await existingStore(ctx);
    if (!db) return false;
    try {
      const keys = new Set((await acknowledged(db, summary.environment)).map((a) => a.key));
      return onlyAcknowledgedFailures(summary, keys);
    } finally {
      await db.destroy();
    }
  } catch {
    return false;
  }
}

export function addFailuresCommands(program: Command, ctx: Context, act: Act): void {
  const failures = program
    .command('failures')
    .description('acknowledge records known to be bad, so that runs failing only on them exit 0');
  const environment = () => loadOperatorConfig(ctx.env).SYNC_ENV;
  failures
    .command('ack')
    .description('acknowledge a failure by its key, as the summary names it (canny:<post id>, a domain, …)')
    .argument('<key>', 'the failure’s key')
    .option('--note <text>', 'why (shown by `failures list`)')
    .action(
      act((key: string, opts: { note?: string }) =>
        withStore(ctx, async (db) => {
          await acknowledge(db, environment(), key, opts.note);
          ctx.out(`acknowledged in ${environment()}: ${key}`);
          return EXIT.ok;
        }),
      ),
    );
  failures
    .command('unack')
    .description('take an acknowledgement back')
    .argument('<key>', 'the failure’s key')
    .action(
      act((key: string) =>
        withStore(ctx, async (db) => {
          const was = await unacknowledge(db, environment(), key);
          ctx.out(was ? `no longer acknowledged in ${environment()}: ${key}` : `${key} was not acknowledged`);
          return EXIT.ok;
        }),
      ),
    );
  failures
    .command('list')
    .description('the acknowledged failures of this environment')
    .addOption(jsonOption())
    .action(
      act((opts: { json?: boolean }) =>
        withStore(ctx, async (db) => {
          const list = await acknowledged(db, environment());
          if (opts.json) json(ctx, list);
          else if (list.length === 0) ctx.out(`no acknowledged failures in ${environment()}`);
          else
            for (const a of list)
              ctx.out(`${a.key}  (since ${a.acknowledgedAt}${a.note ? `: ${a.note}` : ''})`);
          return EXIT.ok;
        }),
      ),
    );
}
