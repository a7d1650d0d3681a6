// Full runs: the scan of every stored request, on the search budget, before the run writes any. It gives the
// stored fingerprints for planning (into the run store) and marks requests whose post the source no longer
// lists as merged or deleted (a deletion only once the source, asked by id, confirms it); never deleted in
// HubSpot.
import { HUBSPOT_BATCH_LIMIT, type HubspotRecord } from '../clients/hubspot';
import { RequestRecords } from '../clients/hubspot-requests';
import type { FeedbackSource } from '../clients/source';
import type { RequestTarget } from '../domain/request-target';
import {
  deletedProperties,
  FEATURE_REQUEST_SCHEMA,
  mergedProperties,
  postIdOfExternalId,
} from '../domain/feature-request';
import type { FailureEntry } from '../domain/types';
import { savePrevious, saveStored, type StoredRequest } from '../store/run-data';
import { countVanished, keepVanished, vanishedBatch } from '../store/vanished';
import { checkRun, type RunRef, type SyncDependencies } from './context';
import { tracked } from './tracking';

export const FR_READ_PROPERTIES = ['external_id', 'sync_fingerprint', 'source_state', 'merged_into', 'board'];

/** What a dry run reads of each request: every property the sync owns, so that its plan says old → new. */
export const FR_PREVIOUS_PROPERTIES = [
  ...new Set([...FR_READ_PROPERTIES, ...FEATURE_REQUEST_SCHEMA.properties.map((p) => p.name)]),
];

/** What any run reads of each request besides: what the summary's highlights compare (name and rollups). */
export const FR_ROLLUP_PROPERTIES = [
  ...FR_READ_PROPERTIES,
  // Tickets: a write leaves the stage alone unless the status changes (PlanItem.keepStage).
  'status',
  'name',
  'vote_count',
  'voting_company_count',
  'voting_company_arr',
];

/** A dry run: every property (its plan says old → new); other runs: the rollups (the summary's highlights). */
export type PreviousProperties = boolean | 'rollups';

export function previousPropertyNames(previous: PreviousProperties | undefined): string[] {
  if (previous === true) return FR_PREVIOUS_PROPERTIES;
  return previous === 'rollups' ? FR_ROLLUP_PROPERTIES : FR_READ_PROPERTIES;
}

/** The sync's properties of these records, as HubSpot holds them (those `names` read). */
export function previousOfRecords(
  records: HubspotRecord[],
  names: string[] = FR_PREVIOUS_PROPERTIES,
): Array<{ externalId: string; properties: Record<string, string | null> }> {
  return records
    .filter((r) => r.properties.external_id)
    .map((r) => ({
      externalId: r.properties.external_id!,
      properties: Object.fromEntries(names.map((name) => [name, r.properties[name] ?? null])),
    }));
}

/** Stored requests, as HubSpot returned them. */
export function storedRequestsOf(records: HubspotRecord[]): StoredRequest[] {
  return records
    .filter((r) => r.properties.external_id)
    .map((r) => ({
      externalId: r.properties.external_id!,
      id: r.id,
      fingerprint: r.properties.sync_fingerprint ?? '',
      sourceState: r.properties.source_state ?? '',
    }));
}

export interface VanishedUpdate {
  id: string;
  externalId: string;
  properties: Record<string, string>;
  boardMissing?: boolean;
}

export interface ScanResult {
  scanned: number;
  /** What vanished on this page, to mark now (runs before the vanish limit); empty when kept. */
  updates: VanishedUpdate[];
  nextAfterId?: string;
  /** When kept: the run's vanished requests so far (the store's count, so a repeated page counts once). */
  vanished?: number;
  /** When kept: those of them whose board is not listed either (marked only when confirmed). */
  boardMissing?: number;
  /** When kept: SYNC_MAX_VANISHED of the run's settings, null for the default. */
  maxVanished?: number | null;
}

export function createScanActivities(deps: SyncDependencies) {
  const { store } = deps;
  const activities = {
    /**
     * Search queue: one page (≤200) of every stored request, by id. Returns the active ones whose post the
     * snapshot does not list, with their new state. Search lags writes by seconds: the scan runs before this
     * run writes any request.
     */
    async scanFeatureRequests(input: RunRef & { objectTypeId: string; afterId?: string }) {
      return scan({ ...input, keep: false });
    },

    /**
     * The same search, for runs with the vanish limit: what vanished is kept in the run store (marked later by
     * markKeptVanished, within the limit) instead of returned. A name of its own, so that a worker of an
     * older version never takes it and returns what it found to be dropped.
     */
    async scanFeatureRequestsKept(
      input: RunRef & {
        objectTypeId: string;
        afterId?: string;
        /** Keep what HubSpot holds of each request too: its plan then says old → new (PreviousProperties). */
        previous?: PreviousProperties;
      },
    ) {
      return scan({ ...input, keep: true });
    },

    /** Marks the `batch`-th 100 of the vanished requests the run's scan kept (see `markVanished`). */
    async markKeptVanished(
      input: RunRef & { objectTypeId: string; batch: number; confirmed: boolean; dryRun: boolean },
    ) {
      await checkRun(deps, input);
      const updates = await vanishedBatch(
        store,
        input.runKey,
        input.batch,
        HUBSPOT_BATCH_LIMIT,
        input.confirmed,
      );
      return markVanished({
        objectTypeId: input.objectTypeId,
        ...(input.target ? { target: input.target } : {}),
        updates,
        dryRun: input.dryRun,
      });
    },

    /** Marks up to 100 vanished requests merged or deleted (one batch update); clears their fingerprints. */
    markVanished,
  };
  return {
    ...activities,
    // Tickets runs: names workers before tickets do not have (they would scan every ticket of the portal).
    scanTicketRequests: (input: Parameters<typeof activities.scanFeatureRequestsKept>[0]) =>
      activities.scanFeatureRequestsKept(input),
    markTicketsVanished: (input: Parameters<typeof activities.markKeptVanished>[0]) =>
      activities.markKeptVanished(input),
  };

  async function scan(
    input: RunRef & { objectTypeId: string; afterId?: string; keep: boolean; previous?: PreviousProperties },
  ) {
    return tracked(async (counter) => {
      const { settings, seal } = await checkRun(deps, input);
      const page = await new RequestRecords(deps.hubspot(counter), input.objectTypeId, input.target).scanPage(
        previousPropertyNames(input.previous),
        input.afterId,
      );
      await saveStored(store, input.runKey, storedRequestsOf(page.records));
      if (input.previous)
        await savePrevious(
          store,
          input.runKey,
          previousOfRecords(page.records, previousPropertyNames(input.previous)),
          seal,
        );
      // A held-back post is listed, so its request is never vanished; and when the snapshot cannot tell every
      // listed post (a board or post without a readable id), no request is.
      const snapshot = await store
        .selectFrom('snapshots')
        .select(['vanish_known', 'boards'])
        .where('snapshot_id', '=', input.snapshotId)
        .executeTakeFirstOrThrow();
      // Candidates: active requests, and deleted ones, which a merge the source names now corrects (a post
      // merged while a read paged past its survivor looked deleted to that run).
      const candidates = page.records
        .map((record) => ({ record, postId: postIdOfExternalId(record.properties.external_id ?? '') }))
        .filter(
          (r): r is typeof r & { postId: string } =>
            Number(snapshot.vanish_known) === 1 &&
            ['active', 'deleted'].includes(r.record.properties.source_state ?? '') &&
            r.postId !== null,
        );
      const listed = new Map<string, string | null>();
      if (candidates.length > 0) {
        const rows = await store
          .selectFrom('snapshot_listed')
          .select(['post_id', 'merged_into'])
          .where('snapshot_id', '=', input.snapshotId)
          .where(
            'post_id',
            'in',
            candidates.map((a) => a.postId),
          )
          .execute();
        for (const row of rows) listed.set(row.post_id, row.merged_into);
      }
      // A request of a board the source no longer lists is left alone: the board may be down, private or
      // out of the key's reach, and its posts' absence says nothing about them.
      const boards = snapshot.boards === null ? null : new Set(JSON.parse(snapshot.boards) as string[]);
      const updates: VanishedUpdate[] = [];
      let source: FeedbackSource | undefined;
      for (const { record, postId } of candidates) {
        const mergedInto = listed.get(postId);
        const update = (properties: Record<string, string>, boardMissing = false): void => {
          updates.push({
            id: record.id,
            externalId: record.properties.external_id ?? '',
            properties,
            ...(boardMissing ? { boardMissing } : {}),
          });
        };
        // A survivor: a merge, which the survivor's merge history states (also for a request marked
        // deleted before). A row without one: the post is listed, and its page writes it.
        if (mergedInto) {
          update(mergedProperties(mergedInto));
          continue;
        }
        if (listed.has(postId) || record.properties.source_state !== 'active') continue;
        const board = record.properties.board;
        const boardMissing = boards !== null && Boolean(board) && !boards.has(board!);
        // Before the limit, such a request was left alone; with it, kept apart, marked only when confirmed.
        if (boardMissing && !input.keep) continue;
        // No row: the post is missing from the listing, which is a hint, not a fact. Posts are listed by
        // `skip`, so a post removed mid-read shifts another one out of sight, and a post moved to a board
        // already read is not listed at all. Canny is asked by id; only a post it does not have is deleted.
        source ??= deps.source(counter);
        if ((await source.retrievePost(postId)) !== undefined) continue;
        update(deletedProperties(), boardMissing);
      }
      const result: ScanResult = {
        scanned: page.records.length,
        updates,
        ...(page.nextAfterId ? { nextAfterId: page.nextAfterId } : {}),
      };
      if (!input.keep) return result;
      await keepVanished(store, input.runKey, updates);
      const kept = await countVanished(store, input.runKey);
      return {
        ...result,
        updates: [],
        vanished: kept.found,
        boardMissing: kept.boardMissing,
        maxVanished: settings.maxVanished ?? null,
      };
    });
  }

  async function markVanished(input: {
    objectTypeId: string;
    /** Where the portal keeps requests (absent: the custom object). */
    target?: RequestTarget;
    updates: VanishedUpdate[];
    dryRun: boolean;
  }) {
    return tracked(async (counter) => {
      if (input.dryRun || input.updates.length === 0)
        return { updated: input.updates.length, failed: 0, failures: [] as FailureEntry[] };
      const result = await new RequestRecords(
        deps.hubspot(counter),
        input.objectTypeId,
        input.target,
      ).batchUpdate(input.updates.map((u) => ({ id: u.id, properties: u.properties })));
      return {
        updated: result.updated.length,
        failed: result.errors.length,
        failures: result.errors.map((e) => ({
          kind: 'feature_request',
          key: input.updates.find((u) => u.id === e.key)?.externalId ?? e.key ?? '(unknown)',
          reason: e.message,
        })),
      };
    });
  }
}
