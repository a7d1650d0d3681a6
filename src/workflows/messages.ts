// Signals and queries of the sync workflows, shared by workflow code and the command line.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { SyncCounts } from '../domain/types';

/** How far one resolution stream of the pages phase is: search chunks done, missing keys found and created. */
export interface StreamProgress {
  searched: number;
  chunks: number;
  created: number;
  missing: number;
}

export interface Progress {
  phase: string;
  done: number;
  total: number;
  counts: SyncCounts;
  /** In the pages phase: the company and contact streams that run ahead of the pages. */
  resolving?: { companies: StreamProgress; contacts: StreamProgress };
  /** In the phase 'waiting': the workflow id of the run that holds the environment's writer lease. */
  waitingFor?: string;
  /** In the phase 'waiting': since when (ISO 8601), and whether the wait was reported as a stuck holder. */
  waitingSince?: string;
  stuck?: boolean;
}

/** Where the company and contact streams are, for the progress line and the current details. */
export function resolvingText(r: { companies: StreamProgress; contacts: StreamProgress }): string {
  const one = (s: StreamProgress): string =>
    `${s.searched}/${s.chunks} searches, ${s.created}/${s.missing} missing created`;
  return `companies ${one(r.companies)} · contacts ${one(r.contacts)}`;
}

/** Re-sync the requests one company's people voted on (sent with signalWithStart by `sync-company`). */
export const syncCompanySignal = defineSignal<[{ domain: string }]>('syncCompany');

/** How far the run is: its phase, the units done of that phase, and the counts so far. */
export const progressQuery = defineQuery<Progress>('progress');
