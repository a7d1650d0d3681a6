// A seeded dataset for the simulators: Canny boards, posts, votes and people, plus the HubSpot companies and
// contacts that already exist. It carries the awkward cases a sync meets in real portals (free mail, malformed
// and missing emails, subdomains under multi-level public suffixes, admins voting for customers, duplicate
// HubSpot companies, merged and deleted posts, huge details) and, because the generator knows by construction
// which company each person belongs to, the answers a correct sync should reach (`expected`).
import freeMailList from 'email-providers/all.json';
import { seededRandom } from './http-kit';
import type {
  CannyBoardRecord,
  CannyCompanyRecord,
  CannyData,
  CannyPostRecord,
  CannyUserRecord,
  CannyVoteRecord,
} from './canny';

export type { CannyData } from './canny';

export interface DatasetOptions {
  seed: number;
  boards: number;
  /** Posts in the data, merged ones included (deleted ones are not). */
  posts: number;
  votes: number;
  /** Distinct corporate email domains among the people. */
  companies: number;
  /** People, admins included. */
  users: number;
  /** Canny admins (team members); they vote and post on customers' behalf. */
  admins: number;
  /** Shares of customers' emails, 0..1; the rest are corporate. */
  freeMailShare: number;
  malformedEmailShare: number;
  nullEmailShare: number;
  /** Share of corporate emails on a subdomain (`jo@eng.acme.co.uk`). */
  subdomainEmailShare: number;
  /** Share of emails with uppercase letters and surrounding whitespace. */
  messyEmailShare: number;
  /** Share of votes an admin cast on a customer's behalf (`vote.by` = admin). */
  adminVoteShare: number;
  /** Share of votes whose voter is an admin themself (never counted). */
  adminVoterShare: number;
  /** Share of corporate domains that already exist as HubSpot companies. */
  preexistingCompanyShare: number;
  /** Share of those existing twice (different `createdAt`, different ARR). */
  duplicateCompanyShare: number;
  /** Share of existing HubSpot companies whose `domain` is stored as `www.Domain.com`-style. */
  messyCompanyDomainShare: number;
  /** HubSpot companies with domains nobody in Canny uses. */
  unrelatedCompanies: number;
  /** Share of people with a valid email who already exist as HubSpot contacts. */
  preexistingContactShare: number;
  /** The HubSpot company property holding ARR. */
  arrProperty: string;
  mergedPosts: number;
  /** Posts created and deleted before the data was taken: they only leave gaps (see `expected.deletedPostIds`). */
  deletedPosts: number;
  /** Share of posts with status `complete` or `closed`. */
  closedShare: number;
  /** Posts whose details exceed HubSpot's 65,536-character property limit. */
  longDetailsPosts: number;
  /** Posts whose author was deleted (`author: null`). */
  nullAuthorPosts: number;
  /** Every date in the dataset lies before this one, so the output never depends on the clock. */
  baseDate: string;
}

export interface HubspotSeedRow {
  properties: Record<string, string>;
  createdAt: string;
}

export interface ExpectedPost {
  /** Canny's `score`. */
  voteCount: number;
  /** Distinct company domains of the post's people (voters and author, admins excluded), sorted. */
  companyDomains: string[];
  /** Sum of the ARR of the matched pre-existing HubSpot company of each domain (earliest copy), missing → 0. */
  companyArr: number;
  /** The author's normalised email ('' without author, or with a missing or malformed email). */
  authorEmail: string;
}

export interface DatasetExpectations {
  /** Posts listed with every status named explicitly. */
  livePostIds: string[];
  /** Of those, the ones listed when `status` is omitted. */
  defaultListedPostIds: string[];
  mergedPosts: Array<{ id: string; into: string }>;
  deletedPostIds: string[];
  /** Per live post id. */
  posts: Record<string, ExpectedPost>;
  /** Distinct company domains over all live posts' people, sorted. */
  companyDomains: string[];
  /** Those that exist in HubSpot before any sync (after `www.`/case normalisation), sorted. */
  preexistingCompanyDomains: string[];
  /** Those that exist twice in HubSpot. */
  duplicatedCompanyDomains: string[];
  /** Distinct normalised valid emails over all live posts' people (non-admins), and how many exist in HubSpot. */
  contactEmails: number;
  preexistingContactEmails: number;
}

export interface Dataset {
  options: DatasetOptions;
  canny: CannyData;
  hubspot: { companies: HubspotSeedRow[]; contacts: HubspotSeedRow[] };
  expected: DatasetExpectations;
}

export const DEMO_DATASET: DatasetOptions = {
  seed: 42,
  boards: 3,
  posts: 40,
  votes: 300,
  companies: 25,
  users: 60,
  admins: 3,
  freeMailShare: 0.2,
  malformedEmailShare: 0.05,
  nullEmailShare: 0.05,
  subdomainEmailShare: 0.1,
  messyEmailShare: 0.1,
  adminVoteShare: 0.08,
  adminVoterShare: 0.02,
  preexistingCompanyShare: 0.5,
  duplicateCompanyShare: 0.2,
  messyCompanyDomainShare: 0.1,
  unrelatedCompanies: 5,
  preexistingContactShare: 0.3,
  arrProperty: 'annualrevenue',
  mergedPosts: 3,
  deletedPosts: 2,
  closedShare: 0.2,
  longDetailsPosts: 2,
  nullAuthorPosts: 2,
  baseDate: '2025-06-01T00:00:00.000Z',
};

export const BENCH_DATASET: DatasetOptions = {
  ...DEMO_DATASET,
  seed: 7,
  boards: 8,
  posts: 10_000,
  votes: 100_000,
  companies: 5_000,
  users: 20_000,
  admins: 12,
  unrelatedCompanies: 1_000,
  mergedPosts: 200,
  deletedPosts: 100,
  longDetailsPosts: 3,
  nullAuthorPosts: 50,
};

const DAY = 86_400_000;
const OPEN_STATUSES = ['open', 'open', 'open', 'under review', 'under review', 'planned', 'in progress'];
const DEFAULT_LISTED = new Set(['open', 'under review', 'planned', 'in progress']);
const FREE_MAIL = [
  'gmail.com',
  'yahoo.com',
  'hotmail.com',
  'outlook.com',
  'yahoo.co.uk',
  'gmx.de',
  'icloud.com',
];
const FREE_MAIL_HOSTS = [...FREE_MAIL, 'mail.yahoo.co.uk', 'googlemail.com'];
const TLDS = ['com', 'com', 'com', 'io', 'co.uk', 'com.au', 'de', 'net', 'ai', 'fr', 'co.jp', 'com.br', 'nl'];
const SUBDOMAINS = ['eng', 'mail', 'corp', 'uk', 'us', 'eu.ops'];
const NAME_HEADS = [
  'acme',
  'globex',
  'initech',
  'umbrella',
  'hooli',
  'stark',
  'wayne',
  'wonka',
  'tyrell',
  'soylent',
  'cyberdyne',
  'vandelay',
  'pied',
  'aperture',
  'massive',
  'gringotts',
  'oscorp',
  'monarch',
  'nakatomi',
  'virtucon',
  'bluth',
  'dunder',
  'sterling',
  'prestige',
  'kramerica',
  'zorg',
  'vehement',
  'octan',
  'weyland',
  'gekko',
  'duff',
  'tessier',
];
const NAME_TAILS = [
  'labs',
  'works',
  'soft',
  'systems',
  'data',
  'cloud',
  'ly',
  'hq',
  'tech',
  'ware',
  'logic',
  'ops',
];
const FIRST_NAMES = [
  'Ada',
  'Grace',
  'Linus',
  'Margaret',
  'José',
  'Zoë',
  'Søren',
  'Chloé',
  'Björn',
  'Ana',
  'Raj',
  'Mei',
  'Yuki',
  'Olu',
  'Fatima',
  'Liam',
  'Noah',
  'Emma',
  'Lucía',
  'Mateo',
  'Ines',
  'Kwame',
  'Priya',
  'Hiro',
  'Élodie',
];
const LAST_NAMES = [
  'Lovelace',
  'Hopper',
  'Torvalds',
  'Hamilton',
  'García',
  'Müller',
  'Kierkegaard',
  "O'Brien",
  'Nguyen',
  'Smith',
  'Patel',
  'Chen',
  'Tanaka',
  'Okafor',
  'Haddad',
  'Johnson',
  'Dubois',
  'Rossi',
  'Kowalski',
  'Silva',
  'Ivanova',
];
const CJK_NAMES = ['山田 太郎', '李 小龙', '김 민준'];
const FEATURES = [
  'dark mode',
  'SSO with Okta',
  'CSV export',
  'a public API',
  'Slack notifications',
  'two-factor auth',
  'custom fields',
  'bulk edit',
  'audit logs',
  'webhooks',
  'a mobile app',
  'Salesforce sync',
  'saved filters',
  'keyboard shortcuts',
  'role-based permissions',
  'offline mode',
  'Gantt charts',
  'recurring tasks',
];
const AREAS = [
  'the dashboard',
  'reports',
  'the editor',
  'billing',
  'the admin panel',
  'search',
  'onboarding',
];
const TITLE_TEMPLATES = [
  (f: string, a: string) => `Add ${f} to ${a}`,
  (f: string, a: string) => `Support ${f} in ${a}`,
  (f: string) => `Please add ${f}`,
  (f: string, a: string) => `${capitalise(f)} for ${a}`,
  (f: string) => `Allow ${f} per workspace`,
];
const SPECIAL_TITLES = [
  'ダークモード対応 🌙 Dark mode for the dashboard',
  '支持中文搜索 — Chinese full-text search 🔍',
  'Émojis in Kommentaren ✅🚀 (Umlaute: äöü ß)',
  '   Leading and trailing spaces in a title   ',
];
const BOARD_NAMES = ['Feature Requests', 'Integrations', 'Mobile App 📱', 'API & Developers', 'Reporting'];
const CATEGORY_NAMES = ['UX', 'Performance', 'Security', 'Collaboration'];
const TAG_NAMES = [
  'enterprise',
  'quick-win',
  'needs-spec',
  'Q3',
  'customer-escalation',
  'ux',
  'backend',
  'mobile',
];
const PRIORITIES = ['No priority', 'Nice to have', 'Important', 'Must have'];

type Kind = 'corporate' | 'free' | 'malformed' | 'null' | 'admin';

interface Person {
  record: CannyUserRecord;
  kind: Kind;
  /** Trimmed and lowercased valid email, or null. */
  normalisedEmail: string | null;
  /** Company domain by construction (corporate people only). */
  domain: string | null;
}

/** Generates a dataset; omitted options come from DEMO_DATASET. Same options, same output, byte for byte. */
export function generateDataset(options: Partial<DatasetOptions> = {}): Dataset {
  const o: DatasetOptions = { ...DEMO_DATASET, ...options };
  const random = seededRandom(o.seed);
  const chance = (p: number): boolean => random() < p;
  const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  /** Skewed towards the front: a few posts and people attract most of the votes, as in real portals. */
  const pickSkewed = <T>(items: readonly T[]): T => items[Math.floor(items.length * random() ** 2)]!;
  const base = Date.parse(o.baseDate);
  const dateBefore = (latest: number, spanDays: number): number =>
    latest - Math.floor(random() * spanDays * DAY);
  const dateBetween = (from: number, to: number): number =>
    from + Math.floor(random() * Math.max(1, to - from));
  let counter = 0;
  /** Mongo-style ids like Canny's: creation seconds in hex, random bits, a counter that keeps them unique. */
  const oid = (ms: number): string => {
    counter += 1;
    const randomHex = Math.floor(random() * 2 ** 40)
      .toString(16)
      .padStart(10, '0');
    return `${Math.floor(ms / 1000)
      .toString(16)
      .padStart(8, '0')}${randomHex}${counter.toString(16).padStart(6, '0')}`;
  };
  const iso = (ms: number): string => new Date(ms).toISOString();

  // --- corporate domains and Canny companies ---
  const freeMail: ReadonlySet<string> = new Set(freeMailList);
  const domains: string[] = [];
  const domainNames = new Map<string, string>();
  const seen = new Set<string>();
  const newDomain = (): string => {
    for (let attempt = 0; ; attempt++) {
      const head = pick(NAME_HEADS);
      const tail = pick(NAME_TAILS);
      const label = attempt < 3 ? `${head}${tail}` : `${head}${tail}${int(2, 99_999)}`;
      const domain = `${label}.${pick(TLDS)}`;
      if (seen.has(domain) || freeMail.has(domain)) continue;
      seen.add(domain);
      domainNames.set(domain, `${capitalise(head)} ${capitalise(tail)}`);
      return domain;
    }
  };
  for (let i = 0; i < o.companies; i++) domains.push(newDomain());

  const cannyCompanies = domains.map((domain, i): CannyCompanyRecord => ({
    id: `company-${i + 1}`,
    name: domainNames.get(domain)!,
    // Canny's own company domain is whatever the customer sent, often nothing: the sync must not rely on it.
    domain: chance(0.15) ? null : domain,
    monthlySpend: chance(0.2) ? null : int(1, 400) * 50,
    created: iso(dateBefore(base - 400 * DAY, 700)),
    customFields: chance(0.3) ? { plan: pick(['starter', 'growth', 'enterprise']) } : {},
  }));
  const companyIdByDomain = new Map(domains.map((d, i) => [d, cannyCompanies[i]!.id]));

  // --- people ---
  const people: Person[] = [];
  const usedLocals = new Set<string>();
  const adminCount = Math.min(o.admins, o.users);
  let corporateAssigned = 0;
  for (let i = 0; i < o.users; i++) {
    const created = dateBefore(base - 30 * DAY, 900);
    const cjk = chance(0.03);
    const first = pick(FIRST_NAMES);
    const last = pick(LAST_NAMES);
    const name = cjk ? pick(CJK_NAMES) : `${first} ${last}`;
    let local = `${ascii(first)}.${ascii(last)}`;
    if (usedLocals.has(local)) local = `${local}${i}`;
    usedLocals.add(local);
    const id = oid(created);
    let kind: Kind;
    if (i < adminCount) kind = 'admin';
    else {
      const r = random();
      if (r < o.nullEmailShare) kind = 'null';
      else if (r < o.nullEmailShare + o.malformedEmailShare) kind = 'malformed';
      else if (r < o.nullEmailShare + o.malformedEmailShare + o.freeMailShare) kind = 'free';
      else kind = 'corporate';
    }
    let email: string | null = null;
    let normalisedEmail: string | null = null;
    let domain: string | null = null;
    const companyIDs: string[] = [];
    if (kind === 'admin') {
      normalisedEmail = `${local}@feedback-sync-vendor.com`;
      email = normalisedEmail;
    } else if (kind === 'corporate' && domains.length > 0) {
      // Round-robin first so that every requested domain has at least one person, then skewed.
      domain = corporateAssigned < domains.length ? domains[corporateAssigned]! : pickSkewed(domains);
      corporateAssigned += 1;
      const host = chance(o.subdomainEmailShare) ? `${pick(SUBDOMAINS)}.${domain}` : domain;
      normalisedEmail = `${local}@${host}`;
      email = messy(local, host);
      // Canny memberships disagree with emails now and then; only the email may decide the company.
      if (chance(0.85)) companyIDs.push(companyIdByDomain.get(domain)!);
      else if (chance(0.3)) companyIDs.push(pick(cannyCompanies).id);
    } else if (kind === 'free' || kind === 'corporate') {
      kind = 'free';
      const host = pick(FREE_MAIL_HOSTS);
      normalisedEmail = `${local}@${host}`;
      email = messy(local, host);
      if (chance(0.1) && cannyCompanies.length > 0) companyIDs.push(pick(cannyCompanies).id);
    } else if (kind === 'malformed') {
      const host = domains.length > 0 ? pick(domains) : 'example.com';
      email = pick([
        `${local}.${host}`,
        `${local}@@${host}`,
        `@${host}`,
        `${local}@localhost`,
        `${local} x@${host}`,
        `${local}@${host.split('.')[0]}`,
        '',
        '   ',
      ]);
      if (chance(0.5) && domains.length > 0)
        companyIDs.push(companyIdByDomain.get(host) ?? cannyCompanies[0]!.id);
    }
    people.push({
      record: {
        id,
        email,
        name: chance(0.02) ? null : name,
        userID: chance(0.2) ? null : `cust-${i + 1}`,
        isAdmin: kind === 'admin',
        created: iso(created),
        companyIDs,
        customFields: {},
      },
      kind,
      normalisedEmail,
      domain,
    });
  }
  function messy(localPart: string, host: string): string {
    if (!chance(o.messyEmailShare)) return `${localPart}@${host}`;
    const mixed = `${capitalise(localPart)}@${host.toUpperCase()}`;
    return pick([` ${mixed}`, `${mixed} `, `\t${mixed}\n`, mixed]);
  }
  const admins = people.filter((p) => p.kind === 'admin');
  const customers = people.filter((p) => p.kind !== 'admin');

  // --- boards, categories, tags ---
  const boards: CannyBoardRecord[] = [];
  for (let i = 0; i < o.boards; i++) {
    const created = dateBefore(base - 800 * DAY, 100);
    const name = BOARD_NAMES[i] ?? `Board ${i + 1}`;
    boards.push({ id: oid(created), name, created: iso(created), isPrivate: i === BOARD_NAMES.length - 1 });
  }
  const categories = new Map(
    boards.map((b) => [b.id, CATEGORY_NAMES.map((name) => ({ id: oid(Date.parse(b.created)), name }))]),
  );
  const tags = TAG_NAMES.map((name) => ({ id: oid(base - 800 * DAY), name }));

  // --- posts ---
  const longDetailIndexes = new Set<number>();
  const total = o.posts + o.deletedPosts;
  while (longDetailIndexes.size < Math.min(o.longDetailsPosts, o.posts))
    longDetailIndexes.add(int(0, o.posts - 1));
  const nullAuthorIndexes = new Set<number>();
  while (nullAuthorIndexes.size < Math.min(o.nullAuthorPosts, o.posts))
    nullAuthorIndexes.add(int(0, o.posts - 1));
  const posts: CannyPostRecord[] = [];
  const deletedPostIds: string[] = [];
  const longDetails = [...longDetailIndexes];
  for (let i = 0; i < total; i++) {
    const created = dateBefore(base - DAY, 730);
    const id = oid(created);
    // Deleted posts only consume ids: their random dates leave gaps anywhere in the id and date ranges.
    if (i >= o.posts) {
      deletedPostIds.push(id);
      continue;
    }
    const board = pick(boards);
    const closed = chance(o.closedShare);
    const status = closed ? pick(['complete', 'closed']) : pick(OPEN_STATUSES);
    let authorID: string | null = null;
    let byID: string | null = null;
    if (!nullAuthorIndexes.has(i) && customers.length > 0) {
      const r = random();
      if (r < 0.04 && admins.length > 0) authorID = pick(admins).record.id;
      else {
        authorID = pickSkewed(customers).record.id;
        if (r < 0.14 && admins.length > 0) byID = pick(admins).record.id;
      }
    }
    const feature = pick(FEATURES);
    const area = pick(AREAS);
    let title = pick(TITLE_TEMPLATES)(feature, area);
    if (i < SPECIAL_TITLES.length) title = SPECIAL_TITLES[i]!;
    else if (i === SPECIAL_TITLES.length)
      title = `${title} — ${'and also make it configurable per team '.repeat(12)}`;
    const longIndex = longDetails.indexOf(i);
    const details =
      longIndex >= 0
        ? longDetailsText(longIndex)
        : chance(0.1)
          ? ''
          : `We need ${feature} in ${area}. ${pick(['Our team of 40 relies on it.', 'Blocking our rollout — 🙏', 'Currently we work around it with spreadsheets.', 'Wie bei Konkurrenz X üblich.'])}`;
    const statusChangedAt = status === 'open' ? null : iso(dateBetween(created, base));
    posts.push({
      id,
      boardID: board.id,
      title,
      details,
      status,
      created: iso(created),
      statusChangedAt,
      eta: status === 'planned' && chance(0.5) ? iso(base + int(1, 12) * 30 * DAY) : null,
      imageURLs: chance(0.1) ? [`https://canny-assets.io/images/${id}.png`] : [],
      authorID,
      byID,
      ownerID: chance(0.3) && admins.length > 0 ? pick(admins).record.id : null,
      category: chance(0.2) ? null : pick(categories.get(board.id)!),
      tags: chance(0.4) ? [] : distinct(Array.from({ length: int(1, 3) }, () => pick(tags))),
      commentCount: chance(0.5) ? 0 : int(1, 40),
      mergedInto: null,
      mergeHistory: [],
      customFields: {},
    });
  }

  // --- merges: chosen before votes, so that the votes Canny moved are simply generated on the survivor ---
  const shuffled = shuffle(
    posts.map((_, i) => i),
    random,
  );
  const mergedCount = Math.min(o.mergedPosts, Math.floor(posts.length / 2));
  const mergedIdx = shuffled.slice(0, mergedCount);
  const survivors = shuffled.slice(mergedCount);
  const mergedPosts: Array<{ id: string; into: string }> = [];
  for (const i of mergedIdx) {
    const from = posts[i]!;
    const into = posts[pick(survivors)]!;
    from.mergedInto = into.id;
    const when = Math.max(Date.parse(from.created), Date.parse(into.created));
    into.mergeHistory.push({ created: iso(dateBetween(when, base)), postID: from.id });
    mergedPosts.push({ id: from.id, into: into.id });
  }
  for (const post of posts) post.mergeHistory.sort((a, b) => (a.created < b.created ? -1 : 1));
  const live = survivors.map((i) => posts[i]!);

  // --- votes ---
  const votes: CannyVoteRecord[] = [];
  const votedPairs = new Set<number>();
  const personIndex = new Map(people.map((p, i) => [p.record.id, i]));
  const livePopularity = shuffle(
    live.map((_, i) => i),
    random,
  );
  const postVoters = new Map<string, Person[]>();
  // Each person votes once per post: collisions are redrawn, with a cap so a tiny dataset asking for more votes
  // than (post, person) pairs exist ends instead of spinning.
  for (let attempts = 0; votes.length < o.votes && attempts < o.votes * 50 && live.length > 0; attempts++) {
    const postIdx = pickSkewed(livePopularity);
    const voter: Person | undefined =
      chance(o.adminVoterShare) && admins.length > 0 ? pick(admins) : pickSkewed(customers);
    if (voter === undefined) break;
    const key = postIdx * people.length + personIndex.get(voter.record.id)!;
    if (votedPairs.has(key)) continue;
    votedPairs.add(key);
    const post = live[postIdx]!;
    const created = dateBetween(Date.parse(post.created), base);
    votes.push({
      id: oid(created),
      postID: post.id,
      voterID: voter.record.id,
      byID:
        voter.kind !== 'admin' && chance(o.adminVoteShare) && admins.length > 0
          ? pick(admins).record.id
          : null,
      created: iso(created),
      votePriority: pick(PRIORITIES),
    });
    const list = postVoters.get(post.id);
    if (list) list.push(voter);
    else postVoters.set(post.id, [voter]);
  }

  // --- HubSpot: companies and contacts that exist before any sync ---
  const hubspotCompanies: HubspotSeedRow[] = [];
  const arrByDomain = new Map<string, number>();
  const duplicated: string[] = [];
  const hubspotDate = (): string => iso(dateBefore(base - DAY, 1_500) - int(0, 999));
  for (const domain of domains) {
    if (!chance(o.preexistingCompanyShare)) continue;
    const copies = chance(o.duplicateCompanyShare) ? 2 : 1;
    if (copies === 2) duplicated.push(domain);
    const rows: Array<HubspotSeedRow & { arr: number }> = [];
    for (let c = 0; c < copies; c++) {
      const arr = chance(0.15) ? null : int(1, 500) * 10_000;
      const stored = chance(o.messyCompanyDomainShare)
        ? pick([`www.${domain}`, domain.toUpperCase()])
        : domain;
      const properties: Record<string, string> = {
        name: c === 0 ? domainNames.get(domain)! : `${domainNames.get(domain)!} (duplicate)`,
        domain: stored,
      };
      if (arr !== null) properties[o.arrProperty] = String(arr);
      let createdAt = hubspotDate();
      // Copies never share a createdAt: the earliest one must win without falling back to id order.
      while (rows.some((r) => r.createdAt === createdAt)) createdAt = hubspotDate();
      rows.push({ properties, createdAt, arr: arr ?? 0 });
    }
    const earliest = rows.reduce((a, b) => (b.createdAt < a.createdAt ? b : a));
    arrByDomain.set(domain, earliest.arr);
    for (const { properties, createdAt } of rows) hubspotCompanies.push({ properties, createdAt });
  }
  for (let i = 0; i < o.unrelatedCompanies; i++) {
    const properties: Record<string, string> = { name: `Unrelated ${i + 1}` };
    if (!chance(0.1)) properties.domain = newDomain();
    if (chance(0.7)) properties[o.arrProperty] = String(int(1, 500) * 10_000);
    hubspotCompanies.push({ properties, createdAt: hubspotDate() });
  }

  // --- expectations, from construction ---
  const isPersonCounted = (p: Person | undefined): p is Person => !!p && p.kind !== 'admin';
  const expectedPosts: Record<string, ExpectedPost> = {};
  const allDomains = new Set<string>();
  const allEmails = new Set<string>();
  const peopleById = new Map(people.map((p) => [p.record.id, p]));
  for (const post of live) {
    const author = post.authorID === null ? undefined : peopleById.get(post.authorID);
    const counted = [...(postVoters.get(post.id) ?? []), author].filter(isPersonCounted);
    const postDomains = new Set<string>();
    for (const person of counted) {
      if (person.domain !== null) postDomains.add(person.domain);
      if (person.normalisedEmail !== null) allEmails.add(person.normalisedEmail);
    }
    for (const d of postDomains) allDomains.add(d);
    const sortedDomains = [...postDomains].sort();
    expectedPosts[post.id] = {
      voteCount: postVoters.get(post.id)?.length ?? 0,
      companyDomains: sortedDomains,
      companyArr: sortedDomains.reduce((sum, d) => sum + (arrByDomain.get(d) ?? 0), 0),
      authorEmail: author?.normalisedEmail ?? '',
    };
  }

  const hubspotContacts: HubspotSeedRow[] = [];
  let preexistingContactEmails = 0;
  for (const person of customers) {
    if (person.normalisedEmail === null || !chance(o.preexistingContactShare)) continue;
    const [firstname = '', ...rest] = (person.record.name ?? '').split(' ');
    hubspotContacts.push({
      properties: { email: person.normalisedEmail, firstname, lastname: rest.join(' ') },
      createdAt: hubspotDate(),
    });
    if (allEmails.has(person.normalisedEmail)) preexistingContactEmails += 1;
  }

  return {
    options: o,
    canny: {
      boards,
      posts,
      votes,
      users: people.map((p) => p.record),
      companies: cannyCompanies,
    },
    hubspot: { companies: hubspotCompanies, contacts: hubspotContacts },
    expected: {
      livePostIds: live.map((p) => p.id),
      defaultListedPostIds: live.filter((p) => DEFAULT_LISTED.has(p.status)).map((p) => p.id),
      mergedPosts,
      deletedPostIds,
      posts: expectedPosts,
      companyDomains: [...allDomains].sort(),
      preexistingCompanyDomains: [...allDomains].filter((d) => arrByDomain.has(d)).sort(),
      duplicatedCompanyDomains: duplicated.filter((d) => allDomains.has(d)).sort(),
      contactEmails: allEmails.size,
      preexistingContactEmails,
    },
  };
}

/**
 * Details beyond HubSpot's 65,536-character limit. Emoji are two UTF-16 units, so a cut at a fixed offset can
 * split one; the lengths differ so that the cut lands on different characters.
 */
function longDetailsText(n: number): string {
  const patterns = [
    'Customer quote: “we need this yesterday” 🚀🔥 — ',
    'ログの詳細をエクスポートしたい。Export detailed logs, please. 📊 ',
    'x',
  ];
  const pattern = patterns[n % patterns.length]!;
  const length = [70_000, 65_537, 131_072][n % 3]!;
  return pattern.repeat(Math.ceil(length / pattern.length)).slice(0, length);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Email local parts from names: accents dropped, letters only. */
function ascii(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/ø/g, 'o')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
}

function distinct<T extends { id: string }>(items: T[]): T[] {
  return [...new Map(items.map((item) => [item.id, item])).values()];
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
