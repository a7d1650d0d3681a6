// Child workflow: writes one page (≤100 posts) of changed feature requests and their associations.
// Deterministic orchestration only; the activities do the I/O. Associations go out in full batches of 100;
// the last, partial batch of each kind is handed back to the parent, which packs it with other pages'
// (a page's requests are synced once the parent has written them too).
import { log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities, Pair, ToType } from '../activities';
import { addCounts, appendFailures, emptyCounts } from '../domain/summary';
import type { SyncCounts, SyncMode } from '../domain/types';
import { taskQueues } from '../task-queues';
import { HUBSPOT_ACTIVITY } from './options';
import { countsFromRequests, failureMessage, failureWithRequests, isFatal, requestsOfFailure } from './util';

export interface PageInput {
  runKey: string;
  mode: SyncMode;
  domain?: string;
  objectTypeId: string;
  page: number;
  /** The page's changed requests, as the parent planned them. */
  changedExternalIds: string[];
  dryRun: boolean;
}

const ASSOCIATION_BATCH = 100;
const PARALLEL_BATCHES = 4;

export interface PageResult {
  counts: SyncCounts;
  /** Association pairs to create that did not fill a batch of 100: the parent writes them. */
  leftovers: Record<ToType, Pair[]>;
}

export async function syncFeatureRequestPage(input: PageInput): Promise<PageResult> {
  const counts = { current: emptyCounts() };
  try {
    return await writePage(input, counts);
  } catch (err) {
    // The parent counts what this page sent before it failed, the failing activity's requests included.
    throw failureWithRequests(
      err,
      addCounts(counts.current, countsFromRequests(requestsOfFailure(err))).apiRequests,
    );
  }
}

async function writePage(input: PageInput, progress: { current: SyncCounts }): Promise<PageResult> {
  const queues = taskQueues(mainQueue());
  const hubspot = proxyActivities<Activities>({ ...HUBSPOT_ACTIVITY, taskQueue: queues.hubspot });
  // Planning the associations of requests created just now reads nothing from HubSpot (they have none
  // yet), so it runs on the main queue and spends none of the portal's budget.
  const local = proxyActivities<Activities>({ ...HUBSPOT_ACTIVITY, taskQueue: queues.main });
  const ref = { runKey: input.runKey, mode: input.mode, ...(input.domain ? { domain: input.domain } : {}) };
  let counts = (progress.current = emptyCounts());

  const written = await hubspot.writeFeatureRequests({
    ...ref,
    objectTypeId: input.objectTypeId,
    page: input.page,
    dryRun: input.dryRun,
  });
  counts = progress.current = addCounts(counts, countsFromRequests(written.requests));
  counts.featureRequests.created += written.created;
  counts.featureRequests.updated += written.updated;
  counts.featureRequests.failed += written.failed;
  counts.failures.push(...written.failures);

  const brokenRequests = new Set<string>();
  const leftovers: Record<ToType, Pair[]> = { companies: [], contacts: [] };
  for (const toType of ['companies', 'contacts'] as ToType[]) {
    // Requests this write created have no associations to read; any other changed request does.
    const planner = written.createdIds.length < input.changedExternalIds.length ? hubspot : local;
    const plan = await planner.planAssociations({
      ...ref,
      objectTypeId: input.objectTypeId,
      page: input.page,
      toType,
      changedExternalIds: input.changedExternalIds,
      createdIds: written.createdIds,
      dryRun: input.dryRun,
    });
    counts = progress.current = addCounts(counts, countsFromRequests(plan.requests));
    counts.contacts.failed += plan.failed;
    counts.failures = appendFailures(counts.failures, plan.failures);

    const batches: Array<{ op: 'create' | 'remove'; pairs: Pair[] }> = [];
    const full = plan.toAdd.length - (plan.toAdd.length % ASSOCIATION_BATCH);
    for (let i = 0; i < full; i += ASSOCIATION_BATCH)
      batches.push({ op: 'create', pairs: plan.toAdd.slice(i, i + ASSOCIATION_BATCH) });
    leftovers[toType] = plan.toAdd.slice(full);
    for (let i = 0; i < plan.toRemove.length; i += ASSOCIATION_BATCH)
      batches.push({ op: 'remove', pairs: plan.toRemove.slice(i, i + ASSOCIATION_BATCH) });

    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batches.length) {
        const batch = batches[next++]!;
        try {
          const result = await hubspot.writeAssociations({
            objectTypeId: input.objectTypeId,
            toType,
            op: batch.op,
            pairs: batch.pairs,
            dryRun: input.dryRun,
          });
          counts = progress.current = addCounts(counts, countsFromRequests(result.requests));
          if (batch.op === 'create') counts.associations.created += result.written;
          else counts.associations.removed += result.written;
          if (result.failed > 0) {
            counts.failures = appendFailures(counts.failures, result.failures);
            for (const f of result.failures) brokenRequests.add(f.key);
          }
        } catch (err) {
          if (isFatal(err)) throw err;
          counts = progress.current = addCounts(counts, countsFromRequests(requestsOfFailure(err)));
          for (const [from] of batch.pairs) brokenRequests.add(from);
          counts.failures = appendFailures(counts.failures, [
            {
              kind: 'association',
              key: `${toType} batch of ${batch.pairs.length}`,
              reason: failureMessage(err),
            },
          ]);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_BATCHES, batches.length) }, worker));
  }

  // A request whose associations did not all land must not look synced: clearing its fingerprint makes the
  // next run write it again instead of skipping it as unchanged.
  const ids = [...brokenRequests].filter((id) => /^\d+$/.test(id));
  if (ids.length > 0 && !input.dryRun) {
    log.warn('associations failed; clearing fingerprints so the next run retries them', {
      count: ids.length,
    });
    const result = await hubspot.invalidateFingerprints({ objectTypeId: input.objectTypeId, ids });
    counts = progress.current = addCounts(counts, countsFromRequests(result.requests));
  }
  // A request whose pairs failed is written again next run anyway: the parent need not write its leftovers.
  for (const toType of ['companies', 'contacts'] as ToType[])
    leftovers[toType] = leftovers[toType].filter(([from]) => !brokenRequests.has(from));
  return { counts, leftovers };
}

function mainQueue(): string {
  // Pages run on the parent's task queue; HubSpot activities go to the queues derived from it.
  return workflowInfo().taskQueue;
}
