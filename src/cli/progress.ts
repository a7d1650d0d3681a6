// Progress of a running sync, from its `progress` query: one updating line on a terminal, else a line per
// interval (CI logs keep every line, so a line per second would flood them).
import type { WorkflowHandle } from '@temporalio/client';
import { progressQuery, type Progress } from '../workflows';
import { resolvingText } from '../workflows/messages';
import { isTerminal, type Context } from './context';

const DEFAULT_INTERVAL_MS = 10_000;
/** On a terminal the line is rewritten in place, so it can follow the run closely. */
const TERMINAL_INTERVAL_MS = 1_000;
const QUERY_TIMEOUT_MS = 3_000;

export function progressText(p: Progress): string {
  const fr = p.counts.featureRequests;
  // While companies or contacts are still being resolved ahead of the pages, they show too (last, so that the
  // line starts the same in every phase).
  const r = p.resolving;
  const resolving =
    r &&
    (r.companies.searched < r.companies.chunks ||
      r.contacts.searched < r.contacts.chunks ||
      r.companies.created < r.companies.missing ||
      r.contacts.created < r.contacts.missing)
      ? ` · resolving ${resolvingText(r)}`
      : '';
  // Waiting for the writer lease: which run writes instead is what an operator wants to know.
  const where =
    p.phase === 'waiting' && p.waitingFor
      ? `waiting for the writer lease (held by ${p.waitingFor})` +
        `${p.waitingSince ? ` since ${p.waitingSince}` : ''}${p.stuck ? ', reported as stuck' : ''}`
      : `${p.phase} ${p.done}/${p.total}`;
  return (
    `${where} · ${fr.identified} identified · ${fr.created} created · ` +
    `${fr.updated} updated · ${fr.unchanged} unchanged · ${fr.failed} failed${resolving}`
  );
}

/**
 * The run's progress, or undefined while it cannot answer (no worker has picked it up yet, or it closed).
 * A query waits for a worker: with none polling it would hang, so it is given up after `timeoutMs`.
 */
export async function queryProgress(
  handle: WorkflowHandle,
  timeoutMs = QUERY_TIMEOUT_MS,
): Promise<Progress | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const giveUp = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  const answer = handle.query(progressQuery).catch(() => undefined);
  try {
    return await Promise.race([answer, giveUp]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reports the run's progress on stderr until the returned function is called. */
export function watchProgress(ctx: Context, handle: WorkflowHandle): () => void {
  // In-process callers (tests) capture stderr line by line: they get lines, never carriage returns.
  const terminal = isTerminal(ctx.deps) && ctx.deps.stderr === undefined;
  const interval = terminal ? TERMINAL_INTERVAL_MS : (ctx.deps.progressIntervalMs ?? DEFAULT_INTERVAL_MS);
  let stopped = false;
  let shown = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async (): Promise<void> => {
    const progress = await queryProgress(handle);
    if (stopped) return;
    if (progress) {
      if (terminal) {
        process.stderr.write(`\r\x1b[2Kprogress: ${progressText(progress)}`);
        shown = true;
      } else ctx.err(`progress: ${progressText(progress)}`);
    }
    timer = setTimeout(() => void tick(), interval);
  };
  timer = setTimeout(() => void tick(), interval);
  return () => {
    stopped = true;
    clearTimeout(timer);
    if (shown) process.stderr.write('\r\x1b[2K');
  };
}
