// When a run's summary goes to Slack, and where (SLACK_NOTIFY, SLACK_ALERT_CHANNEL): an hourly sync that
// changed nothing posts nothing, and failures can go to the people who fix them, with a mention.
import { MAX_FAILURES_IN_SUMMARY, type RunSummary } from './types';

export const SLACK_NOTIFY = ['changes', 'always', 'failures'] as const;
export type SlackNotify = (typeof SLACK_NOTIFY)[number];

/** Failed records in a completed run: any counter's `failed`, or a failure the summary lists. */
export function hasRecordFailures(summary: RunSummary): boolean {
  const failed = summary.featureRequests.failed + summary.companies.failed + summary.contacts.failed;
  return failed > 0 || summary.failures.length > 0;
}

/** The run failed, or some records (or the vanish limit) did. */
export function hasFailures(summary: RunSummary, status: 'completed' | 'failed'): boolean {
  return status === 'failed' || hasRecordFailures(summary);
}

/** The run changed something in HubSpot (a dry run: would have). */
export function changedAnything(summary: RunSummary): boolean {
  return (
    summary.featureRequests.created + summary.featureRequests.updated > 0 ||
    summary.companies.created + summary.contacts.created > 0 ||
    summary.associations.created + summary.associations.removed > 0 ||
    (summary.vanished?.marked ?? 0) > 0
  );
}

/** Where the summary goes: nowhere, the summary channel, or the alert channel (failures, when one is set). */
export function summaryDestination(
  summary: RunSummary,
  status: 'completed' | 'failed',
  options: { notify: SlackNotify; alertChannel: boolean; acknowledged?: ReadonlySet<string> },
): 'none' | 'summary' | 'alert' {
  // A completed run that failed only on records an operator acknowledged is no failure to alert about.
  const known =
    status === 'completed' &&
    options.acknowledged !== undefined &&
    onlyAcknowledgedFailures(summary, options.acknowledged);
  const failed = hasFailures(summary, status) && !known;
  const post =
    options.notify === 'always' || failed || (options.notify === 'changes' && changedAnything(summary));
  if (!post) return 'none';
  return failed && options.alertChannel ? 'alert' : 'summary';
}

/**
 * Whether every failure of a completed run is one an operator acknowledged (`failures ack`): the list must be
 * whole (not cut at MAX_FAILURES_IN_SUMMARY) and cover every counted failure.
 */
export function onlyAcknowledgedFailures(summary: RunSummary, acknowledged: ReadonlySet<string>): boolean {
  const counted = summary.featureRequests.failed + summary.companies.failed + summary.contacts.failed;
  const listed = summary.failures;
  return (
    listed.length > 0 &&
    listed.length < MAX_FAILURES_IN_SUMMARY &&
    counted <= listed.length &&
    listed.every((f) => acknowledged.has(f.key))
  );
}
