// HubSpot as it is today (issue #18): every call the product makes names the dated API (2026-09), `hubspot
// check` says which version it calls and whether the portal can hold a custom object, names the scopes a
// refused call lacked, checks the create defaults against the portal's properties, and warns of validation
// rules on the properties the sync writes. The simulator refuses the numbered paths (v3/v4) throughout.
import assert from 'node:assert/strict';
import type { PortalReport } from '../../src/clients/hubspot-setup';
import { cliFor, envOf, type Cli } from '../support/cli';
import { startStack, type Stack } from '../support/stack';

describe('HubSpot: the dated API, from the command line', function () {
  this.timeout(180_000);
  let stack: Stack;
  let cli: Cli;

  before(async () => {
    stack = await startStack({ setup: false, simulators: { dataset: { seed: 7, posts: 12, votes: 40 } } });
    cli = await cliFor(stack.env.client, envOf(stack.config, 'test'));
  });
  after(async () => {
    await stack?.close();
  });

  it('set-up, check, a full sync, its rerun, a dry run and a company sync call 2026-09 only', async () => {
    stack.sims.hubspot.server.clearLog();
    // A portal holding no custom object: whether it can create one (Enterprise) no call tells before the create.
    const before = await cli('hubspot', 'check', '--json');
    assert.equal(before.code, 3);
    assert.equal(before.lastJson<PortalReport>().customObjects, 'unconfirmed');
    const setup = await cli('hubspot', 'setup', '--apply');
    assert.equal(setup.code, 0, setup.stdout.concat(setup.stderr).join('\n'));
    const check = await cli('hubspot', 'check');
    assert.equal(check.code, 0, check.stdout.join('\n'));
    assert.equal(
      (await cli('hubspot', 'check', '--json')).lastJson<PortalReport>().customObjects,
      'available',
    );
    assert.match(
      check.stdout.join('\n'),
      /HubSpot API version 2026-09 \(HUBSPOT_API_VERSION\) · custom objects: available/,
    );
    for (const argv of [
      ['sync', '--wait', '--json'],
      ['sync', '--wait', '--json'],
      ['sync', '--dry-run', '--wait', '--json'],
    ]) {
      const run = await cli(...argv);
      assert.equal(run.code, 0, run.stdout.concat(run.stderr).join('\n'));
    }
    const domain = String(stack.sims.hubspot.objects('companies')[0]!.properties.domain);
    const company = await cli('sync-company', domain, '--wait', '--json');
    assert.equal(company.code, 0, company.stdout.concat(company.stderr).join('\n'));

    const byVersion = stack.sims.hubspot.requestsByApiVersion();
    assert.deepEqual(Object.keys(byVersion), ['2026-09'], JSON.stringify(byVersion));
    assert.ok(byVersion['2026-09']! > 10);
  });

  it('HUBSPOT_API_VERSION moves every call to another date version', async () => {
    const older = await cliFor(stack.env.client, {
      ...envOf(stack.config, 'test'),
      HUBSPOT_API_VERSION: '2026-03',
    });
    stack.sims.hubspot.server.clearLog();
    const check = await older('hubspot', 'check', '--json');
    assert.equal(check.code, 0);
    assert.equal(check.lastJson<PortalReport>().apiVersion, '2026-03');
    assert.deepEqual(Object.keys(stack.sims.hubspot.requestsByApiVersion()), ['2026-03']);

    const invalid = await cliFor(stack.env.client, {
      ...envOf(stack.config, 'test'),
      HUBSPOT_API_VERSION: 'v3',
    });
    const refused = await invalid('hubspot', 'check');
    assert.equal(refused.code, 2);
    assert.match(refused.stderr.join('\n'), /HUBSPOT_API_VERSION.*2026-09/);
  });

  it('checks the create defaults against the portal: an unknown property is a problem (exit 3) naming the variable', async () => {
    const env = { ...envOf(stack.config, 'test'), HUBSPOT_COMPANY_DEFAULTS: 'industri=COMPUTER_SOFTWARE' };
    const withTypo = await cliFor(stack.env.client, env);
    const check = await withTypo('hubspot', 'check', '--json');
    assert.equal(check.code, 3);
    const report = check.lastJson<PortalReport>();
    const problem = report.problems.find((p) => p.subject === 'HUBSPOT_COMPANY_DEFAULTS.industri');
    assert.ok(problem, JSON.stringify(report.problems));
    assert.match(problem.message, /no property industri/);
    assert.ok(report.manual.includes(problem) || report.manual.some((p) => p.subject === problem.subject));

    const good = await cliFor(stack.env.client, {
      ...env,
      HUBSPOT_COMPANY_DEFAULTS: 'industry=COMPUTER_SOFTWARE',
    });
    assert.equal((await good('hubspot', 'check')).code, 0);

    const owned = await cliFor(stack.env.client, { ...env, HUBSPOT_CONTACT_DEFAULTS: 'email=x@y.z' });
    const refused = await owned('hubspot', 'check');
    assert.equal(refused.code, 2);
    assert.match(refused.stderr.join('\n'), /HUBSPOT_CONTACT_DEFAULTS.*email is written by the sync itself/);
  });

  it('warns of a validation rule on a property the sync writes, and says required rules are not listed', async () => {
    stack.sims.hubspot.setPropertyValidations('companies', [
      { propertyName: 'name', propertyValidationRules: [{ ruleType: 'MAX_LENGTH', ruleArguments: ['12'] }] },
      { propertyName: 'phone', propertyValidationRules: [{ ruleType: 'REGEX', ruleArguments: ['^\\+'] }] },
    ]);
    try {
      const check = await cli('hubspot', 'check');
      const out = check.stdout.join('\n');
      assert.equal(check.code, 0, out);
      assert.match(out, /warning: companies\.name has a validation rule \(MAX_LENGTH 12\)/);
      assert.doesNotMatch(out, /companies\.phone/, 'the sync does not write phone');
      assert.match(out, /API does not list them/);
    } finally {
      stack.sims.hubspot.setPropertyValidations('companies', []);
    }
  });

  it('a portal that refuses custom objects: check says so and names the scope and HUBSPOT_ACCESS_TOKEN', async () => {
    stack.sims.hubspot.denyScopes(['crm.schemas.custom.read']);
    try {
      const check = await cli('hubspot', 'check', '--json');
      assert.equal(check.code, 3);
      const report = check.lastJson<PortalReport>();
      assert.equal(report.customObjects, 'unavailable');
      const problem = report.problems.find((p) => p.kind === 'object-unavailable');
      assert.ok(problem, JSON.stringify(report.problems));
      assert.match(problem.message, /lacks crm\.schemas\.custom\.read/);
      assert.match(problem.message, /HUBSPOT_ACCESS_TOKEN/);
      const writes = stack.hubspotWrites();
      const apply = await cli('hubspot', 'setup', '--apply');
      assert.equal(apply.code, 3, 'a person must act: --apply cannot make custom objects available');
      assert.equal(stack.hubspotWrites(), writes);
    } finally {
      stack.sims.hubspot.denyScopes([]);
    }
  });
});
