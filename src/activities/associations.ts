// Association activities: plan a page's association changes (desired record ids minus what HubSpot holds),
// keep the pairs in the run store, and write them in batches of 100. Both creating and removing an
// association are safe to repeat. A request one of whose writes failed is named in the result, so that the
// run does not commit it.
//
// The sync owns only the pairs under its own association label (`labelTypeId`, which `hubspot setup`
// creates): it adds pairs under it, and removes only pairs that carry it. A pair a person made (no sync
// label) is never removed; a sync pair a person labelled too loses only the sync's label. Runs of versions
// before the label pass none, and then every pair counts as the sync's, as it did.
import { HUBSPOT_BATCH_LIMIT } from '../clients/hubspot';
import { diffIds } from '../domain/associations';
import type { FailureEntry } from '../domain/types';
import { failure, FailureType } from '../failures';
import type { TypedTarget } from '../clients/hubspot';
import { pairPlanOf, pairRange, removalRange, requirePlan, savePairPlan, storedOf } from '../store/run-data';
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
    label: { typeId?: number; only?: Set<string> } = {},
  ) {
    const input = pairs.map(([from, to]) => ({ from, to }));
    if (op === 'remove') {
      const only = input.filter((p) => label.only?.has(`${p.from}|${p.to}`));
      const whole = input.filter((p) => !label.only?.has(`${p.from}|${p.to}`));
      await hubspot.archiveAssociations(objectTypeId, toType, whole);
      if (only.length > 0 && label.typeId !== undefined)
        await hubspot.archiveAssociationLabel(objectTypeId, toType, only, label.typeId);
      countWrites(`association:${toType}`, 'removed', pairs.length);
      return { written: pairs.length, failed: 0, failures: [] as FailureEntry[], brokenIds: [] as string[] };
    }
    const errors = await hubspot.createAssociations(objectTypeId, toType, input, label.typeId);
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

  const activities = {
    /**
     * The page's association changes of one kind, into the run store: desired pairs from the plan, minus what
     * HubSpot holds. Requests created by this run's write have none to read. Returns counts and the last,
     * partial batch of creates (at most 99 pairs), which the parent packs with other pages'.
     */
    async planAssociations(
      input: PageRef & {
        toType: ToType;
        createdIds: string[];
        failedExternalIds: string[];
        dryRun: boolean;
        /** The sync's association label (absent in runs before it: every pair counts as the sync's). */
        labelTypeId?: number;
      },
    ) {
      return tracked(async (counter) => {
        const { seal } = await checkRun(deps, input);
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
          seal,
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
          .readTypedAssociations(input.objectTypeId, input.toType, toRead);
        const toAdd: Pair[] = [];
        const toRemove: Pair[] = [];
        const labelOnly = new Set<string>();
        for (const { item, fromId } of targets) {
          const desired = input.toType === 'companies' ? item.companyIds : item.contactIds;
          const held = current.get(fromId) ?? [];
          const labelled = held.filter((t) => isSyncPair(t, input.labelTypeId));
          // A request the sync committed before its label (a v2 fingerprint): its plain pairs are the sync's,
          // as they were then. This once, they are labelled where still wanted and removed where not; from then
          // on the label alone tells. An empty fingerprint (written, never committed; or marked vanished) is
          // never taken for one: the run that wrote it may have been of this version, and a plain pair on it a
          // person's. A stale plain pair of a pre-label run interrupted before its commit then stays: the
          // safe side of not knowing.
          const fingerprint = item.storedFingerprint ?? stored.get(item.externalId)?.fingerprint ?? '';
          const legacy = input.labelTypeId !== undefined && fingerprint.startsWith('v2:');
          const ours = legacy ? held.filter((t) => !labelledByOthers(t, input.labelTypeId)) : labelled;
          const diff = diffIds(
            ours.map((t) => t.toId),
            desired,
          );
          // A wanted pair someone made without the sync's label is theirs and already there: never adopted
          // (adopting it would remove their link when the pair is no longer wanted). Legacy pairs get the label.
          const heldIds = new Set(held.map((t) => t.toId));
          const unlabelledOurs = legacy
            ? new Set(ours.filter((t) => !isSyncPair(t, input.labelTypeId)).map((t) => t.toId))
            : new Set<string>();
          for (const id of diff.toAdd) if (!heldIds.has(id)) toAdd.push([fromId, id]);
          for (const id of desired) if (unlabelledOurs.has(id)) toAdd.push([fromId, id]);
          // Unchanged since its v2 commit (only its labels are missing): the sync held exactly the wanted
          // pairs then, so any other plain pair on it is someone else's. It is labelled, nothing removed.
          const removals = legacy && item.labelsOnly === true ? [] : diff.toRemove;
          for (const id of removals) {
            toRemove.push([fromId, id]);
            const target = ours.find((t) => t.toId === id)!;
            if (labelledByOthers(target, input.labelTypeId)) labelOnly.add(`${fromId}|${id}`);
          }
        }
        const full = toAdd.length - (toAdd.length % HUBSPOT_BATCH_LIMIT);
        return savePairPlan(store, input.runKey, input.page, input.toType, {
          createBatches: full / HUBSPOT_BATCH_LIMIT,
          removeBatches: Math.ceil(toRemove.length / HUBSPOT_BATCH_LIMIT),
          leftovers: toAdd.slice(full),
          toAdd,
          toRemove,
          labelOnly,
        });
      });
    },

    /** One batch (≤100 pairs) of the page's planned creates or removals, read from the run store. */
    async writePageAssociations(
      input: PageRef & { toType: ToType; op: Op; batch: number; dryRun: boolean; labelTypeId?: number },
    ) {
      return tracked(async (counter) => {
        await checkRun(deps, input);
        const from = input.batch * HUBSPOT_BATCH_LIMIT;
        const plan = await pairPlanOf(store, input.runKey, input.page, input.toType);
        const removals =
          input.op === 'remove'
            ? await removalRange(
                store,
                input.runKey,
                input.page,
                input.toType,
                from,
                from + HUBSPOT_BATCH_LIMIT,
              )
            : undefined;
        const pairs = removals
          ? removals.map((r) => r.pair)
          : await pairRange(
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
        return writeBatch(deps.hubspot(counter), input.objectTypeId, input.toType, input.op, pairs, {
          ...(input.labelTypeId !== undefined ? { typeId: input.labelTypeId } : {}),
          only: new Set((removals ?? []).filter((r) => r.labelOnly).map((r) => `${r.pair[0]}|${r.pair[1]}`)),
        });
      });
    },

    /** One packed batch (≤100 pairs from several pages' leftovers) of association creates. */
    async writeAssociations(input: {
      objectTypeId: string;
      toType: ToType;
      pairs: Pair[];
      dryRun: boolean;
      labelTypeId?: number;
    }) {
      return tracked(async (counter) => {
        if (input.dryRun || input.pairs.length === 0)
          return {
            written: input.pairs.length,
            failed: 0,
            failures: [] as FailureEntry[],
            brokenIds: [] as string[],
          };
        return writeBatch(
          deps.hubspot(counter),
          input.objectTypeId,
          input.toType,
          'create',
          input.pairs,
          input.labelTypeId !== undefined ? { typeId: input.labelTypeId } : {},
        );
      });
    },
  };
  return {
    ...activities,
    // The same, under names of their own for runs that write under the sync's label: a worker of an older
    // version, which would ignore the label and take every pair for the sync's, never takes them.
    planLabelledAssociations: (
      input: Parameters<typeof activities.planAssociations>[0] & { labelTypeId: number },
    ) => activities.planAssociations(input),
    writeLabelledPageAssociations: (
      input: Parameters<typeof activities.writePageAssociations>[0] & { labelTypeId: number },
    ) => activities.writePageAssociations(input),
    writeLabelledAssociations: (
      input: Parameters<typeof activities.writeAssociations>[0] & { labelTypeId: number },
    ) => activities.writeAssociations(input),
  };
}

/** A pair the sync made: it carries the sync's label; without a label (older runs) every pair counts. */
function isSyncPair(target: TypedTarget, labelTypeId: number | undefined): boolean {
  return labelTypeId === undefined || target.types.some((t) => t.typeId === labelTypeId);
}

/** A sync pair someone also labelled: removing it takes only the sync's label off. */
function labelledByOthers(target: TypedTarget, labelTypeId: number | undefined): boolean {
  return (
    labelTypeId !== undefined &&
    // The plain association has no label (HUBSPOT_DEFINED, or USER_DEFINED for a custom object's own).
    target.types.some((t) => t.typeId !== labelTypeId && Boolean(t.label))
  );
}
