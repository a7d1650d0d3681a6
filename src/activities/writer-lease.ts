// The writer lease (src/store/writer-lease.ts) as the workflow asks for it: one writing run per environment
// and per HubSpot portal. A run takes two leases, its environment's and its portal's (`portal:<id>`), so two
// environment names on one portal never write at once either.
//
// A holder is gone when Temporal says its workflow no longer runs (terminated, timed out, failed: a run that
// never released), or when the asker has the holder's workflow id: one workflow id runs once at a time, so a
// holder under the asker's own id is an earlier chain (a terminated company run started again) or the
// asker's own chain before a rerun. Either way, not before the fence (`fenceAfterMs`) has passed since it
// closed: its last requests may still be on their way. A holder of another Temporal namespace cannot be asked: it is never taken
// for gone (a waiting run reports it after a while, src/workflows/writer-lease.ts).
//
// Before anything, the lease checks that every worker of the task queue uses this run store: workers with
// stores of their own would each grant a lease, and two runs would write at once.
import type { RequestCounter } from '../clients/source';
import type { WorkflowLiveness } from '../clients/temporal';
import { failure, FailureType } from '../failures';
import type { StoreDb } from '../store/open';
import { acquireLease, releaseLease, releaseLeasesOf, type LeaseHolder } from '../store/writer-lease';
import { tracked } from './tracking';

export interface WriterLeaseDependencies {
  store: StoreDb;
  /** Whether a workflow still runs, and which stores the task queue's workers use, from the worker's connection. */
  workflows: WorkflowLiveness;
  /** This worker's run store (src/store/identity.ts); absent in tests that build activities by hand. */
  storeId?: string;
  /** The store's location without secrets, for messages. */
  storeName: string;
  /** This worker's Temporal namespace and main task queue. */
  namespace?: string;
  taskQueue?: string;
  /** The HubSpot portal the worker's token writes to (cached by the worker); absent: no portal lease. */
  portalId?: (counter?: RequestCounter) => Promise<string>;
  /**
   * How long after its run closed a holder's lease may be taken over: a run terminated mid-request still
   * has activities on workers, which stop within a heartbeat and their last request (at most
   * HUBSPOT_REQUEST_TIMEOUT_MS). Default 0 (tests of the lease alone).
   */
  fenceAfterMs?: number;
}

export interface LeaseRequest extends Omit<LeaseHolder, 'namespace'> {
  environment: string;
  /**
   * The run key of the chain this run reruns (a company run asked again): that chain handed its lease over
   * as it continued as new, with nothing left in flight, so it is taken at once. Absent in older runs.
   */
  takeOverFrom?: string;
}

export type LeaseAcquired =
  { acquired: true; storeId?: string } | { acquired: false; holderWorkflowId: string };

export function createWriterLeaseActivities(deps: WriterLeaseDependencies) {
  const me = (request: LeaseRequest): LeaseHolder => ({
    workflowId: request.workflowId,
    runKey: request.runKey,
    ...(deps.namespace ? { namespace: deps.namespace } : {}),
  });
  const isGone = async (asker: LeaseHolder, holder: LeaseHolder, takeOverFrom?: string): Promise<boolean> => {
    // Asked in another namespace, Temporal would answer "not found" for a run that writes right now (and a
    // workflow id of another namespace may equal the asker's).
    if (holder.namespace !== undefined && holder.namespace !== deps.namespace) return false;
    if (holder.workflowId === asker.workflowId && holder.runKey === takeOverFrom) return true;
    if (holder.workflowId === asker.workflowId) {
      // One run of a workflow id at a time: the holder's chain closed before the asker's run started. It may
      // have been terminated mid-request, so it is fenced like any other holder, from the asker's start (the
      // holder closed no later than that, so the wait is never short).
      const runningFor = await deps.workflows.runningForMs(asker.workflowId);
      return runningFor === undefined || runningFor >= (deps.fenceAfterMs ?? 0);
    }
    const closedAgo = await deps.workflows.closedAgoMs(holder.workflowId);
    return closedAgo !== undefined && closedAgo >= (deps.fenceAfterMs ?? 0);
  };
  const keysOf = async (environment: string, counter?: RequestCounter): Promise<string[]> =>
    deps.portalId ? [environment, `portal:${await deps.portalId(counter)}`] : [environment];

  return {
    /**
     * Takes the run's leases (environment, then portal), or names the workflow that holds one (the asker
     * waits and asks again; a lease taken here is given back when the next one is held by someone else).
     */
    async acquireWriterLease(request: LeaseRequest) {
      // Tracked: the portal lookup (once per worker) counts in the run's requests, a failed one too.
      return tracked(async (counter): Promise<LeaseAcquired> => {
        await refuseSplitStore(deps);
        const asker = me(request);
        const taken: string[] = [];
        for (const key of await keysOf(request.environment, counter)) {
          const answer = await acquireLease(deps.store, key, asker, (holder) =>
            isGone(asker, holder, request.takeOverFrom),
          );
          if (!answer.acquired) {
            for (const held of taken) await releaseLease(deps.store, held, request.runKey);
            return { acquired: false, holderWorkflowId: answer.holder.workflowId };
          }
          taken.push(key);
        }
        return { acquired: true, ...(deps.storeId ? { storeId: deps.storeId } : {}) };
      });
    },

    /**
     * Gives the leases back if this run still holds them; repeating it, or a late one, changes nothing. By
     * the run key: no portal lookup, so a HubSpot outage never keeps a lease held.
     */
    async releaseWriterLease(request: {
      environment: string;
      runKey: string;
    }): Promise<{ released: boolean }> {
      return { released: (await releaseLeasesOf(deps.store, request.runKey)) > 0 };
    },
  };
}

/** Fails, for good, when workers of the task queue use another run store than this one. */
async function refuseSplitStore(deps: WriterLeaseDependencies): Promise<void> {
  if (!deps.storeId || !deps.taskQueue) return;
  const others = (await deps.workflows.storesPolling(deps.taskQueue)).filter((id) => id !== deps.storeId);
  if (others.length === 0) return;
  throw failure(
    FailureType.StoreMismatch,
    `the workers of task queue ${deps.taskQueue} use ${others.length + 1} different run stores (this one: ` +
      `${deps.storeName}): every worker of a task queue must share one SYNC_STORE_URL (a postgres:// URL ` +
      'for workers on several hosts). No run writes until they do',
  );
}
