// The HubSpot simulator driven through the official client: if `@hubspot/api-client` accepts these answers
// (and throws on the same ones), code tested against the simulator behaves the same against HubSpot.
import assert from 'node:assert/strict';
import { Client } from '@hubspot/api-client';
import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/objects';
import { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/associations/v4';
import { ObjectTypePropertyCreateTypeEnum } from '@hubspot/api-client/lib/codegen/crm/schemas';
import {
  PropertyCreateFieldTypeEnum,
  PropertyCreateTypeEnum,
} from '@hubspot/api-client/lib/codegen/crm/properties';
import { HubspotSimulator, type HubspotSimulatorOptions } from '../../src/simulators/hubspot';
import { sleep } from '../../src/simulators/http-kit';

const TOKEN = 'hubspot-sim-token';

interface ApiError {
  code: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

/** Awaits a call that must fail and returns the client's ApiException (code, parsed body, headers). */
async function apiError(call: Promise<unknown>): Promise<ApiError> {
  try {
    await call;
  } catch (err) {
    const e = err as { code?: unknown; body?: unknown; headers?: unknown };
    assert.equal(typeof e.code, 'number', `expected an ApiException, got ${String(err)}`);
    const body = typeof e.body === 'string' ? (JSON.parse(e.body) as Record<string, unknown>) : e.body;
    return {
      code: e.code as number,
      body: body as Record<string, unknown>,
      headers: e.headers as Record<string, string>,
    };
  }
  assert.fail('expected the call to throw');
}

const featureRequestSchema = {
  name: 'feature_request',
  labels: { singular: 'Feature Request', plural: 'Feature Requests' },
  primaryDisplayProperty: 'name',
  requiredProperties: ['name'],
  searchableProperties: ['name', 'external_id'],
  properties: [
    { name: 'name', label: 'Name', type: ObjectTypePropertyCreateTypeEnum.String, fieldType: 'text' },
    {
      name: 'external_id',
      label: 'External ID',
      type: ObjectTypePropertyCreateTypeEnum.String,
      fieldType: 'text',
      hasUniqueValue: true,
    },
    {
      name: 'vote_count',
      label: 'Votes',
      type: ObjectTypePropertyCreateTypeEnum.Number,
      fieldType: 'number',
    },
    {
      name: 'description',
      label: 'Description',
      type: ObjectTypePropertyCreateTypeEnum.String,
      fieldType: 'textarea',
    },
  ],
  associatedObjects: ['COMPANY'],
};

describe('HubSpot simulator', function () {
  let sim: HubspotSimulator;
  let client: Client;

  async function start(options: HubspotSimulatorOptions = {}): Promise<void> {
    // These tests check the v3/v4 shapes through the client's generated APIs: the numbered paths are served.
    sim = new HubspotSimulator({ numberedApis: 'serve', ...options });
    const url = await sim.listen(0);
    client = new Client({
      accessToken: options.accessToken ?? TOKEN,
      basePath: url,
      numberOfApiCallRetries: 0,
    });
  }

  afterEach(async () => {
    await sim?.close();
  });

  describe('authentication and routing', () => {
    beforeEach(() => start());

    it('answers 401 INVALID_AUTHENTICATION without the right bearer token', async () => {
      const stranger = new Client({ accessToken: 'wrong', basePath: sim.url, numberOfApiCallRetries: 0 });
      const err = await apiError(
        stranger.crm.objects.batchApi.read('companies', {
          inputs: [{ id: '1' }],
          properties: [],
          propertiesWithHistory: [],
        }),
      );
      assert.equal(err.code, 401);
      assert.equal(err.body.category, 'INVALID_AUTHENTICATION');
      assert.equal(err.body.status, 'error');
      assert.equal(typeof err.body.correlationId, 'string');
      const anonymous = await fetch(`${sim.url}/crm/v3/objects/companies`);
      assert.equal(anonymous.status, 401);
      assert.match(anonymous.headers.get('content-type') ?? '', /application\/json/);
    });

    it('answers 400 for an unknown object type and a JSON 404 for an unknown route', async () => {
      const err = await apiError(
        client.crm.objects.batchApi.read('widgets', {
          inputs: [{ id: '1' }],
          properties: [],
          propertiesWithHistory: [],
        }),
      );
      assert.equal(err.code, 400);
      assert.match(String(err.body.message), /Unable to infer object type from: widgets/);
      const res = await client.apiRequest({ method: 'GET', path: '/crm/v3/nowhere' });
      assert.equal(res.status, 404);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      assert.equal(((await res.json()) as { status: string }).status, 'error');
    });
  });

  describe('objects', () => {
    beforeEach(() => start());

    it('batch-creates with 201, increasing numeric ids and HubSpot computed properties', async () => {
      const res = await client.crm.objects.batchApi.create('companies', {
        inputs: [
          { properties: { name: 'Hooli', domain: 'hooli.com' }, associations: [] },
          {
            properties: { name: 'Initech', domain: 'initech.com', annualrevenue: '12.50' },
            associations: [],
          },
        ],
      });
      assert.equal(res.status, 'COMPLETE');
      assert.equal(res.results.length, 2);
      const [a, b] = res.results.map((r) => Number(r.id));
      assert.ok(a! < b!);
      const initech = res.results.find((r) => r.properties.domain === 'initech.com')!;
      assert.equal(initech.properties.hs_object_id, initech.id);
      assert.ok(initech.properties.createdate);
      assert.ok(initech.properties.hs_lastmodifieddate);
      assert.equal(initech.properties.annualrevenue, '12.5', 'numbers come back canonical');
      assert.ok(initech.createdAt instanceof Date);
      assert.equal(sim.objects('companies').length, 2);
    });

    it('rejects more than 100 inputs with 400', async () => {
      const inputs = Array.from({ length: 101 }, (_, i) => ({
        properties: { name: `c${i}` },
        associations: [],
      }));
      const err = await apiError(client.crm.objects.batchApi.create('companies', { inputs }));
      assert.equal(err.code, 400);
      assert.equal(err.body.category, 'VALIDATION_ERROR');
      assert.equal(sim.objects('companies').length, 0);
    });

    it('fails a whole create batch on one bad record unless every input has an objectWriteTraceId', async () => {
      const bad = { properties: { name: 'Bad', nonexistent_prop: 'x' }, associations: [] };
      const good = { properties: { name: 'Good' }, associations: [] };
      const err = await apiError(client.crm.objects.batchApi.create('companies', { inputs: [good, bad] }));
      assert.equal(err.code, 400);
      assert.match(String(err.body.message), /nonexistent_prop/);
      assert.equal(sim.objects('companies').length, 0, 'nothing written');

      const res = await client.crm.objects.batchApi.create('companies', {
        inputs: [
          { ...good, objectWriteTraceId: 't1' },
          { ...bad, objectWriteTraceId: 't2' },
          { properties: { name: 'Unknown', description: 'x' }, associations: [], objectWriteTraceId: 't3' },
          { properties: { annualrevenue: 'lots' }, associations: [], objectWriteTraceId: 't4' },
        ],
      });
      assert.ok('numErrors' in res);
      assert.equal(res.numErrors, 3);
      assert.equal(res.results.length, 1);
      assert.equal(res.results[0]!.properties.name, 'Good');
      const messages = (res.errors ?? []).map((e) => e.message).join('\n');
      assert.match(messages, /Property \\"nonexistent_prop\\" does not exist/);
      assert.match(messages, /PROPERTY_DOESNT_EXIST/);
      assert.match(messages, /description/);
      assert.match(messages, /lots was not a valid number/);
      assert.deepEqual(res.errors?.[0]?.context?.objectWriteTraceId, ['t2']);
    });

    it('rejects a string longer than 65,536 characters per record', async () => {
      sim.seedCompanies([{ properties: { name: 'x', notes: '' } }]);
      const res = await client.crm.objects.batchApi.create('companies', {
        inputs: [
          {
            properties: { name: 'ok', notes: 'a'.repeat(65_536) },
            associations: [],
            objectWriteTraceId: 'a',
          },
          {
            properties: { name: 'too long', notes: 'a'.repeat(65_537) },
            associations: [],
            objectWriteTraceId: 'b',
          },
        ],
      });
      assert.ok('numErrors' in res);
      assert.equal(res.numErrors, 1);
      assert.match(res.errors?.[0]?.message ?? '', /65536/);
    });

    it('batch-reads by id or unique idProperty with property selection; missing ids give 207 OBJECT_NOT_FOUND', async () => {
      const [c1] = sim.seedContacts([
        { properties: { email: 'Ada@Example.com', firstname: 'Ada', lastname: 'Lovelace' } },
        { properties: { email: 'bob@example.com' } },
      ]);
      const ok = await client.crm.objects.batchApi.read('contacts', {
        inputs: [{ id: c1! }],
        properties: ['firstname'],
        propertiesWithHistory: [],
      });
      assert.equal(ok.results[0]!.properties.firstname, 'Ada');
      assert.equal(ok.results[0]!.properties.lastname, undefined, 'only the selected properties');
      assert.equal(ok.results[0]!.properties.hs_object_id, c1);

      const byEmail = await client.crm.objects.batchApi.read('contacts', {
        idProperty: 'email',
        inputs: [{ id: 'ada@example.com' }, { id: 'nobody@example.com' }],
        properties: ['email'],
        propertiesWithHistory: [],
      });
      assert.ok('numErrors' in byEmail);
      assert.equal(byEmail.results.length, 1);
      assert.equal(byEmail.results[0]!.properties.email, 'ada@example.com', 'emails are stored lowercased');
      assert.equal(byEmail.errors?.[0]?.category, 'OBJECT_NOT_FOUND');
      assert.deepEqual(byEmail.errors?.[0]?.context?.ids, ['nobody@example.com']);
    });

    describe('a unique company property (the sync key)', () => {
      const key = {
        name: 'feedback_sync_domain',
        label: 'Key',
        type: PropertyCreateTypeEnum.String,
        fieldType: PropertyCreateFieldTypeEnum.Text,
        groupName: 'companyinformation',
        hasUniqueValue: true,
      };
      const input = (domain: string, trace?: string) => ({
        properties: { domain, name: domain, feedback_sync_domain: domain },
        associations: [],
        ...(trace ? { objectWriteTraceId: trace } : {}),
      });

      it('refuses a create that repeats a unique value: 400 VALIDATION_ERROR, the whole batch unless traced', async () => {
        await client.crm.properties.coreApi.create('companies', key);
        const [first] = (
          await client.crm.objects.batchApi.create('companies', { inputs: [input('acme.com')] })
        ).results;
        sim.setProperty('companies', first!.id, 'domain', 'acme-rebranded.com');

        const whole = await apiError(
          client.crm.objects.batchApi.create('companies', { inputs: [input('new.com'), input('acme.com')] }),
        );
        assert.equal(whole.code, 400);
        assert.equal(whole.body.category, 'VALIDATION_ERROR');
        assert.match(String(whole.body.message), /already has that value/);
        assert.equal(sim.objects('companies').length, 1, 'nothing written');

        const traced = await client.crm.objects.batchApi.create('companies', {
          inputs: [input('new.com', 'new.com'), input('acme.com', 'acme.com')],
        });
        assert.ok('numErrors' in traced);
        assert.equal(traced.numErrors, 1);
        assert.deepEqual(
          traced.results.map((r) => r.properties.feedback_sync_domain),
          ['new.com'],
        );
        assert.equal(traced.errors?.[0]?.category, 'VALIDATION_ERROR');
        assert.deepEqual(traced.errors?.[0]?.context?.objectWriteTraceId, ['acme.com']);
        assert.deepEqual(traced.errors?.[0]?.context?.propertyName, ['feedback_sync_domain']);
        const acme = sim.getObject('companies', first!.id)!;
        assert.equal(acme.properties.domain, 'acme-rebranded.com', 'the existing record is untouched');
        assert.equal(sim.objects('companies').length, 2);
      });

      it('a duplicate email stays a 409 CONFLICT naming the existing contact', async () => {
        const [existing] = sim.seedContacts([{ properties: { email: 'ada@example.com' } }]);
        const err = await apiError(
          client.crm.objects.batchApi.create('contacts', {
            inputs: [{ properties: { email: 'ADA@example.com' }, associations: [] }],
          }),
        );
        assert.equal(err.code, 409);
        assert.equal(err.body.category, 'CONFLICT');
        assert.match(String(err.body.message), new RegExp(`Existing ID: ${existing}`));
      });

      it('batch-reads by the unique key, whatever the domain of the record now is', async () => {
        await client.crm.properties.coreApi.create('companies', key);
        const [first] = (
          await client.crm.objects.batchApi.create('companies', { inputs: [input('acme.com')] })
        ).results;
        sim.setProperty('companies', first!.id, 'domain', 'acme-rebranded.com');
        const res = await client.crm.objects.batchApi.read('companies', {
          idProperty: 'feedback_sync_domain',
          inputs: [{ id: 'acme.com' }, { id: 'nobody.com' }],
          properties: ['domain', 'feedback_sync_domain'],
          propertiesWithHistory: [],
        });
        assert.equal(res.results.length, 1);
        assert.equal(res.results[0]!.id, first!.id);
        assert.equal(res.results[0]!.properties.domain, 'acme-rebranded.com');
        assert.ok('numErrors' in res);
        assert.deepEqual(res.errors?.[0]?.context?.ids, ['nobody.com']);
      });

      it('a drop-after fault applies the create, then cuts the connection before the answer', async () => {
        await client.crm.properties.coreApi.create('companies', key);
        sim.server.addFault({ kind: 'drop-after', route: 'batch/create', count: 1 });
        await assert.rejects(
          client.crm.objects.batchApi.create('companies', { inputs: [input('acme.com')] }),
        );
        assert.equal(sim.objects('companies').length, 1, 'the write landed');
        const again = await apiError(
          client.crm.objects.batchApi.create('companies', { inputs: [input('acme.com')] }),
        );
        assert.equal(again.code, 400, 'a second create of the same key is refused');
        assert.equal(sim.objects('companies').length, 1);
      });
    });

    it('upserts by a unique property, flags new records, and refuses non-unique idProperties', async () => {
      await client.crm.schemas.coreApi.create(featureRequestSchema);
      const type = sim.schemas()[0]!.objectTypeId;
      const first = await client.crm.objects.batchApi.upsert(type, {
        inputs: [
          { id: 'canny:a', idProperty: 'external_id', properties: { name: 'Dark mode', vote_count: '3' } },
          { id: 'canny:b', idProperty: 'external_id', properties: { name: 'SSO' } },
        ],
      });
      assert.deepEqual(
        first.results.map((r) => r._new),
        [true, true],
      );
      assert.equal(first.results[0]!.properties.external_id, 'canny:a');
      assert.equal(first.results[0]!.archived, false);
      await sleep(5);
      const second = await client.crm.objects.batchApi.upsert(type, {
        inputs: [{ id: 'canny:a', idProperty: 'external_id', properties: { vote_count: '4' } }],
      });
      assert.equal(second.results[0]!._new, false);
      assert.equal(second.results[0]!.id, first.results[0]!.id);
      assert.equal(second.results[0]!.properties.vote_count, '4');
      assert.ok(second.results[0]!.updatedAt > first.results[0]!.updatedAt);

      const err = await apiError(
        client.crm.objects.batchApi.upsert('companies', {
          inputs: [{ id: 'hooli.com', idProperty: 'domain', properties: { name: 'Hooli' } }],
        }),
      );
      assert.equal(err.code, 400);
      assert.match(String(err.body.message), /Unable to perform update\/upsert by non-unique .* property/);

      const dup = await apiError(
        client.crm.objects.batchApi.upsert(type, {
          inputs: [
            { id: 'canny:c', idProperty: 'external_id', properties: {} },
            { id: 'canny:c', idProperty: 'external_id', properties: {} },
          ],
        }),
      );
      assert.equal(dup.code, 400);
      assert.match(String(dup.body.message), /Duplicate IDs/);
    });

    it('upserts contacts by email through crm.contacts', async () => {
      const [existing] = sim.seedContacts([{ properties: { email: 'ada@example.com', firstname: 'Ada' } }]);
      const res = await client.crm.contacts.batchApi.upsert({
        inputs: [
          { id: 'ADA@example.com', idProperty: 'email', properties: { lastname: 'Lovelace' } },
          { id: 'grace@example.com', idProperty: 'email', properties: { firstname: 'Grace' } },
        ],
      });
      assert.equal(res.results[0]!.id, existing);
      assert.equal(res.results[0]!._new, false);
      assert.equal(res.results[1]!._new, true);
      assert.equal(sim.getObject('contacts', res.results[1]!.id)?.properties.email, 'grace@example.com');
    });

    it('updates with 200, enforces unique values with per-record errors, archives with 204', async () => {
      const [a, b] = sim.seedContacts([
        { properties: { email: 'a@x.com' } },
        { properties: { email: 'b@x.com' } },
      ]);
      const res = await client.crm.objects.batchApi.update('contacts', {
        inputs: [
          { id: a!, properties: { firstname: 'A' } },
          { id: b!, properties: { email: 'a@x.com' } },
          { id: '999999', properties: { firstname: 'ghost' } },
        ],
      });
      assert.ok('numErrors' in res);
      assert.equal(res.numErrors, 2);
      assert.deepEqual(res.errors?.map((e) => e.category).sort(), ['CONFLICT', 'OBJECT_NOT_FOUND']);
      assert.equal(sim.getObject('contacts', a!)?.properties.firstname, 'A');
      assert.equal(sim.getObject('contacts', b!)?.properties.email, 'b@x.com');

      const clean = await client.crm.objects.batchApi.update('contacts', {
        inputs: [{ id: b!, properties: { lastname: 'B' } }],
      });
      assert.ok(!('numErrors' in clean) || clean.numErrors === undefined);

      await client.crm.objects.batchApi.archive('contacts', { inputs: [{ id: a! }, { id: '424242' }] });
      assert.equal(sim.getObject('contacts', a!), undefined);
      assert.equal(sim.server.requests().at(-1)?.status, 204);
    });

    it('gets one object and lists pages', async () => {
      const ids = sim.seedCompanies(Array.from({ length: 5 }, (_, i) => ({ properties: { name: `c${i}` } })));
      const one = await client.crm.objects.basicApi.getById('companies', ids[2]!, ['name']);
      assert.equal(one.properties.name, 'c2');
      const page1 = await client.crm.objects.basicApi.getPage('companies', 3, undefined, ['name']);
      assert.equal(page1.results.length, 3);
      const page2 = await client.crm.objects.basicApi.getPage('companies', 3, page1.paging!.next!.after, [
        'name',
      ]);
      assert.deepEqual(
        page2.results.map((r) => r.properties.name),
        ['c3', 'c4'],
      );
      assert.equal(page2.paging, undefined);
      const missing = await apiError(client.crm.objects.basicApi.getById('companies', '777777'));
      assert.equal(missing.code, 404);
    });
  });

  describe('search', () => {
    beforeEach(() => start());

    it('finds companies by domain IN, case-insensitively, fast over 6,000 companies', async () => {
      sim.seedCompanies(
        Array.from({ length: 6_000 }, (_, i) => ({
          properties: { name: `Co ${i}`, domain: `co${i}.example` },
        })),
      );
      sim.seedCompanies([{ properties: { name: 'Dup', domain: 'CO42.example' } }]);
      const started = Date.now();
      const res = await client.crm.companies.searchApi.doSearch({
        filterGroups: [
          {
            filters: [
              {
                propertyName: 'domain',
                operator: FilterOperatorEnum.In,
                values: Array.from({ length: 100 }, (_, i) => `co${i * 7}.example`),
              },
            ],
          },
        ],
        properties: ['domain', 'annualrevenue'],
        limit: 200,
        sorts: [],
      });
      assert.ok(Date.now() - started < 500, 'indexed lookup');
      assert.equal(res.total, 101, 'both companies of the duplicated domain');
      assert.ok(res.results.every((r) => 'annualrevenue' in r.properties));
      assert.ok(res.results.some((r) => r.properties.domain === 'CO42.example'));
    });

    it('pages with after, reports total, and sorts', async () => {
      sim.seedCompanies(
        Array.from({ length: 25 }, (_, i) => ({
          properties: { name: `c${i}`, annualrevenue: String(i * 10) },
        })),
      );
      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const res = await client.crm.objects.searchApi.doSearch('companies', {
          filterGroups: [
            { filters: [{ propertyName: 'annualrevenue', operator: FilterOperatorEnum.Gte, value: '50' }] },
          ],
          properties: ['name'],
          limit: 10,
          after,
          sorts: ['-annualrevenue'],
        });
        assert.equal(res.total, 20);
        seen.push(...res.results.map((r) => r.properties.name!));
        after = res.paging?.next?.after;
        pages++;
      } while (after);
      assert.equal(pages, 2);
      assert.equal(seen.length, 20);
      assert.equal(seen[0], 'c24', 'numeric sort, descending');
      assert.equal(seen.at(-1), 'c5');
    });

    it('supports OR of filter groups, NEQ, HAS_PROPERTY and NOT_HAS_PROPERTY', async () => {
      sim.seedCompanies([
        { properties: { name: 'a', domain: 'a.com' } },
        { properties: { name: 'b', domain: 'b.com' } },
        { properties: { name: 'c' } },
      ]);
      const search = async (
        filterGroups: Array<{ filters: Array<Record<string, unknown>> }>,
      ): Promise<string[]> => {
        const res = await client.apiRequest({
          method: 'POST',
          path: '/crm/v3/objects/companies/search',
          body: { filterGroups, properties: ['name'], limit: 100 },
        });
        const json = (await res.json()) as { results: Array<{ properties: { name: string } }> };
        return json.results.map((r) => r.properties.name).sort();
      };
      assert.deepEqual(
        await search([
          { filters: [{ propertyName: 'domain', operator: 'EQ', value: 'A.COM' }] },
          { filters: [{ propertyName: 'domain', operator: 'NOT_HAS_PROPERTY' }] },
        ]),
        ['a', 'c'],
      );
      assert.deepEqual(
        await search([
          {
            filters: [
              { propertyName: 'domain', operator: 'HAS_PROPERTY' },
              { propertyName: 'name', operator: 'NEQ', value: 'a' },
            ],
          },
        ]),
        ['b'],
      );
    });

    it('answers 400 to too many filter groups or filters, a limit over 200, and paging past 10,000', async () => {
      const filter = { propertyName: 'name', operator: FilterOperatorEnum.HasProperty };
      const req = { properties: [], sorts: [], limit: 10, after: '0' };
      const groups = await apiError(
        client.crm.objects.searchApi.doSearch('companies', {
          ...req,
          filterGroups: Array.from({ length: 6 }, () => ({ filters: [filter] })),
        }),
      );
      assert.equal(groups.code, 400);
      const filters = await apiError(
        client.crm.objects.searchApi.doSearch('companies', {
          ...req,
          filterGroups: [{ filters: Array.from({ length: 7 }, () => filter) }],
        }),
      );
      assert.equal(filters.code, 400);
      const limit = await apiError(
        client.crm.objects.searchApi.doSearch('companies', { ...req, filterGroups: [], limit: 201 }),
      );
      assert.equal(limit.code, 400);
      const deep = await apiError(
        client.crm.objects.searchApi.doSearch('companies', {
          ...req,
          filterGroups: [],
          limit: 200,
          after: '9900',
        }),
      );
      assert.equal(deep.code, 400);
      assert.match(String(deep.body.message), /10000/);
    });

    it('hides new records and serves stale values until the search index catches up', async () => {
      await sim.close();
      await start({ searchIndexLagMs: 300 });
      const [old] = sim.seedCompanies([{ properties: { name: 'old', domain: 'old.com' } }]);
      await client.crm.objects.batchApi.create('companies', {
        inputs: [{ properties: { name: 'new', domain: 'new.com' }, associations: [] }],
      });
      await client.crm.objects.batchApi.update('companies', {
        inputs: [{ id: old!, properties: { domain: 'renamed.com' } }],
      });
      const query = {
        filterGroups: [
          {
            filters: [
              {
                propertyName: 'domain',
                operator: FilterOperatorEnum.In,
                values: ['new.com', 'old.com', 'renamed.com'],
              },
            ],
          },
        ],
        properties: ['domain'],
        sorts: [],
        limit: 10,
        after: '0',
      };
      const early = await client.crm.companies.searchApi.doSearch(query);
      assert.deepEqual(
        early.results.map((r) => r.properties.domain),
        ['old.com'],
      );
      await sleep(350);
      const late = await client.crm.companies.searchApi.doSearch(query);
      assert.deepEqual(late.results.map((r) => r.properties.domain).sort(), ['new.com', 'renamed.com']);
    });
  });

  describe('schemas and properties', () => {
    beforeEach(() => start());

    it('creates a schema with 201, a portal-specific objectTypeId and associations; duplicates are 409', async () => {
      const schema = await client.crm.schemas.coreApi.create(featureRequestSchema);
      assert.match(schema.objectTypeId ?? '', /^2-\d+$/);
      assert.equal(schema.fullyQualifiedName, `p${sim.portalId}_feature_request`);
      assert.equal(schema.name, 'feature_request');
      assert.equal(schema.associations.length, 1);
      assert.equal(schema.associations[0]!.fromObjectTypeId, schema.objectTypeId);
      assert.equal(schema.associations[0]!.toObjectTypeId, '0-2');
      assert.match(schema.associations[0]!.id, /^\d+$/);
      assert.ok(schema.properties.some((p) => p.name === 'external_id' && p.hasUniqueValue));

      const all = await client.crm.schemas.coreApi.getAll();
      assert.deepEqual(
        all.results.map((s) => s.objectTypeId),
        [schema.objectTypeId],
      );
      const byName = await client.crm.schemas.coreApi.getById(schema.fullyQualifiedName);
      assert.equal(byName.objectTypeId, schema.objectTypeId);
      const older = await client.apiRequest({ method: 'GET', path: '/crm/v3/schemas' });
      assert.equal(older.status, 200);

      const dup = await apiError(client.crm.schemas.coreApi.create(featureRequestSchema));
      assert.equal(dup.code, 409);
      assert.equal(dup.body.category, 'CONFLICT');
      const unknown = await apiError(client.crm.schemas.coreApi.getById('2-1'));
      assert.equal(unknown.code, 404);
    });

    it('gives sandbox and production different objectTypeIds', async () => {
      const other = new HubspotSimulator({
        objectTypeIdBase: 9_000_000,
        portalId: 99,
        numberedApis: 'serve',
      });
      await other.listen(0);
      try {
        const otherClient = new Client({
          accessToken: TOKEN,
          basePath: other.url,
          numberOfApiCallRetries: 0,
        });
        const a = await client.crm.schemas.coreApi.create(featureRequestSchema);
        const b = await otherClient.crm.schemas.coreApi.create(featureRequestSchema);
        assert.notEqual(a.objectTypeId, b.objectTypeId);
        assert.notEqual(a.fullyQualifiedName, b.fullyQualifiedName);
        assert.notEqual(a.associations[0]!.id, b.associations[0]!.id);
        assert.equal(other.objects(b.objectTypeId!).length, 0);
        assert.equal(other.objects('feature_request').length, 0);
      } finally {
        await other.close();
      }
    });

    it('lists, creates (201) and refuses duplicate (409) properties; batch create answers 201', async () => {
      const all = await client.crm.properties.coreApi.getAll('companies');
      const names = all.results.map((p) => p.name);
      for (const name of ['name', 'domain', 'annualrevenue', 'hs_additional_domains', 'hs_object_id']) {
        assert.ok(names.includes(name), name);
      }
      const arr = {
        name: 'arr',
        label: 'ARR',
        type: PropertyCreateTypeEnum.Number,
        fieldType: PropertyCreateFieldTypeEnum.Number,
        groupName: 'companyinformation',
      };
      const created = await client.crm.properties.coreApi.create('companies', arr);
      assert.equal(created.name, 'arr');
      assert.equal(created.type, 'number');
      const dup = await apiError(client.crm.properties.coreApi.create('companies', arr));
      assert.equal(dup.code, 409);
      const batch = await client.crm.properties.batchApi.create('companies', {
        inputs: [
          {
            ...arr,
            name: 'arr_currency',
            type: PropertyCreateTypeEnum.String,
            fieldType: PropertyCreateFieldTypeEnum.Text,
          },
        ],
      });
      assert.equal(batch.results[0]!.name, 'arr_currency');
      const one = await client.crm.properties.coreApi.getByName('companies', 'arr');
      assert.equal(one.label, 'ARR');
    });

    it('auto-creates seeded properties and can drop one to simulate a portal missing it', async () => {
      const [id] = sim.seedCompanies([{ properties: { name: 'Hooli', domain: 'hooli.com', arr: '1000' } }]);
      const before = sim.getObject('companies', id!)!;
      await sleep(2);
      sim.setProperty('companies', id!, 'arr', '2000');
      const after = sim.getObject('companies', id!)!;
      assert.equal(after.properties.arr, '2000');
      assert.ok(after.updatedAt > before.updatedAt);

      sim.deleteProperty('companies', 'arr');
      // A missing property is a per-record 207 on update; the client returns it rather than throwing.
      const res = await client.crm.objects.batchApi.update('companies', {
        inputs: [{ id: id!, properties: { arr: '5' } }],
      });
      assert.ok('numErrors' in res);
      assert.deepEqual(res.errors?.[0]?.context?.propertyName, ['arr']);
    });
  });

  describe('associations v4', () => {
    let typeId: string;
    let companies: string[];
    let contacts: string[];
    let requests: string[];

    beforeEach(async () => {
      await start();
      typeId = sim.createSchemaDirect(featureRequestSchema).objectTypeId;
      companies = sim.seedCompanies([
        { properties: { name: 'A', domain: 'a.com' } },
        { properties: { name: 'B' } },
      ]);
      contacts = sim.seedContacts([{ properties: { email: 'x@a.com' } }]);
      requests = sim.seed(typeId, [
        { properties: { name: 'r1', external_id: 'canny:1' } },
        { properties: { name: 'r2', external_id: 'canny:2' } },
      ]);
    });

    it('associates with the default type (200), idempotently and symmetrically', async () => {
      const input = { inputs: [{ _from: { id: requests[0]! }, to: { id: companies[0]! } }] };
      const res = await client.crm.associations.v4.batchApi.createDefault(typeId, 'companies', input);
      assert.equal(res.status, 'COMPLETE');
      await client.crm.associations.v4.batchApi.createDefault(typeId, 'companies', input);
      assert.deepEqual(sim.associations(typeId, requests[0]!, 'companies'), [companies[0]]);
      assert.deepEqual(sim.associations('companies', companies[0]!, typeId), [requests[0]]);

      const read = await client.crm.associations.v4.batchApi.getPage('companies', typeId, {
        inputs: [{ id: companies[0]! }],
      });
      assert.equal(read.results[0]!._from.id, companies[0]);
      assert.equal(Number(read.results[0]!.to[0]!.toObjectId), Number(requests[0]));
      assert.equal(read.results[0]!.to[0]!.associationTypes[0]!.category, 'HUBSPOT_DEFINED');

      const people = await client.crm.associations.v4.batchApi.createDefault('contacts', 'companies', {
        inputs: [{ _from: { id: contacts[0]! }, to: { id: companies[0]! } }],
      });
      assert.equal(people.results.length, 2, 'both directions');
    });

    it('refuses pairs no schema declares, and reports unknown ids', async () => {
      const undeclared = await apiError(
        client.crm.associations.v4.batchApi.createDefault(typeId, 'contacts', {
          inputs: [{ _from: { id: requests[0]! }, to: { id: contacts[0]! } }],
        }),
      );
      assert.equal(undeclared.code, 400);
      const ghost = await apiError(
        client.crm.associations.v4.batchApi.createDefault(typeId, 'companies', {
          inputs: [{ _from: { id: requests[0]! }, to: { id: '987654' } }],
        }),
      );
      assert.equal(ghost.code, 207, 'the client accepts only 200 for associate-default');
    });

    it('creates labelled associations (201/207), reads 207 for objects with none, archives with 204', async () => {
      const defaultType = Number(sim.schemas()[0]!.associations[0]!.id);
      const res = await client.crm.associations.v4.batchApi.create(typeId, 'companies', {
        inputs: [
          {
            _from: { id: requests[0]! },
            to: { id: companies[0]! },
            types: [
              {
                associationCategory: AssociationSpecAssociationCategoryEnum.HubspotDefined,
                associationTypeId: defaultType,
              },
            ],
          },
          {
            _from: { id: requests[1]! },
            to: { id: companies[1]! },
            types: [
              {
                associationCategory: AssociationSpecAssociationCategoryEnum.UserDefined,
                associationTypeId: 1,
              },
            ],
          },
        ],
      });
      assert.ok('numErrors' in res);
      assert.equal(res.numErrors, 1);
      assert.equal(res.results.length, 1);

      const read = await client.crm.associations.v4.batchApi.getPage(typeId, 'companies', {
        inputs: [{ id: requests[0]! }, { id: requests[1]! }],
      });
      assert.ok('numErrors' in read);
      assert.equal(read.results.length, 1);
      assert.equal(read.errors?.[0]?.subCategory, 'crm.associations.NO_ASSOCIATIONS_FOUND');

      await client.crm.associations.v4.batchApi.archive(typeId, 'companies', {
        inputs: [{ _from: { id: requests[0]! }, to: [{ id: companies[0]! }] }],
      });
      assert.deepEqual(sim.associations('companies', companies[0]!, typeId), []);

      const tooMany = await apiError(
        client.crm.associations.v4.batchApi.getPage(typeId, 'companies', {
          inputs: Array.from({ length: 1_001 }, (_, i) => ({ id: String(i + 1) })),
        }),
      );
      assert.equal(tooMany.code, 400);
    });

    it('lists and creates association labels with 200', async () => {
      const labels = await client.crm.associations.v4.schema.definitionsApi.getAll('contacts', 'companies');
      assert.ok(labels.results.some((l) => l.typeId === 279));
      const created = await client.crm.associations.v4.schema.definitionsApi.create(typeId, 'companies', {
        label: 'Requested by',
        name: 'requested_by',
      });
      assert.equal(created.results[0]!.category, 'USER_DEFINED');
      const after = await client.crm.associations.v4.schema.definitionsApi.getAll(typeId, 'companies');
      assert.ok(after.results.some((l) => l.label === 'Requested by'));
    });
  });

  describe('limits', () => {
    it('answers the 191st request inside 10 s with a TEN_SECONDLY_ROLLING 429 and rate-limit headers', async () => {
      await start();
      let last: Awaited<ReturnType<Client['apiRequest']>> | undefined;
      for (let i = 0; i < 190; i++) {
        const res = await client.apiRequest({ method: 'GET', path: '/crm/v3/objects/companies?limit=1' });
        assert.equal(res.status, 200, `request ${i + 1}`);
        last = res;
      }
      assert.equal(last!.headers.get('x-hubspot-ratelimit-max'), '190');
      assert.equal(last!.headers.get('x-hubspot-ratelimit-remaining'), '0');
      assert.equal(last!.headers.get('x-hubspot-ratelimit-interval-milliseconds'), '10000');
      assert.equal(last!.headers.get('x-hubspot-ratelimit-daily'), '1000000');
      assert.equal(last!.headers.get('x-hubspot-ratelimit-daily-remaining'), String(1_000_000 - 190));

      const err = await apiError(
        client.crm.objects.batchApi.read('companies', {
          inputs: [],
          properties: [],
          propertiesWithHistory: [],
        }),
      );
      assert.equal(err.code, 429);
      assert.equal(err.body.status, 'error');
      assert.equal(err.body.message, 'You have reached your ten_secondly_rolling limit.');
      assert.equal(err.body.errorType, 'RATE_LIMIT');
      assert.equal(err.body.policyName, 'TEN_SECONDLY_ROLLING');
      assert.equal(typeof err.body.correlationId, 'string');
      assert.equal(typeof err.body.requestId, 'string');
      assert.equal(err.headers['x-hubspot-ratelimit-remaining'], '0');
      const retryAfter = Number(err.headers['retry-after']);
      assert.ok(retryAfter >= 1 && retryAfter <= 10, `Retry-After ${retryAfter}`);
      assert.equal(sim.server.requests().filter((r) => r.status === 429).length, 1, 'rejections are logged');
    });

    it('limits search separately: a burst draws "You have reached your secondly limit." without rate-limit headers', async () => {
      await start({ requestsPer10s: 1 });
      const req = { filterGroups: [], properties: [], sorts: [], limit: 1, after: '0' };
      const first = await client.apiRequest({
        method: 'POST',
        path: '/crm/v3/objects/companies/search',
        body: req,
      });
      assert.equal(first.status, 200);
      assert.equal(first.headers.get('x-hubspot-ratelimit-remaining'), null);
      for (let i = 0; i < 4; i++) await client.crm.objects.searchApi.doSearch('companies', req);
      const err = await apiError(client.crm.objects.searchApi.doSearch('companies', req));
      assert.equal(err.code, 429);
      assert.equal(err.body.message, 'You have reached your secondly limit.');
      assert.equal(err.body.errorType, 'RATE_LIMIT');
      // The 10-second window (1 here) was untouched by search.
      const ordinary = await client.apiRequest({ method: 'GET', path: '/crm/v3/objects/companies' });
      assert.equal(ordinary.status, 200);
    });

    it('enforces the daily limit with policyName DAILY', async () => {
      await start({ dailyLimit: 2 });
      await client.crm.properties.coreApi.getAll('companies');
      await client.crm.properties.coreApi.getAll('contacts');
      const err = await apiError(client.crm.properties.coreApi.getAll('companies'));
      assert.equal(err.code, 429);
      assert.equal(err.body.policyName, 'DAILY');
    });

    it('answers injected rate-limit faults with the same 429 body and the rule Retry-After', async () => {
      await start();
      sim.server.addFault({ route: 'batch/upsert', kind: 'rate-limit', count: 1, retryAfterSeconds: 7 });
      const input = { inputs: [{ id: 'a@b.com', idProperty: 'email', properties: {} }] };
      const err = await apiError(client.crm.contacts.batchApi.upsert(input));
      assert.equal(err.code, 429);
      assert.equal(err.body.policyName, 'TEN_SECONDLY_ROLLING');
      assert.equal(err.headers['retry-after'], '7');
      const ok = await client.crm.contacts.batchApi.upsert(input);
      assert.equal(ok.results[0]!._new, true);
      assert.equal(sim.server.counts()['POST /crm/v3/objects/:objectType/batch/upsert'], 2);
    });

    it('reset() clears data, schemas, the log and faults', async () => {
      await start();
      sim.createSchemaDirect(featureRequestSchema);
      sim.seedCompanies([{ properties: { name: 'x' } }]);
      await client.crm.properties.coreApi.getAll('companies');
      sim.server.addFault({ kind: 'server-error' });
      sim.reset();
      assert.equal(sim.objects('companies').length, 0);
      assert.deepEqual(sim.schemas(), []);
      assert.equal(sim.server.requests().length, 0);
      const res = await client.crm.properties.coreApi.getAll('companies');
      assert.ok(res.results.length > 0);
      const state = (await (await fetch(`${sim.url}/_sim/state`)).json()) as { portalId: number };
      assert.equal(state.portalId, sim.portalId);
    });
  });
});
