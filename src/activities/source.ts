// Source activities: read the feedback tool once per run, into the run's snapshot in the shared store.
import { Context } from '@temporalio/activity';
import { COMPANY_SEARCH_DOMAINS, CONTACT_SEARCH_EMAILS } from '../clients/hubspot';
import type { SourceReadStats, SourceRecordError } from '../domain/types';
import { newRunSeal, type StoreSeal } from '../store/sealing';
import { writeSnapshot, type SnapshotPost } from '../store/snapshots';
import { consumedResult, consumeRead } from '../store/source-reads';
import {
  heartbeat,
  MAX_FAILURES_PER_RESULT,
  runSettingsOf,
  type RunRef,
  type SyncDependencies,
} from './context';
import { readSource, reportedSourceErrors, selectedPosts, type SourceSnapshot } from './source-read';
import { tracked } from './tracking';

export interface RunOverview {
  snapshotId: string;
  contentHash: string;
  posts: number;
  pages: number;
  votes: number;
  domains: number;
  domainChunks: number;
  domainChunkSize: number;
  /** For each page: how many of the run's company domains it and the pages before it need. */
  pageDomainEnds: number[];
  emails: number;
  emailChunks: number;
  emailChunkSize: number;
  /** For each page: how many of the run's emails it and the pages before it need. */
  pageEmailEnds: number[];
  skippedPeople: number;
  /** Listed posts whose requests this run holds back (malformed source records): each counts as failed. */
  heldBackPosts: number;
  sourceErrorCount: number;
  /** The first of the failures to report: one per held-back post (by post id), then the other records. */
  sourceErrors: SourceRecordError[];
  /** The worker's creation settings, recorded in history so the workflow plans with them. */
  createCompanies: boolean;
  createContacts: boolean;
  /** The read: its time and what it spent of the key's budget (for the summary, Slack and status). */
  sourceRead: SourceReadStats;
  /** The run store the snapshot is in (src/store/identity.ts); absent in results of older workers. */
  storeId?: string;
}

/**
 * One read per prepare: every attempt of this activity (same workflow run, same activity id) continues the
 * same read; a later prepare of the same run chain (a rerun after continue-as-new) starts a new one.
 */
function readKeyOf(runKey: string): string {
  try {
    const info = Context.current().info;
    return `${runKey}/${info.workflowExecution?.runId ?? 'no-run'}/${info.activityId}`;
  } catch {
    return `${runKey}/outside-an-activity`;
  }
}

export function createSourceActivities(deps: SyncDependencies) {
  const { settings } = deps;
  const activities = {
    /**
     * Reads every board, post and vote once and stores the run's snapshot. A retry reads again and stores a
     * new snapshot: nothing has been planned from the first one yet.
     */
    async prepareRun(ref: Omit<RunRef, 'snapshotId' | 'contentHash'>) {
      return tracked(async (counter) => {
        const readKey = readKeyOf(ref.runKey);
        // The run's personal data is sealed with this worker's first payload key (src/store/sealing.ts).
        const seal = newRunSeal(deps.payloadKeys);
        // An earlier attempt wrote the snapshot and its result was lost (a kill, a timeout): that result.
        const consumed = await consumedResult(deps.store, readKey);
        if (consumed) return JSON.parse(consumed) as RunOverview;
        const snapshot = await readSource(deps.source(counter), ref.mode, ref.domain, {
          store: deps.store,
          readKey,
          parallelBoards: settings.sourceParallelBoards,
          onProgress: heartbeat,
          seal,
        });
        const sourceRead: SourceReadStats = {
          readMs: Date.now() - snapshot.startedAt.getTime(),
          pages: snapshot.pages,
          // Only the source is called so far: every request and 429 counted is the read's, over all attempts.
          requests: counter.counts.canny,
          rateLimited: counter.counts.rateLimited,
          hourlyBudget: settings.sourceHourlyBudget ?? 0,
        };
        let overview: RunOverview;
        try {
          overview = {
            ...(await storeSnapshot(ref.runKey, snapshot, seal)),
            sourceRead,
            ...(deps.storeId ? { storeId: deps.storeId } : {}),
          };
        } finally {
          snapshot.staging.close();
        }
        // The snapshot holds the read now. The result stands for every later attempt; should two attempts
        // race here, the first one's stands and the other's snapshot is left for pruning. The read's rows stay
        // until the run ends (finishRun), so that an attempt still loading them finds them whole.
        return JSON.parse(await consumeRead(deps.store, readKey, JSON.stringify(overview))) as RunOverview;
      });
    },
  };
  return activities;

  /** Writes the run's snapshot from the staged read, a chunk of posts at a time, and describes it. */
  async function storeSnapshot(
    runKey: string,
    snapshot: SourceSnapshot,
    seal: StoreSeal,
  ): Promise<Omit<RunOverview, 'sourceRead'>> {
    const skipped = new Set<string>(); // person ids with a missing or malformed email, over the selected posts
    let seq = 0;
    function* posts(): Generator<SnapshotPost[]> {
      for (const chunk of selectedPosts(snapshot)) {
        heartbeat();
        for (const { people } of chunk) for (const id of people.skippedPersonIds) skipped.add(id);
        yield chunk.map(({ post, people }) => ({ seq: seq++, post, people: people.people }));
      }
    }
    const shape = await writeSnapshot(deps.store, {
      runKey,
      settings: runSettingsOf(settings),
      mode: snapshot.mode,
      ...(snapshot.domain ? { domain: snapshot.domain } : {}),
      posts: posts(),
      seal,
      ...(deps.namespace ? { namespace: deps.namespace } : {}),
      vanishKnown: snapshot.vanishKnown,
      boards: snapshot.boardNames,
      // Listed posts, and the posts merged away (no longer listed) with their survivor.
      listed: [
        ...[...snapshot.listedPostIds].map((postId) => ({ postId, mergedInto: null })),
        ...[...snapshot.mergedInto]
          .filter(([postId]) => !snapshot.listedPostIds.has(postId))
          .map(([postId, survivor]) => ({ postId, mergedInto: survivor })),
      ],
    });
    const reported = reportedSourceErrors(snapshot);
    const pages = Math.ceil(shape.posts / settings.pageSize);
    /** For each page, the end of its last post. */
    const pageEnds = (ends: number[]): number[] =>
      Array.from(
        { length: pages },
        (_, page) => ends[Math.min(shape.posts, (page + 1) * settings.pageSize) - 1] ?? 0,
      );
    return {
      snapshotId: shape.snapshotId,
      contentHash: shape.contentHash,
      posts: shape.posts,
      pages,
      votes: snapshot.votes,
      domains: shape.domains,
      domainChunks: Math.ceil(shape.domains / COMPANY_SEARCH_DOMAINS),
      domainChunkSize: COMPANY_SEARCH_DOMAINS,
      pageDomainEnds: pageEnds(shape.domainEnds),
      emails: shape.emails,
      emailChunks: Math.ceil(shape.emails / CONTACT_SEARCH_EMAILS),
      emailChunkSize: CONTACT_SEARCH_EMAILS,
      pageEmailEnds: pageEnds(shape.emailEnds),
      skippedPeople: skipped.size,
      heldBackPosts: snapshot.heldBack.size,
      sourceErrorCount: reported.length,
      sourceErrors: reported.slice(0, MAX_FAILURES_PER_RESULT),
      createCompanies: settings.createCompanies,
      createContacts: settings.createContacts,
    };
  }
}
