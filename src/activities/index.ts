// Builds every activity from its dependencies. Workflows import only the type of this factory's result.
import { createSlackActivities, type SlackDependencies } from './slack';
import { createSyncActivities, type SyncDependencies } from './sync';

export type ActivityDependencies = SyncDependencies & SlackDependencies;

export function createActivities(deps: ActivityDependencies) {
  return { ...createSyncActivities(deps), ...createSlackActivities(deps) };
}

export type Activities = ReturnType<typeof createActivities>;
export type { RunOverview, Pair, ToType } from './sync';
export type { RequestCounts } from './tracking';
