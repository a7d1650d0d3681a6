import assert from 'node:assert/strict';
import {
  indexCompaniesByDomain,
  parseArr,
  pickCompany,
  type HubspotCompany,
} from '../../src/domain/company-match';

describe('pickCompany', () => {
  const cases: Array<[string, Array<{ id: string; createdAt: string }>, string | undefined]> = [
    ['none', [], undefined],
    ['one', [{ id: '5', createdAt: '2024-01-01T00:00:00Z' }], '5'],
    [
      'earliest createdAt wins',
      [
        { id: '1', createdAt: '2024-03-01T00:00:00Z' },
        { id: '2', createdAt: '2023-03-01T00:00:00Z' },
      ],
      '2',
    ],
    [
      'tie on createdAt: lowest numeric id, not lowest string',
      [
        { id: '10', createdAt: '2024-01-01T00:00:00.000Z' },
        { id: '9', createdAt: '2024-01-01T00:00:00Z' },
      ],
      '9',
    ],
    [
      'ids beyond 2^53 compare exactly',
      [
        { id: '9007199254740993', createdAt: '2024-01-01T00:00:00Z' },
        { id: '9007199254740992', createdAt: '2024-01-01T00:00:00Z' },
      ],
      '9007199254740992',
    ],
    [
      'unreadable createdAt loses',
      [
        { id: '1', createdAt: 'garbage' },
        { id: '2', createdAt: '2030-01-01T00:00:00Z' },
      ],
      '2',
    ],
  ];
  for (const [name, candidates, expected] of cases) {
    it(name, () => {
      assert.equal(pickCompany(candidates)?.id, expected);
      assert.equal(pickCompany([...candidates].reverse())?.id, expected);
    });
  }
});

describe('parseArr', () => {
  const cases: Array<[string | null | undefined, number | null]> = [
    ['12000', 12000],
    ['12000.5', 12000.5],
    [' 42 ', 42],
    ['1,234.5', 1234.5],
    ['1,234,567', 1234567],
    ['0', 0],
    ['-5', -5],
    ['1.5e6', 1_500_000],
    ['', null],
    ['  ', null],
    [null, null],
    [undefined, null],
    ['abc', null],
    ['12k', null],
    ['1,23', null],
    ['.', null],
    ['Infinity', null],
    ['0x10', null],
  ];
  for (const [value, expected] of cases) {
    it(`${JSON.stringify(value)} → ${String(expected)}`, () => assert.equal(parseArr(value), expected));
  }
});

describe('indexCompaniesByDomain', () => {
  const company = (
    id: string,
    createdAt: string,
    properties: Record<string, string | null | undefined>,
  ): HubspotCompany => ({ id, createdAt, properties });

  it('matches normalised domains and reads the chosen ARR property', () => {
    const index = indexCompaniesByDomain(
      [
        company('1', '2024-01-01T00:00:00Z', { domain: 'WWW.Acme.com', arr: '1000' }),
        company('2', '2024-01-01T00:00:00Z', { domain: 'hooli.com', arr: '' }),
        company('3', '2024-01-01T00:00:00Z', { domain: 'other.com', arr: '5' }),
        company('4', '2024-01-01T00:00:00Z', { domain: null }),
      ],
      ['acme.com', 'hooli.com', 'missing.com'],
      'arr',
    );
    assert.deepEqual(
      [...index],
      [
        ['acme.com', { id: '1', arr: 1000 }],
        ['hooli.com', { id: '2', arr: null }],
      ],
    );
  });

  it('oldest duplicate wins, ties by numeric id', () => {
    const index = indexCompaniesByDomain(
      [
        company('10', '2024-01-01T00:00:00Z', { domain: 'acme.com', arr: '1' }),
        company('9', '2024-01-01T00:00:00Z', { domain: 'acme.com', arr: '2' }),
        company('3', '2025-01-01T00:00:00Z', { domain: 'acme.com', arr: '3' }),
      ],
      ['acme.com'],
      'arr',
    );
    assert.deepEqual(index.get('acme.com'), { id: '9', arr: 2 });
  });

  it('uses hs_additional_domains only when no company has the primary domain', () => {
    const companies = [
      company('1', '2020-01-01T00:00:00Z', {
        domain: 'parent.com',
        hs_additional_domains: 'acme.com;www.hooli.com',
      }),
      company('2', '2024-01-01T00:00:00Z', { domain: 'acme.com' }),
    ];
    const index = indexCompaniesByDomain(companies, ['acme.com', 'hooli.com'], 'annualrevenue');
    assert.equal(index.get('acme.com')?.id, '2');
    assert.equal(index.get('hooli.com')?.id, '1');
  });
});

describe('indexCompaniesByDomain: the sync key (feedback_sync_domain) wins', () => {
  const company = (
    id: string,
    createdAt: string,
    properties: Record<string, string | null | undefined>,
  ): HubspotCompany => ({ id, createdAt, properties });

  const cases: Array<[string, HubspotCompany[], string, string | undefined]> = [
    [
      'a company the sync created and someone rebranded keeps meaning its old domain',
      [company('7', '2024-01-01T00:00:00Z', { domain: 'initrode.com', feedback_sync_domain: 'initech.com' })],
      'initech.com',
      '7',
    ],
    [
      'the key wins over an older company whose domain is the domain',
      [
        company('1', '2019-01-01T00:00:00Z', { domain: 'initech.com' }),
        company('7', '2024-01-01T00:00:00Z', { domain: 'initrode.com', feedback_sync_domain: 'initech.com' }),
      ],
      'initech.com',
      '7',
    ],
    [
      'the key is compared as the sync wrote it, whatever the case',
      [company('7', '2024-01-01T00:00:00Z', { domain: '', feedback_sync_domain: ' Initech.COM ' })],
      'initech.com',
      '7',
    ],
    [
      'another domain as key does not count: the domain rule decides',
      [
        company('3', '2022-01-01T00:00:00Z', { domain: 'initech.com', feedback_sync_domain: 'other.com' }),
        company('2', '2023-01-01T00:00:00Z', { domain: 'www.initech.com' }),
      ],
      'initech.com',
      '3',
    ],
    [
      'no key: oldest domain match, ties by the lowest numeric id',
      [
        company('12', '2022-01-01T00:00:00Z', { domain: 'initech.com' }),
        company('11', '2022-01-01T00:00:00Z', { domain: 'INITECH.com' }),
      ],
      'initech.com',
      '11',
    ],
  ];
  for (const [name, companies, domain, expected] of cases) {
    it(name, () => {
      for (const order of [companies, [...companies].reverse()]) {
        const index = indexCompaniesByDomain(order, [domain], 'annualrevenue');
        assert.equal(index.get(domain)?.id, expected);
      }
    });
  }

  it('a rebranded company also matches its new domain by the domain rule', () => {
    const rebranded = company('7', '2024-01-01T00:00:00Z', {
      domain: 'initrode.com',
      feedback_sync_domain: 'initech.com',
      annualrevenue: '10',
    });
    const index = indexCompaniesByDomain([rebranded], ['initech.com', 'initrode.com'], 'annualrevenue');
    assert.deepEqual(index.get('initech.com'), { id: '7', arr: 10 });
    assert.deepEqual(index.get('initrode.com'), { id: '7', arr: 10 });
  });
});
