import assert from 'node:assert/strict';
import { FEATURE_REQUEST_SCHEMA } from '../../src/domain/feature-request';
import {
  fromPortal,
  portalName,
  TICKET_PIPELINE,
  TICKET_PROPERTIES,
  toPortal,
  type RequestTarget,
} from '../../src/domain/request-target';

const TICKETS: RequestTarget = {
  kind: 'tickets',
  pipelineId: '77',
  stages: {
    open: 's1',
    'under review': 's2',
    planned: 's3',
    'in progress': 's4',
    complete: 's5',
    closed: 's6',
  },
};

describe('request target: the contract on a ticket', () => {
  it('the custom object keeps the contract names as they are', () => {
    const properties = { external_id: 'canny:1', name: 'SSO', status: 'open' };
    assert.deepEqual(toPortal(undefined, properties), properties);
    assert.deepEqual(toPortal({ kind: 'custom-object' }, properties), properties);
    assert.equal(portalName(undefined, 'external_id'), 'external_id');
  });

  it('a ticket: title and description in subject and content, the rest prefixed fr_, the stage of the status', () => {
    const written = toPortal(TICKETS, {
      external_id: 'canny:1',
      name: 'SSO',
      description: 'Please',
      status: 'planned',
      sync_fingerprint: '',
    });
    assert.deepEqual(written, {
      fr_external_id: 'canny:1',
      subject: 'SSO',
      content: 'Please',
      fr_status: 'planned',
      fr_sync_fingerprint: '',
      hs_pipeline: '77',
      hs_pipeline_stage: 's3',
    });
    // Read back, the contract's names again; HubSpot's own properties stay as they are.
    const { hs_pipeline: _p, hs_pipeline_stage: _s, ...rest } = written;
    assert.deepEqual(fromPortal(TICKETS, { ...rest, hs_object_id: '9' }), {
      external_id: 'canny:1',
      name: 'SSO',
      description: 'Please',
      status: 'planned',
      sync_fingerprint: '',
      hs_object_id: '9',
    });
  });

  it('a write without a status (a merge mark), or told to keep the stage, leaves the stage alone', () => {
    assert.deepEqual(toPortal(TICKETS, { source_state: 'merged', merged_into: 'canny:2' }), {
      fr_source_state: 'merged',
      fr_merged_into: 'canny:2',
    });
    assert.deepEqual(toPortal(TICKETS, { status: 'planned', vote_count: '3' }, 'keep'), {
      fr_status: 'planned',
      fr_vote_count: '3',
    });
  });

  it('a status the pipeline has no stage for: a new ticket goes to open (none is created without a stage), an existing one stays', () => {
    assert.deepEqual(toPortal(TICKETS, { status: 'needs info' }, 'create'), {
      fr_status: 'needs info',
      hs_pipeline: '77',
      hs_pipeline_stage: 's1',
    });
    assert.deepEqual(toPortal(TICKETS, { status: 'needs info' }, 'move'), { fr_status: 'needs info' });
    assert.deepEqual(toPortal(TICKETS, { status: 'complete' }, 'move'), {
      fr_status: 'complete',
      hs_pipeline: '77',
      hs_pipeline_stage: 's5',
    });
  });

  it('the ticket properties: every contract property but the title and the description, in one group', () => {
    assert.deepEqual(
      TICKET_PROPERTIES.map((p) => p.name),
      FEATURE_REQUEST_SCHEMA.properties
        .filter((p) => !['name', 'description'].includes(p.name))
        .map((p) => `fr_${p.name}`),
    );
    assert.ok(TICKET_PROPERTIES.every((p) => p.groupName === 'feature_request'));
    assert.equal(TICKET_PROPERTIES.find((p) => p.name === 'fr_external_id')?.hasUniqueValue, true);
    assert.deepEqual(
      TICKET_PIPELINE.stages.map((s) => [s.label, s.metadata.ticketState]),
      [
        ['open', 'OPEN'],
        ['under review', 'OPEN'],
        ['planned', 'OPEN'],
        ['in progress', 'OPEN'],
        ['complete', 'CLOSED'],
        ['closed', 'CLOSED'],
      ],
    );
  });
});
