// The HubSpot gateway over real HTTP against the simulator: typed failures for Temporal's retry policy,
// per-record errors returned rather than thrown, and no request left hanging.
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { HubspotGateway } from '../../src/clients/hubspot';
import { applySetup } from '../../src/clients/hubspot-setup';
import { FailureType } from '../../src/failures';
import { HubspotSimulator } from '../../src/simulators/hubspot';

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApplicationFailure, `an ApplicationFailure, got ${String(err)}`);
  return err;
}

describe('HubspotGateway', function () {
  this.timeout(30_000);
  let sim: HubspotSimulator;
  let gateway: HubspotGateway;
  const counts = { hubspot: 0, rateLimited: 0 };

  beforeEach(async () => {
    sim = new HubspotSimulator();
    await sim.listen(0);
    counts.hubspot = 0;
    counts.rateLimited = 0;
    gateway = new HubspotGateway({
      accessToken: sim.accessToken,
      baseUrl: sim.url,
      timeoutMs: 1_000,
      counter: {
        count: (_system, rateLimited) => {
          counts.hubspot++;
          if (rateLimited) counts.rateLimited++;
        },
      },
    });
  });
  afterEach(async () => {
    await sim.close();
  });

  it('a 429 is a retryable HubspotRateLimited carrying the Retry-After delay, and is counted', async () => {
    sim.server.addFault({ kind: 'rate-limit', count: 1, retryAfterSeconds: 3 });
    const failure = await failureOf(gateway.listProperties('companies'));
    assert.equal(failure.type, FailureType.HubspotRateLimited);
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.nextRetryDelay, 3_000);
    assert.deepEqual(counts, { hubspot: 1, rateLimited: 1 });
  });

  it('a wrong token is a non-retryable HubspotUnauthorized that never shows the token', async () => {
    const wrong = new HubspotGateway({ accessToken: 'pat-secret-wrong', baseUrl: sim.url });
    const failure = await failureOf(wrong.listProperties('companies'));
    assert.equal(failure.type, FailureType.HubspotUnauthorized);
    assert.equal(failure.nonRetryable, true);
    assert.ok(!failure.message.includes('pat-secret-wrong'));
  });

  it('a 5xx is a retryable HubspotServerError', async () => {
    sim.server.addFault({ kind: 'server-error', count: 1, status: 503 });
    const failure = await failureOf(gateway.listProperties('companies'));
    assert.equal(failure.type, FailureType.HubspotServerError);
    assert.equal(failure.nonRetryable, false);
  });

  it('a hung request is abandoned after the timeout as a retryable NetworkError, and the next one works', async () => {
    sim.server.addFault({ kind: 'hang', count: 1 });
    const started = Date.now();
    const failure = await failureOf(gateway.listProperties('companies'));
    assert.equal(failure.type, FailureType.NetworkError);
    assert.equal(failure.nonRetryable, false);
    assert.ok(Date.now() - started < 5_000, 'abandoned at the timeout');
    const properties = await gateway.listProperties('companies');
    assert.ok(properties.some((p) => p.name === 'domain'));
  });

  it('per-record errors of a 207 are returned with their key while the rest of the batch lands', async () => {
    const setup = await applySetup(gateway, { objectName: 'feature_request', arrProperty: 'annualrevenue' });
    assert.ok(setup.objectTypeId);
    const result = await gateway.upsert(
      setup.objectTypeId,
      [
        {
          id: 'canny:good',
          idProperty: 'external_id',
          properties: { external_id: 'canny:good', name: 'Good' },
        },
        {
          id: 'canny:bad',
          idProperty: 'external_id',
          properties: { external_id: 'canny:bad', name: 'Bad', vote_count: 'not a number' },
        },
      ],
      ['canny:good', 'canny:bad'],
    );
    assert.deepEqual(
      result.results.map((r) => r.properties.external_id),
      ['canny:good'],
    );
    assert.equal(result.results[0]?.created, true);
    assert.equal(result.errors.length, 1);
    assert.equal(result.errors[0]?.key, 'canny:bad');
  });

  it('companies are created by upsert on the sync key: a repeated create returns the same record', async () => {
    await applySetup(gateway, { objectName: 'feature_request', arrProperty: 'annualrevenue' });
    const first = await gateway.upsertCompanies([{ domain: 'initech.com', name: 'initech.com' }]);
    const again = await gateway.upsertCompanies([{ domain: 'initech.com', name: 'initech.com' }]);
    assert.equal(first.results[0]?.created, true);
    assert.equal(again.results[0]?.created, false);
    assert.equal(again.results[0]?.id, first.results[0]?.id);
    assert.equal(sim.objects('companies').filter((c) => c.properties.domain === 'initech.com').length, 1);
  });
});
