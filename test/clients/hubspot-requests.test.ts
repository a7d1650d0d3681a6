// RequestRecords: the requests in either target. Tickets named without the run's target are refused before any
// request: a run whose workflow code predates tickets (a rolling deploy) would read and write them by the
// custom object's names, and scan the portal's every ticket.
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import type { HubspotGateway } from '../../src/clients/hubspot';
import { RequestRecords } from '../../src/clients/hubspot-requests';
import { FailureType } from '../../src/failures';

const gateway = {} as HubspotGateway;

describe('RequestRecords', () => {
  for (const objectType of ['0-5', 'tickets'])
    it(`refuses ${objectType} without the run's tickets target`, () => {
      assert.throws(
        () => new RequestRecords(gateway, objectType),
        (err: unknown) =>
          err instanceof ApplicationFailure &&
          err.type === FailureType.HubspotSchemaMissing &&
          /predates the tickets target/.test(err.message),
      );
      assert.throws(
        () => new RequestRecords(gateway, objectType, { kind: 'custom-object' }),
        ApplicationFailure,
      );
    });

  it('takes a custom object without a target, and tickets with theirs', () => {
    assert.equal(new RequestRecords(gateway, '2-123').objectTypeId, '2-123');
    const target = { kind: 'tickets' as const, pipelineId: '7', stages: { open: '1' } };
    assert.equal(new RequestRecords(gateway, '0-5', target).target, target);
  });
});
