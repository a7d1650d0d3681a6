// Association activities: plan a page's association changes (desired record ids minus what HubSpot holds),
// keep the pairs in the run store, and write them in batches of 100. Both creating and removing an
// association are safe to repeat. A request one of whose writes failed is named in the result, so that the
// run does not commit it.
import { HUBSPOT_BATCH_LIMIT } from '../clients/hubspot';
import { diffIds } from '../domain/associations';
import type { FailureEntry } from '../domain/types';
import { failure, FailureType } from '../failures';
import { pairPlanOf, pairRange, requirePlan, savePairPlan, storedOf } from '../store/run-data';
import { checkRun, MAX_FAILURES_PER_RESULT, type Pair, type SyncDependencies, type ToType } from './context';
import type { PagePlan, PageRef } from './requests';
import { countWrites, tracked } from './tracking';

type Op = 'create' | 'remove';

export function createAssociationActivities(deps: SyncDependencies) {
  const { store } = deps;

  /** Writes one batch of pairs; returns what landed and the requests whose pairs did not. */
  async function writeBatch(
    hubspot: ReturnType<SyncDependencies['hubspot']>,
    objectTypeId: string,
    toType: ToType,
    op: Op,
    pairs: Pair[],
  ) {
    const input = pairs.map(([from, to]) => ({ from, to }));
    if (op === 'remove') {
      await hubspot.archiveAssociations(objectTypeId, toType, input);
      countWrites(`association:${toType}`, 'removed', pairs.length);
      return { written: pairs.length, failed: 0, failures: [] as FailureEntry[], brokenIds: [] as string[] };
    }
    const errors = await hubspot.createAssociations(objectTypeId, toType, input);
    countWrites(`association:${toType}`, 'created', pairs.length - errors.length);
    return {
      written: pairs.length - errors.length,
      failed: errors.length,
      failures: errors
        .slice(0, MAX_FAILURES_PER_RESULT)
        .map((e) => ({ kind: 'association', key: e.key ?? '(unknown)', reason: e.message })),
      // Any error breaks every request of the batch: HubSpot names the failed pair only in text, where one
      // record id can be found inside another (4521 in 45213) or equal an id of the other object type. None
      // of them is committed; the next run writes them again. Errors are rare, so this costs little.
      brokenIds: errors.length > 0 ? [...new Set(pairs.map(([from]) => from))] : [],
    };
  }

  return {
    /**
     * The page's association changes of one kind, into the run store: desired pairs from the plan, minus what
     * HubSpot holds. Requests created by this run's write have none to read. Returns counts and the last,
     * partial batch of creates (at most 99 pairs), which the parent packs with other pages'.
     */
    async planAssociations(
      input: PageRef & { toType: ToType; createdIds: string[]; failedExternalIds: string[]; dryRun: boolean },
    ) {
      return tracked(async (counter) => {
        await checkRun(deps, input);
        // Write-once: an attempt that finds the pairs planned (by an earlier or a concurrent attempt) returns
        // them, so the batches being written never see their list change under them.
        const planned = await pairPlanOf(store, input.runKey, input.page, input.toType);
        if (planned) return planned;
        const failed = new Set(input.failedExternalIds);
        const plan = await requirePlan<PagePlan>(
          store,
          input.runKey,
          input.page,
          input.planHash,
          deps.storeName,
        );
        const stored = await storedOf(
          store,
          input.runKey,
          plan.changed.map((c) => c.externalId),
        );
        const targets = plan.changed
          // A request whose upsert failed keeps its old state and fingerprint: its associations stay too.
          .filter((item) => !failed.has(item.externalId))
          .map((item) => ({
            item,
            // A dry run plans requests that do not exist yet under a placeholder id, so their pairs are counted.
            fromId: stored.get(item.externalId)?.id ?? (input.dryRun ? `new:${item.externalId}` : undefined),
          }))
          .filter((t): t is typeof t & { fromId: string } => t.fromId !== undefined); // unwritten: reported already
        const created = new Set(input.createdIds);
        const toRead = targets
          .map((t) => t.fromId)
          .filter((id) => !created.has(id) && !id.startsWith('new:'));
        const current = await deps
          .hubspot(counter)
          .readAssociations(input.objectTypeId, input.toType, toRead);
        const toAdd: Pair[] = [];
        const toRemove: Pair[] = [];
        for (const { item, fromId } of targets) {
          const desired = input.toType === 'companies' ? item.companyIds : item.contactIds;
          const diff = diffIds(current.get(fromId) ?? [], desired);
          for (const id of diff.toAdd) toAdd.push([fromId, id]);
          for (const id of diff.toRemove) toRemove.push([fromId, id]);
        }
        const full = toAdd.length - (toAdd.length % HUBSPOT_BATCH_LIMIT);
        return savePairPlan(store, input.runKey, input.page, input.toType, {
          createBatches: full / HUBSPOT_BATCH_LIMIT,
          removeBatches: Math.ceil(toRemove.length / HUBSPOT_BATCH_LIMIT),
          leftovers: toAdd.slice(full),
          toAdd,
          toRemove,
        });
      });
    },

    /** One batch (≤100 pairs) of the page's planned creates or removals, read from the run store. */
    async writePageAssociations(input: PageRef & { toType: ToType; op: Op; batch: number; dryRun: boolean }) {
      return tracked(async (counter) => {
        await checkRun(deps, input);
        const from = input.batch * HUBSPOT_BATCH_LIMIT;
        const plan = await pairPlanOf(store, input.runKey, input.page, input.toType);
        const pairs = await pairRange(
          store,
          input.runKey,
          input.page,
          input.toType,
          input.op,
          from,
          from + HUBSPOT_BATCH_LIMIT,
        );
        // A batch the plan counts holds pairs: a full one for creates (the partial rest went to the parent),
        // the exact rest for removals. Fewer means the store lost them (an asynchronous replica's failover, a
        // power loss): a failure, never an empty batch that the page's commit would then vouch for.
        const expected =
          input.op === 'create'
            ? HUBSPOT_BATCH_LIMIT
            : plan?.removes === undefined
              ? undefined
              : Math.min(HUBSPOT_BATCH_LIMIT, plan.removes - from);
        if (!plan || pairs.length === 0 || (expected !== undefined && pairs.length !== expected))
          throw failure(
            FailureType.RunStateMissing,
            `the run store ${deps.storeName} holds ${pairs.length} of the ${expected ?? 'planned'} ` +
              `${input.toType} ${input.op === 'create' ? 'associations' : 'removals'} of batch ${input.batch} ` +
              `of page ${input.page} (run ${input.runKey}): the store lost writes; the page is not committed`,
          );
        if (input.dryRun)
          return {
            written: pairs.length,
            failed: 0,
            failures: [] as FailureEntry[],
            brokenIds: [] as string[],
          };
        return writeBatch(deps.hubspot(counter), input.objectTypeId, input.toType, input.op, pairs);
      });
    },

    /** One packed batch (≤100 pairs from several pages' leftovers) of association creates. */
    async writeAssociations(input: { objectTypeId: string; toType: ToType; pairs: Pair[]; dryRun: boolean }) {
      return tracked(async (counter) => {
        if (input.dryRun || input.pairs.length === 0)
          return {
            written: input.pairs.length,
            failed: 0,
            failures: [] as FailureEntry[],
            brokenIds: [] as string[],
          };
        return writeBatch(deps.hubspot(counter), input.objectTypeId, input.toType, 'create', input.pairs);
      });
    },
  };
}
