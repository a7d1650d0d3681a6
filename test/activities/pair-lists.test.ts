// A page's association batches read their pairs from the run store. A batch the plan counts but the store
// no longer holds (an asynchronous replica's failover, a power loss) is a failure, never an empty batch that
// the page's commit would then vouch for (issue #16, item 6).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createAssociationActivities } from '../../src/activities/associations';
import { runSettingsOf, type SyncDependencies } from '../../src/activities/context';
import { openStore, type StoreDb } from '../../src/store/open';
import { savePairPlan } from '../../src/store/run-data';
import { writeSnapshot } from '../../src/store/snapshots';

describe('pair lists the store lost', () => {
  let dir: string;
  let store: StoreDb;
  let activities: ReturnType<typeof createAssociationActivities>;
  let sent = 0;
  const ref = { runKey: 'run-1', mode: 'full' as const, snapshotId: '', contentHash: '' };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pair-lists-'));
    store = await openStore(`sqlite:${path.join(dir, 'store.db')}`);
    const settings = {
      arrProperty: 'annualrevenue',
      objectName: 'feature_request',
      createCompanies: true,
      createContacts: true,
      maxVanished: null,
      pageSize: 100,
      sourceParallelBoards: 4,
    };
    const shape = await writeSnapshot(store, {
      runKey: ref.runKey,
      settings: runSettingsOf(settings),
      mode: 'full',
      vanishKnown: true,
      posts: [],
      listed: [],
    });
    ref.snapshotId = shape.snapshotId;
    ref.contentHash = shape.contentHash;
    // Any request to HubSpot is counted and answered as written: the test asserts none is sent.
    const hubspot = {
      createAssociations: () => {
        sent++;
        return Promise.resolve([]);
      },
      archiveAssociations: () => {
        sent++;
        return Promise.resolve();
      },
    };
    activities = createAssociationActivities({
      store,
      storeName: 'sqlite:test',
      settings,
      hubspot: () => hubspot,
    } as unknown as SyncDependencies);
    const pairs = (n: number, offset: number): Array<[string, string]> =>
      Array.from({ length: n }, (_, i) => [`${1000 + i}`, `${offset + i}`]);
    // 150 creates (one full batch, 50 left over for the parent) and 130 removals (two batches).
    await savePairPlan(store, ref.runKey, 0, 'contacts', {
      createBatches: 1,
      removeBatches: 2,
      leftovers: pairs(150, 1).slice(100),
      toAdd: pairs(150, 1),
      toRemove: pairs(130, 5000),
    });
  });
  after(async () => {
    await store.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const write = (op: 'create' | 'remove', batch: number): Promise<{ written: number }> =>
    new MockActivityEnvironment().run((input) => activities.writePageAssociations(input), {
      ...ref,
      objectTypeId: '2-1',
      page: 0,
      planHash: 'h',
      toType: 'contacts' as const,
      op,
      batch,
      dryRun: false,
    });

  it('writes a batch the store holds whole', async () => {
    const result = await write('remove', 1);
    assert.equal(result.written, 30);
    assert.equal(sent, 1);
  });

  it('a batch of creates with pairs missing fails and sends nothing', async () => {
    await store
      .deleteFrom('run_pairs')
      .where('op', '=', 'create')
      .where('idx', '>=', 40)
      .where('idx', '<', 60)
      .execute();
    sent = 0;
    await assert.rejects(write('create', 0), (err: Error & { type?: string }) => {
      assert.equal(err.type, 'RunStateMissing');
      assert.match(err.message, /holds 80 of the 100 contacts associations of batch 0 of page 0/);
      return true;
    });
    assert.equal(sent, 0);
  });

  it('a batch of removals the store lost entirely fails, never counts as an empty success', async () => {
    await store.deleteFrom('run_pairs').where('op', '=', 'remove').execute();
    sent = 0;
    await assert.rejects(write('remove', 0), /holds 0 of the 100 contacts removals/);
    await assert.rejects(write('remove', 1), /holds 0 of the 30 contacts removals/);
    assert.equal(sent, 0);
  });
});
