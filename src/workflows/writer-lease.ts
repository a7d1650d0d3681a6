// One writing run per environment: a run that writes holds the environment's writer lease from before it
// plans until it ends (README: Architecture). Two runs writing one feature request at once could leave one
// run's properties and associations under the other's fingerprint, a state HubSpot does not hold and that
// the next run would take for done. Dry runs write nothing and take no lease.
import { log, patched, sleep, workflowInfo } from '@temporalio/workflow';
import type { Run } from './run';

/** How long a run waits before it asks for the lease again: a timer in history, never a busy loop. */
export const LEASE_RETRY_INTERVAL = '20 seconds';

/**
 * Waits until this run holds the writer lease. Asking again is harmless for the holder (a continue-as-new
 * keeps the run key, so a resumed run finds the lease its own). Returns false when the run needs none.
 * A long wait hands over to a fresh run through `resumeLater`, still waiting.
 */
export async function holdWriterLease(run: Run, resumeLater: (run: Run) => Promise<never>): Promise<boolean> {
  if (run.dryRun) return false;
  // Histories recorded before the lease existed replay without it.
  if (!patched('writer-lease')) return false;
  const request = {
    environment: run.input.environment,
    workflowId: workflowInfo().workflowId,
    runKey: run.state.runKey,
    // A rerun takes over the lease of the chain it continues (src/workflows/sync-feature-requests.ts).
    ...(run.input.leaseFrom !== undefined ? { takeOverFrom: run.input.leaseFrom } : {}),
  };
  for (;;) {
    const answer = await run.activities.store.acquireWriterLease(request);
    // Absent in the results of older workers.
    if ('requests' in answer) run.addRequests(answer);
    if (answer.acquired) {
      // The store that granted the lease is the run's: every later activity checks it is on it.
      if (answer.storeId !== undefined) run.state.storeId = answer.storeId;
      delete run.state.leaseWait;
      return true;
    }
    const wait = (run.state.leaseWait ??= { since: new Date().toISOString(), reported: false });
    run.reportWaiting(answer.holderWorkflowId);
    log.info('waiting for the writer lease', { holder: answer.holderWorkflowId });
    const waited = Date.now() - Date.parse(wait.since);
    if (
      !wait.reported &&
      waited >= (run.input.leaseStuckAfterMs ?? STUCK_AFTER_MS) &&
      patched('lease-stuck-alert')
    ) {
      wait.reported = true;
      run.reportWaiting(answer.holderWorkflowId);
      await reportStuck(run, answer.holderWorkflowId, waited);
    }
    if (run.historyIsLong()) await resumeLater(run);
    await sleep(run.input.leaseRetryIntervalMs ?? LEASE_RETRY_INTERVAL);
  }
}

/** A holder this long is reported (logs, Slack, `status`): it may run but be stuck, or be of another namespace. */
const STUCK_AFTER_MS = 60 * 60 * 1000;

async function reportStuck(run: Run, holder: string, waitedMs: number): Promise<void> {
  const minutes = Math.round(waitedMs / 60_000);
  const text =
    `:warning: feedback-sync (${run.input.environment}): ${workflowInfo().workflowId} has waited ${minutes} min ` +
    `for the writer lease, held by ${holder}. If that run is stuck, look at it in the Temporal UI and ` +
    'cancel or terminate it; the waiting run then takes the lease over.';
  log.warn('writer lease holder looks stuck', { holder, waitedMinutes: minutes });
  try {
    await run.activities.slack.postAlert({ kind: 'lease-stuck', text });
  } catch (err) {
    log.warn('the stuck-holder alert was not posted', { error: String(err) });
  }
}

/** Gives the lease back at the run's end. A failed release is harmless: the next run takes it over. */
export async function releaseWriterLease(run: Run): Promise<void> {
  try {
    await run.activities.store.releaseWriterLease({
      environment: run.input.environment,
      runKey: run.state.runKey,
    });
  } catch (err) {
    log.warn('writer lease not released; the next run takes it over', { error: String(err) });
  }
}
