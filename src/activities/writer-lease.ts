// The writer lease (src/store/writer-lease.ts) as the workflow asks for it: one writing run per environment.
// A holder is gone when Temporal says its workflow no longer runs (terminated, timed out, failed: a run that
// never released), or when the asker has the holder's workflow id: one workflow id runs once at a time, so a
// holder under the asker's own id is an earlier chain (a terminated company run started again) or the
// asker's own chain before a rerun.
import type { WorkflowLiveness } from '../clients/temporal';
import type { StoreDb } from '../store/open';
import { acquireLease, releaseLease, type LeaseHolder } from '../store/writer-lease';

export interface WriterLeaseDependencies {
  store: StoreDb;
  /** Whether a workflow still runs, from the worker's Temporal connection. */
  workflows: WorkflowLiveness;
}

export interface LeaseRequest extends LeaseHolder {
  environment: string;
}

export function createWriterLeaseActivities(deps: WriterLeaseDependencies) {
  return {
    /** Takes the environment's writer lease, or names the workflow that holds it (the asker waits and asks again). */
    async acquireWriterLease(
      request: LeaseRequest,
    ): Promise<{ acquired: true } | { acquired: false; holderWorkflowId: string }> {
      const { environment, ...me } = request;
      const answer = await acquireLease(deps.store, environment, me, async (holder) =>
        holder.workflowId === me.workflowId ? true : !(await deps.workflows.isRunning(holder.workflowId)),
      );
      return answer.acquired ? answer : { acquired: false, holderWorkflowId: answer.holder.workflowId };
    },

    /** Gives the lease back if this run still holds it; repeating it, or a late one, changes nothing. */
    async releaseWriterLease(request: {
      environment: string;
      runKey: string;
    }): Promise<{ released: boolean }> {
      return { released: await releaseLease(deps.store, request.environment, request.runKey) };
    },
  };
}
