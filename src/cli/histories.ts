// history, replay
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { WorkflowHandle } from '@temporalio/client';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { dataConverterFor } from '../codec/data-converter';
import { decodeHistory, payloadsIn } from '../codec/history';
import { parsePayloadKeys, type PayloadKeys } from '../codec/keys';
import { EncryptionCodec } from '../codec/payload-codec';
import { ConfigError, resolveEnvironment } from '../config';
import { defaultWorkflows } from '../worker';
import { EXIT, failedError, messageOf, usageError, type Act, type Context } from './context';

/**
 * The run's history with its payloads decoded by the client's codec (the file holds personal data then:
 * it is for people allowed to see it), or as stored, ciphertext, with `--raw`.
 */
async function exportHistory(
  ctx: Context,
  workflowId: string,
  opts: { runId?: string; out: string; raw?: boolean },
): Promise<number> {
  return ctx.temporal(async (client) => {
    const stored = await client.workflow.getHandle(workflowId, opts.runId).fetchHistory();
    const history = opts.raw
      ? stored
      : await decodeHistory(stored, client.options.loadedDataConverter.payloadCodecs);
    fs.mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
    // Decoded, the file holds personal data: readable by its owner only (chmod too, for a file that existed).
    fs.writeFileSync(opts.out, historyToJSON(history), { mode: 0o600 });
    fs.chmodSync(opts.out, 0o600);
    ctx.out(
      `Wrote ${history.events?.length ?? 0} events of ${workflowId} to ${opts.out}` +
        (opts.raw ? ' (raw: payloads as stored)' : ''),
    );
    return EXIT.ok;
  });
}

/**
 * A history file exported with `--raw` decodes with the environment's keys before it replays, so a missing
 * key is named here (inside the replay worker its message would be encrypted like every failure).
 */
async function decodeFile(history: History, keys: PayloadKeys | undefined): Promise<History> {
  return refuseEncrypted(keys ? await decodeHistory(history, [new EncryptionCodec(keys)]) : history, keys);
}

/**
 * A history that still holds encrypted payloads cannot replay (the replay worker would fail with a raw
 * failure dump): say which key it needs, and how to set it.
 */
function refuseEncrypted(history: History, keys: PayloadKeys | undefined): History {
  const encrypted = payloadsIn(history)
    .map((p) => EncryptionCodec.keyIdOf(p))
    .find((id) => id !== undefined);
  if (encrypted === undefined) return history;
  throw failedError(
    `the history is encrypted with payload key '${encrypted}', which ` +
      (keys
        ? `SYNC_PAYLOAD_KEYS does not hold (it has ${[...keys.keys.keys()].join(', ')})`
        : 'SYNC_PAYLOAD_KEYS does not set') +
      ': set SYNC_PAYLOAD_KEYS as the workers have it (the demo prints an export line with the key file’s absolute path)',
  );
}

/** The payload keys of the environment: a file exported with `--raw` decodes with them. */
function payloadKeysOf(ctx: Context) {
  const { keys, problems } = parsePayloadKeys(resolveEnvironment(ctx.env).SYNC_PAYLOAD_KEYS);
  if (problems.length > 0) throw new ConfigError(problems);
  return keys;
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
  const keys = payloadKeysOf(ctx);
  const history = opts.file
    ? await decodeFile(historyFromJSON(JSON.parse(fs.readFileSync(opts.file, 'utf8'))), keys)
    : await ctx.temporal(async (client) =>
        refuseEncrypted(
          await decodeHistory(
            await client.workflow.getHandle(workflowId!, opts.runId).fetchHistory(),
            client.options.loadedDataConverter.payloadCodecs,
          ),
          keys,
        ),
      );
  const source = opts.file ?? workflowId!;
  try {
    await Worker.runReplayHistory(
      {
        ...(ctx.deps.workflows ?? defaultWorkflows()),
        // A raw file decodes with the environment's keys; a decoded one passes through.
        dataConverter: dataConverterFor(keys),
        replayName: 'feedback-sync-cli',
      },
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
    .option(
      '--raw',
      'keep the payloads as stored (encrypted), instead of decoding them with SYNC_PAYLOAD_KEYS',
    )
    .action(
      act((id: string, opts: { runId?: string; out: string; raw?: boolean }) => exportHistory(ctx, id, opts)),
    );

  program
    .command('replay')
    .description('replay a run against the current workflow code: proves a deploy is safe for it')
    .argument('[workflowId]', 'a run on the server')
    .option('--run-id <id>', 'a specific run (default: the latest)')
    .option('--file <history.json>', 'a history exported by `history`')
    .action(act((id: string | undefined, opts: { runId?: string; file?: string }) => replay(ctx, id, opts)));
}
