// Source activities: read the feedback tool once per run, into the run's snapshot in the shared store.
import { COMPANY_SEARCH_DOMAINS, CONTACT_SEARCH_EMAILS } from '../clients/hubspot';
import type { SourceRecordError } from '../domain/types';
import { writeSnapshot, type SnapshotPost } from '../store/snapshots';
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
        const snapshot = await readSource(deps.source(counter), ref.mode, ref.domain, {
          parallelBoards: settings.sourceParallelBoards,
          onProgress: heartbeat,
        });
        try {
          return await storeSnapshot(ref.runKey, snapshot);
        } finally {
          snapshot.staging.close();
        }
      });
    },
  };
  return activities;

  /** Writes the run's snapshot from the staged read, a chunk of posts at a time, and describes it. */
  async function storeSnapshot(runKey: string, snapshot: SourceSnapshot): Promise<RunOverview> {
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
      vanishKnown: snapshot.vanishKnown,
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
