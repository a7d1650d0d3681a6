// What the writer lease asks Temporal: is the run that holds the lease still running? One describe call on
// the worker's own connection. Raw gRPC on purpose: nothing of the answer is decoded, so no payload keys are
// needed (memo and search attributes stay as they are).
import os from 'node:os';
import { isGrpcServiceError, type WorkflowService } from '@temporalio/client';

export interface WorkflowLiveness {
  /**
   * How long ago the latest run of `workflowId` closed (a continue-as-new chain keeps its workflow id):
   * undefined while it runs, Infinity when Temporal does not know it (or no longer: its retention passed).
   */
  closedAgoMs(workflowId: string): Promise<number | undefined>;
  /** How long ago the running run of `workflowId` started; undefined when none runs. */
  runningForMs(workflowId: string): Promise<number | undefined>;
  /**
   * The run stores of the workers that polled `taskQueue` for activities in the last minute, as their
   * identities name them (`… store=<id>`; workers of versions before it name none).
   */
  storesPolling(taskQueue: string): Promise<string[]>;
}

/** A worker's Temporal identity: the SDK's default (`pid@host`) and its run store's id. */
export function workerIdentity(storeId: string): string {
  return `${process.pid}@${os.hostname()} store=${storeId}`;
}

/** temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY. */
const ACTIVITY_QUEUE = 2;
/** Pollers seen longer ago than this are left out: a worker restarted with another store is gone by then. */
const RECENT_POLL_MS = 60_000;

/** temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING (@temporalio/proto is no direct dependency). */
const RUNNING = 1;
/** gRPC NOT_FOUND: no such workflow (or its history was deleted after the retention). */
const NOT_FOUND = 5;

export function temporalLiveness(service: WorkflowService, namespace: string): WorkflowLiveness {
  return {
    async closedAgoMs(workflowId: string): Promise<number | undefined> {
      try {
        const described = await service.describeWorkflowExecution({ namespace, execution: { workflowId } });
        const info = described.workflowExecutionInfo;
        if (Number(info?.status) === RUNNING) return undefined;
        const closed = Number(info?.closeTime?.seconds ?? 0) * 1000;
        return closed > 0 ? Math.max(0, Date.now() - closed) : Infinity;
      } catch (err) {
        if (isGrpcServiceError(err) && Number(err.code) === NOT_FOUND) return Infinity;
        throw err;
      }
    },
    async runningForMs(workflowId: string): Promise<number | undefined> {
      try {
        const described = await service.describeWorkflowExecution({ namespace, execution: { workflowId } });
        const info = described.workflowExecutionInfo;
        if (Number(info?.status) !== RUNNING) return undefined;
        const started = Number(info?.startTime?.seconds ?? 0) * 1000;
        return Math.max(0, Date.now() - started);
      } catch (err) {
        if (isGrpcServiceError(err) && Number(err.code) === NOT_FOUND) return undefined;
        throw err;
      }
    },
    async storesPolling(taskQueue: string): Promise<string[]> {
      const described = await service.describeTaskQueue({
        namespace,
        taskQueue: { name: taskQueue },
        taskQueueType: ACTIVITY_QUEUE,
      });
      const since = Date.now() - RECENT_POLL_MS;
      const stores = (described.pollers ?? [])
        .filter((p) => Number(p.lastAccessTime?.seconds ?? 0) * 1000 >= since)
        .map((p) => /\bstore=(\S+)/.exec(p.identity ?? '')?.[1])
        .filter((id): id is string => id !== undefined);
      return [...new Set(stores)];
    },
  };
}
