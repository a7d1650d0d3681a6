// The worker's own environment, for the workflow's guard (src/workflows/environment-guard.ts). Run as a local
// activity, so it answers for the very worker that runs the workflow task, not for any worker of the queue.
export interface EnvironmentDependencies {
  /** SYNC_ENV of this worker process. */
  environment: string;
}

export function createEnvironmentActivities(deps: EnvironmentDependencies) {
  return {
    workerEnvironment(): Promise<string> {
      return Promise.resolve(deps.environment);
    },
  };
}
