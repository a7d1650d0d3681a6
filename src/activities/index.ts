// Builds every activity from its dependencies. Workflows import only the type of this factory's result.
// One file per thing an activity owns: the source, companies, contacts, the scan of stored requests, the
// requests themselves, their associations, the portal, Slack, the writer lease.
import { createAssociationActivities } from './associations';
import { createCompanyActivities } from './companies';
import { createContactActivities } from './contacts';
import type { SyncDependencies } from './context';
import { createPortalActivities } from './portal';
import { createRequestActivities } from './requests';
import { createScanActivities } from './scan';
import { createEnvironmentActivities, type EnvironmentDependencies } from './environment';
import { createSlackActivities, type SlackDependencies } from './slack';
import { createSourceActivities } from './source';
import { createWriterLeaseActivities, type WriterLeaseDependencies } from './writer-lease';

export type ActivityDependencies = SyncDependencies &
  SlackDependencies &
  EnvironmentDependencies &
  WriterLeaseDependencies & { retentionDays?: number; maxRuns?: number; maxTrailMb?: number };

export function createActivities(deps: ActivityDependencies) {
  return {
    ...createPortalActivities(deps),
    ...createSourceActivities(deps),
    ...createCompanyActivities(deps),
    ...createContactActivities(deps),
    ...createScanActivities(deps),
    ...createRequestActivities(deps),
    ...createAssociationActivities(deps),
    ...createSlackActivities(deps),
    ...createEnvironmentActivities(deps),
    ...createWriterLeaseActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { Pair, RunRef, SyncDependencies, SyncSettings, ToType } from './context';
export type { RunOverview } from './source';
export type { VanishedUpdate } from './scan';
export type { RequestCounts } from './tracking';
