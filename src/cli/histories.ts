// history, replay
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { WorkflowHandle } from '@temporalio/client';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { defaultWorkflows } from '../worker';
import { EXIT, messageOf, usageError, type Act, type Context } from './context';

async function exportHistory(
  ctx: Context,
  workflowId: string,
  opts: { runId?: string; out: string },
): Promise<number> {
  return ctx.temporal(async (client) => {
    const history = await client.workflow.getHandle(workflowId, opts.runId).fetchHistory();
    fs.mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
    fs.writeFileSync(opts.out, historyToJSON(history));
    ctx.out(`Wrote ${history.events?.length ?? 0} events of ${workflowId} to ${opts.out}`);
    return EXIT.ok;
  });
}

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

/**
 * The run's workflow id, from its start event. Replay must use the original id: the workflow derives its
 * children's ids from it, and a different id is a nondeterminism error.
 */
export function workflowIdOfHistory(history: History): string | undefined {
  return history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowId ?? undefined;
}

async function replay(
  ctx: Context,
  workflowId: string | undefined,
  opts: { runId?: string; file?: string },
): Promise<number> {
  if (workflowId === undefined && opts.file === undefined)
    throw usageError(
      'replay needs a run: a workflow id on the server (`replay <workflowId> [--run-id <id>]`) ' +
        'or a history file exported by `history` (`replay --file <history.json>`)',
    );
  if (workflowId !== undefined && opts.file !== undefined)
    throw usageError('give a workflow id or --file <history.json>, not both');
  const history = opts.file
    ? historyFromJSON(JSON.parse(fs.readFileSync(opts.file, 'utf8')))
    : await ctx.temporal((client) => client.workflow.getHandle(workflowId!, opts.runId).fetchHistory());
  const source = opts.file ?? workflowId!;
  try {
    await Worker.runReplayHistory(
      { ...(ctx.deps.workflows ?? defaultWorkflows()), replayName: 'feedback-sync-cli' },
      history,
      workflowId ?? workflowIdOfHistory(history) ?? path.basename(source, '.json'),
    );
  } catch (err) {
    // A DeterminismViolationError means deploying this code would break runs like this one.
    const kind =
      err instanceof Error && err.name === 'DeterminismViolationError' ? 'nondeterminism' : 'error';
    ctx.err(`replay FAILED (${kind}) for ${source}: ${messageOf(err)}`);
    return EXIT.failed;
  }
  ctx.out(`replay OK: ${source} (${history.events?.length ?? 0} events) matches the current workflow code`);
  return EXIT.ok;
}

export function addHistoryCommands(program: Command, ctx: Context, act: Act): void {
  program
    .command('history')
    .description("export a run's event history as JSON (for replay tests and bug reports)")
    .argument('<workflowId>')
    .option('--run-id <id>', 'a specific run (default: the latest)')
    // Commander enforces a required option but does not say so in --help: the text and usage line do.
    .usage('--out <file> [options] <workflowId>')
    .requiredOption('--out <file>', 'where to write the JSON (required)')
    .action(act((id: string, opts: { runId?: string; out: string }) => exportHistory(ctx, id, opts)));

  program
    .command('replay')
    .description('replay a run against the current workflow code: proves a deploy is safe for it')
    .argument('[workflowId]', 'a run on the server')
    .option('--run-id <id>', 'a specific run (default: the latest)')
    .option('--file <history.json>', 'a history exported by `history`')
    .action(act((id: string | undefined, opts: { runId?: string; file?: string }) => replay(ctx, id, opts)));
}
