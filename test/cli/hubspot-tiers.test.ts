// `hubspot check` and `hubspot setup` on every tier: `auto` picks tickets on a Professional portal and the
// custom object on an Enterprise one, and says why; a portal without room for setup's custom properties or
// pipeline is told which limit and how many setup needs, and setup writes nothing; a portal whose other target
// already holds requests is refused.
import assert from 'node:assert/strict';
import type { PortalReport } from '../../src/clients/hubspot-setup';
import { TICKET_PROPERTIES } from '../../src/domain/request-target';
import { cliFor, envOf, type Cli } from '../support/cli';
import { createTicket, startStack, type Stack } from '../support/stack';

type Tier = 'free' | 'starter' | 'professional' | 'enterprise';

const HELP_DESK_STAGES = ['New', 'Waiting on contact', 'Waiting on us', 'Closed'].map(
  (label, displayOrder) => ({
    label,
    displayOrder,
    metadata: { ticketState: label === 'Closed' ? 'CLOSED' : 'OPEN' },
  }),
);

describe('client: hubspot check and setup on every tier (HUBSPOT_TARGET)', function () {
  this.timeout(120_000);
  const stacks: Stack[] = [];

  async function portal(tier: Tier, env: Record<string, string> = {}): Promise<{ stack: Stack; cli: Cli }> {
    const stack = await startStack({ setup: false, simulators: { dataset: false, hubspot: { tier } } });
    stacks.push(stack);
    await stack.stopWorkers();
    const cli = await cliFor(stack.env.client, {
      ...envOf(stack.config, `cli-tiers-${process.pid}-${stacks.length}`),
      ...env,
    });
    return { stack, cli };
  }

  after(async () => {
    for (const stack of stacks) await stack.close();
  });

  it('auto on a Professional portal: check says tickets and why; setup builds the pipeline; a second apply writes nothing', async () => {
    const { stack, cli } = await portal('professional');
    const check = await cli('hubspot', 'check');
    assert.equal(check.code, 3);
    const text = check.stdout.join('\n');
    assert.match(
      text,
      /target: tickets in the "Feature requests" pipeline · auto: the portal cannot hold a custom object/,
    );
    assert.match(text, /ticket pipeline "Feature requests" is missing/);

    const applied = await cli('hubspot', 'setup', '--apply', '--json');
    const report = applied.lastJson<PortalReport & { ok: boolean }>();
    assert.equal(applied.code, 0, JSON.stringify(report.problems));
    assert.equal(report.target.kind, 'tickets');
    const pipeline = stack.sims.hubspot.pipelines('tickets').find((p) => p.label === 'Feature requests')!;
    assert.deepEqual(
      pipeline.stages.map((s) => s.label),
      ['open', 'under review', 'planned', 'in progress', 'complete', 'closed'],
    );
    assert.equal(report.pipelineId, String(pipeline.id));
    assert.equal(stack.sims.hubspot.schemas().length, 0);

    const writes = stack.hubspotWrites();
    const again = await cli('hubspot', 'setup', '--apply');
    assert.equal(again.code, 0);
    assert.match(again.stdout.join('\n'), /matches the data model \(tickets, pipeline/);
    assert.equal(stack.hubspotWrites() - writes, 0, 'a portal that is set up gets no write');
  });

  it('auto on an Enterprise portal: check says the custom object and why', async () => {
    const { cli } = await portal('enterprise');
    const check = await cli('hubspot', 'check', '--json');
    const report = check.lastJson<PortalReport>();
    assert.equal(report.target.kind, 'custom-object');
    assert.match(report.target.why, /auto: the portal can create a custom object/);
    assert.ok(report.problems.some((p) => p.kind === 'object-missing'));
  });

  it('HUBSPOT_TARGET=custom-object on a Professional portal: check says the tier, and names the tickets target', async () => {
    const { stack, cli } = await portal('professional', { HUBSPOT_TARGET: 'custom-object' });
    const writes = stack.hubspotWrites();
    const setup = await cli('hubspot', 'setup', '--apply');
    assert.equal(setup.code, 3);
    assert.match(setup.stdout.join('\n'), /custom objects need Enterprise\): set HUBSPOT_TARGET=tickets/);
    assert.match(setup.stdout.join('\n'), /needs a person/);
    assert.equal(stack.hubspotWrites() - writes, 0);
  });

  it('a portal at its custom-property limit: check names the limit and what setup needs; setup writes nothing', async () => {
    const { stack, cli } = await portal('professional');
    // Room for 5 more custom properties; setup needs the ticket properties and the company key.
    const usage = (await limits(stack)).overallUsage;
    stack.sims.hubspot.setLimits({ customProperties: usage + 5 });
    const needed = TICKET_PROPERTIES.length + 1;
    const check = await cli('hubspot', 'check');
    assert.equal(check.code, 3);
    assert.match(
      check.stdout.join('\n'),
      new RegExp(
        `may hold ${usage + 5} custom properties and holds ${usage}; setup needs ${needed} more \\(5 free\\)`,
      ),
    );
    const writes = stack.hubspotWrites();
    const setup = await cli('hubspot', 'setup', '--apply', '--json');
    assert.equal(setup.code, 3);
    assert.deepEqual(setup.lastJson<PortalReport>().applied, []);
    assert.equal(stack.hubspotWrites() - writes, 0, 'setup wrote nothing');
    assert.equal(stack.sims.hubspot.pipelines('tickets').length, 1, 'only the default pipeline');
  });

  it('a Starter portal at its ticket-pipeline limit: reported, and setup writes nothing', async () => {
    const { stack, cli } = await portal('starter');
    stack.sims.hubspot.setLimits({ ticketPipelines: 1 });
    const check = await cli('hubspot', 'check');
    assert.equal(check.code, 3);
    assert.match(
      check.stdout.join('\n'),
      /may hold 1 ticket pipeline\(s\) and holds 1; setup needs one more/,
    );
    const writes = stack.hubspotWrites();
    assert.equal((await cli('hubspot', 'setup', '--apply')).code, 3);
    assert.equal(stack.hubspotWrites() - writes, 0);
  });

  it('a Starter portal refuses the association labels: setup stops at them and writes nothing else', async () => {
    const { stack, cli } = await portal('starter');
    const setup = await cli('hubspot', 'setup', '--apply', '--json');
    assert.equal(setup.code, 3);
    const report = setup.lastJson<PortalReport>();
    assert.ok(
      report.manual.some((p) => p.kind === 'label-unavailable'),
      JSON.stringify(report.problems),
    );
    assert.match(report.manual[0]!.message, /need a Professional or Enterprise subscription/);
    assert.deepEqual(report.applied, []);
    assert.equal(stack.sims.hubspot.pipelines('tickets').length, 1, 'no pipeline');
    const properties = await stack.gateway.listProperties('tickets');
    assert.ok(!properties.some((p) => p.name.startsWith('fr_')), 'no ticket property');
    assert.ok(
      !(await stack.gateway.listProperties('companies')).some((p) => p.name === 'feedback_sync_domain'),
    );
  });

  it('a ticket pipeline a person labelled "Feature Requests" is not the sync’s: the custom object runs on, tickets are refused', async () => {
    const { stack, cli } = await portal('enterprise');
    assert.equal((await cli('hubspot', 'setup', '--apply')).code, 0);
    const theirs = await stack.gateway.request<{ id: string; stages: Array<{ id: string }> }>(
      'create a pipeline of their own',
      'POST',
      stack.gateway.paths.pipelines('tickets'),
      {
        label: 'Feature Requests',
        displayOrder: 5,
        // A help desk's usual stages: one of them ("Closed") is a Canny status too.
        stages: HELP_DESK_STAGES,
      },
    );
    await createTicket(stack, {
      subject: 'Dark mode please',
      hs_pipeline: theirs.id,
      hs_pipeline_stage: theirs.stages[0]!.id,
    });
    const check = await cli('hubspot', 'check', '--json');
    assert.equal(check.code, 0, JSON.stringify(check.lastJson<PortalReport>().problems));
    assert.equal(check.lastJson<PortalReport>().target.kind, 'custom-object');

    const tickets = await cliFor(stack.env.client, { ...cli.env, HUBSPOT_TARGET: 'tickets' });
    const writes = stack.hubspotWrites();
    const setup = await tickets('hubspot', 'setup', '--apply');
    assert.equal(setup.code, 3);
    assert.match(setup.stdout.join('\n'), /labelled "Feature requests" exists and is not the sync's/);
    assert.equal(stack.hubspotWrites() - writes, 0, 'their pipeline gets no stage');
  });

  it('auto on a Professional portal with a help-desk pipeline labelled "Feature requests": setup refuses to touch it', async () => {
    const { stack, cli } = await portal('professional');
    await stack.gateway.request('their pipeline', 'POST', stack.gateway.paths.pipelines('tickets'), {
      label: 'Feature requests',
      displayOrder: 5,
      stages: HELP_DESK_STAGES,
    });
    const writes = stack.hubspotWrites();
    const setup = await cli('hubspot', 'setup', '--apply', '--json');
    assert.equal(setup.code, 3);
    const report = setup.lastJson<PortalReport>();
    assert.ok(
      report.manual.some((p) => p.kind === 'pipeline-taken'),
      JSON.stringify(report.problems),
    );
    assert.equal(stack.hubspotWrites() - writes, 0, 'no stage added to their pipeline, nothing else written');
    const theirs = stack.sims.hubspot.pipelines('tickets').find((p) => p.label === 'Feature requests')!;
    assert.equal(theirs.stages.length, 4);
  });

  it('tickets holding requests outside any Feature requests pipeline still count: the custom object is refused', async () => {
    const { stack, cli } = await portal('enterprise', { HUBSPOT_TARGET: 'custom-object' });
    // A portal that kept requests as tickets, whose pipeline a person since renamed: the key says they are.
    await stack.gateway.createProperty('tickets', {
      name: 'fr_external_id',
      label: 'FR External ID',
      type: 'string',
      fieldType: 'text',
      groupName: 'ticketinformation',
      hasUniqueValue: true,
    });
    await createTicket(stack, {
      subject: 'Dark mode',
      fr_external_id: 'canny:p1',
      hs_pipeline: '0',
      hs_pipeline_stage: '1',
    });
    const writes = stack.hubspotWrites();
    const setup = await cli('hubspot', 'setup', '--apply');
    assert.equal(setup.code, 3);
    assert.match(setup.stdout.join('\n'), /already holds 1 feature request\(s\) as tickets/);
    assert.equal(stack.hubspotWrites() - writes, 0);
    assert.equal(stack.sims.hubspot.schemas().length, 0);
  });

  it('switching the target of a portal that holds requests is refused by check and setup, which writes nothing', async () => {
    const { stack, cli } = await portal('enterprise', { HUBSPOT_TARGET: 'custom-object' });
    assert.equal((await cli('hubspot', 'setup', '--apply')).code, 0);
    const schema = stack.sims.hubspot.schemas()[0]!;
    await stack.gateway.upsert(
      schema.objectTypeId,
      [
        {
          id: 'canny:p1',
          idProperty: 'external_id',
          properties: { name: 'Dark mode', external_id: 'canny:p1' },
        },
      ],
      ['canny:p1'],
    );
    const tickets = await cliFor(stack.env.client, { ...cli.env, HUBSPOT_TARGET: 'tickets' });
    const writes = stack.hubspotWrites();
    const setup = await tickets('hubspot', 'setup', '--apply');
    assert.equal(setup.code, 3);
    assert.match(
      setup.stdout.join('\n'),
      /already holds 1 feature request\(s\) as the custom object feature_request.*set HUBSPOT_TARGET=custom-object/,
    );
    assert.equal(stack.hubspotWrites() - writes, 0);
    assert.equal(stack.sims.hubspot.pipelines('tickets').length, 1);
  });
});

async function limits(stack: Stack): Promise<{ overallUsage: number }> {
  return stack.gateway.request('read limits', 'GET', stack.gateway.paths.limits('custom-properties'));
}
