import assert from 'node:assert/strict';
import type { PortalReport } from '../../src/clients/hubspot-setup';
import { cliFor, envOf, type Cli } from '../support/cli';
import { startStack, type Stack } from '../support/stack';

describe('client: hubspot check and setup', function () {
  this.timeout(60_000);
  let stack: Stack;
  let cli: Cli;

  before(async () => {
    // A portal nobody has set up yet.
    stack = await startStack({ setup: false });
    cli = await cliFor(stack.env.client, envOf(stack.config, `cli-hubspot-${process.pid}`));
  });
  after(async () => {
    await stack?.close();
  });

  it('check on an empty portal lists what is missing and exits 3; setup without --apply writes nothing', async () => {
    const writes = stack.hubspotWrites();
    const check = await cli('hubspot', 'check');
    assert.equal(check.code, 3);
    assert.match(check.stdout.join('\n'), /feature_request/);
    assert.match(check.stdout.join('\n'), /hubspot setup --apply/);

    const preview = await cli('hubspot', 'setup', '--json');
    assert.equal(preview.code, 3);
    const report = preview.lastJson<PortalReport & { ok: boolean }>();
    assert.equal(report.ok, false);
    assert.ok(report.problems.some((p) => p.kind === 'object-missing'));
    assert.deepEqual(report.applied, []);
    assert.equal(stack.hubspotWrites() - writes, 0, 'nothing applied without --apply');
  });

  it('setup --apply creates the object; a second apply makes zero write requests', async () => {
    const applied = await cli('hubspot', 'setup', '--apply');
    assert.equal(applied.code, 0, applied.stdout.concat(applied.stderr).join('\n'));
    assert.match(applied.stdout.join('\n'), /applied: created object feature_request/);
    assert.match(applied.stdout.join('\n'), /matches the data model/);

    const writes = stack.hubspotWrites();
    const again = await cli('hubspot', 'setup', '--apply', '--json');
    assert.equal(again.code, 0);
    assert.deepEqual(again.lastJson<PortalReport>().applied, []);
    assert.equal(stack.hubspotWrites() - writes, 0, 'no write requests on a portal that is set up');
  });

  it('check names a missing property and exits 3; setup --apply adds it, a second apply writes nothing', async () => {
    stack.sims.hubspot.deleteProperty('feature_request', 'vote_count');
    const check = await cli('hubspot', 'check');
    assert.equal(check.code, 3);
    assert.match(check.stdout.join('\n'), /vote_count: property vote_count is missing/);

    const json = await cli('hubspot', 'check', '--json');
    assert.equal(json.code, 3);
    assert.deepEqual(
      json.lastJson<PortalReport>().problems.map((p) => p.subject),
      ['vote_count'],
    );

    const applied = await cli('hubspot', 'setup', '--apply');
    assert.equal(applied.code, 0);
    assert.match(applied.stdout.join('\n'), /applied: created property feature_request\.vote_count/);

    const writes = stack.hubspotWrites();
    const again = await cli('hubspot', 'setup', '--apply');
    assert.equal(again.code, 0);
    assert.equal(stack.hubspotWrites() - writes, 0);
    assert.equal((await cli('hubspot', 'check')).code, 0);
  });

  it('exits 3 while a difference --apply may not fix remains', async () => {
    // A property of the wrong type needs a person: --apply never changes what exists.
    stack.sims.hubspot.deleteProperty('feature_request', 'vote_count');
    const objectTypeId = (await stack.gateway.findSchema('feature_request'))!.objectTypeId;
    await stack.gateway.createProperty(objectTypeId, {
      name: 'vote_count',
      label: 'Votes',
      type: 'string',
      fieldType: 'text',
      groupName: 'feature_request_information',
    });
    const applied = await cli('hubspot', 'setup', '--apply');
    assert.equal(applied.code, 3);
    assert.match(applied.stdout.join('\n'), /vote_count.*needs a person/);
  });

  it('a token HubSpot refuses is an error (exit 1) that never shows the token', async () => {
    const token = 'pat-na1-wrong-token-0000';
    const refused = await cliFor(stack.env.client, { ...cli.env, HUBSPOT_ACCESS_TOKEN: token });
    const result = await refused('hubspot', 'check');
    assert.equal(result.code, 1);
    assert.ok(result.stderr.length > 0);
    assert.ok(!result.stdout.concat(result.stderr).join('\n').includes(token));
  });
});
