// Raw histories as the Temporal server stores them: fetched through the gRPC API, without any codec, for a
// run and every child and continued run it started.
import type { Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;

export interface RawHistory {
  workflowId: string;
  runId: string;
  history: History;
}

async function fetchRaw(connection: Connection, workflowId: string, runId: string): Promise<History> {
  const events: NonNullable<History['events']> = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await connection.workflowService.getWorkflowExecutionHistory({
      namespace: 'default',
      execution: { workflowId, runId },
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    events.push(...(page.history?.events ?? []));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return { events };
}

/** The run's raw history and those of every child and continued run, depth first. */
export async function rawHistories(
  connection: Connection,
  workflowId: string,
  runId: string,
): Promise<RawHistory[]> {
  const found: RawHistory[] = [];
  const visit = async (id: string, run: string): Promise<void> => {
    const history = await fetchRaw(connection, id, run);
    found.push({ workflowId: id, runId: run, history });
    for (const event of history.events ?? []) {
      const child = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
      if (child?.workflowId && child.runId) await visit(child.workflowId, child.runId);
      const next = event.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
      if (next) await visit(id, next);
    }
  };
  await visit(workflowId, runId);
  return found;
}

/**
 * Every payload outside search attributes (which the server must read, and never decodes), as its path in
 * the history and its `encoding`.
 */
export function payloadsWithPaths(root: unknown): Array<{ path: string; encoding: string }> {
  const found: Array<{ path: string; encoding: string }> = [];
  const visit = (value: unknown, path: string, key: string): void => {
    if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return;
    if (key === 'searchAttributes') return;
    const encoding = (value as { metadata?: Record<string, unknown> }).metadata?.encoding;
    if (encoding instanceof Uint8Array) {
      found.push({ path, encoding: Buffer.from(encoding).toString('utf8') });
      return;
    }
    for (const [k, child] of Object.entries(value)) visit(child, `${path}.${k}`, k);
  };
  visit(root, '', '');
  return found;
}

export const payloadEncodings = (root: unknown): string[] => payloadsWithPaths(root).map((p) => p.encoding);

/** The dataset's emails, normalised: what must never be readable in a history or a log. */
export function datasetEmails(dataset: { canny: { users: Array<{ email: string | null }> } }): string[] {
  return [
    ...new Set(
      dataset.canny.users
        .map((u) => u.email?.trim().toLowerCase())
        .filter((e): e is string => e !== undefined && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(e)),
    ),
  ];
}
