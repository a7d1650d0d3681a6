// A run plans with the settings of the worker that prepared it: a worker configured otherwise (a deploy that
// changes SYNC_PAGE_SIZE or the ARR property mid-run) reads the run's, so it cannot change the run's plan.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  checkRun,
  runSettingsOf,
  type SyncDependencies,
  type SyncSettings,
} from '../../src/activities/context';
import { openStore, type StoreDb } from '../../src/store/open';
import { writeSnapshot } from '../../src/store/snapshots';

const preparing: SyncSettings = {
  arrProperty: 'annualrevenue',
  objectName: 'feature_request',
  createCompanies: true,
  createContacts: false,
  maxVanished: 20,
  pageSize: 100,
  sourceParallelBoards: 4,
};

describe('run settings', () => {
  let dir: string;
  let store: StoreDb;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'run-settings-'));
    store = await openStore(`sqlite:${path.join(dir, 'store.db')}`);
  });
  after(async () => {
    await store.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('every worker plans with the preparing worker’s settings, not its own', async () => {
    const shape = await writeSnapshot(store, {
      runKey: 'run-1',
      settings: runSettingsOf(preparing),
      mode: 'full',
      vanishKnown: true,
      posts: [],
      listed: [],
    });
    const otherWorker = {
      store,
      storeName: 'test',
      settings: {
        ...preparing,
        pageSize: 50,
        arrProperty: 'arr_usd',
        createCompanies: false,
        createContacts: true,
      },
    } as unknown as SyncDependencies;
    const ref = {
      runKey: 'run-1',
      mode: 'full' as const,
      snapshotId: shape.snapshotId,
      contentHash: shape.contentHash,
    };
    assert.deepEqual((await checkRun(otherWorker, ref)).settings, {
      pageSize: 100,
      arrProperty: 'annualrevenue',
      createCompanies: true,
      createContacts: false,
      maxVanished: 20,
    });
  });

  it('a snapshot written before settings were stored plans with the worker’s own', async () => {
    const shape = await writeSnapshot(store, {
      runKey: 'run-2',
      settings: runSettingsOf(preparing),
      mode: 'full',
      vanishKnown: true,
      posts: [],
      listed: [],
    });
    // What a worker before migration 004 wrote: no settings, and complete = 1 (people in rows).
    await store
      .updateTable('snapshots')
      .set({ settings: null, complete: 1 })
      .where('snapshot_id', '=', shape.snapshotId)
      .execute();
    const worker = {
      store,
      storeName: 'test',
      settings: { ...preparing, pageSize: 25 },
    } as unknown as SyncDependencies;
    const ref = {
      runKey: 'run-2',
      mode: 'full' as const,
      snapshotId: shape.snapshotId,
      contentHash: shape.contentHash,
    };
    assert.equal((await checkRun(worker, ref)).settings.pageSize, 25);
  });
});
