// Deleted posts are found by scanning every active request in HubSpot, where search refuses to page past
// 10,000 results by offset: the scan must page by id and still reach every record.
import assert from 'node:assert/strict';
import { startStack } from '../support/stack';

describe('vanished posts beyond the search cap', function () {
  this.timeout(180_000);

  it('marks more than 10,000 requests whose posts are gone as deleted', async () => {
    // Each gone post is confirmed by id (posts/retrieve) before it is marked: no Canny limit here, 10,050 of them.
    const stack = await startStack({
      simulators: { dataset: { seed: 5, posts: 3, votes: 5 } },
      env: { CANNY_RATE_LIMITS: 'none' },
    });
    try {
      const rows = Array.from({ length: 10_050 }, (_, i) => ({
        properties: { external_id: `canny:gone-${i}`, name: `Gone ${i}`, source_state: 'active' },
      }));
      stack.sims.hubspot.seed('feature_request', rows);
      // Far past the limit of one run (SYNC_MAX_VANISHED): an operator confirmed them.
      const summary = await stack.sync({ confirmVanish: true });
      assert.equal(summary.featureRequests.failed, 0, JSON.stringify(summary.failures));
      const records = stack.sims.hubspot.objects('feature_request');
      const gone = records.filter((r) => String(r.properties.external_id).startsWith('canny:gone-'));
      assert.equal(gone.length, 10_050);
      assert.equal(
        gone.filter((r) => r.properties.source_state === 'deleted').length,
        10_050,
        'every one reached',
      );
      const live = records.filter((r) => !String(r.properties.external_id).startsWith('canny:gone-'));
      assert.ok(live.length > 0 && live.every((r) => r.properties.source_state === 'active'));
    } finally {
      await stack.close();
    }
  });
});
