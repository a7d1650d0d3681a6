import assert from 'node:assert/strict';
import type { MatchedCompany } from '../../src/domain/company-match';
import { computeRollup, type Rollup } from '../../src/domain/rollup';

describe('computeRollup', () => {
  const cases: Array<[string, string[], Array<[string, MatchedCompany]>, Rollup]> = [
    ['nothing', [], [], { votingCompanyCount: 0, votingCompanyArr: 0, companyIds: [] }],
    [
      'domains without companies still count',
      ['acme.com', 'hooli.com'],
      [],
      { votingCompanyCount: 2, votingCompanyArr: 0, companyIds: [] },
    ],
    [
      'sums matched ARR',
      ['acme.com', 'hooli.com'],
      [
        ['acme.com', { id: '1', arr: 1000 }],
        ['hooli.com', { id: '2', arr: 250.5 }],
      ],
      { votingCompanyCount: 2, votingCompanyArr: 1250.5, companyIds: ['1', '2'] },
    ],
    [
      'two domains, one company: ARR once',
      ['acme.com', 'acme.co.uk'],
      [
        ['acme.com', { id: '7', arr: 1000 }],
        ['acme.co.uk', { id: '7', arr: 1000 }],
      ],
      { votingCompanyCount: 2, votingCompanyArr: 1000, companyIds: ['7'] },
    ],
    [
      'missing ARR counts as 0',
      ['acme.com', 'hooli.com'],
      [
        ['acme.com', { id: '1', arr: null }],
        ['hooli.com', { id: '2', arr: 300 }],
      ],
      { votingCompanyCount: 2, votingCompanyArr: 300, companyIds: ['1', '2'] },
    ],
    [
      'duplicate domains counted once',
      ['acme.com', 'acme.com'],
      [['acme.com', { id: '1', arr: 5 }]],
      { votingCompanyCount: 1, votingCompanyArr: 5, companyIds: ['1'] },
    ],
    [
      'no float noise',
      ['a.com', 'b.com', 'c.com'],
      [
        ['a.com', { id: '1', arr: 0.1 }],
        ['b.com', { id: '2', arr: 0.2 }],
        ['c.com', { id: '3', arr: 0.0 }],
      ],
      { votingCompanyCount: 3, votingCompanyArr: 0.3, companyIds: ['1', '2', '3'] },
    ],
  ];
  for (const [name, domains, companies, expected] of cases) {
    it(name, () => assert.deepEqual(computeRollup(domains, new Map(companies)), expected));
  }
});
