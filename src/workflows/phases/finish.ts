// The end of every run, completed or failed: the store's housekeeping, then the summary, posted to Slack.
import { workflowInfo } from '@temporalio/workflow';
import { addCounts, buildSummary, runUiUrl } from '../../domain/summary';
import type { RunHighlights, RunSummary, SyncCounts } from '../../domain/types';
import type { Run } from '../run';
import { countsFromRequests, failureMessage } from '../util';

export async function finish(run: Run, status: 'completed' | 'failed', error?: string): Promise<RunSummary> {
  const { input, state, activities } = run;
  const info = workflowInfo();
  /** What changed most (absent from workers before it): the summary lists it for people. */
  let highlights: RunHighlights | undefined;
  try {
    const finished = await activities.local.finishRun({
      runKey: state.runKey,
      ...(state.objectTypeId ? { objectTypeId: state.objectTypeId } : {}),
    });
    highlights = finished.highlights;
  } catch {
    // pruning runs again at the end of the next run
  }
  const base = input.uiBaseUrl ?? 'http://localhost:8233';
  const summaryOf = (counts: SyncCounts): RunSummary =>
    buildSummary({
      ...counts,
      runId: info.runId,
      workflowId: info.workflowId,
      environment: input.environment,
      mode: input.mode,
      ...(input.domain ? { domain: input.domain } : {}),
      dryRun: run.dryRun,
      startedAt: state.startedAt,
      finishedAt: new Date(),
      uiUrl: runUiUrl(base, info.namespace, info.workflowId, info.runId),
      // Absent in the prepare results of older workers.
      ...(state.overview?.sourceRead ? { source: state.overview.sourceRead } : {}),
      ...(state.vanish && state.scanDone
        ? {
            vanished: {
              found: state.vanish.found,
              limit: state.vanish.limit,
              marked: state.vanish.marked ?? 0,
              held: state.vanish.held,
              boardMissing: state.vanish.boardMissing ?? 0,
            },
          }
        : {}),
      ...(highlights ? { highlights } : {}),
      ...(state.objectTypeId ? { target: state.target?.kind ?? 'custom-object' } : {}),
    });
  let summary = summaryOf(state.counts);
  try {
    const posted = await activities.slack.postSummary({ summary, status, ...(error ? { error } : {}) });
    state.counts = addCounts(state.counts, countsFromRequests(posted.requests));
  } catch (err) {
    // The summary is still the run's result; a Slack outage never fails a completed sync. It counts the
    // requests the failed post sent (the post, a lookup, retries).
    run.addFailedRequests(err);
    run.addFailures([{ kind: 'slack', key: 'summary', reason: failureMessage(err) }]);
  }
  summary = summaryOf(state.counts);
  return summary;
}
