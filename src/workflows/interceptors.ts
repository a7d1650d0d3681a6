// Every activity and child workflow a run schedules carries the run's environment (SYNC_ENV) in a header, and
// every worker refuses an activity of another environment before it runs (src/activities/environment-check.ts).
// The workflow's own guard (./environment-guard) covers only the worker that runs the workflow task; the
// activities go to shared queues that any worker of the task queue polls, and a worker of another environment
// would write with its own token, into its own portal.
import {
  defaultPayloadConverter,
  type Next,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import type { Headers } from '@temporalio/common';
import { ENVIRONMENT_HEADER } from '../environment-header';

/** The environment a run was started for: the sync's input names it; a child learns it from its header. */
function environmentOf(args: unknown[], headers: Headers): string | undefined {
  const input = args[0];
  if (typeof input === 'object' && input !== null && 'environment' in input) {
    const { environment } = input;
    if (typeof environment === 'string') return environment;
  }
  const header = headers[ENVIRONMENT_HEADER];
  return header ? defaultPayloadConverter.fromPayload<string>(header) : undefined;
}

export const interceptors = (): WorkflowInterceptors => {
  let environment: string | undefined;
  const stamp = (headers: Headers): Headers =>
    environment === undefined
      ? headers
      : { ...headers, [ENVIRONMENT_HEADER]: defaultPayloadConverter.toPayload(environment) };

  const inbound: WorkflowInboundCallsInterceptor = {
    execute(input, next: Next<WorkflowInboundCallsInterceptor, 'execute'>) {
      environment = environmentOf(input.args, input.headers);
      return next(input);
    },
  };
  const outbound: WorkflowOutboundCallsInterceptor = {
    scheduleActivity: (input, next) => next({ ...input, headers: stamp(input.headers) }),
    scheduleLocalActivity: (input, next) => next({ ...input, headers: stamp(input.headers) }),
    startChildWorkflowExecution: (input, next) => next({ ...input, headers: stamp(input.headers) }),
  };
  return { inbound: [inbound], outbound: [outbound] };
};
