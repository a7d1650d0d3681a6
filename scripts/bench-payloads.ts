// The benchmark's history measure: the largest payload a run put into Temporal's histories, by kind. Temporal
// refuses a payload over 2 MB and a history grows with every one; issue #10 keeps each under 256 KB, so that
// histories never grow with the workspace. Walks the run's whole chain: every run of the workflow id
// (continue-as-new), and every child workflow each of them started, recursively.
import type { Client } from '@temporalio/client';

/** The shape of a history's payload lists (temporal.api.common.v1.Payloads). */
type Payloads =
  | { payloads?: Array<{ data?: Uint8Array | null; metadata?: Record<string, Uint8Array> | null }> | null }
  | null
  | undefined;

export interface LargestPayload {
  bytes: number;
  /** What carried it, e.g. `activity input: planPage` or `continue-as-new input`. */
  what: string;
  workflowId: string;
}

export interface PayloadReport {
  /** The largest payload of each kind (activity input, activity result, child input, ...). */
  largest: Map<string, LargestPayload>;
  workflows: number;
  events: number;
}

const sizeOf = (payloads: Payloads): number =>
  (payloads?.payloads ?? []).reduce((sum, p) => {
    const metadata = Object.entries(p.metadata ?? {}).reduce((m, [k, v]) => m + k.length + v.length, 0);
    return sum + (p.data?.length ?? 0) + metadata;
  }, 0);

/** Reads the histories of `workflowId`'s chain and its children, and keeps the largest payload of each kind. */
export async function measurePayloads(
  client: Client,
  workflowId: string,
  /** The chain's first run: a handle without a run id reads the latest run only. */
  firstRunId: string,
): Promise<PayloadReport> {
  const largest = new Map<string, LargestPayload>();
  const seen = new Set<string>();
  let events = 0;
  const note = (kind: string, detail: string, bytes: number, id: string): void => {
    const known = largest.get(kind);
    if (!known || bytes > known.bytes)
      largest.set(kind, { bytes, what: `${kind}: ${detail}`, workflowId: id });
  };
  const pending: Array<{ workflowId: string; runId?: string }> = [{ workflowId, runId: firstRunId }];
  while (pending.length > 0) {
    const next = pending.pop()!;
    const key = `${next.workflowId}/${next.runId ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const history = await client.workflow
      .getHandle(next.workflowId, next.runId, { followRuns: false })
      .fetchHistory();
    const activityTypes = new Map<string, string>(); // scheduled event id → activity type
    for (const e of history.events ?? []) {
      events++;
      const id = next.workflowId;
      const started = e.workflowExecutionStartedEventAttributes;
      if (started) note('workflow input', started.workflowType?.name ?? '?', sizeOf(started.input), id);
      const scheduled = e.activityTaskScheduledEventAttributes;
      if (scheduled) {
        const type = scheduled.activityType?.name ?? '?';
        activityTypes.set(String(e.eventId), type);
        note('activity input', type, sizeOf(scheduled.input), id);
      }
      const completed = e.activityTaskCompletedEventAttributes;
      if (completed) {
        const type = activityTypes.get(String(completed.scheduledEventId)) ?? '?';
        note('activity result', type, sizeOf(completed.result), id);
      }
      const marker = e.markerRecordedEventAttributes;
      if (marker) note('local activity / marker', marker.markerName ?? '?', sizeOf(marker.details?.data), id);
      const child = e.startChildWorkflowExecutionInitiatedEventAttributes;
      if (child) {
        note('child input', child.workflowType?.name ?? '?', sizeOf(child.input), id);
        if (child.workflowId) pending.push({ workflowId: child.workflowId });
      }
      const childDone = e.childWorkflowExecutionCompletedEventAttributes;
      if (childDone) note('child result', childDone.workflowType?.name ?? '?', sizeOf(childDone.result), id);
      const continued = e.workflowExecutionContinuedAsNewEventAttributes;
      if (continued) {
        note('continue-as-new input', continued.workflowType?.name ?? '?', sizeOf(continued.input), id);
        if (continued.newExecutionRunId) pending.push({ workflowId: id, runId: continued.newExecutionRunId });
      }
      const done = e.workflowExecutionCompletedEventAttributes;
      if (done) note('workflow result', 'summary', sizeOf(done.result), id);
      const signal = e.workflowExecutionSignaledEventAttributes;
      if (signal) note('signal input', signal.signalName ?? '?', sizeOf(signal.input), id);
    }
  }
  return { largest, workflows: seen.size, events };
}
