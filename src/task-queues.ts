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
