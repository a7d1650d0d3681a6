// The state of one run as the workflow holds it (all of it small: counters, cursors, page numbers, the
// leftover pairs of at most a batch per kind), the activity proxies by queue, and the helpers every phase
// uses to count, report progress and decide when to hand over to a fresh run.
import { proxyActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { Activities, Pair, RunOverview, RunRef, ToType } from '../activities';
import { addCounts, appendFailures, emptyCounts } from '../domain/summary';
import type { FailureEntry, SyncCounts, SyncMode } from '../domain/types';
import type { RequestTarget } from '../domain/request-target';
import { taskQueues } from '../task-queues';
import { resolvingText, type Progress, type StreamProgress } from './messages';
import { hubspotActivityOptions, LOCAL_ACTIVITY, SLACK_ACTIVITY, SOURCE_ACTIVITY } from './options';
import { countsFromRequests, requestsOfFailure } from './util';
import { LEASE_RETRY_INTERVAL } from './writer-lease';

export interface SyncInput {
  /** The environment (SYNC_ENV) the run belongs to: in ids, search attributes and the summary. */
  environment: string;
  mode: SyncMode;
  /** For company runs: the normalised company domain. */
  domain?: string;
  dryRun?: boolean;
  /** Mark vanished requests even past the run's limit (SYNC_MAX_VANISHED): an operator confirmed them. */
  confirmVanish?: boolean;
  /** Where the run links to in the Temporal UI (TEMPORAL_UI_URL). */
  uiBaseUrl?: string;
  /** Windows of concurrent activities and children. */
  parallel?: number;
  /**
   * Continue-as-new once history holds this many events, in addition to the server's suggestion (about
   * 4,096 events). Tests set it low to exercise the hand-over; operators leave it unset.
   */
  continueAsNewAfterEvents?: number;
  /** After how long a wait for the writer lease is reported as a stuck holder (default an hour); tests set it low. */
  leaseStuckAfterMs?: number;
  /** How often a run waiting for the writer lease asks again (default 20 s); tests set it low. */
  leaseRetryIntervalMs?: number;
  /** Set by continue-as-new only. */
  resume?: RunState;
  /** Set by a rerun's continue-as-new only: the run key whose writer lease the rerun takes over at once. */
  leaseFrom?: string;
}

export type Phase = 'prepare' | 'pages' | 'done';

/** A leftover association pair, with the page it belongs to (committed once its pairs are written). */
export type PagePair = [from: string, to: string, page: number];

/** A written page waiting for its leftover pairs before its commit. */
export interface WaitingPage {
  page: number;
  planHash: string;
  /** Leftover pairs of this page not written yet. */
  pending: number;
  brokenIds: string[];
  failedExternalIds: string[];
  /** Its pairs were written without the sync's label (a worker of an older version ran its child). */
  unlabelled?: boolean;
}

/** How far one resolution stream (companies by domain, contacts by email) has come: prefixes only. */
export interface StreamState {
  /** Search chunks done, a prefix. */
  searched: number;
  /** After each searched chunk: how many of the run's keys so far have no record. */
  missingEnds: number[];
  /** Missing keys whose create is done (or reported failed), a prefix. */
  created: number;
}

/**
 * The pages pipeline: companies and contacts are searched and created in the order the pages need them,
 * alongside the scan of stored requests, and each page starts once what it needs is resolved.
 */
export interface Pipeline {
  companies: StreamState;
  contacts: StreamState;
  /** Pages planned (and written, when they changed), a prefix of the run's pages. */
  nextPage: number;
  pagesDone: number;
  waiting: WaitingPage[];
  leftovers: Record<ToType, PagePair[]>;
}

/** What the scan found vanished, and how far marking it has come (full runs). */
export interface VanishState {
  /** Stored requests scanned so far. */
  scanned: number;
  /** Vanished requests kept in the run store so far (of boards the source lists). */
  found: number;
  /** Those kept apart: their board is not listed either (an outage, or a deleted board). */
  boardMissing?: number;
  /** The operator confirmed: every kept request is marked, those of missing boards included. */
  confirmed?: boolean;
  /** Known once the scan is done: the most this run may mark. */
  limit: number;
  /** More vanished than the limit, and not confirmed: none is marked. */
  held: boolean;
  /** Batches of 100 to mark (0 while held), and the next one to launch. */
  batches: number;
  nextBatch: number;
  marked?: number;
}

export interface RunState {
  runKey: string;
  startedAt: string;
  phase: Phase;
  counts: SyncCounts;
  overview?: RunOverview;
  objectTypeId?: string;
  /**
   * Where the portal keeps the requests (tickets: their pipeline and stages), as the portal check found it;
   * absent: the custom object. Every activity that names the run carries it (`ref()`).
   */
  target?: RequestTarget;
  /** The run store the run's lease and plan live in (src/store/identity.ts); absent in runs before it. */
  storeId?: string;
  /** The type ids of the sync's own association label (absent in runs before it: default associations). */
  labels?: Record<ToType, number>;
  /**
   * The run calls the label-era activities by names of their own (resolveLabelledPortal, planLabelledPage,
   * commitLabelledPage), which workers of older versions do not have: they can never plan or commit a labelled
   * page as an unlabelled one. Absent in runs before it.
   */
  labelledActivities?: boolean;
  pipeline?: Pipeline;
  /** Waiting for the writer lease: since when (workflow time, ISO 8601), and whether it was reported. */
  leaseWait?: { since: string; reported: boolean };
  /** Where the scan of stored requests continues (full runs). */
  scanAfterId?: string;
  scanDone: boolean;
  /** Absent in runs before the vanish limit, and in company runs. */
  vanish?: VanishState;
  rerun: boolean;
}

export const DEFAULT_PARALLEL = 8;

export type Run = ReturnType<typeof createRun>;

export function createRun(input: SyncInput) {
  const info = workflowInfo();
  const queues = taskQueues(info.taskQueue);
  const state: RunState = input.resume ?? {
    runKey: `${info.workflowId}:${info.runId}`,
    startedAt: new Date().toISOString(),
    phase: 'prepare',
    counts: emptyCounts(),
    scanDone: input.mode !== 'full',
    rerun: false,
  };
  let progress: Progress = { phase: state.phase, done: 0, total: 0, counts: state.counts };

  const hubspotOptions = hubspotActivityOptions();
  const run = {
    input,
    state,
    dryRun: input.dryRun ?? false,
    parallel: Math.max(1, input.parallel ?? DEFAULT_PARALLEL),
    activities: {
      /** Source reads: long, heartbeating. */
      source: proxyActivities<Activities>({ ...SOURCE_ACTIVITY, taskQueue: queues.main }),
      /** One HubSpot request each, at the portal's ten-second budget (enforced by the server). */
      hubspot: proxyActivities<Activities>({ ...hubspotOptions, taskQueue: queues.hubspot }),
      /** One HubSpot search each, at the portal's search budget. */
      search: proxyActivities<Activities>({ ...hubspotOptions, taskQueue: queues.hubspotSearch }),
      /** Work on the run store that sends no request: no budget spent. */
      store: proxyActivities<Activities>({ ...hubspotOptions, taskQueue: queues.main }),
      slack: proxyActivities<Activities>({ ...SLACK_ACTIVITY, taskQueue: queues.main }),
      local: proxyActivities<Activities>({ ...LOCAL_ACTIVITY, taskQueue: queues.main }),
    },

    /** The run as activities name it: the run key and, once prepared, the snapshot it plans from. */
    ref(): RunRef {
      const overview = state.overview!;
      return {
        runKey: state.runKey,
        mode: input.mode,
        ...(input.domain ? { domain: input.domain } : {}),
        snapshotId: overview.snapshotId,
        contentHash: overview.contentHash,
        ...(state.storeId ? { storeId: state.storeId } : {}),
        ...(state.target ? { target: state.target } : {}),
      };
    },

    add(more: SyncCounts): void {
      state.counts = addCounts(state.counts, more);
    },
    addRequests(result: { requests: SyncCounts['apiRequests'] }): void {
      run.add(countsFromRequests(result.requests));
    },
    /** What a failed activity or page sent: counted where the failure is absorbed, or by the run's catch. */
    addFailedRequests(err: unknown): void {
      run.add(countsFromRequests(requestsOfFailure(err)));
    },
    addFailures(failures: FailureEntry[]): void {
      state.counts.failures = appendFailures(state.counts.failures, failures);
    },

    progress: (): Progress => ({ ...progress, counts: state.counts }),

    /** Waiting for the writer lease, which `holder` (a workflow id) holds: shown as the phase 'waiting'. */
    reportWaiting(holder: string): void {
      progress = {
        phase: 'waiting',
        done: 0,
        total: 0,
        counts: state.counts,
        waitingFor: holder,
        ...(state.leaseWait ? { waitingSince: state.leaseWait.since, stuck: state.leaseWait.reported } : {}),
      };
      setCurrentDetails(
        [
          `**${input.mode === 'company' ? `Company sync: ${input.domain}` : 'Full sync'}** — ${input.environment}`,
          `Phase: **waiting** for the writer lease, held by \`${holder}\` (one writing run per environment); asking again every ${LEASE_RETRY_INTERVAL}`,
        ].join('\n\n'),
      );
    },

    report(
      phase: Phase,
      done: number,
      total: number,
      resolving?: { companies: StreamProgress; contacts: StreamProgress },
    ): void {
      progress = { phase, done, total, counts: state.counts, ...(resolving ? { resolving } : {}) };
      const c = state.counts;
      setCurrentDetails(
        [
          `**${input.mode === 'company' ? `Company sync: ${input.domain}` : 'Full sync'}${run.dryRun ? ' (dry run)' : ''}** — ${input.environment}`,
          `Phase: **${phase}** ${done}/${total}${resolving ? ` (${resolvingText(resolving)})` : ''}`,
          `Feature requests: ${c.featureRequests.identified} identified, ${c.featureRequests.created} created, ${c.featureRequests.updated} updated, ${c.featureRequests.unchanged} unchanged, ${c.featureRequests.failed} failed`,
          `Companies: ${c.companies.matched} matched, ${c.companies.created} created · Contacts: ${c.contacts.matched} matched, ${c.contacts.created} created`,
          `Associations: +${c.associations.created} −${c.associations.removed} · HubSpot requests: ${c.apiRequests.hubspot} (${c.apiRequests.rateLimited} rate-limited)`,
        ].join('\n\n'),
      );
    },

    /** Time to hand over to a fresh run: the server suggests it, or the test threshold is passed. */
    historyIsLong(): boolean {
      const now = workflowInfo();
      return (
        now.continueAsNewSuggested ||
        (input.continueAsNewAfterEvents !== undefined && now.historyLength > input.continueAsNewAfterEvents)
      );
    },
  };
  return run;
}

/** Counts the outcome of one create batch (companies or contacts). */
export function addCreated(
  run: Run,
  target: 'companies' | 'contacts',
  result: {
    created: number;
    matched: number;
    failed: number;
    failures: FailureEntry[];
    requests: SyncCounts['apiRequests'];
  },
): void {
  run.addRequests(result);
  run.state.counts[target].created += result.created;
  run.state.counts[target].matched += result.matched;
  run.state.counts[target].failed += result.failed;
  run.addFailures(result.failures);
}

export type { Pair, ToType };
