// The header that carries a run's environment (SYNC_ENV) on every activity and child workflow it schedules:
// written by the workflow interceptor (src/workflows/interceptors.ts), checked by every worker's activity
// interceptor (src/activities/environment-check.ts). Workflow-safe: no imports.
export const ENVIRONMENT_HEADER = 'feedback-sync-environment';
