// startSimulators: the three simulators up together with one dataset, and all of them gone after close().
import assert from 'node:assert/strict';
import { startSimulators } from '../../src/simulators';

describe('startSimulators', function () {
  it('starts Canny, HubSpot and Slack on loopback with the demo dataset loaded, and closes them', async function () {
    const sims = await startSimulators();
    try {
      assert.match(sims.urls.canny, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(new Set(Object.values(sims.urls)).size, 3);
      const res = await fetch(`${sims.urls.canny}/api/v1/boards/list`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ apiKey: sims.canny.apiKey }),
      });
      assert.equal(res.status, 200);
      assert.equal(sims.canny.posts().length, sims.dataset!.expected.livePostIds.length);
      assert.equal(sims.hubspot.objects('companies').length, sims.dataset!.hubspot.companies.length);
      assert.equal(sims.hubspot.objects('contacts').length, sims.dataset!.hubspot.contacts.length);
    } finally {
      await sims.close();
    }
    await assert.rejects(fetch(`${sims.urls.slack}/api/auth.test`, { method: 'POST' }));
  });

  it('starts empty when asked to', async function () {
    const sims = await startSimulators({ dataset: false });
    try {
      assert.equal(sims.canny.posts().length, 0);
      assert.equal(sims.dataset, undefined);
    } finally {
      await sims.close();
    }
  });
});
