// Worker processes for the tests: the stack's configuration as a deployment's variables, and the processes
// themselves (scripts/worker-processes.ts, shared with the benchmark).
import type { Stack } from './stack';

export { startWorkerProcess, stopAll, type WorkerProcess } from '../../scripts/worker-processes';

/** The variables a worker of this stack needs, as a deployment would set them. */
export function workerEnvOf(stack: Stack, extra: Record<string, string> = {}): Record<string, string> {
  const c = stack.config;
  return {
    TEMPORAL_ADDRESS: stack.env.address,
    TEMPORAL_NAMESPACE: 'default',
    SYNC_ENV: c.SYNC_ENV,
    CANNY_API_KEY: c.CANNY_API_KEY,
    CANNY_BASE_URL: c.CANNY_BASE_URL,
    CANNY_PLAN: c.CANNY_PLAN,
    ...(c.CANNY_RATE_LIMITS ? { CANNY_RATE_LIMITS: c.CANNY_RATE_LIMITS } : {}),
    CANNY_BUDGET_SHARE: String(c.CANNY_BUDGET_SHARE),
    CANNY_PARALLEL_BOARDS: String(c.CANNY_PARALLEL_BOARDS),
    HUBSPOT_ACCESS_TOKEN: c.HUBSPOT_ACCESS_TOKEN,
    HUBSPOT_BASE_URL: c.HUBSPOT_BASE_URL,
    HUBSPOT_REQUESTS_PER_10S: String(c.HUBSPOT_REQUESTS_PER_10S),
    HUBSPOT_SEARCH_REQUESTS_PER_SECOND: String(c.HUBSPOT_SEARCH_REQUESTS_PER_SECOND),
    HUBSPOT_REQUEST_TIMEOUT_MS: String(c.HUBSPOT_REQUEST_TIMEOUT_MS),
    HUBSPOT_COMPANY_ARR_PROPERTY: c.HUBSPOT_COMPANY_ARR_PROPERTY,
    HUBSPOT_TARGET: c.HUBSPOT_TARGET,
    ...(c.SLACK_BOT_TOKEN ? { SLACK_BOT_TOKEN: c.SLACK_BOT_TOKEN } : {}),
    ...(c.SLACK_CHANNEL ? { SLACK_CHANNEL: c.SLACK_CHANNEL } : {}),
    SLACK_API_URL: c.SLACK_API_URL,
    SYNC_TASK_QUEUE: c.SYNC_TASK_QUEUE,
    SYNC_CREATE_COMPANIES: String(c.SYNC_CREATE_COMPANIES),
    SYNC_CREATE_CONTACTS: String(c.SYNC_CREATE_CONTACTS),
    SYNC_PAGE_SIZE: String(c.SYNC_PAGE_SIZE),
    SYNC_STORE_URL: c.SYNC_STORE_URL,
    ...(c.SYNC_PAYLOAD_KEYS ? { SYNC_PAYLOAD_KEYS: c.SYNC_PAYLOAD_KEYS } : {}),
    LOG_LEVEL: 'info',
    ...extra,
  };
}
