// A run must only ever run on a worker of its own environment: a worker of another one holds that
// environment's credentials and Slack channel. Two environments on one task queue (a SYNC_TASK_QUEUE left
// over from another setup) would otherwise sync the wrong portal and report success.
import { patched, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { failure, FailureType } from '../failures';

// Local: it runs on the worker that runs this workflow task, which is the worker being checked.
const { workerEnvironment } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3 },
});

/** Fails the run (non-retryable EnvironmentMismatch) when this worker's SYNC_ENV is not `environment`. */
export async function refuseOtherEnvironment(environment: string): Promise<void> {
  // Histories recorded before the guard existed replay without it.
  if (!patched('environment-guard')) return;
  const own = await workerEnvironment();
  if (own === environment) return;
  throw failure(
    FailureType.EnvironmentMismatch,
    `this run is for environment "${environment}" but reached a worker of environment "${own}": ` +
      `give each environment its own task queue (unset SYNC_TASK_QUEUE for feedback-sync-<SYNC_ENV>)`,
  );
}
