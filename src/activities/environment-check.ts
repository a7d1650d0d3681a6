// Every activity checks, before it runs, that the run it belongs to is of this worker's environment (the
// header the workflow interceptor writes, src/workflows/interceptors.ts). A worker of another environment
// fails it at once, non-retryable: it never reaches HubSpot, Canny or Slack with its own credentials, so no
// voter of one environment lands in another's portal. Activities scheduled without the header (by runs of
// versions before it) run as before.
import { defaultPayloadConverter } from '@temporalio/common';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';
import { ENVIRONMENT_HEADER } from '../environment-header';
import { failure, FailureType } from '../failures';

export function environmentCheck(environment: string): ActivityInterceptorsFactory {
  return (ctx) => {
    const inbound: ActivityInboundCallsInterceptor = {
      async execute(input, next) {
        const header = input.headers[ENVIRONMENT_HEADER];
        const runs = header ? defaultPayloadConverter.fromPayload<string>(header) : undefined;
        if (runs !== undefined && runs !== environment)
          throw failure(
            FailureType.EnvironmentMismatch,
            `activity ${ctx.info.activityType} of a run for environment "${runs}" reached a worker of ` +
              `environment "${environment}", which refused it before it sent anything: give each ` +
              'environment its own task queue (unset SYNC_TASK_QUEUE for feedback-sync-<SYNC_ENV>)',
          );
        return next(input);
      },
    };
    return { inbound };
  };
}
