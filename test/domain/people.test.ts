import assert from 'node:assert/strict';
import { companyDomainsOf, peopleOfRequest, type Person } from '../../src/domain/people';
import type { SourcePerson, SourcePost, SourceVote } from '../../src/domain/types';

const person = (id: string, email: string | null, extra: Partial<SourcePerson> = {}): SourcePerson => ({
  id,
  email,
  name: `Name ${id}`,
  isAdmin: false,
  ...extra,
});

const post = (author: SourcePerson | null): SourcePost => ({
  id: 'p1',
  title: 'Dark mode',
  details: '',
  status: 'open',
  score: 0,
  url: 'https://example.canny.io/p/dark-mode',
  createdAt: null,
  board: { id: 'b1', name: 'Ideas' },
  category: null,
  tags: [],
  author,
  mergedPostIds: [],
});

const vote = (id: string, voter: SourcePerson | null): SourceVote => ({ id, postId: 'p1', voter });

describe('peopleOfRequest', () => {
  const cases: Array<{
    name: string;
    author: SourcePerson | null;
    votes: SourceVote[];
    emails: string[];
    skipped: number;
  }> = [
    { name: 'no author, no votes', author: null, votes: [], emails: [], skipped: 0 },
    { name: 'author only', author: person('a', 'a@acme.com'), votes: [], emails: ['a@acme.com'], skipped: 0 },
    {
      name: 'author and voters, sorted by email',
      author: person('a', 'z@acme.com'),
      votes: [vote('v1', person('b', 'b@hooli.com')), vote('v2', person('c', 'c@gmail.com'))],
      emails: ['b@hooli.com', 'c@gmail.com', 'z@acme.com'],
      skipped: 0,
    },
    {
      name: 'admins excluded, as author and as voter',
      author: person('a', 'admin@vendor.com', { isAdmin: true }),
      votes: [
        vote('v1', person('b', 'b@acme.com')),
        vote('v2', person('c', 'c@vendor.com', { isAdmin: true })),
      ],
      emails: ['b@acme.com'],
      skipped: 0,
    },
    {
      name: 'null voter ignored, not skipped',
      author: null,
      votes: [vote('v1', null), vote('v2', person('b', 'b@acme.com'))],
      emails: ['b@acme.com'],
      skipped: 0,
    },
    {
      name: 'missing and malformed emails skipped',
      author: person('a', null),
      votes: [
        vote('v1', person('b', '')),
        vote('v2', person('c', 'no-at-sign')),
        vote('v3', person('d', 'd@acme.com')),
      ],
      emails: ['d@acme.com'],
      skipped: 3,
    },
    {
      name: 'a skipped person who authored and voted counts once',
      author: person('a', 'broken@'),
      votes: [vote('v1', person('a', 'broken@'))],
      emails: [],
      skipped: 1,
    },
    {
      name: 'admin with a malformed email is not counted as skipped',
      author: person('a', 'nope', { isAdmin: true }),
      votes: [],
      emails: [],
      skipped: 0,
    },
    {
      name: 'duplicate emails after normalisation merge',
      author: person('a', ' Jane@Acme.com '),
      votes: [vote('v1', person('b', 'jane@acme.com')), vote('v2', person('c', 'JANE@ACME.COM'))],
      emails: ['jane@acme.com'],
      skipped: 0,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = peopleOfRequest(post(c.author), c.votes);
      assert.deepEqual(
        result.people.map((p) => p.email),
        c.emails,
      );
      assert.equal(result.skipped, c.skipped);
      assert.equal(result.skippedPersonIds.length, c.skipped);
    });
  }

  it('keeps the author name, then the voter of the lowest vote id, whatever the vote order', () => {
    const votes = [
      vote('v2', person('c', 'x@acme.com', { name: 'Second' })),
      vote('v1', person('b', 'x@acme.com', { name: 'First' })),
    ];
    assert.equal(peopleOfRequest(post(null), votes).people[0]?.name, 'First');
    assert.equal(peopleOfRequest(post(null), [...votes].reverse()).people[0]?.name, 'First');
    assert.equal(
      peopleOfRequest(post(person('a', 'x@acme.com', { name: 'Author' })), votes).people[0]?.name,
      'Author',
    );
  });

  it('fills a missing name from a later duplicate', () => {
    const votes = [
      vote('v1', person('b', 'x@acme.com', { name: null })),
      vote('v2', person('c', 'x@acme.com', { name: 'Later' })),
    ];
    assert.equal(peopleOfRequest(post(null), votes).people[0]?.name, 'Later');
  });

  it('attaches company domains, null for free mail', () => {
    const result = peopleOfRequest(post(person('a', 'a@eng.acme.co.uk')), [
      vote('v1', person('b', 'b@gmail.com')),
    ]);
    assert.deepEqual(result.people, [
      { email: 'a@eng.acme.co.uk', name: 'Name a', companyDomain: 'acme.co.uk' },
      { email: 'b@gmail.com', name: 'Name b', companyDomain: null },
    ]);
  });
});

describe('companyDomainsOf', () => {
  const p = (email: string, companyDomain: string | null): Person => ({ email, name: null, companyDomain });
  const cases: Array<[string, Person[], string[]]> = [
    ['none', [], []],
    ['one', [p('a@acme.com', 'acme.com')], ['acme.com']],
    ['free mail left out', [p('a@gmail.com', null), p('b@acme.com', 'acme.com')], ['acme.com']],
    [
      'distinct and sorted',
      [p('a@hooli.com', 'hooli.com'), p('b@acme.com', 'acme.com'), p('c@acme.com', 'acme.com')],
      ['acme.com', 'hooli.com'],
    ],
  ];
  for (const [name, people, expected] of cases) {
    it(name, () => assert.deepEqual(companyDomainsOf(people), expected));
  }
});
