// Child workflow: writes one page (≤100 requests) of changed feature requests and their associations, as the
// parent planned them (the plan is in the run store, named by its hash). The requests are written with an
// empty fingerprint; the parent commits them once their last, partial batches of pairs (handed back here and
// packed with other pages') have landed too.
import { patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities, Pair, RunRef, ToType } from '../activities';
import { addCounts, appendFailures, emptyCounts } from '../domain/summary';
import type { SyncCounts } from '../domain/types';
import { taskQueues } from '../task-queues';
import { forEachBounded } from './concurrency';
import { hubspotActivityOptions } from './options';
import { countsFromRequests, failureMessage, failureWithRequests, isFatal, requestsOfFailure } from './util';

export interface PageInput {
  ref: RunRef;
  objectTypeId: string;
  page: number;
  planHash: string;
  dryRun: boolean;
  /** The sync's association label per kind (absent in runs before it). */
  labels?: Record<ToType, number>;
}

export interface PageResult {
  counts: SyncCounts;
  /** Association pairs to create that did not fill a batch of 100: the parent packs and writes them. */
  leftovers: Record<ToType, Pair[]>;
  /** Requests one of whose association writes failed: not committed. */
  brokenIds: string[];
  /** Requests the write did not land: not committed. */
  failedExternalIds: string[];
  /** The pairs were written under the sync's label (absent from children of older versions). */
  labelled?: boolean;
}

const PARALLEL_BATCHES = 4;
const KINDS: ToType[] = ['companies', 'contacts'];

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
  const queues = taskQueues(workflowInfo().taskQueue);
  // A child whose first task an older worker ran wrote default pairs: replay takes that path again.
  const labels = input.labels !== undefined && patched('association-labels') ? input.labels : undefined;
  const hubspotOptions = hubspotActivityOptions();
  const hubspot = proxyActivities<Activities>({ ...hubspotOptions, taskQueue: queues.hubspot });
  // Planning the associations of requests created just now reads nothing from HubSpot (they have none yet),
  // so it runs on the main queue and spends none of the portal's budget.
  const local = proxyActivities<Activities>({ ...hubspotOptions, taskQueue: queues.main });
  const pageRef = {
    ...input.ref,
    objectTypeId: input.objectTypeId,
    page: input.page,
    planHash: input.planHash,
  };
  let counts = (progress.current = emptyCounts());
  const broken = new Set<string>();

  // A child whose first task a worker before tickets ran wrote by the older name: replay takes that path again
  // (its input carries the target, which a current worker's activity of either name honours).
  const write =
    input.ref.target && patched('request-target')
      ? hubspot.writeTicketRequests
      : hubspot.writeFeatureRequests;
  const written = await write({ ...pageRef, dryRun: input.dryRun });
  counts = progress.current = addCounts(counts, countsFromRequests(written.requests));
  counts.featureRequests.created += written.created;
  counts.featureRequests.updated += written.updated;
  counts.featureRequests.failed += written.failed;
  counts.failures.push(...written.failures);

  const leftovers: Record<ToType, Pair[]> = { companies: [], contacts: [] };
  for (const toType of KINDS) {
    // Requests this write created have no associations to read; any other changed request does.
    const planner =
      written.createdIds.length < written.created + written.updated + (written.labelsOnly ?? 0)
        ? hubspot
        : local;
    const planInput = {
      ...pageRef,
      toType,
      createdIds: written.createdIds,
      failedExternalIds: written.failedExternalIds,
      dryRun: input.dryRun,
    };
    const plan = labels
      ? await planner.planLabelledAssociations({ ...planInput, labelTypeId: labels[toType] })
      : await planner.planAssociations(planInput);
    counts = progress.current = addCounts(counts, countsFromRequests(plan.requests));
    leftovers[toType] = plan.leftovers;

    const batches = [
      ...Array.from({ length: plan.createBatches }, (_, batch) => ({ op: 'create' as const, batch })),
      ...Array.from({ length: plan.removeBatches }, (_, batch) => ({ op: 'remove' as const, batch })),
    ];
    await forEachBounded(0, batches.length, PARALLEL_BATCHES, async (i) => {
      const { op, batch } = batches[i]!;
      try {
        const batchInput = { ...pageRef, toType, op, batch, dryRun: input.dryRun };
        const result = labels
          ? await hubspot.writeLabelledPageAssociations({ ...batchInput, labelTypeId: labels[toType] })
          : await hubspot.writePageAssociations(batchInput);
        counts = progress.current = addCounts(counts, countsFromRequests(result.requests));
        if (op === 'create') counts.associations.created += result.written;
        else counts.associations.removed += result.written;
        counts.failures = appendFailures(counts.failures, result.failures);
        for (const id of result.brokenIds) broken.add(id);
      } catch (err) {
        if (isFatal(err)) throw err;
        counts = progress.current = addCounts(counts, countsFromRequests(requestsOfFailure(err)));
        // Which requests the batch held is in the run store, not here: the whole page stays uncommitted, and
        // the parent reports it.
        counts.failures = appendFailures(counts.failures, [
          {
            kind: 'association',
            key: `${toType} ${op} batch ${batch} of page ${input.page}`,
            reason: failureMessage(err),
          },
        ]);
        throw err;
      }
    });
  }
  // A request whose pairs failed is written again next run anyway: the parent need not write its leftovers.
  for (const toType of KINDS) leftovers[toType] = leftovers[toType].filter(([from]) => !broken.has(from));
  return {
    counts,
    leftovers,
    brokenIds: [...broken],
    failedExternalIds: written.failedExternalIds,
    ...(labels ? { labelled: true } : {}),
  };
}
