// The run store's size per run (issue #16, item 12): a first full run of a workspace (every request new, so
// every plan and pair is written) is laid into a fresh SQLite store with the store's own functions, and the
// file's used bytes are measured while the run lasts and once it ended (its bulk and personal data purged).
//
//   npx tsx scripts/bench-store.ts [posts ...]     (default: 10000 100000)
//
// Shapes as the benchmark's dataset has them: 10 votes per post, one person in three new, 500 characters of
// details, 13 association pairs per request (measured on the 1,000-post dataset).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { openStore, type StoreDb } from '../src/store/open';
import { purgeFinishedRun } from '../src/store/retention';
import {
  saveCompanies,
  saveContacts,
  savePairPlan,
  savePlan,
  savePrevious,
  saveStored,
} from '../src/store/run-data';
import { ephemeralSeal } from '../src/store/sealing';
import { writeSnapshot, type SnapshotPost } from '../src/store/snapshots';

const VOTES_PER_POST = 10;
const PAIRS_PER_POST = 13;
const PAGE = 100;

/** Bytes the store's pages hold (the file less its free pages), after a checkpoint of the WAL. */
async function usedBytes(db: StoreDb): Promise<number> {
  await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db);
  const value = async (pragma: string): Promise<number> => {
    const { rows } = await sql.raw<Record<string, number>>(`pragma ${pragma}`).execute(db);
    return Number(Object.values(rows[0] ?? {})[0] ?? 0);
  };
  return ((await value('page_count')) - (await value('freelist_count'))) * (await value('page_size'));
}

function* posts(count: number, people: number): Generator<SnapshotPost[]> {
  const person = (i: number) => {
    const n = i % people;
    return {
      personId: `u${n}`,
      email: `person-${n}@company-${n % 5000}.com`,
      name: `Person ${n}`,
      companyDomain: `company-${n % 5000}.com`,
    };
  };
  for (let start = 0; start < count; start += 500) {
    yield Array.from({ length: Math.min(500, count - start) }, (_, k) => {
      const i = start + k;
      const author = person(i * 7);
      return {
        seq: i,
        post: {
          id: `post-${i}`,
          title: `Feature request number ${i}`,
          details: 'x'.repeat(500),
          status: 'open',
          score: VOTES_PER_POST,
          url: `https://feedback.example.com/p/${i}`,
          createdAt: '2024-01-01T00:00:00.000Z',
          board: { id: 'b1', name: 'Product' },
          category: null,
          tags: ['ui'],
          author: { id: author.personId, email: author.email, name: author.name, isAdmin: false },
          mergedPostIds: [],
        },
        people: Array.from({ length: VOTES_PER_POST }, (_, v) => person(i * 7 + v * 13)),
      };
    });
  }
}

async function measure(count: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-store-'));
  const file = path.join(dir, 'store.db');
  const db: StoreDb = await openStore(`sqlite:${file}`);
  const runKey = 'bench:1';
  // Sealed, as with payload keys (src/store/sealing.ts): a worker's runs are.
  const seal = ephemeralSeal();
  const people = Math.ceil((count * VOTES_PER_POST) / 3);
  try {
    const empty = await usedBytes(db);
    const shape = await writeSnapshot(db, {
      runKey,
      settings: { pageSize: PAGE, arrProperty: 'annualrevenue', createCompanies: true, createContacts: true },
      mode: 'full',
      vanishKnown: true,
      posts: posts(count, people),
      seal,
      listed: Array.from({ length: count }, (_, i) => ({ postId: `post-${i}`, mergedInto: null })),
    });
    await saveContacts(
      db,
      runKey,
      Array.from({ length: shape.emails }, (_, i) => ({
        email: `person-${i}@company-${i % 5000}.com`,
        seq: i,
        contactId: String(100_000 + i),
        state: 'created' as const,
      })),
      seal,
    );
    await saveCompanies(
      db,
      runKey,
      Array.from({ length: shape.domains }, (_, i) => ({
        domain: `company-${i}.com`,
        companyId: String(900_000 + i),
        arr: 1000,
        state: 'matched' as const,
      })),
    );
    // What every run's scan keeps of each request: the rollups its summary compares (run_previous).
    await savePrevious(
      db,
      runKey,
      Array.from({ length: count }, (_, i) => ({
        externalId: `canny:post-${i}`,
        properties: {
          external_id: `canny:post-${i}`,
          sync_fingerprint: 'v3:0123456789abcdef0123456789abcdef',
          source_state: 'active',
          merged_into: '',
          board: 'Product',
          name: `Feature request number ${i}`,
          vote_count: String(VOTES_PER_POST),
          voting_company_count: '4',
          voting_company_arr: '4000',
        },
      })),
      seal,
    );
    await saveStored(
      db,
      runKey,
      Array.from({ length: count }, (_, i) => ({
        externalId: `canny:post-${i}`,
        id: String(2_000_000 + i),
        fingerprint: 'v3:0123456789abcdef0123456789abcdef',
        sourceState: 'active',
      })),
    );
    for (let page = 0; page < Math.ceil(count / PAGE); page++) {
      const ids = Array.from({ length: Math.min(PAGE, count - page * PAGE) }, (_, k) => page * PAGE + k);
      await savePlan(
        db,
        runKey,
        page,
        {
          page,
          changed: ids.map((i) => ({
            postId: `post-${i}`,
            externalId: `canny:post-${i}`,
            properties: {
              name: `Feature request number ${i}`,
              description: 'x'.repeat(500),
              author_email: `person-${i}@company.com`,
              status: 'open',
            },
            companyIds: Array.from({ length: 4 }, (_, c) => String(900_000 + c)),
            contactIds: Array.from({ length: PAIRS_PER_POST - 4 }, (_, c) => String(100_000 + c)),
            fingerprint: 'v3:0123456789abcdef0123456789abcdef',
          })),
          unchanged: 0,
        },
        seal,
      );
      for (const [kind, n] of [
        ['companies', 4],
        ['contacts', PAIRS_PER_POST - 4],
      ] as const) {
        const toAdd = ids.flatMap((i) =>
          Array.from({ length: n }, (_, c): [string, string] => [String(2_000_000 + i), String(100_000 + c)]),
        );
        const full = toAdd.length - (toAdd.length % 100);
        await savePairPlan(db, runKey, page, kind, {
          createBatches: full / 100,
          removeBatches: 0,
          leftovers: toAdd.slice(full),
          toAdd,
          toRemove: [],
        });
      }
    }
    const during = (await usedBytes(db)) - empty;
    const purgeStart = Date.now();
    await purgeFinishedRun(db, runKey, seal);
    const purgeMs = Date.now() - purgeStart;
    const after = (await usedBytes(db)) - empty;
    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
    console.log(
      `${count.toLocaleString('en-US')} posts, ${shape.emails.toLocaleString('en-US')} people, a first run ` +
        `(every request written), personal data sealed: ${mb(during)} while it lasts, ${mb(after)} kept once it ended ` +
        `(the purge took ${(purgeMs / 1000).toFixed(1)} s) ` +
        '(the audit trail grows with the requests a run writes: an hourly run that writes 1 % keeps about 1 % of it)',
    );
  } finally {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  for (const count of sizes.length > 0 ? sizes : [10_000, 100_000]) await measure(count);
}

void main();
