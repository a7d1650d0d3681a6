// Signals and queries of the sync workflows, shared by workflow code and the command line.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { SyncCounts } from '../domain/types';

export interface Progress {
  phase: string;
  done: number;
  total: number;
  counts: SyncCounts;
}

/** Re-sync the requests one company's people voted on (sent with signalWithStart by `sync-company`). */
export const syncCompanySignal = defineSignal<[{ domain: string }]>('syncCompany');

/** How far the run is: its phase, the units done of that phase, and the counts so far. */
export const progressQuery = defineQuery<Progress>('progress');
