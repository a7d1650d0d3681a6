// up: the whole product on one machine (scripts/serve.ts): a Temporal dev server with its state in a file, the
// codec server, the worker and the schedule, from `.env`. Runs in the foreground until Ctrl-C or SIGTERM.
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Command } from 'commander';
import type { Act, Context } from './context';

const ROOT = path.resolve(__dirname, '..', '..');

async function up(ctx: Context): Promise<number> {
  // Its own process group: a Ctrl-C at the terminal reaches this process, which passes it on once.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'serve.ts')], {
    cwd: ROOT,
    env: ctx.env,
    stdio: 'inherit',
    detached: true,
  });
  let passed = false;
  const forward = (signal: NodeJS.Signals) => () => {
    if (passed) return;
    passed = true;
    child.kill(signal);
  };
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  return new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? (passed ? 0 : 1))));
}

export function addUpCommand(program: Command, ctx: Context, act: Act): void {
  program
    .command('up')
    .description(
      'run it all on this machine: Temporal (state in SYNC_UP_DIR), codec server, worker, schedule; Ctrl-C stops',
    )
    .action(act(() => up(ctx)));
}
