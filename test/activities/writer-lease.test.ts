// The writer lease as activities take it (issue #16, items 8 and 10): keyed by the HubSpot portal as well as
// the environment, never taken over from a holder of another Temporal namespace, and refused while the task
// queue's workers use different run stores.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { createWriterLeaseActivities, type WriterLeaseDependencies } from '../../src/activities/writer-lease';
import { FailureType } from '../../src/failures';
import { storeIdentity } from '../../src/store/identity';
import { openStore, type StoreDb } from '../../src/store/open';
import { acquireLease, leaseHolder } from '../../src/store/writer-lease';

describe('writer lease activities', () => {
  let dir: string;
  let store: StoreDb;
  let storeId: string;
  /** Whether Temporal (of the asker's namespace) says a workflow runs; `polling`: stores of the queue's workers. */
  const temporal = { running: new Set<string>(), polling: [] as string[], startedAgoMs: 0 };

  const activitiesOf = (extra: Partial<WriterLeaseDependencies> = {}) =>
    createWriterLeaseActivities({
      store,
      storeId,
      storeName: 'sqlite:test',
      namespace: 'default',
      taskQueue: 'feedback-sync-test',
      portalId: () => Promise.resolve('12345678'),
      workflows: {
        closedAgoMs: (id) => Promise.resolve(temporal.running.has(id) ? undefined : Infinity),
        storesPolling: () => Promise.resolve(temporal.polling),
        runningForMs: (id) => Promise.resolve(temporal.running.has(id) ? temporal.startedAgoMs : undefined),
      },
      ...extra,
    });

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lease-activities-'));
    store = await openStore(`sqlite:${path.join(dir, 'store.db')}`);
    storeId = await storeIdentity(store);
    temporal.running = new Set();
    temporal.polling = [storeId];
  });
  afterEach(async () => {
    await store.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('two environment names on one portal: one writer at a time', async () => {
    const lease = activitiesOf();
    const first = await lease.acquireWriterLease({
      environment: 'production',
      workflowId: 'a',
      runKey: 'a:1',
    });
    assert.equal(first.acquired, true);
    assert.equal(first.acquired && first.storeId, storeId);
    temporal.running.add('a');
    const second = await lease.acquireWriterLease({ environment: 'prod-eu', workflowId: 'b', runKey: 'b:1' });
    assert.equal(second.acquired, false);
    assert.equal(!second.acquired && second.holderWorkflowId, 'a');
    assert.equal(await leaseHolder(store, 'prod-eu'), undefined, 'its environment lease was given back');
    await lease.releaseWriterLease({ environment: 'production', runKey: 'a:1' });
    const third = await lease.acquireWriterLease({ environment: 'prod-eu', workflowId: 'b', runKey: 'b:1' });
    assert.equal(third.acquired, true);
  });

  it('gives both leases back when the portal cannot be asked (HubSpot down, a token revoked)', async () => {
    const taken = await activitiesOf().acquireWriterLease({
      environment: 'production',
      workflowId: 'a',
      runKey: 'a:1',
    });
    assert.equal(taken.acquired, true);
    const fresh = activitiesOf({ portalId: () => Promise.reject(new Error('HubSpot is down')) });
    assert.deepEqual(await fresh.releaseWriterLease({ environment: 'production', runKey: 'a:1' }), {
      released: true,
    });
    assert.equal(await leaseHolder(store, 'production'), undefined);
    assert.equal(await leaseHolder(store, 'portal:12345678'), undefined);
  });

  it('a holder of another Temporal namespace is never taken for gone', async () => {
    // The holder runs in namespace `staging`: asked in `default`, Temporal would say it does not exist.
    await acquireLease(store, 'production', { workflowId: 'x', runKey: 'x:1', namespace: 'staging' }, () =>
      Promise.resolve(false),
    );
    const answer = await activitiesOf().acquireWriterLease({
      environment: 'production',
      workflowId: 'b',
      runKey: 'b:1',
    });
    assert.equal(answer.acquired, false);
    assert.equal(!answer.acquired && answer.holderWorkflowId, 'x');
  });

  it('a holder under the asker’s own workflow id (a terminated run started again) is fenced like any other', async () => {
    // The run that holds it was terminated mid-request; the operator started the same sync again.
    await acquireLease(
      store,
      'production',
      { workflowId: 'sync', runKey: 'sync:old', namespace: 'default' },
      () => Promise.resolve(false),
    );
    temporal.running.add('sync'); // the new run, under the same id
    temporal.startedAgoMs = 2_000;
    const lease = activitiesOf({ fenceAfterMs: 23_000 });
    const early = await lease.acquireWriterLease({
      environment: 'production',
      workflowId: 'sync',
      runKey: 'sync:new',
    });
    assert.equal(early.acquired, false, 'the old run’s last requests may still land');
    temporal.startedAgoMs = 24_000;
    const late = await lease.acquireWriterLease({
      environment: 'production',
      workflowId: 'sync',
      runKey: 'sync:new',
    });
    assert.equal(late.acquired, true, 'past the fence, counted from the new run’s start');
  });

  it('a holder of another namespace under the same workflow id is never taken for gone', async () => {
    await acquireLease(
      store,
      'production',
      { workflowId: 'sync', runKey: 'sync:b', namespace: 'staging' },
      () => Promise.resolve(false),
    );
    temporal.running.add('sync');
    temporal.startedAgoMs = 60_000;
    const answer = await activitiesOf({ fenceAfterMs: 23_000 }).acquireWriterLease({
      environment: 'production',
      workflowId: 'sync',
      runKey: 'sync:a',
    });
    assert.equal(answer.acquired, false);
  });

  it('a rerun takes over the lease its own chain handed it as it continued as new, at once', async () => {
    await acquireLease(store, 'production', { workflowId: 'co', runKey: 'co:1', namespace: 'default' }, () =>
      Promise.resolve(false),
    );
    temporal.running.add('co');
    temporal.startedAgoMs = 100;
    const lease = activitiesOf({ fenceAfterMs: 23_000 });
    const rerun = await lease.acquireWriterLease({
      environment: 'production',
      workflowId: 'co',
      runKey: 'co:2',
      takeOverFrom: 'co:1',
    });
    assert.equal(rerun.acquired, true);
    assert.equal((await leaseHolder(store, 'production'))?.runKey, 'co:2');
  });

  it('a holder of this namespace that no longer runs is taken over', async () => {
    await acquireLease(store, 'production', { workflowId: 'x', runKey: 'x:1', namespace: 'default' }, () =>
      Promise.resolve(false),
    );
    const answer = await activitiesOf().acquireWriterLease({
      environment: 'production',
      workflowId: 'b',
      runKey: 'b:1',
    });
    assert.equal(answer.acquired, true);
  });

  it('workers of the task queue with another run store: refused for good, naming SYNC_STORE_URL', async () => {
    temporal.polling = [storeId, 'another-store'];
    await assert.rejects(
      activitiesOf().acquireWriterLease({ environment: 'production', workflowId: 'b', runKey: 'b:1' }),
      (err: unknown) => {
        assert.ok(err instanceof ApplicationFailure);
        assert.equal(err.type, FailureType.StoreMismatch);
        assert.equal(err.nonRetryable, true);
        assert.match(err.message, /SYNC_STORE_URL/);
        return true;
      },
    );
    assert.equal(await leaseHolder(store, 'production'), undefined, 'no lease taken');
  });
});
