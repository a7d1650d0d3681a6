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
    /** Company domains of the people, when the case is about them. */
    domains?: string[];
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
      domains: ['acme.com'],
    },
    {
      name: 'one address typed with a Unicode and a punycode domain merges',
      author: person('a', 'anna@bücher.de'),
      votes: [vote('v1', person('b', 'Anna@XN--BCHER-KVA.de')), vote('v2', person('c', 'anna@BÜCHER.DE'))],
      emails: ['anna@xn--bcher-kva.de'],
      skipped: 0,
      domains: ['xn--bcher-kva.de'],
    },
    {
      name: 'two people of one internationalised domain make one company domain',
      author: null,
      votes: [vote('v1', person('a', 'anna@bücher.de')), vote('v2', person('b', 'ben@xn--bcher-kva.de'))],
      emails: ['anna@xn--bcher-kva.de', 'ben@xn--bcher-kva.de'],
      skipped: 0,
      domains: ['xn--bcher-kva.de'],
    },
    {
      name: 'invisible characters make an email malformed, never a second contact',
      author: person('a', 'jane@acme.com'),
      votes: [
        vote('v1', person('b', 'jane\u200b@acme.com')),
        vote('v2', person('c', '\u202ejane@acme.com')),
        vote('v3', person('d', 'ja\u00adne@acme.com')),
        vote('v4', person('e', '\ufeffjane@acme.com')),
        vote('v5', person('f', 'jane@ac\u200dme.com')),
        vote('v6', person('g', 'jane@acme.com\u2069')),
      ],
      emails: ['jane@acme.com'],
      skipped: 6,
      domains: ['acme.com'],
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
      if (c.domains) assert.deepEqual(companyDomainsOf(result.people), c.domains);
    });
  }

  it('names each person by the source id of the author, then of the voter of the lowest vote id', () => {
    const votes = [vote('v2', person('c', 'x@acme.com')), vote('v1', person('b', 'X@acme.com'))];
    assert.equal(peopleOfRequest(post(null), votes).people[0]?.personId, 'b');
    assert.equal(peopleOfRequest(post(person('a', 'x@ACME.com')), votes).people[0]?.personId, 'a');
  });

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
      { email: 'a@eng.acme.co.uk', personId: 'a', name: 'Name a', companyDomain: 'acme.co.uk' },
      { email: 'b@gmail.com', personId: 'b', name: 'Name b', companyDomain: null },
    ]);
  });
});

describe('companyDomainsOf', () => {
  const p = (email: string, companyDomain: string | null): Person => ({
    email,
    personId: email,
    name: null,
    companyDomain,
  });
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
