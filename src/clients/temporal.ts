// What the writer lease asks Temporal: is the run that holds the lease still running? One describe call on
// the worker's own connection. Raw gRPC on purpose: nothing of the answer is decoded, so no payload keys are
// needed (memo and search attributes stay as they are).
import { isGrpcServiceError, type WorkflowService } from '@temporalio/client';

export interface WorkflowLiveness {
  /** True while the latest run of `workflowId` is running (a continue-as-new chain keeps its workflow id). */
  isRunning(workflowId: string): Promise<boolean>;
}

/** temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING (@temporalio/proto is no direct dependency). */
const RUNNING = 1;
/** gRPC NOT_FOUND: no such workflow (or its history was deleted after the retention). */
const NOT_FOUND = 5;

export function temporalLiveness(service: WorkflowService, namespace: string): WorkflowLiveness {
  return {
    async isRunning(workflowId: string): Promise<boolean> {
      try {
        const described = await service.describeWorkflowExecution({ namespace, execution: { workflowId } });
        return Number(described.workflowExecutionInfo?.status) === RUNNING;
      } catch (err) {
        if (isGrpcServiceError(err) && Number(err.code) === NOT_FOUND) return false;
        throw err;
      }
    },
  };
}
