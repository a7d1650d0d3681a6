// The scheduled sync, read top to bottom: prepare (portal, one snapshot of the source), pages (companies and
// contacts resolved just ahead of the pages, alongside the scan of stored requests, a child workflow per page
// with changes, leftovers packed, each page committed once HubSpot holds all of it), then the summary to
// Slack. Each phase is a module of ./phases. The run's bulk data lives in the shared run
// store; this workflow holds counters, cursors and page numbers, and continues as new when history grows.
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  ContinueAsNew,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { RunSummary } from '../domain/types';
import { DRY_RUN_ATTRIBUTE, ENVIRONMENT_ATTRIBUTE, MODE_ATTRIBUTE } from '../search-attributes';
import { refuseOtherEnvironment } from './environment-guard';
import { progressQuery, syncCompanySignal } from './messages';
import { finish } from './phases/finish';
import { runPages } from './phases/pages';
import { prepare } from './phases/prepare';
import { createRun, type Phase, type Run, type SyncInput } from './run';
import { failureMessage } from './util';
import { holdWriterLease, releaseWriterLease } from './writer-lease';

export type { SyncInput } from './run';

export async function syncFeatureRequests(input: SyncInput): Promise<RunSummary> {
  // First, and outside the try below: a refused run posts nothing, to a channel of another environment.
  await refuseOtherEnvironment(input.environment);
  const run = createRun(input);
  const { state } = run;

  setHandler(progressQuery, run.progress, {
    description: 'Phase of the run, units done of that phase, and the counts so far.',
  });
  // The signal that came with signalWithStart is delivered as the handler is registered: it asked for this
  // very run. Only signals that arrive once the run is under way ask for a rerun (a run resumed while it still
  // waits for the writer lease has read nothing yet).
  let underWay = input.resume !== undefined && input.resume.phase !== 'prepare';
  setHandler(
    syncCompanySignal,
    ({ domain }) => {
      // A company run asked again while it runs: run once more when this pass ends, with fresh data.
      if (input.mode === 'company' && domain === input.domain && underWay) state.rerun = true;
      else
        log.info('syncCompany signal ignored: this run already covers it or is another company', { domain });
    },
    { description: 'Re-sync the requests a company voted on (company runs re-run once more).' },
  );
  upsertSearchAttributes([
    { key: ENVIRONMENT_ATTRIBUTE, value: input.environment },
    { key: MODE_ATTRIBUTE, value: input.mode },
    { key: DRY_RUN_ATTRIBUTE, value: run.dryRun },
  ]);

  /** Whether this run holds the environment's writer lease, to give back when it ends. */
  let holdsLease = false;
  try {
    // Before the plan: a run plans from what HubSpot holds while no other run writes it.
    holdsLease = await holdWriterLease(run, resumeLater);
    if (state.phase === 'prepare') {
      underWay = true;
      await prepare(run);
      await enter(run, 'pages');
    }
    underWay = true;
    if (state.phase === 'pages') {
      if (!(await runPages(run))) return await resumeLater(run);
      await enter(run, 'done');
    }
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err; // a hand-over, not a failure
    run.addFailedRequests(err);
    // Not cancellable: a cancelled run still ends with its summary, and gives its lease back.
    const summary = await CancellationScope.nonCancellable(async () => {
      const failed = await finish(run, 'failed', failureMessage(err));
      if (holdsLease) await releaseWriterLease(run);
      return failed;
    });
    setCurrentDetails(`**Failed** after ${Math.round(summary.durationMs / 1000)} s: ${failureMessage(err)}`);
    log.error('sync failed', { error: failureMessage(err), workflowId: summary.workflowId });
    throw err;
  }

  const summary = await finish(run, 'completed');
  setCurrentDetails(`**Completed** in ${Math.round(summary.durationMs / 1000)} s`);
  if (state.rerun) {
    // The rerun keeps the lease: its new chain names this chain's run key (leaseFrom) and takes it over.
    await condition(allHandlersFinished);
    return continueAsNew<typeof syncFeatureRequests>({
      ...input,
      resume: undefined,
      leaseFrom: state.runKey,
    });
  }
  if (holdsLease) await releaseWriterLease(run);
  // Asked again while the lease went back (after the flag was read above): run once more all the same. The
  // new chain asks for the lease like any run.
  if (state.rerun && patched('rerun-after-release')) {
    await condition(allHandlersFinished);
    return continueAsNew<typeof syncFeatureRequests>({
      ...input,
      resume: undefined,
      leaseFrom: state.runKey,
    });
  }
  return summary;
}

/** Moves to the next phase; a long history hands over to a fresh run between phases too. */
async function enter(run: Run, phase: Phase): Promise<void> {
  run.state.phase = phase;
  run.report(phase, 0, 0);
  if (phase !== 'done' && run.historyIsLong()) await resumeLater(run);
}

async function resumeLater(run: Run): Promise<never> {
  await condition(allHandlersFinished);
  log.info('continuing as new', { phase: run.state.phase, nextPage: run.state.pipeline?.nextPage ?? 0 });
  return continueAsNew<typeof syncFeatureRequests>({ ...run.input, resume: run.state });
}
