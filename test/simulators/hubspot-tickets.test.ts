// The HubSpot simulator's tickets (docs/reference/hubspot.md, "Tickets, pipelines, limits and the tier"): the
// built-in type on every object route, what a ticket write must hold, the pipelines API, the HubSpot-defined
// associations to companies and contacts, and the `tickets` scope. Over real HTTP, on the dated paths, through
// the official client's generic request.
import assert from 'node:assert/strict';
import { Client } from '@hubspot/api-client';
import { HubspotSimulator, type HubspotSimulatorOptions } from '../../src/simulators/hubspot';
import { apiCall, startHubspotSim } from '../support/hubspot-sim';

const TOKEN = 'pat-tickets-test';
const V = '2026-09';

interface Stage {
  id: string;
  label: string;
  displayOrder: number;
  metadata: Record<string, string>;
  archived: boolean;
  createdAt: string;
  writePermissions: string;
}

/** The fields of HubSpot's answers these tests read. */
interface Answer {
  status: string;
  message: string;
  category: string;
  numErrors: number;
  id: string;
  label: string;
  properties: Record<string, string>;
  stages: Stage[];
  metadata: Record<string, string>;
  context: Record<string, string[]>;
  results: Array<{
    id: string;
    label: string | null;
    typeId: number;
    category: string;
    name: string;
    hubspotDefined: boolean;
    groupName: string;
    options: Array<{ value: string }>;
    properties: Record<string, string>;
    stages: Stage[];
    new?: boolean;
    from: { id: string };
    to: Array<{ toObjectId: number; associationTypes: Array<{ typeId: number; label: string | null }> }>;
    associationSpec: { associationTypeId: number };
  }>;
  errors: Array<{ category: string; message: string; context: Record<string, string[]> }>;
}

const STAGES = [
  { label: 'open', displayOrder: 0, metadata: { ticketState: 'OPEN' } },
  { label: 'closed', displayOrder: 1, metadata: { ticketState: 'CLOSED' } },
];

describe('HubSpot simulator: tickets', function () {
  let sim: HubspotSimulator;
  let client: Client;

  async function start(options: HubspotSimulatorOptions = {}): Promise<void> {
    ({ sim, client } = await startHubspotSim(TOKEN, options));
  }

  const call = (method: string, path: string, body?: unknown) => apiCall<Answer>(client, method, path, body);

  const ticket = (properties: Record<string, string>) =>
    call('POST', `/crm/objects/${V}/tickets`, { properties });

  beforeEach(() => start());
  afterEach(async () => {
    await sim?.close();
  });

  describe('the ticket object', () => {
    it('is a built-in type (0-5) with its properties in the ticketinformation group', async () => {
      const listed = await call('GET', `/crm/properties/${V}/0-5`);
      assert.equal(listed.status, 200);
      const byName = new Map(listed.body.results.map((p) => [p.name, p]));
      for (const name of [
        'subject',
        'content',
        'hs_pipeline',
        'hs_pipeline_stage',
        'hs_ticket_priority',
        'hs_ticket_category',
        'hs_object_id',
        'createdate',
        'hs_lastmodifieddate',
      ]) {
        assert.equal(byName.get(name)?.hubspotDefined, true, name);
        assert.equal(byName.get(name)?.groupName, 'ticketinformation', name);
      }
      assert.deepEqual(
        byName.get('hs_ticket_priority')!.options.map((o) => o.value),
        ['LOW', 'MEDIUM', 'HIGH'],
      );
      const groups = await call('GET', `/crm/properties/${V}/tickets/groups`);
      assert.deepEqual(
        groups.body.results.map((g) => g.name),
        ['ticketinformation'],
      );
    });

    it('creates a ticket in the default pipeline when it names none; reads, searches and archives it', async () => {
      const created = await ticket({
        subject: 'Dark mode',
        hs_pipeline_stage: '1',
        hs_ticket_priority: 'HIGH',
      });
      assert.equal(created.status, 201);
      assert.equal(created.body.properties.hs_pipeline, '0');
      const id = created.body.id;
      const read = await call('GET', `/crm/objects/${V}/tickets/${id}`);
      assert.equal(read.body.properties.subject, 'Dark mode');
      assert.equal(read.body.properties.hs_pipeline_stage, '1');
      const found = await call('POST', `/crm/objects/${V}/tickets/search`, {
        filterGroups: [{ filters: [{ propertyName: 'hs_pipeline_stage', operator: 'EQ', value: '1' }] }],
      });
      assert.deepEqual(
        found.body.results.map((r) => r.id),
        [id],
      );
      const batchRead = await call('POST', `/crm/objects/${V}/tickets/batch/read`, {
        inputs: [{ id }],
        properties: ['subject'],
      });
      assert.equal(batchRead.body.results[0]!.properties.subject, 'Dark mode');
      assert.equal(sim.objects('0-5').length, 1);
      const archived = await call('POST', `/crm/objects/${V}/tickets/batch/archive`, { inputs: [{ id }] });
      assert.equal(archived.status, 204);
      assert.equal(sim.objects('tickets').length, 0);
    });

    it('refuses a create without subject or stage, or with a stage its pipeline lacks, and a bad priority', async () => {
      const missing = await ticket({ content: 'no subject' });
      assert.equal(missing.status, 400);
      assert.equal(missing.body.category, 'VALIDATION_ERROR');
      assert.equal(
        missing.body.message,
        'Cannot create object with type: TICKET. The following required properties were missing: [subject, hs_pipeline_stage]',
      );
      assert.deepEqual(missing.body.context.properties, ['subject', 'hs_pipeline_stage']);

      const stage = await ticket({ subject: 'x', hs_pipeline_stage: '9' });
      assert.equal(stage.status, 400);
      assert.match(stage.body.message, /9 was not one of the allowed options: \[1, 2, 3, 4\]/);
      assert.match(stage.body.message, /INVALID_OPTION/);
      assert.deepEqual(stage.body.context.propertyName, ['hs_pipeline_stage']);

      const pipeline = await ticket({ subject: 'x', hs_pipeline: '77', hs_pipeline_stage: '1' });
      assert.equal(pipeline.status, 400);
      assert.deepEqual(pipeline.body.context.propertyName, ['hs_pipeline']);

      const priority = await ticket({ subject: 'x', hs_pipeline_stage: '1', hs_ticket_priority: 'URGENT' });
      assert.equal(priority.status, 400);
      assert.match(priority.body.message, /URGENT was not one of the allowed options/);
      assert.equal(sim.objects('tickets').length, 0);
    });

    it('batch create: per record when traced, the whole batch otherwise', async () => {
      const inputs = [
        { properties: { subject: 'ok', hs_pipeline_stage: '2' }, associations: [], objectWriteTraceId: 'a' },
        { properties: { subject: 'no stage' }, associations: [], objectWriteTraceId: 'b' },
      ];
      const traced = await call('POST', `/crm/objects/${V}/tickets/batch/create`, { inputs });
      assert.equal(traced.status, 201);
      assert.equal(traced.body.results.length, 1);
      assert.equal(traced.body.results[0]!.properties.hs_pipeline, '0');
      assert.deepEqual(traced.body.errors[0]!.context.properties, ['hs_pipeline_stage']);
      assert.deepEqual(traced.body.errors[0]!.context.objectWriteTraceId, ['b']);

      const untraced = await call('POST', `/crm/objects/${V}/tickets/batch/create`, {
        inputs: inputs.map(({ objectWriteTraceId: _t, ...input }) => input),
      });
      assert.equal(untraced.status, 400);
      assert.equal(sim.objects('tickets').length, 1);
    });

    it('upserts by a unique property; moves pipeline and stage together, refusing a stage of another pipeline', async () => {
      const property = await call('POST', `/crm/properties/${V}/tickets`, {
        name: 'fr_external_id',
        label: 'External id',
        type: 'string',
        fieldType: 'text',
        groupName: 'ticketinformation',
        hasUniqueValue: true,
      });
      assert.equal(property.status, 201);
      const pipeline = await call('POST', `/crm/pipelines/${V}/tickets`, {
        label: 'Feature requests',
        displayOrder: 1,
        stages: STAGES,
      });
      const [open, closed] = pipeline.body.stages;

      const upsert = (properties: Record<string, string>) =>
        call('POST', `/crm/objects/${V}/tickets/batch/upsert`, {
          inputs: [{ id: 'canny:1', idProperty: 'fr_external_id', properties }],
        });
      // A create needs subject and stage: the whole upsert batch is refused.
      const refused = await upsert({ subject: 'Dark mode' });
      assert.equal(refused.status, 400);
      assert.deepEqual(refused.body.context.properties, ['hs_pipeline_stage']);
      const created = await upsert({
        subject: 'Dark mode',
        hs_pipeline: pipeline.body.id,
        hs_pipeline_stage: open!.id,
      });
      assert.equal(created.status, 200);
      assert.equal(created.body.results[0]!.new, true);
      // An update needs neither; a stage of the default pipeline is not one of this one's.
      assert.equal((await upsert({ content: 'please' })).body.results[0]!.new, false);
      const wrongStage = await upsert({ hs_pipeline_stage: '4' });
      assert.equal(wrongStage.status, 400);
      assert.match(wrongStage.body.message, /4 was not one of the allowed options/);

      const id = created.body.results[0]!.id;
      const update = (properties: Record<string, string>) =>
        call('POST', `/crm/objects/${V}/tickets/batch/update`, { inputs: [{ id, properties }] });
      const alone = await update({ hs_pipeline: '0' });
      assert.equal(alone.status, 200);
      assert.equal(alone.body.numErrors, 1, 'moving the pipeline alone leaves a stage it lacks');
      const together = await update({ hs_pipeline: '0', hs_pipeline_stage: '4' });
      assert.equal(together.body.results[0]!.properties.hs_pipeline_stage, '4');
      const patched = await call('PATCH', `/crm/objects/${V}/tickets/${id}`, {
        properties: { hs_pipeline: pipeline.body.id, hs_pipeline_stage: closed!.id },
      });
      assert.equal(patched.status, 200);
      assert.equal(sim.getObject('tickets', id)!.properties.hs_pipeline_stage, closed!.id);
    });
  });

  describe('pipelines', () => {
    it('every portal starts with the default Support Pipeline, shaped as the reference says', async () => {
      const listed = await call('GET', `/crm/pipelines/${V}/tickets`);
      assert.equal(listed.status, 200);
      assert.equal(listed.body.results.length, 1);
      const pipeline = listed.body.results[0]!;
      assert.equal(pipeline.id, '0');
      assert.equal(pipeline.label, 'Support Pipeline');
      assert.deepEqual(
        pipeline.stages.map((s) => [s.id, s.label, s.metadata.ticketState]),
        [
          ['1', 'New', 'OPEN'],
          ['2', 'Waiting on contact', 'OPEN'],
          ['3', 'Waiting on us', 'OPEN'],
          ['4', 'Closed', 'CLOSED'],
        ],
      );
      const stage = pipeline.stages[0]!;
      assert.equal(stage.archived, false);
      assert.equal(stage.createdAt, new Date(0).toISOString());
      assert.equal(stage.writePermissions, 'CRM_PERMISSIONS_ENFORCEMENT');
      const one = await call('GET', `/crm/pipelines/${V}/0-5/0`);
      assert.equal(one.body.label, 'Support Pipeline');
      const stages = await call('GET', `/crm/pipelines/2026-03/tickets/0/stages`);
      assert.equal(stages.body.results.length, 4);
      assert.equal((await call('GET', `/crm/pipelines/${V}/tickets/0/stages/4`)).body.label, 'Closed');
    });

    it('creates a pipeline (201, generated string ids) and stages; labels are unique', async () => {
      const created = await call('POST', `/crm/pipelines/${V}/tickets`, {
        label: 'Feature requests',
        displayOrder: 1,
        stages: [STAGES[1], STAGES[0]],
      });
      assert.equal(created.status, 201);
      assert.match(created.body.id, /^\d+$/);
      assert.deepEqual(
        created.body.stages.map((s) => s.label),
        ['open', 'closed'],
        'stages in display order',
      );
      assert.ok(created.body.stages.every((s) => /^\d+$/.test(s.id) && s.id !== created.body.id));
      const id = created.body.id;
      assert.equal((await call('GET', `/crm/pipelines/${V}/tickets/${id}`)).body.label, 'Feature requests');

      const stage = await call('POST', `/crm/pipelines/${V}/tickets/${id}/stages`, {
        label: 'planned',
        displayOrder: 2,
        metadata: {},
      });
      assert.equal(stage.status, 201);
      assert.equal(stage.body.metadata.ticketState, 'OPEN');
      assert.equal((await call('GET', `/crm/pipelines/${V}/tickets/${id}/stages`)).body.results.length, 3);

      const again = await call('POST', `/crm/pipelines/${V}/tickets`, {
        label: 'feature requests',
        displayOrder: 2,
        stages: STAGES,
      });
      assert.equal(again.status, 409);
      assert.equal(again.body.category, 'CONFLICT');
      const twice = await call('POST', `/crm/pipelines/${V}/tickets`, {
        label: 'Other',
        displayOrder: 2,
        stages: [STAGES[0], STAGES[0]],
      });
      assert.equal(twice.status, 400);
      const stageAgain = await call('POST', `/crm/pipelines/${V}/tickets/${id}/stages`, STAGES[0]);
      assert.equal(stageAgain.status, 409);
      const badState = await call('POST', `/crm/pipelines/${V}/tickets/${id}/stages`, {
        label: 'x',
        displayOrder: 3,
        metadata: { ticketState: 'PENDING' },
      });
      assert.equal(badState.status, 400);

      assert.deepEqual(
        sim.pipelines('tickets').map((p) => p.label),
        ['Support Pipeline', 'Feature requests'],
      );
      const state = (await (await fetch(`${sim.url}/_sim/state`)).json()) as {
        pipelines: Record<string, unknown[]>;
      };
      assert.equal(state.pipelines['0-5']!.length, 2);
    });

    it('answers 404 for an unknown pipeline and 400 for a type without pipelines', async () => {
      assert.equal((await call('GET', `/crm/pipelines/${V}/tickets/404`)).status, 404);
      assert.equal((await call('GET', `/crm/pipelines/${V}/companies`)).status, 400);
      const missing = await call('POST', `/crm/pipelines/${V}/tickets`, { label: 'x', stages: STAGES });
      assert.equal(missing.status, 400);
      assert.match(missing.body.message, /displayOrder/);
    });

    it("refuses a pipeline past the tier's limit, naming it; setLimits and reset move the limit", async () => {
      await sim.close();
      await start({ tier: 'starter' });
      const create = (label: string) =>
        call('POST', `/crm/pipelines/${V}/tickets`, { label, displayOrder: 1, stages: STAGES });
      assert.equal((await create('Second')).status, 201);
      const third = await create('Third');
      assert.equal(third.status, 400);
      assert.equal(third.body.category, 'VALIDATION_ERROR');
      assert.match(third.body.message, /limit of 2 ticket pipelines/);
      sim.setLimits({ ticketPipelines: 3 });
      assert.equal((await create('Third')).status, 201);
      sim.reset();
      assert.equal(sim.pipelines('tickets').length, 1);
      assert.equal((await create('Second')).status, 201);
      assert.equal((await create('Third')).status, 400, 'reset restores the tier limit');
    });
  });

  describe('associations', () => {
    async function pair(): Promise<{ ticketId: string; companyId: string; contactId: string }> {
      const ticketId = (await ticket({ subject: 'Dark mode', hs_pipeline_stage: '1' })).body.id;
      const [companyId] = sim.seedCompanies([{ properties: { name: 'Acme', domain: 'acme.example' } }]);
      const [contactId] = sim.seedContacts([{ properties: { email: 'ada@acme.example' } }]);
      return { ticketId, companyId: companyId!, contactId: contactId! };
    }

    it('associates tickets with companies and contacts under the HubSpot-defined default types', async () => {
      const { ticketId, companyId, contactId } = await pair();
      const company = await call('POST', `/crm/associations/${V}/tickets/companies/batch/associate/default`, {
        inputs: [{ from: { id: ticketId }, to: { id: companyId } }],
      });
      assert.equal(company.status, 200);
      assert.deepEqual(
        company.body.results.map((r) => r.associationSpec.associationTypeId),
        [339, 340],
      );
      const contact = await call('POST', `/crm/associations/${V}/tickets/contacts/batch/associate/default`, {
        inputs: [{ from: { id: ticketId }, to: { id: contactId } }],
      });
      assert.deepEqual(
        contact.body.results.map((r) => r.associationSpec.associationTypeId),
        [16, 15],
      );
      assert.deepEqual(sim.associations('companies', companyId, 'tickets'), [ticketId]);
      const labels = await call('GET', `/crm/associations/${V}/tickets/companies/labels`);
      assert.deepEqual(
        labels.body.results.map((r) => [r.typeId, r.label]),
        [
          [26, 'Primary'],
          [339, null],
        ],
      );
    });

    it('creates a label, associates under it, reads and archives, as for any object', async () => {
      const { ticketId, companyId } = await pair();
      const created = await call('POST', `/crm/associations/${V}/tickets/companies/labels`, {
        label: 'Feedback sync',
        name: 'feedback_sync',
      });
      assert.equal(created.status, 200);
      const typeId = created.body.results.find((r) => r.label === 'Feedback sync')!.typeId;
      const types = [{ associationCategory: 'USER_DEFINED', associationTypeId: typeId }];
      const linked = await call('POST', `/crm/associations/${V}/tickets/companies/batch/create`, {
        inputs: [{ from: { id: ticketId }, to: { id: companyId }, types }],
      });
      assert.equal(linked.status, 200);
      const read = await call('POST', `/crm/associations/${V}/tickets/companies/batch/read`, {
        inputs: [{ id: ticketId }],
      });
      assert.deepEqual(
        read.body.results[0]!.to[0]!.associationTypes.map((t) => t.typeId),
        [339, typeId].sort((a, b) => a - b),
      );
      const archived = await call('POST', `/crm/associations/${V}/tickets/companies/batch/archive`, {
        inputs: [{ from: { id: ticketId }, to: [{ id: companyId }] }],
      });
      assert.equal(archived.status, 200);
      assert.deepEqual(sim.associations('tickets', ticketId, 'companies'), []);
    });
  });

  it('ticket records, properties and pipelines need the tickets scope; other calls do not', async () => {
    sim.denyScopes(['tickets']);
    for (const [method, path, body] of [
      ['POST', `/crm/objects/${V}/tickets`, { properties: { subject: 'x', hs_pipeline_stage: '1' } }],
      ['POST', `/crm/objects/${V}/0-5/search`, {}],
      ['GET', `/crm/properties/${V}/tickets`, undefined],
      ['GET', `/crm/pipelines/${V}/tickets`, undefined],
      ['POST', `/crm/associations/${V}/tickets/companies/batch/read`, { inputs: [] }],
    ] as const) {
      const refused = await call(method, path, body);
      assert.equal(refused.status, 403, path);
      assert.equal(refused.body.category, 'MISSING_SCOPES');
      assert.deepEqual(refused.body.context.missingScopes, ['tickets']);
    }
    assert.equal((await call('GET', `/crm/properties/${V}/companies`)).status, 200);
    assert.equal((await call('GET', `/crm/limits/${V}/pipelines`)).status, 200);
    sim.denyScopes([]);
    assert.equal((await call('GET', `/crm/pipelines/${V}/tickets`)).status, 200);
  });
});
