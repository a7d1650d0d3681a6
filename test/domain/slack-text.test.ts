// What the demo prints of a Slack summary: the blocks as a reader sees them, failures' reasons included
// (the plain-text fallback alone says only `Failures: 1`).
import assert from 'node:assert/strict';
import { blocksAsText, buildSummary, emptyCounts, slackMessage } from '../../src/domain/summary';

describe('a Slack summary as text', () => {
  it('shows the header, the counters, each failure and the run link', () => {
    const counts = emptyCounts();
    counts.featureRequests.created = 3;
    counts.featureRequests.failed = 1;
    counts.failures.push({ kind: 'feature_request', key: 'canny:p1', reason: 'HubSpot refused the name' });
    const summary = buildSummary({
      ...counts,
      runId: 'r1',
      workflowId: 'feedback-sync/demo/full',
      environment: 'demo',
      mode: 'full',
      dryRun: false,
      startedAt: '2026-12-07T10:00:00.000Z',
      finishedAt: new Date('2026-12-07T10:01:00.000Z'),
      uiUrl: 'http://localhost:8233/namespaces/default/workflows/x/r1/history',
    });
    const message = slackMessage(summary);
    const text = blocksAsText(message.blocks);
    assert.doesNotMatch(message.text, /HubSpot refused the name/, 'the fallback has counts only');
    assert.match(text, /completed with failures/);
    assert.match(text, /canny:p1/);
    assert.match(text, /HubSpot refused the name/);
    assert.match(text, /Open run in Temporal UI: http:\/\/localhost:8233\//);
  });
});
