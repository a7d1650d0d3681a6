// Builds every activity from its dependencies. Workflows import only the type of this factory's result.
import { createEnvironmentActivities, type EnvironmentDependencies } from './environment';
import { createSlackActivities, type SlackDependencies } from './slack';
import { createSyncActivities, type SyncDependencies } from './sync';

export type ActivityDependencies = SyncDependencies & SlackDependencies & EnvironmentDependencies;

export function createActivities(deps: ActivityDependencies) {
  return {
    ...createSyncActivities(deps),
    ...createSlackActivities(deps),
    ...createEnvironmentActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { RunOverview, Pair, ToType } from './sync';
export type { RequestCounts } from './tracking';
