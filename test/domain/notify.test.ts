// SLACK_NOTIFY and SLACK_ALERT_CHANNEL: which runs post, and where.
import assert from 'node:assert/strict';
import { summaryDestination } from '../../src/domain/notify';
import { buildSummary, emptyCounts } from '../../src/domain/summary';
import type { RunSummary } from '../../src/domain/types';

function summary(change: (s: RunSummary) => void = () => undefined): RunSummary {
  const s = buildSummary({
    ...emptyCounts(),
    runId: 'r',
    workflowId: 'w',
    environment: 'test',
    mode: 'full',
    dryRun: false,
    startedAt: '2026-12-07T10:00:00.000Z',
    finishedAt: new Date('2026-12-07T10:01:00.000Z'),
    uiUrl: 'http://localhost:8233',
  });
  change(s);
  return s;
}

describe('where a run summary goes', () => {
  const unchanged = summary((s) => (s.featureRequests.unchanged = 37));
  const changed = summary((s) => (s.associations.created = 2));
  const failedRecord = summary((s) => {
    s.featureRequests.failed = 1;
    s.failures.push({ kind: 'feature_request', key: 'canny:1', reason: 'refused' });
  });

  it('changes (the default): a run that changed nothing posts nothing; changes and failures post', () => {
    const notify = { notify: 'changes' as const, alertChannel: false };
    assert.equal(summaryDestination(unchanged, 'completed', notify), 'none');
    assert.equal(summaryDestination(changed, 'completed', notify), 'summary');
    assert.equal(summaryDestination(failedRecord, 'completed', notify), 'summary');
    assert.equal(summaryDestination(unchanged, 'failed', notify), 'summary');
  });

  it('always posts every run; failures posts failed runs only', () => {
    assert.equal(
      summaryDestination(unchanged, 'completed', { notify: 'always', alertChannel: false }),
      'summary',
    );
    const failures = { notify: 'failures' as const, alertChannel: false };
    assert.equal(summaryDestination(changed, 'completed', failures), 'none');
    assert.equal(summaryDestination(failedRecord, 'completed', failures), 'summary');
  });

  it('a company run for a domain nobody voted from posts nothing unless every run posts (always)', () => {
    const nobody = summary((s) => {
      s.mode = 'company';
      s.domain = 'typo.example';
    });
    for (const notify of ['changes', 'failures'] as const)
      assert.equal(summaryDestination(nobody, 'completed', { notify, alertChannel: false }), 'none', notify);
    assert.equal(
      summaryDestination(nobody, 'completed', { notify: 'always', alertChannel: false }),
      'summary',
    );
  });

  it('with an alert channel, failures go there and the rest to the summary channel', () => {
    const notify = { notify: 'changes' as const, alertChannel: true };
    assert.equal(summaryDestination(failedRecord, 'completed', notify), 'alert');
    assert.equal(summaryDestination(unchanged, 'failed', notify), 'alert');
    assert.equal(summaryDestination(changed, 'completed', notify), 'summary');
  });
});
