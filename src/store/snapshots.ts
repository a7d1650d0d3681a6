// The run's one snapshot of the source, in the shared store: written once by `prepareRun`, read by every
// later activity of the run, whichever worker runs it. This is the claim check of the run's plan: the history
// carries the snapshot id and its content hash, and a reader that finds anything else fails loudly instead of
// reading the source again (a second read could see other votes, other pages, another plan).
import { createHash, randomUUID } from 'node:crypto';
import type { Person } from '../domain/people';
import type { SourcePost, SyncMode } from '../domain/types';
import { failure, FailureType } from '../failures';
import type { StoreDb } from './open';
import { chunks } from './run-data';
import { PLAIN, type StoreSeal } from './sealing';

/** A post of the snapshot at its place in the run's order, with the people who count for it. */
export interface SnapshotPost {
  seq: number;
  post: SourcePost;
  people: Person[];
}

/** The settings a run plans with, fixed when it is prepared (see `checkRun`). */
export interface RunSettings {
  pageSize: number;
  arrProperty: string;
  createCompanies: boolean;
  createContacts: boolean;
  /**
   * SYNC_MAX_VANISHED: the most requests one run marks deleted or merged without a person's confirmation.
   * Null: the default (50, or 5 % of the stored requests, whichever is larger). Absent in older snapshots.
   */
  maxVanished?: number | null;
}

/**
 * Complete snapshots: 1 written before migration 003 (people in rows), 2 since (people next to posts), 3 with
 * personal data sealed (migration 011). A worker refuses a value it does not know, so a worker of an older
 * version never reads sealed rows for plain ones.
 */
const COMPLETE = [1, 2, 3];
const COMPLETE_PLAIN = 2;
const COMPLETE_SEALED = 3;

export interface SnapshotInput {
  runKey: string;
  /** The preparing worker's settings, which every activity of the run then uses. */
  settings: RunSettings;
  mode: SyncMode;
  domain?: string;
  /** In the run's order, whole or a chunk at a time (each chunk is written before the next is read); `seq` must count up from 0. */
  posts: SnapshotPost[] | Iterable<SnapshotPost[]>;
  /**
   * False when the source read could not tell every listed post (a board or post without a readable id): then
   * no request is marked vanished from this snapshot.
   */
  vanishKnown: boolean;
  /** How personal data is stored (src/store/sealing.ts); absent: as is. */
  seal?: StoreSeal;
  /** The run's Temporal namespace, for pruning (absent: unknown). */
  namespace?: string;
  /**
   * The names of the boards the source listed; a request of any other board is never marked vanished.
   * Absent: not known (every board counts as listed).
   */
  boards?: string[];
  /** Every post the source listed, including those it could not parse, with the merge survivor if any. */
  listed: Array<{ postId: string; mergedInto: string | null }>;
}

export interface SnapshotRef {
  snapshotId: string;
  contentHash: string;
  posts: number;
}

export interface StoredSnapshot extends SnapshotRef {
  /** Null for snapshots written before the settings were stored. */
  settings: RunSettings | null;
  /** The payload key its personal data is sealed with; null when stored as is. */
  sealKey: string | null;
}

export interface SnapshotShape extends SnapshotRef {
  domains: number;
  emails: number;
  /** For each post position: how many of the run's emails the posts up to it need (the pages' readiness). */
  emailEnds: number[];
  /** The same for the run's company domains. */
  domainEnds: number[];
}

const INSERT_ROWS = 500;

/**
 * Writes a new snapshot and makes it the run's current one. A retried `prepareRun` writes another snapshot
 * under a new id: nothing was planned from the first one, which is left for pruning.
 */
export async function writeSnapshot(db: StoreDb, input: SnapshotInput): Promise<SnapshotShape> {
  const snapshotId = `${input.runKey}#${randomUUID()}`;
  const seal = input.seal ?? PLAIN;
  const now = new Date().toISOString();
  const hash = createHash('sha256');
  await db
    .insertInto('snapshots')
    .values({
      snapshot_id: snapshotId,
      run_key: input.runKey,
      content_hash: null,
      posts: 0,
      vanish_known: input.vanishKnown ? 1 : 0,
      boards: input.boards ? JSON.stringify(input.boards) : null,
      seal_key: seal.keyId,
      complete: 0,
      settings: JSON.stringify(input.settings),
      created_at: now,
    })
    .execute();
  // The run's order of company domains and of emails, both as the pages need them (first need in post
  // order), so that every chunk of searches and creates is a range of positions, the same on every worker.
  const domains = new Set<string>();
  const emails = new Map<string, { personId: string; name: string | null }>();
  /** For each post position: how many distinct emails, and domains, the posts up to it hold. */
  const emailEnds: number[] = [];
  const domainEnds: number[] = [];
  let postCount = 0;
  for (const part of inParts(input.posts)) {
    postCount += part.length;
    for (const p of part) {
      for (const person of p.people) {
        if (person.companyDomain !== null) domains.add(person.companyDomain);
        const known = emails.get(person.email);
        if (!known) emails.set(person.email, { personId: person.personId, name: person.name });
        else if (known.name === null && person.name !== null) known.name = person.name;
      }
      emailEnds.push(emails.size);
      domainEnds.push(domains.size);
    }
    const posts = part.map((p) => {
      const record = JSON.stringify(p.post);
      const people = JSON.stringify(p.people);
      hash.update(`${p.seq}\u0000${record}\u0000${people}\n`);
      return {
        snapshot_id: snapshotId,
        seq: p.seq,
        post_id: p.post.id,
        record: seal.seal(record),
        people: seal.seal(people),
      };
    });
    await db.insertInto('snapshot_posts').values(posts).execute();
  }
  const listed = [...input.listed].sort((a, b) => (a.postId < b.postId ? -1 : a.postId > b.postId ? 1 : 0));
  for (const part of chunks(listed, INSERT_ROWS)) {
    for (const l of part) hash.update(`L\u0000${l.postId}\u0000${l.mergedInto ?? ''}\n`);
    await db
      .insertInto('snapshot_listed')
      .values(part.map((l) => ({ snapshot_id: snapshotId, post_id: l.postId, merged_into: l.mergedInto })))
      .execute();
  }
  for (const part of chunks(
    [...domains].map((domain, seq) => ({ domain, seq })),
    INSERT_ROWS,
  )) {
    await db
      .insertInto('snapshot_domains')
      .values(part.map((d) => ({ snapshot_id: snapshotId, seq: d.seq, domain: d.domain })))
      .execute();
  }
  const emailRows = [...emails].map(([email, person], seq) => ({
    snapshot_id: snapshotId,
    seq,
    email: seal.seal(email),
    person_id: person.personId,
    name: person.name === null ? null : seal.seal(person.name),
  }));
  for (const part of chunks(emailRows, INSERT_ROWS))
    await db.insertInto('snapshot_emails').values(part).execute();
  hash.update(`V\u0000${input.vanishKnown}\n`);
  for (const board of input.boards ?? []) hash.update(`B\u0000${board}\n`);
  const contentHash = hash.digest('hex');
  await db
    .updateTable('snapshots')
    .set({
      content_hash: contentHash,
      posts: postCount,
      complete: seal.keyId === null ? COMPLETE_PLAIN : COMPLETE_SEALED,
    })
    .where('snapshot_id', '=', snapshotId)
    .execute();
  await db
    .insertInto('sync_runs')
    .values({
      run_key: input.runKey,
      mode: input.mode,
      domain: input.domain ?? null,
      snapshot_id: snapshotId,
      namespace: input.namespace ?? null,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('run_key').doUpdateSet({ snapshot_id: snapshotId, updated_at: now }))
    .execute();
  return {
    snapshotId,
    contentHash,
    posts: postCount,
    domains: domains.size,
    emails: emailRows.length,
    emailEnds,
    domainEnds,
  };
}

/** Posts given whole are written in parts of INSERT_ROWS; posts given in parts are written as they come. */
function* inParts(posts: SnapshotPost[] | Iterable<SnapshotPost[]>): Generator<SnapshotPost[]> {
  if (Array.isArray(posts)) yield* chunks(posts, INSERT_ROWS);
  else for (const part of posts) yield* chunks(part, INSERT_ROWS);
}

/**
 * The snapshot the history names, or a `RunStateMissing` failure naming the store: this worker's store does
 * not hold the run (a worker pointed at another store) or holds another version of it. Retryable, so that a
 * worker that shares the run's store can take the activity; it never rebuilds the snapshot.
 */
export async function requireSnapshot(
  db: StoreDb,
  ref: Pick<SnapshotRef, 'snapshotId' | 'contentHash'>,
  storeName: string,
): Promise<StoredSnapshot> {
  const row = await db
    .selectFrom('snapshots')
    .select(['snapshot_id', 'content_hash', 'posts', 'complete', 'settings', 'seal_key'])
    .where('snapshot_id', '=', ref.snapshotId)
    .executeTakeFirst();
  if (!row || !COMPLETE.includes(Number(row.complete)) || row.content_hash !== ref.contentHash) {
    const what = !row
      ? 'has no snapshot'
      : !COMPLETE.includes(Number(row.complete))
        ? 'has an incomplete snapshot'
        : 'holds another version of snapshot';
    throw failure(
      FailureType.RunStateMissing,
      `run store ${storeName} ${what} ${ref.snapshotId}: every worker of a task queue must share one SYNC_STORE_URL`,
    );
  }
  return {
    snapshotId: row.snapshot_id,
    contentHash: row.content_hash,
    posts: Number(row.posts),
    settings: row.settings === null ? null : (JSON.parse(row.settings) as RunSettings),
    sealKey: row.seal_key,
  };
}

/** The posts at positions [from, to) of the snapshot, with their people, in order. */
export async function snapshotPosts(
  db: StoreDb,
  snapshotId: string,
  from: number,
  to: number,
  /** The run's seal (`runSealOf` its snapshot's `sealKey`). */
  seal: StoreSeal,
): Promise<SnapshotPost[]> {
  const posts = await db
    .selectFrom('snapshot_posts')
    .select(['seq', 'record', 'people'])
    .where('snapshot_id', '=', snapshotId)
    .where('seq', '>=', from)
    .where('seq', '<', to)
    .orderBy('seq')
    .execute();
  // A snapshot written before the people column (by an older worker, for a run still going) has them in rows.
  const older = posts.some((p) => p.people === null)
    ? await peopleRows(db, snapshotId, from, to)
    : new Map<number, Person[]>();
  return posts.map((p) => ({
    seq: Number(p.seq),
    post: JSON.parse(seal.open(p.record)) as SourcePost,
    people:
      p.people !== null ? (JSON.parse(seal.open(p.people)) as Person[]) : (older.get(Number(p.seq)) ?? []),
  }));
}

/** People of the posts at [from, to) from snapshot_people, where snapshots before migration 003 keep them. */
async function peopleRows(
  db: StoreDb,
  snapshotId: string,
  from: number,
  to: number,
): Promise<Map<number, Person[]>> {
  const people = await db
    .selectFrom('snapshot_people')
    .select(['seq', 'email', 'person_id', 'name', 'company_domain'])
    .where('snapshot_id', '=', snapshotId)
    .where('seq', '>=', from)
    .where('seq', '<', to)
    .orderBy('seq')
    .orderBy('email')
    .execute();
  const bySeq = new Map<number, Person[]>();
  for (const p of people) {
    const seq = Number(p.seq);
    const list = bySeq.get(seq) ?? [];
    list.push({ email: p.email, personId: p.person_id, name: p.name, companyDomain: p.company_domain });
    bySeq.set(seq, list);
  }
  return bySeq;
}
