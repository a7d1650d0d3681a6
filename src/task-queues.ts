// Task queue names, derived from SYNC_TASK_QUEUE. Workflow-safe (no imports), so workflows route
// activities by deriving the names from their own task queue.
//
// HubSpot activities get queues of their own because the server enforces
// `maxTaskQueueActivitiesPerSecond` per queue across every worker: one queue per HubSpot budget
// (the ten-secondly limit and the separate search limit), each activity sending one request.
export interface TaskQueues {
  main: string;
  hubspot: string;
  hubspotSearch: string;
}

export function taskQueues(main: string): TaskQueues {
  return { main, hubspot: `${main}-hubspot`, hubspotSearch: `${main}-hubspot-search` };
}

/**
 * Dynamic config for a dev server (`temporal server start-dev`): one partition per task queue. The server
 * divides a queue's `maxTaskQueueActivitiesPerSecond` among the queue's partitions (four by default), each
 * with its own bucket, so a partition without backlog leaves its share unused; measured on the benchmark,
 * the HubSpot queue reached 85–95% of its rate with four partitions and 100% with one. Production servers
 * set this for the two HubSpot queues only (deploy/temporal-dynamic-config.yaml).
 */
export function singlePartitionFlags(): string[] {
  return [
    '--dynamic-config-value',
    'matching.numTaskqueueReadPartitions=1',
    '--dynamic-config-value',
    'matching.numTaskqueueWritePartitions=1',
  ];
}
