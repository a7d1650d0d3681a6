// Portal validation rules (issue #18). From API version 2026-09 HubSpot enforces a portal's rules on API writes:
// an admin who makes `industry` required on company create makes the sync's company creates fail. The run goes
// on and reports each refused company as a record failure naming the property and the rule (exit 4); every
// request is written, with the associations that could be made, and keeps an empty fingerprint until a later
// run completes it. HUBSPOT_COMPANY_DEFAULTS meets the rule without changing the portal.
import assert from 'node:assert/strict';
import { hasRecordFailures } from '../../src/domain/notify';
import { assertNoDuplicates, cleanRun, portalState } from '../support/portal-state';
import { startStack, type Stack } from '../support/stack';

const DATASET = { seed: 41, boards: 3, posts: 30, votes: 90, users: 40, companies: 12 };
const INDUSTRY_REQUIRED = [{ objectType: 'companies', property: 'industry', on: 'create' as const }];

describe('refused records (API 2026-09)', function () {
  this.timeout(300_000);
  /** The portal a clean sync of DATASET leaves: every disturbed run below is compared with it. */
  let reference: ReturnType<typeof portalState>;

  before(async () => {
    const clean = await cleanRun({ simulators: { dataset: DATASET } });
    assert.equal(clean.summary.failures.length, 0, JSON.stringify(clean.summary.failures));
    reference = clean.state;
    assert.ok(reference.companyDomains.length > 0, 'the dataset makes the sync create companies');
  });

  describe('a rule the sync breaks', () => {
    let stack: Stack;
    before(async () => {
      stack = await startStack({ simulators: { dataset: DATASET } });
      stack.sims.hubspot.setValidationRules(INDUSTRY_REQUIRED);
    });
    after(async () => {
      await stack?.close();
    });

    it('is a record failure per refused company that names the property and the fix; every request is written', async () => {
      const summary = await stack.sync();

      assert.ok(summary.companies.failed > 0, JSON.stringify(summary.companies));
      assert.equal(summary.companies.created, 0);
      assert.ok(hasRecordFailures(summary), 'exit 4: the run finished with record failures');
      const companyFailures = summary.failures.filter((f) => f.kind === 'company');
      assert.ok(companyFailures.length > 0);
      for (const failure of companyFailures) {
        assert.match(failure.reason, /validation rules refused this company/);
        assert.match(failure.reason, /requires industry/);
        assert.match(failure.reason, /HUBSPOT_COMPANY_DEFAULTS="industry=<value>"/);
      }
      // Every request is written, with the contacts (no rule on them); requests whose company was refused
      // keep an empty fingerprint.
      const state = portalState(stack.sims.hubspot);
      assert.equal(state.requests.length, reference.requests.length);
      assert.deepEqual(state.contactEmails, reference.contactEmails);
      const unfinished = state.requests.filter((r) => r.properties.sync_fingerprint === '');
      assert.ok(unfinished.length > 0, 'requests missing a company association are not committed');
      for (const request of state.requests) {
        const expected = reference.requests.find(
          (r) => r.properties.external_id === request.properties.external_id,
        )!;
        assert.deepEqual(request.contacts, expected.contacts, 'the associations that could be made are');
        if (request.properties.sync_fingerprint === 'stored') assert.deepEqual(request, expected);
      }
      // Nothing of the rule's in the sync's other writes: the slack summary carries the failures.
      const posted = stack.sims.slack.messages().at(-1);
      assert.match(JSON.stringify(posted), /industry/);
    });

    it('once the rule is lifted, the next run reaches the exact state', async () => {
      stack.sims.hubspot.setValidationRules([]);
      const summary = await stack.sync();
      assert.equal(summary.failures.length, 0, JSON.stringify(summary.failures));
      assert.deepEqual(portalState(stack.sims.hubspot), reference);
      assertNoDuplicates(stack.sims.hubspot);
    });
  });

  describe('with HUBSPOT_COMPANY_DEFAULTS meeting the rule', () => {
    let stack: Stack;
    before(async () => {
      stack = await startStack({
        simulators: { dataset: DATASET },
        env: { HUBSPOT_COMPANY_DEFAULTS: 'industry=COMPUTER_SOFTWARE' },
      });
      stack.sims.hubspot.setValidationRules(INDUSTRY_REQUIRED);
    });
    after(async () => {
      await stack?.close();
    });

    it('the same run has no failure at all, and only the created companies carry the default', async () => {
      const existing = new Set(stack.sims.hubspot.objects('companies').map((c) => c.id));
      const summary = await stack.sync();
      assert.equal(summary.failures.length, 0, JSON.stringify(summary.failures));
      assert.deepEqual(portalState(stack.sims.hubspot), reference);
      for (const company of stack.sims.hubspot.objects('companies')) {
        if (existing.has(company.id)) assert.notEqual(company.properties.industry, 'COMPUTER_SOFTWARE');
        else assert.equal(company.properties.industry, 'COMPUTER_SOFTWARE');
      }
    });
  });

  describe('portal validation rules on contacts and on the request object', () => {
    it('a refused contact: its requests are written with their companies, left unfinished, then completed', async () => {
      const stack = await startStack({ simulators: { dataset: DATASET } });
      try {
        stack.sims.hubspot.setValidationRules([
          { objectType: 'contacts', property: 'jobtitle', on: 'create' },
        ]);
        const summary = await stack.sync();
        assert.ok(summary.contacts.failed > 0);
        const failures = summary.failures.filter((f) => f.kind === 'contact');
        assert.ok(failures.length > 0);
        for (const f of failures) {
          assert.match(f.reason, /refused this contact: the portal requires jobtitle/);
          assert.match(f.reason, /HUBSPOT_CONTACT_DEFAULTS="jobtitle=<value>"/);
          assert.doesNotMatch(f.key, /@/, 'a failure names the voter by the source id, never by email');
        }
        const state = portalState(stack.sims.hubspot);
        assert.equal(state.requests.length, reference.requests.length);
        for (const request of state.requests) {
          const expected = reference.requests.find(
            (r) => r.properties.external_id === request.properties.external_id,
          )!;
          assert.deepEqual(request.companies, expected.companies);
          if (request.contacts.length < expected.contacts.length)
            assert.equal(request.properties.sync_fingerprint, '');
        }
        stack.sims.hubspot.setValidationRules([]);
        const next = await stack.sync();
        assert.equal(next.failures.length, 0, JSON.stringify(next.failures));
        assert.deepEqual(portalState(stack.sims.hubspot), reference);
      } finally {
        await stack.close();
      }
    });

    it('HUBSPOT_CONTACT_DEFAULTS meets a contact rule: no failure, the exact state', async () => {
      const stack = await startStack({
        simulators: { dataset: DATASET },
        env: { HUBSPOT_CONTACT_DEFAULTS: 'jobtitle=Customer' },
      });
      try {
        stack.sims.hubspot.setValidationRules([
          { objectType: 'contacts', property: 'jobtitle', on: 'create' },
        ]);
        const summary = await stack.sync();
        assert.equal(summary.failures.length, 0, JSON.stringify(summary.failures));
        assert.deepEqual(portalState(stack.sims.hubspot), reference);
      } finally {
        await stack.close();
      }
    });

    it('a rule on the request object: each refused request is a failure naming the property; the next run completes them', async () => {
      const stack = await startStack({ simulators: { dataset: DATASET } });
      try {
        stack.sims.hubspot.setValidationRules([
          { objectType: 'feature_request', property: 'product_area', on: 'create' },
        ]);
        const summary = await stack.sync();
        assert.ok(hasRecordFailures(summary));
        const failures = summary.failures.filter((f) => f.kind === 'feature_request');
        assert.ok(failures.length > 0, JSON.stringify(summary.failures));
        for (const f of failures) {
          assert.match(f.reason, /refused this feature request record: the portal requires product_area/);
          assert.match(f.reason, /this request is not written/);
        }
        assert.equal(stack.sims.hubspot.objects('feature_request').length, 0);
        stack.sims.hubspot.setValidationRules([]);
        const next = await stack.sync();
        assert.equal(next.failures.length, 0, JSON.stringify(next.failures));
        assert.deepEqual(portalState(stack.sims.hubspot), reference);
        assertNoDuplicates(stack.sims.hubspot);
      } finally {
        await stack.close();
      }
    });
  });

  describe('refused records that are not validation rules', () => {
    const CONTACTS_CREATE = '/crm/objects/2026-09/contacts/batch/create';

    it('a contacts batch refused outright: its requests keep an empty fingerprint, and the next run completes them', async () => {
      const stack = await startStack({ simulators: { dataset: DATASET } });
      try {
        // A 400 is never retried and names no record: the whole create activity fails, and the run goes on.
        stack.sims.hubspot.server.addFault({
          route: CONTACTS_CREATE,
          kind: 'server-error',
          status: 400,
          count: 1,
        });
        const summary = await stack.sync();
        assert.ok(
          summary.failures.some((f) => f.kind === 'contact'),
          JSON.stringify(summary.failures),
        );
        const state = portalState(stack.sims.hubspot);
        const unfinished = state.requests.filter((r) => r.properties.sync_fingerprint === '');
        assert.ok(unfinished.length > 0, 'requests without their contacts are not committed');
        for (const request of state.requests) {
          const expected = reference.requests.find(
            (r) => r.properties.external_id === request.properties.external_id,
          )!;
          if (request.contacts.length < expected.contacts.length)
            assert.equal(request.properties.sync_fingerprint, '');
        }
        const next = await stack.sync();
        assert.equal(next.failures.length, 0, JSON.stringify(next.failures));
        assert.deepEqual(portalState(stack.sims.hubspot), reference);
      } finally {
        await stack.close();
      }
    });

    it('a contact HubSpot refuses for good: its request is committed without it, and a rerun rewrites no request', async () => {
      const stack = await startStack({ simulators: { dataset: false } });
      try {
        const canny = stack.sims.canny;
        const board = canny.addBoard('Product');
        const post = canny.addPost({ boardID: board, title: 'Exports' });
        // A first name past HubSpot's 65,536-character limit: no rule of the portal, nothing a rerun changes.
        for (const name of ['Ada', 'x'.repeat(70_000), 'Grace'])
          canny.addVote(post, canny.addUser({ email: `${name.slice(0, 5).toLowerCase()}@acme.com`, name }));
        const first = await stack.sync();
        assert.equal(
          first.failures.filter((f) => f.kind === 'contact').length,
          1,
          JSON.stringify(first.failures),
        );
        const [request] = portalState(stack.sims.hubspot).requests;
        assert.equal(request!.properties.sync_fingerprint, 'stored');
        assert.equal(request!.contacts.length, 2);

        const mark = stack.sims.hubspot.server.requests().length;
        await stack.sync();
        const requestWrites = stack.sims.hubspot.server
          .requests()
          .slice(mark)
          .filter((r) => /^\/crm\/objects\/2026-09\/2-\d+\/batch\/(upsert|update)$/.test(r.path));
        assert.deepEqual(requestWrites, [], 'the request is not written again');
      } finally {
        await stack.close();
      }
    });
  });
});
