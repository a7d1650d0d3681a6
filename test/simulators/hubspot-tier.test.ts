// The HubSpot simulator's portal tier and limits (docs/reference/hubspot.md, "Tickets, pipelines, limits and the
// tier"): property groups, the limits tracking API, the custom-property limit, and what a tier below Enterprise
// refuses. Over real HTTP, on the dated paths, through the official client's generic request.
import assert from 'node:assert/strict';
import { Client } from '@hubspot/api-client';
import { HubspotSimulator, type HubspotSimulatorOptions } from '../../src/simulators/hubspot';
import { apiCall, startHubspotSim } from '../support/hubspot-sim';

const TOKEN = 'pat-tier-test';
const V = '2026-09';

interface LimitRow {
  objectTypeId: string;
  singularLabel: string;
  pluralLabel: string;
  limit: number;
  usage: number;
  percentage: number;
}

/** The fields of HubSpot's answers these tests read. */
interface Answer {
  status: string;
  message: string;
  category: string;
  name: string;
  label: string;
  displayOrder: number;
  archived: boolean;
  groupName: string;
  context: Record<string, string[]>;
  results: Array<{ name: string; label: string | null; objectTypeId: string; typeId: number }>;
  overallLimit: number;
  overallUsage: number;
  overallPercentage: number;
  byObjectType: LimitRow[];
  hubspotDefinedObjectTypes: LimitRow[];
  customObjectTypes: { overallLimit: number; overallUsage: number; byObjectType: LimitRow[] };
  limit: number;
  usage: number;
  percentage: number;
}

const property = (name: string, groupName?: string) => ({
  name,
  label: name,
  type: 'string',
  fieldType: 'text',
  ...(groupName ? { groupName } : {}),
});

const schema = (name: string, properties = [property('title')]) => ({
  name,
  labels: { singular: 'Idea', plural: 'Ideas' },
  primaryDisplayProperty: 'title',
  requiredProperties: [],
  searchableProperties: [],
  secondaryDisplayProperties: [],
  allowsSensitiveProperties: false,
  properties,
  associatedObjects: ['COMPANY'],
});

describe('HubSpot simulator: tier, limits and property groups', function () {
  let sim: HubspotSimulator;
  let client: Client;

  async function start(options: HubspotSimulatorOptions = {}): Promise<void> {
    await sim?.close();
    ({ sim, client } = await startHubspotSim(TOKEN, options));
  }

  const call = (method: string, path: string, body?: unknown) => apiCall<Answer>(client, method, path, body);

  afterEach(async () => {
    await sim?.close();
  });

  describe('property groups', () => {
    beforeEach(() => start());

    it('lists each built-in type’s default group, creates (201) and reads groups; a duplicate is 409', async () => {
      for (const [type, group] of [
        ['companies', 'companyinformation'],
        ['contacts', 'contactinformation'],
        ['tickets', 'ticketinformation'],
      ]) {
        const listed = await call('GET', `/crm/properties/${V}/${type}/groups`);
        assert.deepEqual(
          listed.body.results.map((g) => g.name),
          [group],
        );
      }
      const created = await call('POST', `/crm/properties/${V}/tickets/groups`, {
        name: 'feature_request',
        label: 'Feature request',
        displayOrder: -1,
      });
      assert.equal(created.status, 201);
      assert.deepEqual(created.body, {
        name: 'feature_request',
        label: 'Feature request',
        displayOrder: -1,
        archived: false,
      });
      const one = await call('GET', `/crm/properties/${V}/0-5/groups/feature_request`);
      assert.equal(one.body.label, 'Feature request');
      assert.equal((await call('GET', `/crm/properties/${V}/tickets/groups/nope`)).status, 404);
      const again = await call('POST', `/crm/properties/${V}/tickets/groups`, {
        name: 'feature_request',
        label: 'Again',
      });
      assert.equal(again.status, 409);
    });

    it('refuses a property in a group its type lacks; a custom object keeps its own <name>_information group', async () => {
      const refused = await call(
        'POST',
        `/crm/properties/${V}/tickets`,
        property('fr_status', 'feature_request'),
      );
      assert.equal(refused.status, 400);
      assert.equal(refused.body.category, 'VALIDATION_ERROR');
      assert.match(refused.body.message, /property group feature_request/);
      await call('POST', `/crm/properties/${V}/tickets/groups`, { name: 'feature_request', label: 'FR' });
      const created = await call(
        'POST',
        `/crm/properties/${V}/tickets`,
        property('fr_status', 'feature_request'),
      );
      assert.equal(created.status, 201);
      assert.equal(created.body.groupName, 'feature_request');

      const idea = await call(
        'POST',
        `/crm-object-schemas/${V}/schemas`,
        schema('idea', [property('title'), property('source', 'idea_information')]),
      );
      assert.equal(idea.status, 201);
      const groups = await call('GET', `/crm/properties/${V}/p${sim.portalId}_idea/groups`);
      assert.deepEqual(groups.body.results, [
        { name: 'idea_information', label: 'Idea information', displayOrder: -1, archived: false },
      ]);
    });
  });

  describe('the limits tracking API', () => {
    it('reports custom properties overall and per type, counting what the portal holds', async () => {
      await start();
      const empty = await call('GET', `/crm/limits/${V}/custom-properties`);
      assert.equal(empty.status, 200);
      assert.equal(empty.body.overallLimit, 1_000);
      assert.equal(empty.body.overallUsage, 0);
      await call('POST', `/crm/properties/${V}/tickets`, property('fr_a'));
      await call('POST', `/crm/properties/${V}/tickets`, property('fr_b'));
      const used = await call('GET', `/crm/limits/${V}/custom-properties`);
      assert.equal(used.body.overallUsage, 2);
      assert.equal(used.body.overallPercentage, 0.2);
      const tickets = used.body.byObjectType.find((r) => r.objectTypeId === '0-5')!;
      assert.deepEqual(tickets, {
        objectTypeId: '0-5',
        singularLabel: 'Ticket',
        pluralLabel: 'Tickets',
        limit: 1_000,
        usage: 2,
        percentage: 0.2,
      });
      assert.equal(used.body.byObjectType.find((r) => r.objectTypeId === '0-2')!.usage, 0);
    });

    it('reports ticket pipelines among the HubSpot-defined types, and the custom object types', async () => {
      await start({ tier: 'professional' });
      const pipelines = await call('GET', `/crm/limits/${V}/pipelines`);
      assert.equal(pipelines.status, 200);
      assert.deepEqual(pipelines.body.hubspotDefinedObjectTypes, [
        {
          objectTypeId: '0-5',
          singularLabel: 'Ticket',
          pluralLabel: 'Tickets',
          limit: 100,
          usage: 1,
          percentage: 1,
        },
      ]);
      assert.deepEqual(pipelines.body.customObjectTypes, {
        overallLimit: 0,
        overallUsage: 0,
        overallPercentage: 0,
        byObjectType: [],
      });
      const objects = await call('GET', `/crm/limits/${V}/custom-object-types`);
      assert.deepEqual(objects.body, { limit: 0, usage: 0, percentage: 0 });

      await start();
      await call('POST', `/crm-object-schemas/${V}/schemas`, schema('idea'));
      const enterprise = await call('GET', `/crm/limits/2026-03/custom-object-types`);
      assert.deepEqual(enterprise.body, { limit: 10, usage: 1, percentage: 10 });
    });

    it('refuses a property create past the custom-property limit, single, batch or schema, creating nothing', async () => {
      await start({ tier: 'free' });
      const batch = await call('POST', `/crm/properties/${V}/companies/batch/create`, {
        inputs: Array.from({ length: 11 }, (_, i) => property(`p${i}`)),
      });
      assert.equal(batch.status, 400);
      assert.equal(batch.body.category, 'VALIDATION_ERROR');
      assert.match(batch.body.message, /limit of 10 custom properties/);
      assert.deepEqual(batch.body.context.limit, ['10']);
      const ten = await call('POST', `/crm/properties/${V}/companies/batch/create`, {
        inputs: Array.from({ length: 10 }, (_, i) => property(`p${i}`)),
      });
      assert.equal(ten.status, 200, '2026-09 answers a property batch create with 200');
      const eleventh = await call('POST', `/crm/properties/${V}/contacts`, property('p10'));
      assert.equal(eleventh.status, 400);
      assert.equal((await call('GET', `/crm/limits/${V}/custom-properties`)).body.overallUsage, 10);

      await start();
      sim.setLimits({ customProperties: 2 });
      const idea = await call(
        'POST',
        `/crm-object-schemas/${V}/schemas`,
        schema('idea', [property('title'), property('a'), property('b')]),
      );
      assert.equal(idea.status, 400);
      assert.match(idea.body.message, /limit of 2 custom properties/);
      assert.equal(sim.schemas().length, 0);
      assert.equal(
        (await call('POST', `/crm/properties/2026-03/companies/batch/create`, { inputs: [property('x')] }))
          .status,
        201,
        '2026-03 answers it with 201, as v3 does',
      );
    });
  });

  describe('the tier', () => {
    it('defaults to enterprise; below it a schema create is refused (403) while the list answers', async () => {
      await start();
      assert.equal(sim.tier, 'enterprise');
      await start({ tier: 'professional' });
      assert.equal(sim.tier, 'professional');
      const refused = await call('POST', `/crm-object-schemas/${V}/schemas`, schema('idea'));
      assert.equal(refused.status, 403);
      assert.equal(refused.body.status, 'error');
      assert.equal(refused.body.category, 'FORBIDDEN');
      assert.match(refused.body.message, /subscription \(Professional\) does not include custom objects/);
      const listed = await call('GET', `/crm-object-schemas/${V}/schemas`);
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.body.results, []);

      sim.setTier('enterprise');
      assert.equal((await call('POST', `/crm-object-schemas/${V}/schemas`, schema('idea'))).status, 201);
      sim.reset();
      assert.equal(sim.tier, 'professional', 'reset goes back to the tier the simulator was built with');
      assert.equal(sim.schemas().length, 0);
    });

    it('custom association labels need Professional or Enterprise', async () => {
      const label = () =>
        call('POST', `/crm/associations/${V}/tickets/companies/labels`, {
          label: 'Feedback',
          name: 'feedback',
        });
      await start({ tier: 'starter' });
      const refused = await label();
      assert.equal(refused.status, 403);
      assert.equal(refused.body.category, 'FORBIDDEN');
      assert.match(refused.body.message, /custom association labels/);
      assert.equal((await call('GET', `/crm/associations/${V}/tickets/companies/labels`)).status, 200);
      sim.setTier('free');
      assert.equal((await label()).status, 403);
      sim.setTier('professional');
      assert.equal((await label()).status, 200);
    });

    it('stops an Enterprise portal at its custom-object-type limit', async () => {
      await start();
      sim.setLimits({ customObjectTypes: 1 });
      assert.equal((await call('POST', `/crm-object-schemas/${V}/schemas`, schema('idea'))).status, 201);
      const second = await call('POST', `/crm-object-schemas/${V}/schemas`, schema('wish'));
      assert.equal(second.status, 400);
      assert.match(second.body.message, /limit of 1 custom object types/);
    });
  });
});
