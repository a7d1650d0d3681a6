// Sealing the run store's personal data (src/store/sealing.ts): what a sealed value is, who can open it, and
// that a run's snapshot, contacts and plans are stored sealed and read back whole.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkRun, type SyncDependencies } from '../../src/activities/context';
import { FailureType } from '../../src/failures';
import { openStore, type StoreDb } from '../../src/store/open';
import { purgeFinishedRun } from '../../src/store/retention';
import { contactsOf, emailRange, requirePlan, saveContacts, savePlan } from '../../src/store/run-data';
import { isSealed, PLAIN, runSealOf, sealWith } from '../../src/store/sealing';
import { snapshotPosts, writeSnapshot } from '../../src/store/snapshots';
import { keysOf, newKey } from '../support/payload-keys';

const K1 = newKey('k1');
const K2 = newKey('k2');

function failureType(err: unknown): string | undefined {
  return (err as { type?: string }).type;
}

describe('sealed values', () => {
  it('open with the key they name, also after a rotation, and never show their text', () => {
    const before = sealWith(keysOf(K1));
    const sealed = before.seal('ada@example.com');
    assert.ok(isSealed(sealed));
    assert.ok(!sealed.includes('ada'), 'no plain text in the sealed value');
    assert.notEqual(before.seal('ada@example.com'), sealed, 'a fresh nonce every time');
    // Rotated: k2 first, k1 kept after it.
    const after = sealWith(keysOf(`${K2},${K1}`));
    assert.equal(after.keyId, 'k2');
    assert.equal(after.open(sealed), 'ada@example.com');
    assert.equal(
      after.open('{"plain":true}'),
      '{"plain":true}',
      'rows an older worker wrote open as they are',
    );
  });

  it('look an email up by a keyed hash: the same on every worker for the run’s key, another for another key', () => {
    const a = sealWith(keysOf(K1));
    const b = sealWith(keysOf(`${K2},${K1}`), 'k1');
    const other = sealWith(keysOf(K2));
    assert.equal(a.lookup('ada@example.com'), b.lookup('ada@example.com'));
    assert.notEqual(a.lookup('ada@example.com'), other.lookup('ada@example.com'));
    assert.ok(!a.lookup('ada@example.com').includes('ada'));
  });

  it('refuse, retryably and naming the key, a worker without the run’s key; a damaged value is refused', () => {
    const sealed = sealWith(keysOf(K1)).seal('ada@example.com');
    assert.throws(
      () => sealWith(keysOf(K2)).open(sealed),
      (err: Error) =>
        failureType(err) === FailureType.RunStateMissing &&
        /payload key 'k1'/.test(err.message) &&
        /SYNC_PAYLOAD_KEYS/.test(err.message),
    );
    assert.throws(
      () => runSealOf(undefined, 'k1'),
      (err: Error) => failureType(err) === FailureType.RunStateMissing,
    );
    const damaged = sealed.slice(0, -4) + (sealed.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    assert.throws(
      () => sealWith(keysOf(K1)).open(damaged),
      (err: Error) => failureType(err) === FailureType.RunStateMissing && /does not open/.test(err.message),
    );
  });
});

describe('a sealed run in the store', () => {
  let dir: string;
  let db: StoreDb;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sealing-'));
    db = await openStore(`sqlite:${path.join(dir, 'store.db')}`);
  });
  after(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stores emails, names and plans sealed, and every worker with the key reads them back whole', async () => {
    const keys = keysOf(K1);
    const people = [
      { personId: 'u1', email: 'ada@example.com', name: 'Ada Lovelace', companyDomain: 'example.com' },
    ];
    const post = {
      id: 'p1',
      title: 'Dark mode',
      details: '',
      status: 'open',
      score: 1,
      url: 'https://feedback.example.com/p/1',
      createdAt: '2026-01-01T00:00:00.000Z',
      board: { id: 'b1', name: 'Product' },
      category: null,
      tags: [],
      author: { id: 'u1', email: 'ada@example.com', name: 'Ada Lovelace', isAdmin: false },
      mergedPostIds: [],
    };
    const shape = await writeSnapshot(db, {
      runKey: 'run-sealed',
      settings: { pageSize: 100, arrProperty: 'annualrevenue', createCompanies: true, createContacts: true },
      mode: 'full',
      vanishKnown: true,
      posts: [{ seq: 0, post, people }],
      listed: [{ postId: 'p1', mergedInto: null }],
      seal: sealWith(keys),
    });
    // Another worker, keys rotated since: it reads the run with the run's key.
    const worker = {
      store: db,
      storeName: 'test',
      payloadKeys: keysOf(`${K2},${K1}`),
      settings: {},
    } as unknown as SyncDependencies;
    const { seal } = await checkRun(worker, {
      runKey: 'run-sealed',
      mode: 'full',
      snapshotId: shape.snapshotId,
      contentHash: shape.contentHash,
    });
    assert.equal(seal.keyId, 'k1');
    // Workers before migration 011 read only complete = 1 or 2: they refuse a sealed snapshot, retryably.
    const row = await db
      .selectFrom('snapshots')
      .select(['complete', 'seal_key'])
      .where('snapshot_id', '=', shape.snapshotId)
      .executeTakeFirstOrThrow();
    assert.deepEqual(
      { complete: Number(row.complete), sealKey: row.seal_key },
      { complete: 3, sealKey: 'k1' },
    );
    assert.deepEqual(await snapshotPosts(db, shape.snapshotId, 0, 1, seal), [{ seq: 0, post, people }]);
    assert.deepEqual(await emailRange(db, shape.snapshotId, 0, 1, seal), [
      { seq: 0, email: 'ada@example.com', personId: 'u1', name: 'Ada Lovelace' },
    ]);
    await saveContacts(
      db,
      'run-sealed',
      [{ email: 'ada@example.com', seq: 0, contactId: '7', state: 'matched' }],
      seal,
    );
    assert.deepEqual(
      [...(await contactsOf(db, 'run-sealed', ['ada@example.com'], seal))],
      [['ada@example.com', '7']],
    );
    const plan = {
      page: 0,
      changed: [{ properties: { name: 'Dark mode', author_email: 'ada@example.com' } }],
    };
    const saved = await savePlan(db, 'run-sealed', 0, plan, seal);
    assert.deepEqual(await requirePlan(db, 'run-sealed', 0, saved.planHash, 'test', seal), plan);

    const raw = JSON.stringify([
      await db.selectFrom('snapshot_posts').selectAll().execute(),
      await db.selectFrom('snapshot_emails').selectAll().execute(),
      await db.selectFrom('run_contacts').selectAll().execute(),
      await db.selectFrom('run_plans').selectAll().execute(),
    ]);
    assert.ok(!raw.includes('ada@') && !raw.includes('Lovelace'), 'nothing personal in plain text');

    // When the run ends, its plan stays as the audit trail: opened, without the email, and plain.
    await purgeFinishedRun(db, 'run-sealed', sealWith(keysOf(K1)));
    const kept = await db
      .selectFrom('run_plans')
      .select('plan')
      .where('run_key', '=', 'run-sealed')
      .executeTakeFirstOrThrow();
    assert.ok(!isSealed(kept.plan));
    assert.match(kept.plan, /Dark mode/);
    assert.ok(!kept.plan.includes('ada@'));
    // A late attempt that got past checkRun before the purge never writes from the stripped plan.
    await assert.rejects(
      requirePlan(db, 'run-sealed', 0, saved.planHash, 'test', seal),
      (err: Error) => failureType(err) === FailureType.RunEnded,
    );
  });

  it('a plan that cannot be opened at the purge stays sealed, never in plain text', async () => {
    const seal = sealWith(keysOf(K1));
    await writeSnapshot(db, {
      runKey: 'run-kept-sealed',
      settings: { pageSize: 100, arrProperty: 'annualrevenue', createCompanies: true, createContacts: true },
      mode: 'full',
      vanishKnown: true,
      posts: [],
      listed: [],
      seal,
    });
    await savePlan(
      db,
      'run-kept-sealed',
      0,
      { changed: [{ properties: { author_email: 'bob@example.com' } }] },
      seal,
    );
    for (const opener of [PLAIN, sealWith(keysOf(K2))]) {
      await purgeFinishedRun(db, 'run-kept-sealed', opener);
      const kept = await db
        .selectFrom('run_plans')
        .select('plan')
        .where('run_key', '=', 'run-kept-sealed')
        .executeTakeFirstOrThrow();
      assert.ok(isSealed(kept.plan));
    }
  });
});
