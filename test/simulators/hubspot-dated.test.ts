// The HubSpot simulator's date-based API (docs/reference/hubspot.md, "The dated API"): what it serves, how its
// answers differ from v3/v4, what the numbered paths answer once unsupported, and the portal validation rules
// it enforces from 2026-09 on. Over real HTTP, through the official client's generic request.
import assert from 'node:assert/strict';
import { Client } from '@hubspot/api-client';
import { HubspotSimulator, type HubspotSimulatorOptions } from '../../src/simulators/hubspot';
import { apiCall, startHubspotSim } from '../support/hubspot-sim';

const TOKEN = 'pat-dated-test';

/** The fields of HubSpot's answers these tests read (batch bodies, errors, label and rule lists). */
interface Answer {
  status: string;
  message: string;
  category: string;
  numErrors: number;
  context: Record<string, string[]>;
  results: Array<{
    id: string;
    properties: Record<string, string>;
    typeId: number;
    label?: string;
    from: { id: string };
    propertyName: string;
    propertyValidationRules: Array<{ ruleType: string }>;
  }>;
  errors: Array<{ category: string; message: string; context: Record<string, string[]> }>;
}

describe('HubSpot simulator: the dated API', function () {
  let sim: HubspotSimulator;
  let client: Client;

  async function start(options: HubspotSimulatorOptions = {}): Promise<void> {
    ({ sim, client } = await startHubspotSim(TOKEN, options));
  }

  const call = (method: string, path: string, body?: unknown) => apiCall<Answer>(client, method, path, body);

  const companies = (_label: string, n: number, traced = true) => ({
    inputs: Array.from({ length: n }, (_, i) => ({
      properties: { domain: `c${i}.example`, name: `C${i}` },
      associations: [],
      ...(traced ? { objectWriteTraceId: `t${i}` } : {}),
    })),
  });

  afterEach(async () => {
    await sim?.close();
  });

  it('refuses the numbered paths by default as an unsupported version (404), and serves them on request', async () => {
    await start();
    const v3 = await call('POST', '/crm/v3/objects/companies/batch/create', companies('v3', 1));
    assert.equal(v3.status, 404);
    assert.equal(v3.body.status, 'error');
    assert.match(String(v3.body.message), /API version v3 is not supported/);
    const v4 = await call('GET', '/crm/v4/associations/companies/contacts/labels');
    assert.equal(v4.status, 404);
    const unknownDate = await call('GET', '/crm/objects/2024-01/companies');
    assert.equal(unknownDate.status, 404);
    assert.deepEqual(sim.requestsByApiVersion(), { v3: 1, v4: 1, '2024-01': 1 });
    await sim.close();

    await start({ numberedApis: 'serve' });
    assert.equal(
      (await call('POST', '/crm/v3/objects/companies/batch/create', companies('v3', 1))).status,
      201,
    );
  });

  it('answers per-record errors in a 201 batch body (the 2026-09 reference lists no 207)', async () => {
    await start({ numberedApis: 'serve' });
    const bad = companies('', 2);
    (bad.inputs[1]!.properties as Record<string, string>).no_such_property = 'x';
    const dated = await call('POST', '/crm/objects/2026-09/companies/batch/create', bad);
    assert.equal(dated.status, 201);
    assert.equal(dated.body.results.length, 1);
    assert.equal(dated.body.numErrors, 1);
    const again = companies('', 2);
    again.inputs.forEach((i) => (i.properties.domain = `v3-${i.properties.domain}`));
    (again.inputs[1]!.properties as Record<string, string>).no_such_property = 'x';
    const numbered = await call('POST', '/crm/v3/objects/companies/batch/create', again);
    assert.equal(numbered.status, 207);
  });

  it('answers association batch/create with 200, and batch/archive and labels/archive with a 200 batch body (v4: 201, 204)', async () => {
    await start();
    const created = await call('POST', '/crm/objects/2026-09/companies/batch/create', companies('', 1));
    const contact = await call('POST', '/crm/objects/2026-09/contacts/batch/create', {
      inputs: [{ properties: { email: 'ada@c0.example' }, associations: [], objectWriteTraceId: 'x' }],
    });
    const pair = { from: { id: created.body.results[0]!.id }, to: { id: contact.body.results[0]!.id } };
    const labels = await call('POST', '/crm/associations/2026-09/companies/contacts/labels', {
      label: 'Asked for it',
      name: 'asked_for_it',
    });
    assert.equal(labels.status, 200);
    const typeId = labels.body.results.find((r) => r.label === 'Asked for it')!.typeId;
    const types = [{ associationCategory: 'USER_DEFINED', associationTypeId: typeId }];
    const create = await call('POST', '/crm/associations/2026-09/companies/contacts/batch/create', {
      inputs: [{ ...pair, types }],
    });
    assert.equal(create.status, 200);
    assert.equal(create.body.status, 'COMPLETE');
    const read = await call('POST', '/crm/associations/2026-09/companies/contacts/batch/read', {
      inputs: [{ id: pair.from.id }],
    });
    assert.equal(read.status, 200);
    assert.equal(String(read.body.results[0]!.from.id), pair.from.id);
    const unlabel = await call('POST', '/crm/associations/2026-09/companies/contacts/batch/labels/archive', {
      inputs: [{ ...pair, types }],
    });
    assert.equal(unlabel.status, 200);
    assert.deepEqual(unlabel.body.results, []);
    const archive = await call('POST', '/crm/associations/2026-09/companies/contacts/batch/archive', {
      inputs: [{ from: pair.from, to: [pair.to] }],
    });
    assert.equal(archive.status, 200);
    assert.equal(archive.body.status, 'COMPLETE');
  });

  it('names the missing scopes in context.missingScopes on a dated 403', async () => {
    await start();
    sim.denyScopes(['crm.objects.companies.write']);
    const refused = await call('POST', '/crm/objects/2026-09/companies/batch/create', companies('', 1));
    assert.equal(refused.status, 403);
    assert.equal(refused.body.category, 'MISSING_SCOPES');
    assert.deepEqual(refused.body.context.missingScopes, ['crm.objects.companies.write']);
  });

  describe('portal validation rules', () => {
    beforeEach(() => start({ numberedApis: 'serve' }));

    it('refuses a company create without a required property from 2026-09 on, per record when traced', async () => {
      sim.setValidationRules([{ objectType: 'companies', property: 'industry', on: 'create' }]);
      const input = companies('', 2);
      (input.inputs[1]!.properties as Record<string, string>).industry = 'COMPUTER_SOFTWARE';
      const refused = await call('POST', '/crm/objects/2026-09/companies/batch/create', input);
      assert.equal(refused.status, 201);
      assert.equal(refused.body.results.length, 1);
      assert.equal(refused.body.results[0]!.properties.industry, 'COMPUTER_SOFTWARE');
      const error = refused.body.errors[0]!;
      assert.equal(error.category, 'VALIDATION_ERROR');
      assert.equal(error.message, 'Error creating COMPANY. Some required properties were not set.');
      assert.deepEqual(error.context.properties, ['industry']);
      assert.deepEqual(error.context.objectWriteTraceId, ['t0']);

      // Untraced, one refused record refuses the batch.
      const whole = await call('POST', '/crm/objects/2026-09/companies/batch/create', {
        inputs: [{ properties: { domain: 'u.example', name: 'U' }, associations: [] }],
      });
      assert.equal(whole.status, 400);
      assert.deepEqual(whole.body.context.properties, ['industry']);

      // 2026-03 and v3 do not enforce the rules.
      const older = companies('', 1);
      older.inputs[0]!.properties.domain = 'older.example';
      assert.equal((await call('POST', '/crm/objects/2026-03/companies/batch/create', older)).status, 201);
      older.inputs[0]!.properties.domain = 'v3.example';
      assert.equal((await call('POST', '/crm/v3/objects/companies/batch/create', older)).status, 201);
    });

    it('applies a conditional rule only while its condition holds, and a write rule to updates', async () => {
      sim.setValidationRules([
        {
          objectType: 'contacts',
          property: 'jobtitle',
          on: 'write',
          when: { property: 'lifecyclestage', value: 'customer' },
        },
      ]);
      const create = (email: string, stage: string) =>
        call('POST', '/crm/objects/2026-09/contacts/batch/create', {
          inputs: [
            { properties: { email, lifecyclestage: stage }, associations: [], objectWriteTraceId: email },
          ],
        });
      const lead = await create('lead@x.example', 'lead');
      assert.equal(lead.body.results.length, 1);
      const customer = await create('customer@x.example', 'customer');
      assert.equal(customer.body.results.length, 0);
      assert.deepEqual(customer.body.errors[0]!.context.properties, ['jobtitle']);
      const update = await call('POST', '/crm/objects/2026-09/contacts/batch/update', {
        inputs: [{ id: lead.body.results[0]!.id, properties: { lifecyclestage: 'customer' } }],
      });
      assert.equal(update.status, 200);
      assert.equal(
        update.body.errors[0]!.message,
        'Error updating CONTACT. Some required properties were not set.',
      );
    });

    it('refuses a whole upsert batch when one record it would create breaks a rule', async () => {
      sim.setValidationRules([{ objectType: 'contacts', property: 'firstname', on: 'create' }]);
      const upsert = await call('POST', '/crm/objects/2026-09/contacts/batch/upsert', {
        inputs: [
          { id: 'a@y.example', idProperty: 'email', properties: { firstname: 'A' } },
          { id: 'b@y.example', idProperty: 'email', properties: {} },
        ],
      });
      assert.equal(upsert.status, 400);
      assert.equal(upsert.body.category, 'VALIDATION_ERROR');
      assert.deepEqual(upsert.body.context.properties, ['firstname']);
    });

    it('lists the format rules set on a type through the property validations API', async () => {
      sim.setPropertyValidations('companies', [
        {
          propertyName: 'name',
          propertyValidationRules: [{ ruleType: 'MAX_LENGTH', ruleArguments: ['20'] }],
        },
      ]);
      const rules = await call('GET', '/crm/property-validations/2026-09/0-2');
      assert.equal(rules.status, 200);
      assert.equal(rules.body.results[0]!.propertyName, 'name');
      assert.equal(rules.body.results[0]!.propertyValidationRules[0]!.ruleType, 'MAX_LENGTH');
    });
  });
});
