// What every sync activity is built from, and the small helpers they share. Activities keep nothing of a run
// in memory between calls: what a run knows lives in the shared run store (src/store), so any activity can
// run on any worker process, and a restarted worker picks up where another left off.
import type { RequestTarget, TargetSetting } from '../domain/request-target';
import type { HubspotGateway } from '../clients/hubspot';
import type { FeedbackSource, RequestCounter } from '../clients/source';
import type { FailureEntry, SyncMode } from '../domain/types';
import type { StoreDb } from '../store/open';
import { failure, FailureType } from '../failures';
import type { PayloadKeys } from '../codec/keys';
import { runSealOf, type StoreSeal } from '../store/sealing';
import { runEndedAt } from '../store/retention';
import { requireSnapshot, type RunSettings } from '../store/snapshots';
import { heartbeatWithRequests } from './tracking';

export interface SyncSettings {
  arrProperty: string;
  objectName: string;
  /** HUBSPOT_TARGET (absent: auto). */
  target?: TargetSetting;
  createCompanies: boolean;
  createContacts: boolean;
  /** SYNC_MAX_VANISHED; null for the default (see `vanishLimit`). */
  maxVanished: number | null;
  pageSize: number;
  /** Boards the source read takes at once. */
  sourceParallelBoards: number;
  /** The source budget's hourly allowance (CANNY_*), for the summary; 0 or absent without a budget. */
  sourceHourlyBudget?: number;
}

export interface SyncDependencies {
  source: (counter: RequestCounter) => FeedbackSource;
  hubspot: (counter: RequestCounter) => HubspotGateway;
  /** The run store every worker of the task queue shares (SYNC_STORE_URL). */
  store: StoreDb;
  /** The store's location without secrets, for error messages. */
  storeName: string;
  /** The store's identity (src/store/identity.ts): a run planned in another store is refused. */
  storeId?: string;
  /** This worker's Temporal namespace (absent in tests that build activities by hand). */
  namespace?: string;
  /** SYNC_PAYLOAD_KEYS: personal data in the run store is sealed with them (src/store/sealing.ts). */
  payloadKeys?: PayloadKeys;
  settings: SyncSettings;
}

/** What an activity knows of its run once `checkRun` passed: the run's settings, and how its data is sealed. */
export interface RunContext {
  settings: RunSettings;
  seal: StoreSeal;
}

/** A run, as the history names it: the run key and the snapshot (id and content hash) it planned from. */
export interface RunRef {
  runKey: string;
  mode: SyncMode;
  domain?: string;
  snapshotId: string;
  contentHash: string;
  /** The run store the run lives in; absent in runs before it. */
  storeId?: string;
  /** Where the portal keeps the requests, as the portal check found it; absent: the custom object. */
  target?: RequestTarget;
}

export type ToType = 'companies' | 'contacts';
export type Pair = [from: string, to: string];

export const MAX_FAILURES_PER_RESULT = 50;

export function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** A heartbeat with the requests counted so far (tracking.ts): the next attempt counts on from them. */
export function heartbeat(): void {
  heartbeatWithRequests();
}

/** The settings of this worker that a run plans with; the preparing worker's are stored with the snapshot. */
export function runSettingsOf(settings: SyncSettings): RunSettings {
  const { pageSize, arrProperty, createCompanies, createContacts, maxVanished } = settings;
  return { pageSize, arrProperty, createCompanies, createContacts, maxVanished };
}

/**
 * Fails with `RunStateMissing` unless this worker's store holds the run's snapshot, as the history names it,
 * and returns the run's settings: those of the worker that prepared it, not this one's, so that a worker
 * configured differently (a deploy that changes SYNC_PAGE_SIZE mid-run) cannot change the run's plan. The
 * run's seal opens its personal data (a worker without the run's payload key is refused, retryably).
 */
export async function checkRun(deps: SyncDependencies, ref: RunRef): Promise<RunContext> {
  if (ref.storeId !== undefined && deps.storeId !== undefined && ref.storeId !== deps.storeId)
    throw failure(
      FailureType.StoreMismatch,
      `this run lives in another run store than this worker's (${deps.storeName}): every worker of a task ` +
        'queue must share one SYNC_STORE_URL (a postgres:// URL for workers on several hosts)',
    );
  const snapshot = await requireSnapshot(deps.store, ref, deps.storeName);
  // A late attempt of an ended run (or a reset of one) never writes: its working set is purged, or about to
  // be, and a plan stripped for the audit trail is no plan to write from.
  const ended = await runEndedAt(deps.store, ref.runKey);
  if (ended !== undefined)
    throw failure(
      FailureType.RunEnded,
      `run ${ref.runKey} ended at ${ended}: this activity belongs to a run that is over (a late attempt, or a reset of an ended run); start a new run instead`,
    );
  return {
    settings: snapshot.settings ?? runSettingsOf(deps.settings),
    seal: runSealOf(deps.payloadKeys, snapshot.sealKey),
  };
}

/**
 * What a create activity reports when it writes nothing: a dry run counts what it would create, and with
 * creation turned off nothing is created.
 */
export function withoutWriting(count: number, creationOn: boolean) {
  return { created: creationOn ? count : 0, matched: 0, failed: 0, failures: [] as FailureEntry[] };
}

export function splitName(name: string | null): { firstname?: string; lastname?: string } {
  if (!name) return {};
  const [first, ...rest] = name.trim().split(/\s+/);
  return { ...(first ? { firstname: first } : {}), ...(rest.length ? { lastname: rest.join(' ') } : {}) };
}
