// Every HubSpot tier: on a Professional portal (no custom objects), `auto` keeps the requests as tickets in the
// Feature requests pipeline. Two `npm run worker` processes write exactly the state a clean run leaves in the
// custom object, by the same contract (portal-state.ts reads tickets back by it and checks every stage); a
// rerun writes nothing; a status change moves the ticket with the write that carries it; a support ticket a
// person made is never touched.
import assert from 'node:assert/strict';
import { externalIdOf } from '../../src/domain/feature-request';
import { TICKET_PIPELINE } from '../../src/domain/request-target';
import { blocksAsText } from '../../src/domain/summary';
import type { HubspotSimulator } from '../../src/simulators/hubspot';
import { cliFor, envOf } from '../support/cli';
import { assertNoDuplicates, cleanRun, portalState } from '../support/portal-state';
import { createTicket, startFullRun, startStack, type Stack } from '../support/stack';
import { startWorkerProcess, stopAll, workerEnvOf, type WorkerProcess } from '../support/worker-processes';

const DATASET = { seed: 11, posts: 60, votes: 400, users: 90, companies: 25 };
/** Ten pages, so that pages, their children and their activities spread over the workers. */
const ENV = { SYNC_PAGE_SIZE: '6', HUBSPOT_REQUESTS_PER_10S: '60' };

type State = ReturnType<typeof portalState>;

/** The upserts of tickets HubSpot received since `from` (request log index). */
function ticketUpserts(hubspot: HubspotSimulator, from: number): number {
  return hubspot.server
    .requests()
    .slice(from)
    .filter((r) => r.method === 'POST' && /\/crm\/objects\/[^/]+\/(tickets|0-5)\/batch\/upsert$/.test(r.path))
    .length;
}

function stageOf(hubspot: HubspotSimulator, status: string): string {
  const pipeline = hubspot.pipelines('tickets').find((p) => p.label === TICKET_PIPELINE.label)!;
  return String(pipeline.stages.find((s) => s.label === status)!.id);
}

describe('tickets target: a Professional portal keeps requests as tickets', function () {
  this.timeout(600_000);
  let reference: State;

  before(async () => {
    // The reference is the custom object's: both targets hold the same requests, by the same contract.
    reference = (await cleanRun({ simulators: { dataset: DATASET }, env: ENV })).state;
    assert.ok(reference.requests.length > 20);
  });

  it('2 worker processes: exact state as tickets, a status change moves one ticket in one write, a rerun writes nothing', async () => {
    const stack: Stack = await startStack({
      simulators: { dataset: DATASET, hubspot: { tier: 'professional' } },
      env: { ...ENV, HUBSPOT_TARGET: 'auto' },
    });
    const workers: WorkerProcess[] = [];
    try {
      await stack.stopWorkers();
      const hubspot = stack.sims.hubspot;
      assert.equal(hubspot.schemas().length, 0, 'no custom object on a Professional portal');
      // A support ticket a person made, linked to a company by hand: never the sync's.
      const company = hubspot.objects('companies')[0]!;
      const supportId = await createTicket(stack, {
        subject: 'Printer on fire',
        hs_pipeline: '0',
        hs_pipeline_stage: '1',
      });
      hubspot.associate('tickets', supportId, 'companies', company.id);
      const supportBefore = JSON.stringify(hubspot.getObject('tickets', supportId)?.properties);

      workers.push(
        startWorkerProcess('T0', workerEnvOf(stack)),
        startWorkerProcess('T1', workerEnvOf(stack)),
      );
      await Promise.all(workers.map((w) => w.ready));
      const summary = await (await startFullRun(stack, 'tickets')).result();
      assert.equal(summary.featureRequests.failed, 0, JSON.stringify(summary.failures));
      assert.equal(summary.target, 'tickets');
      const posted = blocksAsText(stack.sims.slack.messages().at(-1)!.blocks as unknown[]);
      assert.match(posted, /HubSpot tickets \(Feature requests pipeline\)/, 'Slack names the target');
      assert.deepEqual(portalState(hubspot), reference);
      assertNoDuplicates(hubspot);

      const mark = stack.hubspotWrites();
      const rerun = await stack.sync();
      assert.equal(stack.hubspotWrites() - mark, 0, 'a rerun writes nothing');
      assert.equal(rerun.featureRequests.unchanged, reference.requests.length);

      // A person moves a ticket to another stage; its request changes in Canny, but not its status: the write
      // leaves the ticket where the person put it.
      const handled = stack.sims.canny.posts().find((p) => p.status === 'under review')!;
      const handledTicket = hubspot
        .objects('tickets')
        .find((t) => t.properties.fr_external_id === externalIdOf(handled.id))!;
      hubspot.setProperty('tickets', handledTicket.id, 'hs_pipeline_stage', stageOf(hubspot, 'complete'));
      stack.sims.canny.updatePost(handled.id, { title: 'Renamed by the PM' });
      assert.equal((await stack.sync()).featureRequests.updated, 1);
      const kept = hubspot.getObject('tickets', handledTicket.id)!;
      assert.equal(kept.properties.subject, 'Renamed by the PM');
      assert.equal(
        String(kept.properties.hs_pipeline_stage),
        stageOf(hubspot, 'complete'),
        'the person’s move stays',
      );

      // A status change in Canny: the ticket moves to that stage, in the write that carries the status.
      const post = stack.sims.canny.posts().find((p) => p.status === 'open')!;
      stack.sims.canny.updatePost(post.id, { status: 'planned' });
      const from = hubspot.server.requests().length;
      const writesBefore = stack.hubspotWrites();
      const moved = await stack.sync();
      assert.equal(moved.featureRequests.updated, 1);
      assert.equal(ticketUpserts(hubspot, from), 1, 'one ticket write');
      // The write and the commit of its fingerprint: nothing else.
      assert.equal(stack.hubspotWrites() - writesBefore, 2);
      const ticket = hubspot
        .objects('tickets')
        .find((t) => t.properties.fr_external_id === externalIdOf(post.id))!;
      assert.equal(ticket.properties.fr_status, 'planned');
      assert.equal(String(ticket.properties.hs_pipeline_stage), stageOf(hubspot, 'planned'));

      // A deleted post: its ticket is marked, never removed, and stays in its stage.
      stack.sims.canny.deletePost(post.id);
      await stack.sync();
      const deleted = hubspot.getObject('tickets', ticket.id)!;
      assert.equal(deleted.properties.fr_source_state, 'deleted');
      assert.equal(String(deleted.properties.hs_pipeline_stage), stageOf(hubspot, 'planned'));

      assert.equal(JSON.stringify(hubspot.getObject('tickets', supportId)?.properties), supportBefore);
      assert.deepEqual(hubspot.associations('tickets', supportId, 'companies'), [company.id]);
    } finally {
      await stopAll(workers);
      await stack.close();
    }
  });

  it('a dry run writes nothing; a company sync writes only that company’s requests, exactly', async () => {
    const stack = await startStack({
      simulators: { dataset: DATASET, hubspot: { tier: 'professional' } },
      env: { ...ENV, HUBSPOT_TARGET: 'tickets' },
    });
    try {
      const hubspot = stack.sims.hubspot;
      const mark = stack.hubspotWrites();
      const dry = await stack.sync({ dryRun: true });
      assert.equal(stack.hubspotWrites() - mark, 0, 'a dry run writes nothing');
      assert.equal(dry.target, 'tickets');
      assert.ok(dry.featureRequests.created > 0);

      // A company's sync first: only the requests its people voted for.
      const domain = reference.requests.flatMap((r) => r.companies).find((d): d is string => Boolean(d))!;
      const company = await stack.sync({ mode: 'company', domain });
      assert.equal(company.featureRequests.failed, 0, JSON.stringify(company.failures));
      const held = portalState(hubspot).requests;
      assert.ok(held.length > 0 && held.length < reference.requests.length);
      for (const request of held)
        assert.deepEqual(
          request,
          reference.requests.find((r) => r.properties.external_id === request.properties.external_id),
        );

      await stack.sync({}, `${stack.taskQueue}/tickets-status`);
      assert.deepEqual(portalState(hubspot), reference);
      assertNoDuplicates(hubspot);

      // A company sync leaves a person's stage move alone too (it reads the status HubSpot holds by batch).
      const request = reference.requests.find(
        (r) => r.companies.includes(domain) && r.properties.status !== 'complete',
      )!;
      const externalId = String(request.properties.external_id);
      const ticket = hubspot.objects('tickets').find((t) => t.properties.fr_external_id === externalId)!;
      const moved = stageOf(hubspot, 'complete');
      hubspot.setProperty('tickets', ticket.id, 'hs_pipeline_stage', moved);
      stack.sims.canny.updatePost(externalId.slice('canny:'.length), {
        title: 'Renamed for the company run',
      });
      const again = await stack.sync({ mode: 'company', domain });
      assert.equal(again.featureRequests.updated, 1, JSON.stringify(again.failures));
      const after = hubspot.getObject('tickets', ticket.id)!;
      assert.equal(after.properties.subject, 'Renamed for the company run');
      assert.equal(String(after.properties.hs_pipeline_stage), moved);

      // `status` names where each run wrote.
      const cli = await cliFor(stack.env.client, envOf(stack.config, stack.config.SYNC_ENV));
      const status = await cli('status', '--limit', '100');
      const line = status.stdout.find((l) => l.includes(`${stack.taskQueue}/tickets-status`));
      assert.match(line ?? status.stdout.join('\n'), /→ HubSpot tickets \(Feature requests pipeline\)/);
    } finally {
      await stack.close();
    }
  });

  it('a help desk that requires a ticket property: each request is a failure naming it and where to meet it; lifted, the next run is exact', async () => {
    const stack = await startStack({
      simulators: { dataset: DATASET, hubspot: { tier: 'professional' } },
      env: { ...ENV, HUBSPOT_TARGET: 'tickets' },
    });
    try {
      const hubspot = stack.sims.hubspot;
      hubspot.setValidationRules([{ objectType: 'tickets', property: 'hs_ticket_priority', on: 'create' }]);
      const refused = await stack.sync();
      assert.equal(refused.featureRequests.failed, reference.requests.length);
      const reason = refused.failures.find((f) => f.kind === 'feature_request')!.reason;
      assert.match(reason, /refused this feature request ticket: the portal requires hs_ticket_priority/);
      assert.match(reason, /Settings → Objects → Tickets/);
      assert.equal(hubspot.objects('tickets').length, 0, 'nothing half-written');

      hubspot.setValidationRules([]);
      const lifted = await stack.sync();
      assert.equal(lifted.featureRequests.failed, 0, JSON.stringify(lifted.failures));
      assert.deepEqual(portalState(hubspot), reference);
    } finally {
      await stack.close();
    }
  });
});
