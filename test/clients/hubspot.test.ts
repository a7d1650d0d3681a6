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

  it('an upsert HubSpot refuses whole for one input is split: its neighbours are written, it is one error', async () => {
    const setup = await applySetup(gateway, { objectName: 'feature_request', arrProperty: 'annualrevenue' });
    const objectType = setup.objectTypeId!;
    const keys = Array.from({ length: 7 }, (_, i) => `canny:p${i}`);
    const inputs = keys.map((key, i) => ({
      id: key,
      idProperty: 'external_id',
      // One value HubSpot refuses: the simulator, like HubSpot's batch upsert, then refuses the whole batch.
      properties: { name: `Request ${i}`, vote_count: i === 4 ? 'many' : String(i) },
    }));
    const result = await gateway.upsert(objectType, inputs, keys);
    assert.deepEqual(
      result.results.map((r) => r.properties.external_id).sort(),
      keys.filter((k) => k !== 'canny:p4'),
    );
    assert.equal(result.errors.length, 1);
    assert.equal(result.errors[0]!.key, 'canny:p4');
    assert.match(result.errors[0]!.message, /vote_count|valid number/);
    // The whole batch, then halves down to the input at fault: 1 + 2 + 2 + 2 requests at most.
    const upserts = sim.server.requests().filter((r) => r.path.endsWith('/batch/upsert')).length;
    assert.ok(upserts <= 7, `${upserts} upserts`);
  });

  it('a wrong token is a non-retryable HubspotUnauthorized that never shows the token', async () => {
    const wrong = new HubspotGateway({ accessToken: 'pat-secret-wrong', baseUrl: sim.url });
    const failure = await failureOf(wrong.listProperties('companies'));
    assert.equal(failure.type, FailureType.HubspotUnauthorized);
    assert.equal(failure.nonRetryable, true);
    assert.ok(!failure.message.includes('pat-secret-wrong'));
  });

  it('a 403 for a missing scope names the scope, the token whose it is, and the tier without custom objects', async () => {
    sim.denyScopes(['crm.schemas.custom.read']);
    const failure = await failureOf(gateway.findSchema('feature_request'));
    assert.equal(failure.type, FailureType.HubspotForbidden);
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /crm\.schemas\.custom\.read/);
    assert.match(failure.message, /HUBSPOT_ACCESS_TOKEN/);
    assert.match(failure.message, /restart/);
    assert.match(failure.message, /Enterprise/);
    assert.doesNotMatch(failure.message, /INTERNAL_ERROR/);
  });

  it('nothing listening at HUBSPOT_BASE_URL: the failure names it', async () => {
    // A port nothing listens on: the simulator's, once it closed.
    const closed = new HubspotSimulator();
    const url = await closed.listen(0);
    await closed.close();
    const nowhere = new HubspotGateway({ accessToken: sim.accessToken, baseUrl: url });
    const failure = await failureOf(nowhere.listProperties('companies'));
    assert.equal(failure.type, FailureType.NetworkError);
    assert.ok(failure.message.includes(`HUBSPOT_BASE_URL (${url})`), failure.message);
  });

  it('a wrong token says the token is the worker’s for a run, to be restarted after a change', async () => {
    const wrong = new HubspotGateway({ accessToken: 'pat-secret-wrong', baseUrl: sim.url });
    const failure = await failureOf(wrong.listProperties('companies'));
    assert.match(failure.message, /worker/);
  });

  it('a removal HubSpot refuses inside its 200 body (2026-09) is a retryable failure, never taken as done', async () => {
    await applySetup(gateway, { objectName: 'feature_request', arrProperty: 'annualrevenue' });
    const { created } = await gateway.createCompanies([{ domain: 'acme.example', name: 'Acme' }], []);
    const contacts = await gateway.createContacts([{ email: 'ada@acme.example' }]);
    const pair = { from: created[0]!.id, to: contacts.created[0]!.id };
    assert.deepEqual(await gateway.createAssociations('companies', 'contacts', [pair]), []);
    sim.failAssociationArchives(1);
    const failure = await failureOf(gateway.archiveAssociations('companies', 'contacts', [pair]));
    assert.equal(failure.type, FailureType.HubspotServerError);
    assert.equal(failure.nonRetryable, false);
    assert.match(failure.message, /1 removal\(s\) refused/);
    assert.deepEqual((await gateway.readAssociations('companies', 'contacts', [pair.from])).get(pair.from), [
      pair.to,
    ]);
    await gateway.archiveAssociations('companies', 'contacts', [pair]); // the retry
    assert.deepEqual(
      (await gateway.readAssociations('companies', 'contacts', [pair.from])).get(pair.from),
      [],
    );
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

  const companyWrites = () =>
    sim.server
      .requests()
      .filter(
        (r) => r.path.startsWith('/crm/objects/2026-09/companies/') && !/search|batch\/read/.test(r.path),
      )
      .map((r) => r.route);

  it('creates companies create-only: a company that holds the sync key is found, never written', async () => {
    await applySetup(gateway, { objectName: 'feature_request', arrProperty: 'annualrevenue' });
    const [rebranded] = sim.seedCompanies([
      {
        properties: {
          name: 'Initrode',
          domain: 'initrode.com',
          feedback_sync_domain: 'initech.com',
          annualrevenue: '700',
        },
      },
    ]);
    sim.server.clearLog();
    counts.hubspot = 0;
    const result = await gateway.createCompanies(
      [
        { domain: 'initech.com', name: 'initech.com' },
        { domain: 'hooli.com', name: 'hooli.com' },
      ],
      ['annualrevenue'],
    );
    assert.deepEqual(
      result.created.map((c) => c.domain),
      ['hooli.com'],
    );
    assert.deepEqual(
      result.existing.map((c) => [c.domain, c.id, c.properties.annualrevenue]),
      [['initech.com', rebranded, '700']],
    );
    assert.deepEqual(result.errors, []);
    const initrode = sim.getObject('companies', rebranded!)!;
    assert.equal(initrode.properties.domain, 'initrode.com', 'the edited domain stays');
    assert.equal(initrode.properties.name, 'Initrode', 'the edited name stays');
    assert.deepEqual(companyWrites(), ['POST /crm/objects/:apiVersion/:objectType/batch/create']);
    assert.equal(counts.hubspot, 2, 'one create, and one batch read for the refused key');
  });

  it('a retried create whose first answer was lost finds the company it created: exactly one', async () => {
    await applySetup(gateway, { objectName: 'feature_request', arrProperty: 'annualrevenue' });
    sim.server.addFault({ kind: 'drop-after', route: 'batch/create', count: 1 });
    const lost = await failureOf(
      gateway.createCompanies([{ domain: 'initech.com', name: 'initech.com' }], []),
    );
    assert.equal(lost.type, FailureType.NetworkError);
    assert.equal(lost.nonRetryable, false);
    const retried = await gateway.createCompanies([{ domain: 'initech.com', name: 'initech.com' }], []);
    const initech = sim.objects('companies').filter((c) => c.properties.domain === 'initech.com');
    assert.equal(initech.length, 1);
    assert.deepEqual(retried.created, []);
    assert.deepEqual(
      retried.existing.map((c) => [c.domain, c.id]),
      [['initech.com', initech[0]!.id]],
    );
    assert.deepEqual(retried.errors, []);
  });

  it('a create refused for another reason is a per-record error with its domain, the rest lands', async () => {
    await applySetup(gateway, { objectName: 'feature_request', arrProperty: 'annualrevenue' });
    const result = await gateway.createCompanies(
      [
        { domain: 'good.com', name: 'good.com' },
        { domain: 'long.com', name: 'x'.repeat(70_000) },
      ],
      [],
    );
    assert.deepEqual(
      result.created.map((c) => c.domain),
      ['good.com'],
    );
    assert.deepEqual(result.existing, []);
    assert.equal(result.errors.length, 1);
    assert.equal(result.errors[0]?.key, 'long.com');
  });

  it('finds companies for 150 domains in one search, by bare domain, its www. form or the sync key', async () => {
    await applySetup(gateway, { objectName: 'feature_request', arrProperty: 'annualrevenue' });
    const domains = Array.from({ length: 150 }, (_, i) => `d${i}.example`);
    sim.seedCompanies([
      { properties: { name: 'first', domain: 'd0.example' } },
      { properties: { name: 'www', domain: 'www.D75.example' } },
      { properties: { name: 'last', domain: 'd149.example' } },
      { properties: { name: 'rebranded', domain: 'new.example', feedback_sync_domain: 'd100.example' } },
      { properties: { name: 'other', domain: 'unrelated.example' } },
    ]);
    sim.server.clearLog();
    counts.hubspot = 0;
    const found = await gateway.searchCompaniesByDomain(domains, ['domain', 'name']);
    assert.deepEqual(found.map((r) => r.properties.name).sort(), ['first', 'last', 'rebranded', 'www']);
    assert.equal(
      found.find((r) => r.properties.name === 'rebranded')?.properties.feedback_sync_domain,
      'd100.example',
    );
    assert.equal(counts.hubspot, 1);
    await assert.rejects(gateway.searchCompaniesByDomain([...domains, 'one-more.example'], ['domain']));
  });

  it('finds contacts for 200 emails in one request, and never takes more', async () => {
    const emails = Array.from({ length: 200 }, (_, i) => `p${i}@example.com`);
    sim.seedContacts(emails.map((email) => ({ properties: { email } })));
    const found = await gateway.searchContactsByEmail(emails);
    assert.equal(found.length, 200, 'all of them: the answer fits one page');
    assert.deepEqual(new Set(found.map((c) => c.email)), new Set(emails));
    assert.equal(counts.hubspot, 1);
    await assert.rejects(gateway.searchContactsByEmail([...emails, 'x@example.com']));
  });

  it('scans every record of a type by id, 200 per page (keyset: no 10,000-result cap)', async () => {
    await applySetup(gateway, { objectName: 'feature_request', arrProperty: 'annualrevenue' });
    sim.seed(
      'feature_request',
      Array.from({ length: 450 }, (_, i) => ({ properties: { external_id: `canny:${i}`, name: `R${i}` } })),
    );
    const typeId = (await gateway.findSchema('feature_request'))!.objectTypeId;
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await gateway.scanPage(typeId, ['external_id'], after);
      seen.push(...page.records.map((r) => r.properties.external_id ?? ''));
      after = page.nextAfterId;
      pages++;
    } while (after);
    assert.equal(pages, 3);
    assert.equal(new Set(seen).size, 450);
  });
});
