// The run store's snapshot, on both of its forms: the embedded SQLite file and Postgres. A snapshot written
// by one process is read by another, and a reader that finds another snapshot fails instead of rebuilding.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { SourcePost } from '../../src/domain/types';
import { FailureType } from '../../src/failures';
import { openStore, storeLocation, type StoreDb } from '../../src/store/open';
import { domainRange, missingDomains, saveCompanies } from '../../src/store/run-data';
import { PLAIN } from '../../src/store/sealing';
import { requireSnapshot, snapshotPosts, writeSnapshot, type SnapshotPost } from '../../src/store/snapshots';
import { storeForms } from '../support/postgres';
import { SETTINGS } from '../support/snapshots';

function post(id: string, title: string): SourcePost {
  return {
    id,
    title,
    details: `details of ${id}`,
    status: 'open',
    score: 2,
    url: `https://example.canny.io/p/${id}`,
    createdAt: '2026-01-01T00:00:00.000Z',
    board: { id: 'b1', name: 'Board' },
    category: null,
    tags: ['a'],
    author: null,
    mergedPostIds: [],
  };
}

const posts: SnapshotPost[] = Array.from({ length: 1201 }, (_, seq) => ({
  seq,
  post: post(`p${seq}`, `Post ${seq}`),
  people: [
    { email: `a${seq}@acme.com`, personId: `ua${seq}`, name: 'A', companyDomain: 'acme.com' },
    { email: `b${seq}@gmail.com`, personId: `ub${seq}`, name: null, companyDomain: null },
  ],
}));

const forms = storeForms;

for (const form of forms) {
  describe(`run store snapshots (${form.name})`, function () {
    this.timeout(60_000);
    let url: string;
    let db: StoreDb;
    before(async () => {
      url = await form.url();
      db = await openStore(url);
    });
    after(async () => db?.destroy());

    it('reads back what it wrote, in order, with the people of each post', async () => {
      const ref = await writeSnapshot(db, {
        runKey: `run-${form.name}-1`,
        settings: SETTINGS,
        mode: 'full',
        vanishKnown: true,
        posts,
        listed: [
          { postId: 'gone', mergedInto: 'p1' },
          ...posts.map((p) => ({ postId: p.post.id, mergedInto: null })),
        ],
      });
      assert.equal(ref.posts, 1201);
      assert.match(ref.contentHash, /^[0-9a-f]{64}$/);
      assert.equal(ref.domains, 1);
      assert.equal(ref.emails, 2402);
      assert.equal(ref.emailEnds[1200], 2402);
      const { snapshotId, contentHash, posts: count } = ref;
      assert.deepEqual(await requireSnapshot(db, ref, 'test'), {
        snapshotId,
        contentHash,
        posts: count,
        settings: SETTINGS,
        sealKey: null,
      });
      const page = await snapshotPosts(db, ref.snapshotId, 1100, 1200, PLAIN);
      assert.equal(page.length, 100);
      assert.deepEqual(page[0], posts[1100]);
      assert.deepEqual(page[99], posts[1199]);
    });

    it('reads the people of a snapshot an older worker wrote, one row per person', async () => {
      const ref = await writeSnapshot(db, {
        runKey: `run-${form.name}-older`,
        settings: SETTINGS,
        mode: 'full',
        vanishKnown: true,
        posts: posts.slice(0, 10),
        listed: posts.slice(0, 10).map((p) => ({ postId: p.post.id, mergedInto: null })),
      });
      // What a worker before migration 003 wrote: no people column, a row per person in snapshot_people.
      await db
        .updateTable('snapshot_posts')
        .set({ people: null })
        .where('snapshot_id', '=', ref.snapshotId)
        .execute();
      await db
        .insertInto('snapshot_people')
        .values(
          posts.slice(0, 10).flatMap((p) =>
            p.people.map((person) => ({
              snapshot_id: ref.snapshotId,
              seq: p.seq,
              email: person.email,
              person_id: person.personId,
              name: person.name,
              company_domain: person.companyDomain,
            })),
          ),
        )
        .execute();
      assert.deepEqual(await snapshotPosts(db, ref.snapshotId, 0, 10, PLAIN), posts.slice(0, 10));
    });

    it('orders domains as the posts first need them, and the missing ones by that order', async () => {
      const person = (email: string, companyDomain: string | null) => ({
        email,
        personId: email,
        name: null,
        companyDomain,
      });
      const runKey = `run-${form.name}-domains`;
      const ref = await writeSnapshot(db, {
        runKey,
        settings: SETTINGS,
        mode: 'full',
        vanishKnown: true,
        posts: [
          { seq: 0, post: post('d0', 'First'), people: [person('a@zeta.com', 'zeta.com')] },
          { seq: 1, post: post('d1', 'Second'), people: [person('b@gmail.com', null)] },
          {
            seq: 2,
            post: post('d2', 'Third'),
            people: [
              person('c@alpha.com', 'alpha.com'),
              person('d@mu.com', 'mu.com'),
              person('e@zeta.com', 'zeta.com'),
            ],
          },
        ],
        listed: [],
      });
      assert.deepEqual(await domainRange(db, ref.snapshotId, 0, 10), ['zeta.com', 'alpha.com', 'mu.com']);
      assert.deepEqual(ref.domainEnds, [1, 1, 3]);
      assert.deepEqual(ref.emailEnds, [1, 2, 5]);
      await saveCompanies(db, runKey, [
        { domain: 'alpha.com', companyId: null, arr: null, state: 'missing' },
        { domain: 'mu.com', companyId: '7', arr: null, state: 'matched' },
        { domain: 'zeta.com', companyId: null, arr: null, state: 'missing' },
      ]);
      assert.deepEqual(await missingDomains(db, runKey, ref.snapshotId, 0, 10), ['zeta.com', 'alpha.com']);
      assert.deepEqual(await missingDomains(db, runKey, ref.snapshotId, 1, 10), ['alpha.com']);
    });

    it('a retried write is another snapshot with the same content hash, and the run points at the last one', async () => {
      const input = {
        runKey: `run-${form.name}-2`,
        settings: SETTINGS,
        mode: 'full' as const,
        vanishKnown: true,
        posts: posts.slice(0, 10),
        listed: [],
      };
      const first = await writeSnapshot(db, input);
      const second = await writeSnapshot(db, input);
      assert.notEqual(first.snapshotId, second.snapshotId);
      assert.equal(first.contentHash, second.contentHash);
      const run = await db
        .selectFrom('sync_runs')
        .selectAll()
        .where('run_key', '=', input.runKey)
        .executeTakeFirstOrThrow();
      assert.equal(run.snapshot_id, second.snapshotId);
    });

    it('a snapshot the store does not hold, or holds in another version, fails with RunStateMissing', async () => {
      const ref = await writeSnapshot(db, {
        runKey: `run-${form.name}-3`,
        settings: SETTINGS,
        mode: 'full',
        vanishKnown: true,
        posts: posts.slice(0, 3),
        listed: [],
      });
      for (const wrong of [
        { snapshotId: 'nope', contentHash: ref.contentHash },
        { snapshotId: ref.snapshotId, contentHash: '0'.repeat(64) },
      ]) {
        await assert.rejects(requireSnapshot(db, wrong, storeLocation(url).display), (err: unknown) => {
          assert.ok(err instanceof ApplicationFailure);
          assert.equal(err.type, FailureType.RunStateMissing);
          assert.equal(err.nonRetryable, false, 'another worker that shares the store may take the retry');
          return true;
        });
      }
    });

    it('a snapshot written by another OS process is read here', async () => {
      const script = `
        const { openStore } = require('./src/store/open');
        const { writeSnapshot } = require('./src/store/snapshots');
        (async () => {
          const db = await openStore(process.env.URL);
          const ref = await writeSnapshot(db, { runKey: 'other-process', settings: { pageSize: 100, arrProperty: 'annualrevenue', createCompanies: true, createContacts: true }, mode: 'full', vanishKnown: true, posts: JSON.parse(process.env.POSTS), listed: [] });
          await db.destroy();
          process.stdout.write(JSON.stringify(ref));
        })().catch((e) => { console.error(e); process.exit(1); });`;
      const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
        cwd: path.resolve(__dirname, '../..'),
        env: { ...process.env, URL: url, POSTS: JSON.stringify(posts.slice(0, 5)) },
        encoding: 'utf8',
      });
      assert.equal(child.status, 0, child.stderr);
      const ref = JSON.parse(child.stdout) as { snapshotId: string; contentHash: string };
      await requireSnapshot(db, ref, 'test');
      assert.deepEqual(await snapshotPosts(db, ref.snapshotId, 0, 5, PLAIN), posts.slice(0, 5));
    });
  });
}

describe('run store start-up', function () {
  this.timeout(60_000);
  it('worker processes opening a new SQLite store at the same moment all migrate it, one after the other', async () => {
    const url = `sqlite:${path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fs-store-')), 'run-store.db')}`;
    const script = `
      const { openStore } = require('./src/store/open');
      // All start at one moment, as workers of a deployment that starts together.
      setTimeout(() => openStore(process.env.URL).then((db) => db.destroy()).catch((e) => {
        console.error(e.message);
        process.exit(1);
      }), Number(process.env.START_AT) - Date.now());`;
    const startAt = String(Date.now() + 4_000);
    const open = (): Promise<{ code: number | null; stderr: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
          cwd: path.resolve(__dirname, '../..'),
          env: { ...process.env, URL: url, START_AT: startAt },
        });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('exit', (code) => resolve({ code, stderr }));
      });
    const results = await Promise.all(Array.from({ length: 6 }, open));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const db = await openStore(url);
    try {
      assert.equal((await db.selectFrom('snapshots').selectAll().execute()).length, 0);
    } finally {
      await db.destroy();
    }
  });
});

describe('run store location', () => {
  it('names the file or the server, never a password', () => {
    assert.equal(storeLocation('sqlite:/tmp/x.db').display, '/tmp/x.db');
    assert.equal(storeLocation('postgres://u:secret@db:5432/sync').display, 'postgres://u:***@db:5432/sync');
    assert.throws(() => storeLocation('mysql://x'), /SYNC_STORE_URL/);
  });
});
