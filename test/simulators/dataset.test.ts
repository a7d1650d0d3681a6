// The dataset generator: repeatable, the sizes asked for, the awkward cases present, the bench size cheap.
// Company domains are checked with tldts directly (not src/domain) so the generator's `expected` answers are
// an independent oracle for the sync's own domain logic.
import assert from 'node:assert/strict';
import { getDomain } from 'tldts';
import freeMail from 'email-providers/all.json';
import { BENCH_DATASET, DEMO_DATASET, generateDataset, type Dataset } from '../../src/simulators/dataset';

const freeMailDomains = new Set(freeMail);

/** Trimmed, lowercased, exactly one `@`, a local part and a dotted host; null otherwise. */
function normalise(email: string | null): string | null {
  const e = email?.trim().toLowerCase();
  if (!e || /\s/.test(e)) return null;
  const parts = e.split('@');
  if (parts.length !== 2 || !parts[0] || !parts[1]?.includes('.')) return null;
  return e;
}

function companyDomain(email: string | null): string | null {
  const e = normalise(email);
  const domain = e === null ? null : getDomain(e.split('@')[1]!);
  return domain === null || freeMailDomains.has(domain) ? null : domain;
}

describe('generateDataset', function () {
  let demo: Dataset;

  before(function () {
    demo = generateDataset(DEMO_DATASET);
  });

  it('is deterministic: same seed, same output; another seed, another output', function () {
    assert.deepEqual(generateDataset(DEMO_DATASET), demo);
    assert.equal(JSON.stringify(generateDataset({ ...DEMO_DATASET })), JSON.stringify(demo));
    const other = generateDataset({ ...DEMO_DATASET, seed: DEMO_DATASET.seed + 1 });
    assert.notDeepEqual(
      other.canny.posts.map((p) => p.id),
      demo.canny.posts.map((p) => p.id),
    );
  });

  it('produces the requested sizes', function () {
    const o = DEMO_DATASET;
    assert.equal(demo.canny.boards.length, o.boards);
    assert.equal(demo.canny.posts.length, o.posts);
    assert.equal(demo.canny.votes.length, o.votes);
    assert.equal(demo.canny.users.length, o.users);
    assert.equal(demo.canny.posts.filter((p) => p.mergedInto !== null).length, o.mergedPosts);
    assert.equal(demo.expected.deletedPostIds.length, o.deletedPosts);
    const corporate = new Set(demo.canny.users.filter((u) => !u.isAdmin).map((u) => companyDomain(u.email)));
    corporate.delete(null);
    assert.equal(corporate.size, o.companies, 'distinct corporate domains among the people');
  });

  it('keeps ids unique, votes consistent and merges well-formed', function () {
    const { canny, expected } = demo;
    const ids = [...canny.boards, ...canny.posts, ...canny.votes, ...canny.users].map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    const posts = new Map(canny.posts.map((p) => [p.id, p]));
    const users = new Set(canny.users.map((u) => u.id));
    const pairs = new Set<string>();
    for (const vote of canny.votes) {
      const post = posts.get(vote.postID);
      assert.ok(post, 'votes point at existing posts');
      assert.equal(post.mergedInto, null, 'merged posts carry no votes: Canny moved them');
      assert.ok(users.has(vote.voterID));
      assert.ok(vote.created >= post.created, 'a vote comes after its post');
      const pair = `${vote.postID}:${vote.voterID}`;
      assert.ok(!pairs.has(pair), 'one vote per person and post');
      pairs.add(pair);
    }
    for (const { id, into } of expected.mergedPosts) {
      assert.ok(posts.get(into)?.mergeHistory.some((m) => m.postID === id));
    }
    for (const id of expected.deletedPostIds) assert.ok(!posts.has(id));
  });

  it('contains the awkward cases the sync must handle', function () {
    const { canny } = demo;
    const emails = canny.users.filter((u) => !u.isAdmin).map((u) => u.email);
    assert.ok(
      emails.some((e) => e === null),
      'null emails',
    );
    assert.ok(
      emails.some((e) => e !== null && normalise(e) === null),
      'malformed emails',
    );
    assert.ok(
      emails.some((e) => e !== null && e !== e.trim()),
      'emails with surrounding whitespace',
    );
    assert.ok(
      emails.some((e) => e !== null && /[A-Z]/.test(e)),
      'uppercase emails',
    );
    assert.ok(
      emails.some((e) => {
        const n = normalise(e);
        return n !== null && companyDomain(n) !== null && companyDomain(n) !== n.split('@')[1];
      }),
      'subdomain emails',
    );
    assert.ok(
      emails.some((e) => /\.(co\.uk|com\.au|co\.jp|com\.br)$/.test(normalise(e) ?? '')),
      'multi-level public suffixes',
    );
    assert.ok(
      emails.some((e) => freeMailDomains.has(getDomain(normalise(e)?.split('@')[1] ?? '') ?? '')),
      'free mail',
    );
    assert.ok(
      canny.posts.some((p) => p.details.length > 65_536),
      'details over HubSpot’s limit',
    );
    assert.ok(
      canny.posts.some(
        (p) =>
          /\p{Extended_Pictographic}/u.test(p.title) && /\p{Script=Han}|\p{Script=Katakana}/u.test(p.title),
      ),
    );
    assert.ok(canny.posts.some((p) => p.category === null && p.tags.length === 0));
    assert.ok(canny.posts.some((p) => p.authorID === null));
    assert.ok(canny.posts.some((p) => ['complete', 'closed'].includes(p.status)));
    assert.ok(
      canny.votes.some((v) => v.byID !== null),
      'votes cast by an admin',
    );
  });

  it('roughly respects the shares', function () {
    const big = generateDataset({
      seed: 11,
      users: 4_000,
      companies: 500,
      posts: 500,
      votes: 5_000,
      freeMailShare: 0.25,
      nullEmailShare: 0.1,
      malformedEmailShare: 0.05,
      adminVoteShare: 0.2,
      closedShare: 0.3,
      preexistingCompanyShare: 0.4,
    });
    const customers = big.canny.users.filter((u) => !u.isAdmin);
    const share = (n: number) => n / customers.length;
    const near = (actual: number, wanted: number, what: string) =>
      assert.ok(Math.abs(actual - wanted) < 0.04, `${what}: ${actual.toFixed(3)} vs ${wanted}`);
    near(share(customers.filter((u) => u.email === null).length), 0.1, 'null emails');
    near(
      share(customers.filter((u) => u.email !== null && normalise(u.email) === null).length),
      0.05,
      'malformed',
    );
    near(
      share(customers.filter((u) => normalise(u.email) !== null && companyDomain(u.email) === null).length),
      0.25,
      'free mail',
    );
    near(
      big.canny.votes.filter((v) => v.byID !== null).length / big.canny.votes.length,
      0.2 * 0.98,
      'admin votes',
    );
    near(
      big.canny.posts.filter((p) => ['complete', 'closed'].includes(p.status)).length /
        big.canny.posts.length,
      0.3,
      'closed posts',
    );
    near(
      big.expected.preexistingCompanyDomains.length / big.expected.companyDomains.length,
      0.4,
      'existing companies',
    );
  });

  it('seeds HubSpot consistently with the expectations', function () {
    const { hubspot, expected, options } = demo;
    const stored = (d: string | undefined) => d?.toLowerCase().replace(/^www\./, '');
    for (const domain of expected.preexistingCompanyDomains) {
      assert.ok(
        hubspot.companies.some((c) => stored(c.properties.domain) === domain),
        domain,
      );
    }
    for (const domain of expected.duplicatedCompanyDomains) {
      const copies = hubspot.companies.filter((c) => stored(c.properties.domain) === domain);
      assert.equal(copies.length, 2);
      assert.notEqual(copies[0]?.createdAt, copies[1]?.createdAt);
    }
    // The expected ARR of each post follows from the earliest copy of each domain's company.
    const arrOf = (domain: string): number => {
      const copies = hubspot.companies
        .filter((c) => stored(c.properties.domain) === domain)
        .sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));
      return Number(copies[0]?.properties[options.arrProperty] ?? 0);
    };
    for (const [id, post] of Object.entries(expected.posts)) {
      assert.equal(
        post.companyArr,
        post.companyDomains.reduce((sum, d) => sum + arrOf(d), 0),
        id,
      );
    }
    assert.ok(hubspot.contacts.every((c) => c.properties.email === normalise(c.properties.email ?? null)));
  });

  it('matches its expectations to the emails it generated', function () {
    const users = new Map(demo.canny.users.map((u) => [u.id, u]));
    const votesByPost = new Map<string, string[]>();
    for (const v of demo.canny.votes)
      votesByPost.set(v.postID, [...(votesByPost.get(v.postID) ?? []), v.voterID]);
    for (const post of demo.canny.posts.filter((p) => p.mergedInto === null)) {
      const people = [...(votesByPost.get(post.id) ?? []), ...(post.authorID ? [post.authorID] : [])]
        .map((id) => users.get(id)!)
        .filter((u) => !u.isAdmin);
      const domains = [
        ...new Set(people.map((u) => companyDomain(u.email)).filter((d) => d !== null)),
      ].sort();
      assert.deepEqual(demo.expected.posts[post.id]?.companyDomains, domains, post.id);
    }
  });

  it('generates the bench size in a few seconds', function () {
    const started = Date.now();
    const heapBefore = process.memoryUsage().heapUsed;
    const bench = generateDataset(BENCH_DATASET);
    const ms = Date.now() - started;
    const mb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
    console.log(
      `      bench dataset: ${bench.canny.posts.length} posts, ${bench.canny.votes.length} votes, ` +
        `${bench.hubspot.companies.length} HubSpot companies in ${ms} ms (~${mb.toFixed(0)} MB heap)`,
    );
    assert.equal(bench.canny.posts.length, 10_000);
    assert.equal(bench.canny.votes.length, 100_000);
    assert.ok(ms < 20_000);
  });
});
