import assert from 'node:assert/strict';
import {
  FEATURE_REQUEST_SCHEMA,
  TRUNCATION_MARKER,
  deletedProperties,
  diffSchema,
  externalIdOf,
  featureRequestProperties,
  mergedProperties,
  postIdOfExternalId,
  truncateDescription,
  type ActualSchema,
} from '../../src/domain/feature-request';
import type { SourcePost } from '../../src/domain/types';

describe('external ids', () => {
  const cases: Array<[string, string | null]> = [
    ['canny:abc123', 'abc123'],
    ['canny:', null],
    ['abc123', null],
    ['other:abc', null],
  ];
  for (const [externalId, postId] of cases) {
    it(`${externalId} → ${String(postId)}`, () => assert.equal(postIdOfExternalId(externalId), postId));
  }
  it('round-trips', () => assert.equal(postIdOfExternalId(externalIdOf('5f1a')), '5f1a'));
});

describe('truncateDescription', () => {
  const limit = 20;
  const cases: Array<[string, string, string]> = [
    ['empty', '', ''],
    ['short', 'hello', 'hello'],
    ['exactly at the limit', 'a'.repeat(20), 'a'.repeat(20)],
    ['one over', 'a'.repeat(21), 'a'.repeat(7) + TRUNCATION_MARKER],
    ['far over', 'b'.repeat(1000), 'b'.repeat(7) + TRUNCATION_MARKER],
    // The cut falls between the halves of 😀 (2 code units): the whole pair goes.
    ['surrogate pair at the cut', 'a'.repeat(6) + '😀' + 'c'.repeat(20), 'a'.repeat(6) + TRUNCATION_MARKER],
    [
      'surrogate pair just before the cut',
      'a'.repeat(5) + '😀' + 'c'.repeat(20),
      'a'.repeat(5) + '😀' + TRUNCATION_MARKER,
    ],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => {
      const output = truncateDescription(input, limit);
      assert.equal(output, expected);
      assert.ok(output.length <= limit);
    });
  }

  it('defaults to HubSpot’s 65,536', () => {
    assert.equal(truncateDescription('x'.repeat(65_536)).length, 65_536);
    const cut = truncateDescription('x'.repeat(65_537));
    assert.equal(cut.length, 65_536);
    assert.ok(cut.endsWith(TRUNCATION_MARKER));
  });
});

const post = (overrides: Partial<SourcePost> = {}): SourcePost => ({
  id: 'p1',
  title: 'Dark mode',
  details: 'Please',
  status: 'under review',
  score: 12,
  url: 'https://example.canny.io/p/dark-mode',
  createdAt: '2024-05-01T10:00:00.000Z',
  board: { id: 'b1', name: 'Ideas' },
  category: 'UI',
  tags: ['ux', 'design'],
  author: { id: 'u1', email: ' Jane@Acme.com ', name: 'Jane', isAdmin: false },
  mergedPostIds: [],
  ...overrides,
});

describe('featureRequestProperties', () => {
  const rollup = { votingCompanyCount: 2, votingCompanyArr: 1250.5 };

  it('maps every property of the data model', () => {
    assert.deepEqual(featureRequestProperties(post(), rollup), {
      external_id: 'canny:p1',
      name: 'Dark mode',
      description: 'Please',
      status: 'under review',
      board: 'Ideas',
      category: 'UI',
      tags: 'design;ux',
      url: 'https://example.canny.io/p/dark-mode',
      vote_count: '12',
      voting_company_count: '2',
      voting_company_arr: '1250.5',
      author_email: 'jane@acme.com',
      source_created_at: '2024-05-01T10:00:00.000Z',
      source_state: 'active',
      merged_into: '',
    });
  });

  it('has exactly the schema’s properties except the fingerprint', () => {
    const names = FEATURE_REQUEST_SCHEMA.properties
      .map((p) => p.name)
      .filter((n) => n !== 'sync_fingerprint');
    assert.deepEqual(Object.keys(featureRequestProperties(post(), rollup)).sort(), names.sort());
  });

  const cases: Array<[string, Partial<SourcePost>, number, Record<string, string>]> = [
    ['empty title', { title: '  ' }, 0, { name: '(untitled)' }],
    ['no category, no tags', { category: null, tags: [] }, 0, { category: '', tags: '' }],
    ['tags deduplicated and blank ones dropped', { tags: ['b', ' a ', 'b', ''] }, 0, { tags: 'a;b' }],
    ['no author', { author: null }, 0, { author_email: '' }],
    [
      'malformed author email',
      { author: { id: 'u', email: 'nope', name: null, isAdmin: false } },
      0,
      { author_email: '' },
    ],
    ['missing date', { createdAt: null }, 0, { source_created_at: '' }],
    ['invalid date', { createdAt: 'yesterday' }, 0, { source_created_at: '' }],
    [
      'date with offset',
      { createdAt: '2024-05-01T12:00:00+02:00' },
      0,
      { source_created_at: '2024-05-01T10:00:00.000Z' },
    ],
    ['ARR float noise', {}, 0.1 + 0.2, { voting_company_arr: '0.3' }],
    ['ARR large', {}, 123456789012.345, { voting_company_arr: '123456789012.35' }],
    ['ARR huge, no exponent', {}, 1e22, { voting_company_arr: '10000000000000000000000' }],
    ['ARR zero', {}, 0, { voting_company_arr: '0' }],
    ['long details', { details: 'd'.repeat(70_000) }, 0, {}],
  ];
  for (const [name, overrides, arr, expected] of cases) {
    it(name, () => {
      const props = featureRequestProperties(post(overrides), {
        votingCompanyCount: 0,
        votingCompanyArr: arr,
      });
      for (const [key, value] of Object.entries(expected)) assert.equal(props[key], value, key);
      assert.ok(props.description!.length <= 65_536);
    });
  }

  it('state changes touch source_state and merged_into, and clear the fingerprint', () => {
    assert.deepEqual(mergedProperties('p2'), {
      source_state: 'merged',
      merged_into: 'canny:p2',
      sync_fingerprint: '',
    });
    assert.deepEqual(deletedProperties(), { source_state: 'deleted', merged_into: '', sync_fingerprint: '' });
  });
});

describe('FEATURE_REQUEST_SCHEMA', () => {
  const types = Object.fromEntries(FEATURE_REQUEST_SCHEMA.properties.map((p) => [p.name, p.type]));
  const cases: Array<[string, string]> = [
    ['external_id', 'string'],
    ['description', 'string'],
    ['vote_count', 'number'],
    ['voting_company_count', 'number'],
    ['voting_company_arr', 'number'],
    ['source_created_at', 'datetime'],
    ['source_state', 'enumeration'],
    ['sync_fingerprint', 'string'],
  ];
  for (const [name, type] of cases) it(`${name} is ${type}`, () => assert.equal(types[name], type));
  it('external_id is unique and description a textarea', () => {
    const byName = new Map(FEATURE_REQUEST_SCHEMA.properties.map((p) => [p.name, p]));
    assert.equal(byName.get('external_id')?.hasUniqueValue, true);
    assert.equal(byName.get('description')?.fieldType, 'textarea');
    assert.deepEqual(
      byName.get('source_state')?.options?.map((o) => o.value),
      ['active', 'merged', 'deleted'],
    );
  });
});

describe('diffSchema', () => {
  const complete = (): ActualSchema => ({
    exists: true,
    properties: Object.fromEntries(
      FEATURE_REQUEST_SCHEMA.properties.map((p) => [
        p.name,
        { type: p.type, hasUniqueValue: p.hasUniqueValue ?? false, options: p.options?.map((o) => o.value) },
      ]),
    ),
    associatedObjects: ['0-1', '0-2'],
  });
  const cases: Array<[string, (s: ActualSchema) => void, string[]]> = [
    ['set up', () => undefined, []],
    ['associations by name', (s) => (s.associatedObjects = ['COMPANY', 'contacts']), []],
    [
      'object missing',
      (s) => {
        s.exists = false;
        s.properties = {};
      },
      ['object-missing:feature_request'],
    ],
    ['property missing', (s) => delete s.properties.tags, ['property-missing:tags']],
    ['wrong type', (s) => (s.properties.vote_count = { type: 'string' }), ['property-mismatch:vote_count']],
    [
      'external_id not unique',
      (s) => (s.properties.external_id = { type: 'string', hasUniqueValue: false }),
      ['property-mismatch:external_id'],
    ],
    [
      'enumeration lacks an option',
      (s) => (s.properties.source_state = { type: 'enumeration', options: ['active'] }),
      ['property-mismatch:source_state'],
    ],
    ['association missing', (s) => (s.associatedObjects = ['0-2']), ['association-missing:CONTACT']],
  ];
  for (const [name, mutate, expected] of cases) {
    it(name, () => {
      const actual = complete();
      mutate(actual);
      const problems = diffSchema(FEATURE_REQUEST_SCHEMA, actual);
      assert.deepEqual(
        problems.map((p) => `${p.kind}:${p.subject}`),
        expected,
      );
      for (const problem of problems) assert.ok(problem.message.includes(problem.subject));
    });
  }
});
