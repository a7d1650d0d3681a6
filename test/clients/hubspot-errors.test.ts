// HubSpot's refusals as the sync reports them: the 2026-09 error body's `missingScopes`, and the reason a
// record failure gives for a portal validation rule. Pure functions over HubSpot's documented bodies.
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { recordFailureReason, translateHubspotError } from '../../src/clients/hubspot-errors';
import { createDefaults, loadHubspotConfig, parseConfig, parsePropertyDefaults } from '../../src/config';
import { FailureType } from '../../src/failures';

describe('HubSpot errors', () => {
  it('a 403 names every scope of the 2026-09 body (context.missingScopes) and HUBSPOT_ACCESS_TOKEN', () => {
    const body = {
      status: 'error',
      category: 'MISSING_SCOPES',
      message: "This app hasn't been granted all required scopes to make this call.",
      correlationId: 'aeb5f871-7f07-4993-9211-075dc63e7cbf',
      context: { missingScopes: ['crm.objects.contacts.write', 'crm.schemas.companies.write'] },
    };
    const failure = translateHubspotError({ code: 403, body: JSON.stringify(body), headers: {} }, 'create');
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.type, FailureType.HubspotForbidden);
    assert.match(failure.message, /lacks crm\.objects\.contacts\.write, crm\.schemas\.companies\.write/);
    assert.match(failure.message, /HUBSPOT_ACCESS_TOKEN/);
  });

  it('a rule refusal names the object type, the property, what it cost and the variable that meets it', () => {
    const reason = recordFailureReason('company', {
      key: 'hooli.com',
      message: 'Error creating COMPANY. Some required properties were not set.',
      category: 'VALIDATION_ERROR',
      requiredProperties: ['industry', 'lifecyclestage'],
    });
    assert.match(reason, /refused this company: the portal requires industry, lifecyclestage/);
    assert.match(reason, /written without the association to it/);
    assert.match(reason, /HUBSPOT_COMPANY_DEFAULTS="industry=<value>,lifecyclestage=<value>"/);
    assert.match(reason, /Error creating COMPANY/);
    const request = recordFailureReason('feature_request', {
      message: 'Error creating FEATURE_REQUEST. Some required properties were not set.',
      requiredProperties: ['product_area'],
    });
    assert.match(request, /this request is not written/);
    assert.doesNotMatch(request, /DEFAULTS/);
    assert.equal(
      recordFailureReason('contact', { message: 'Email address is invalid' }),
      'Email address is invalid',
    );
  });

  it('create defaults: property=value pairs, checked at start-up, never a property the sync writes', () => {
    assert.deepEqual(parsePropertyDefaults(' industry=COMPUTER_SOFTWARE , lifecyclestage=lead'), {
      industry: 'COMPUTER_SOFTWARE',
      lifecyclestage: 'lead',
    });
    assert.deepEqual(parsePropertyDefaults(undefined), {});
    assert.throws(() => parsePropertyDefaults('industry'), /"industry" is not a property=value pair/);
    assert.throws(() => parsePropertyDefaults('Industry=x'), /not a property=value pair/);
    assert.throws(() => parsePropertyDefaults('a=1,a=2'), /a is given twice/);
    const required = { CANNY_API_KEY: 'ck', HUBSPOT_ACCESS_TOKEN: 'pat-1' };
    assert.throws(
      () => parseConfig({ ...required, HUBSPOT_COMPANY_DEFAULTS: 'domain=x.com' }),
      /HUBSPOT_COMPANY_DEFAULTS.*domain is written by the sync itself/s,
    );
    assert.throws(() => parseConfig({ ...required, HUBSPOT_API_VERSION: 'v4' }), /HUBSPOT_API_VERSION/);
    // The ARR property rollups sum: refused by the worker and by `hubspot check` alike.
    const arr = { ...required, HUBSPOT_COMPANY_DEFAULTS: 'annualrevenue=1000000' };
    assert.throws(() => parseConfig(arr), /may not set annualrevenue, the ARR property/);
    assert.throws(() => loadHubspotConfig(arr), /may not set annualrevenue, the ARR property/);
    const cfg = parseConfig({ ...required, HUBSPOT_CONTACT_DEFAULTS: 'jobtitle=Customer' });
    assert.equal(cfg.HUBSPOT_API_VERSION, '2026-09');
    assert.deepEqual(createDefaults(cfg), { company: {}, contact: { jobtitle: 'Customer' } });
  });
});
