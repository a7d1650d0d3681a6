// The run store's budget (issue #16, item 12): a finished run keeps only its audit trail, without personal
// data; runs are pruned by age and by count; snapshots no run owns are pruned; a failed pruning shows.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createPortalActivities } from '../../src/activities/portal';

import { openStore, type StoreDb } from '../../src/store/open';
import { markRunFinished, pruneStore, purgeFinishedRun } from '../../src/store/retention';
import { checkRun, type SyncDependencies } from '../../src/activities/context';
import { FailureType } from '../../src/failures';
import { saveContacts, savePlan } from '../../src/store/run-data';
import { PLAIN } from '../../src/store/sealing';
import { writeSnapshot } from '../../src/store/snapshots';
import { emptySnapshot, SETTINGS } from '../support/snapshots';
import { datasetEmails } from '../support/raw-history';
import { startStack } from '../support/stack';

async function seedRun(db: StoreDb, runKey: string, email: string) {
  const post = {
    id: `p-${runKey}`,
    title: 'Dark mode',
    details: '',
    status: 'open',
    score: 1,
    url: '',
    createdAt: null,
    board: { id: 'b', name: 'Product' },
    category: null,
    tags: [],
    author: { id: 'u', email, name: 'Ada Lovelace', isAdmin: false },
    mergedPostIds: [],
  };
  await writeSnapshot(db, {
    runKey,
    settings: SETTINGS,
    mode: 'full',
    vanishKnown: true,
    posts: [
      {
        seq: 0,
        post,
        people: [{ personId: 'u', email, name: 'Ada Lovelace', companyDomain: 'acme.com' }],
      },
    ],
    listed: [{ postId: post.id, mergedInto: null }],
  });
  await saveContacts(db, runKey, [{ email, seq: 0, contactId: '7', state: 'matched' }], PLAIN);
  await savePlan(
    db,
    runKey,
    0,
    {
      page: 0,
      changed: [{ externalId: `canny:${post.id}`, properties: { name: 'Dark mode', author_email: email } }],
      unchanged: 0,
    },
    PLAIN,
  );
}

/** Every value of every table, as one string: what a search of the store file would find. */
async function storeText(db: StoreDb): Promise<string> {
  const tables = await db.introspection.getTables();
  const parts: string[] = [];
  for (const t of tables) {
    if (t.name.startsWith('kysely_')) continue;
    const rows = await db
      .selectFrom(t.name as never)
      .selectAll()
      .execute();
    parts.push(JSON.stringify(rows));
  }
  return parts.join('\n').toLowerCase();
}

describe('run store retention', () => {
  let dir: string;
  let db: StoreDb;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retention-'));
    db = await openStore(`sqlite:${path.join(dir, 'store.db')}`);
  });
  afterEach(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a finished run keeps its audit trail and no personal data', async () => {
    await seedRun(db, 'run-1', 'ada@example.com');
    assert.ok((await storeText(db)).includes('ada@example.com'));
    await purgeFinishedRun(db, 'run-1');
    const text = await storeText(db);
    assert.ok(!text.includes('ada@example.com'), 'no email');
    assert.ok(!text.includes('ada lovelace'), 'no name');
    assert.equal((await db.selectFrom('sync_runs').selectAll().execute()).length, 1, 'the run stays');
    const [plan] = await db.selectFrom('run_plans').select('plan').execute();
    assert.match(plan!.plan, /Dark mode/, 'what the request was to become stays');
  });

  it('prunes by age and by count, and snapshots no run owns', async () => {
    for (let i = 0; i < 5; i++) {
      await seedRun(db, `run-${i}`, `p${i}@example.com`);
      await markRunFinished(db, `run-${i}`);
    }
    // A run in progress, the newest: the count never prunes it, and its working set stays.
    await seedRun(db, 'live', 'live@example.com');
    // A prepare cancelled while it wrote: a snapshot without its run, from long ago.
    await emptySnapshot(db, 'orphan');
    await db.deleteFrom('sync_runs').where('run_key', '=', 'orphan').execute();
    await db
      .updateTable('snapshots')
      .set({ created_at: '2020-01-01T00:00:00.000Z' })
      .where('run_key', '=', 'orphan')
      .execute();
    await db
      .updateTable('sync_runs')
      .set({ updated_at: '2020-01-01T00:00:00.000Z' })
      .where('run_key', '=', 'run-0')
      .execute();
    for (let i = 1; i < 5; i++)
      await db
        .updateTable('sync_runs')
        .set({ updated_at: `2026-12-0${i}T00:00:00.000Z` })
        .where('run_key', '=', `run-${i}`)
        .execute();

    const pruned = await pruneStore(db, new Date('2026-01-01T00:00:00Z'), 3);
    assert.deepEqual(pruned, { runs: 2, orphanedSnapshots: 1 });
    const left = (await db.selectFrom('sync_runs').select('run_key').execute()).map((r) => r.run_key).sort();
    assert.deepEqual(
      left,
      ['live', 'run-2', 'run-3', 'run-4'],
      'the oldest by age and beyond the count went',
    );
    const snapshots = (await db.selectFrom('snapshots').select('run_key').execute())
      .map((r) => r.run_key)
      .sort();
    assert.deepEqual(snapshots, ['live', 'run-2', 'run-3', 'run-4']);
    const text = await storeText(db);
    assert.ok(!text.includes('p0@example.com'));
    assert.ok(!text.includes('p3@example.com'), 'an ended run whose purge never came is purged');
    assert.ok(text.includes('live@example.com'), 'a run in progress keeps its working set');
  });

  it('keeps the audit trail within its size budget, the oldest runs going first', async () => {
    for (let i = 0; i < 4; i++) {
      await seedRun(db, `run-${i}`, `p${i}@example.com`);
      await markRunFinished(db, `run-${i}`);
      await purgeFinishedRun(db, `run-${i}`);
      await db
        .updateTable('sync_runs')
        .set({ updated_at: `2026-12-0${i + 1}T00:00:00.000Z` })
        .where('run_key', '=', `run-${i}`)
        .execute();
    }
    const trail = await db
      .selectFrom('run_plans')
      .select('plan')
      .where('run_key', '=', 'run-3')
      .executeTakeFirstOrThrow();
    // Room for the two newest runs' trails, not three.
    const budget = trail.plan.length * 2 + 10;
    const pruned = await pruneStore(db, new Date('2026-01-01T00:00:00Z'), 1000, PLAIN, undefined, budget);
    assert.equal(pruned.runs, 2);
    const left = (await db.selectFrom('sync_runs').select('run_key').execute()).map((r) => r.run_key).sort();
    assert.deepEqual(left, ['run-2', 'run-3']);
  });

  it('a run that may still run is never purged nor deleted, however old; one whose workflow is over is', async () => {
    for (const runKey of ['wf-slow:r1', 'wf-over:r1']) {
      await seedRun(db, runKey, `${runKey.slice(3, 7)}@example.com`);
      await db
        .updateTable('sync_runs')
        .set({ created_at: '2020-01-01T00:00:00.000Z', updated_at: '2020-01-01T00:00:00.000Z' })
        .where('run_key', '=', runKey)
        .execute();
    }
    // `wf-slow` still runs (it has waited for the writer lease for days); `wf-over` was terminated.
    const asked: string[] = [];
    const isOver = (runKey: string) => {
      asked.push(runKey);
      return Promise.resolve(runKey !== 'wf-slow:r1');
    };
    await pruneStore(db, new Date('2026-01-01T00:00:00Z'), 1000, PLAIN, isOver);
    const runs = (await db.selectFrom('sync_runs').select('run_key').execute()).map((r) => r.run_key);
    assert.deepEqual(runs, ['wf-slow:r1'], 'the run that may still run stays, the other went');
    const text = await storeText(db);
    assert.ok(text.includes('slow@example.com'), 'its working set is whole');
    assert.ok(!text.includes('over@example.com'));
    assert.ok(asked.includes('wf-slow:r1'));
    // Without a way to ask, nothing unfinished is taken for over.
    await pruneStore(db, new Date('2026-01-01T00:00:00Z'), 1000);
    assert.ok((await storeText(db)).includes('slow@example.com'));
  });

  it('a run of another Temporal namespace is never taken for over (Temporal would not know it here)', async () => {
    for (const [runKey, namespace] of [
      ['wf-theirs:r1', 'staging'],
      ['wf-ours:r1', 'default'],
    ] as const) {
      await seedRun(db, runKey, `${runKey.slice(3, 7)}@example.com`);
      await db
        .updateTable('sync_runs')
        .set({ created_at: '2020-01-01T00:00:00.000Z', updated_at: '2020-01-01T00:00:00.000Z', namespace })
        .where('run_key', '=', runKey)
        .execute();
    }
    const activities = createPortalActivities({
      store: db,
      storeName: 'test',
      namespace: 'default',
      // Temporal of namespace `default` knows neither workflow: "not found", closed long ago as far as it says.
      workflows: { closedAgoMs: () => Promise.resolve(Infinity) },
    } as unknown as SyncDependencies);
    await new MockActivityEnvironment().run(() => activities.finishRun({ runKey: 'none' }));
    const runs = (await db.selectFrom('sync_runs').select('run_key').execute()).map((r) => r.run_key);
    assert.deepEqual(runs, ['wf-theirs:r1']);
    assert.ok((await storeText(db)).includes('thei@example.com'), 'its working set is whole');
  });

  it('an activity of a run that ended is refused for good: its working set is gone or going', async () => {
    const shape = await emptySnapshot(db, 'wf:ended');
    const deps = { store: db, storeName: 'test', settings: {} } as unknown as SyncDependencies;
    const ref = {
      runKey: 'wf:ended',
      mode: 'full' as const,
      snapshotId: shape.snapshotId,
      contentHash: shape.contentHash,
    };
    await checkRun(deps, ref);
    await markRunFinished(db, 'wf:ended');
    await assert.rejects(
      checkRun(deps, ref),
      (err: Error & { type?: string; nonRetryable?: boolean }) =>
        err.type === FailureType.RunEnded && err.nonRetryable === true && /ended/.test(err.message),
    );
  });

  it('a pruning that fails shows in the result (and the logs and metrics), and never fails the run', async () => {
    await seedRun(db, 'run-1', 'ada@example.com');
    await markRunFinished(db, 'run-1'); // ended, and old: the age prune deletes it
    const activities = createPortalActivities({
      store: db,
      storeName: 'test',
      retentionDays: 7,
      maxRuns: 10,
    } as unknown as SyncDependencies);
    await db.schema.dropTable('snapshot_domains').execute(); // the pruning of orphaned snapshots fails
    await db.updateTable('sync_runs').set({ updated_at: '2020-01-01T00:00:00.000Z' }).execute();
    await emptySnapshot(db, 'orphan').catch(() => undefined);
    const result: { pruned: number; pruneFailed?: string } = await new MockActivityEnvironment().run(() =>
      activities.finishRun({ runKey: 'run-2' }),
    );
    assert.equal(result.pruned, 0);
    assert.match(result.pruneFailed ?? '', /snapshot_domains/);
  });
});

describe('the run store after a full sync', function () {
  this.timeout(120_000);

  it('holds none of the voters’ emails once the run ended', async () => {
    const stack = await startStack();
    try {
      await stack.sync();
      const emails = datasetEmails(stack.sims.dataset!);
      assert.ok(emails.length > 20);
      const text = await storeText(stack.store);
      assert.deepEqual(
        emails.filter((e) => text.includes(e)),
        [],
      );
    } finally {
      await stack.close();
    }
  });
});
