// Feature request activities: plan a page against the run's snapshot and what the run resolved, write its
// requests, and commit them. The commit rule: a request's `sync_fingerprint` is written last, once HubSpot
// holds everything it vouches for (the properties and every association, by record id). Until then the
// request carries an empty fingerprint, so a run that dies halfway leaves work that is visibly unfinished.
import { HUBSPOT_BATCH_LIMIT } from '../clients/hubspot';
import { externalIdOf, featureRequestProperties } from '../domain/feature-request';
import { fingerprintOf, needsLabelsOnly } from '../domain/fingerprint';
import { companyDomainsOf } from '../domain/people';
import { computeRollup } from '../domain/rollup';
import { recordFailureReason } from '../clients/hubspot-errors';
import { RequestRecords } from '../clients/hubspot-requests';
import type { FailureEntry } from '../domain/types';
import {
  companiesOf,
  contactsOf,
  unfinishedDomains,
  unfinishedEmails,
  previousOf,
  requirePlan,
  savePlan,
  savePrevious,
  saveStored,
  storedOf,
} from '../store/run-data';
import { snapshotPosts } from '../store/snapshots';
import { checkRun, MAX_FAILURES_PER_RESULT, type RunRef, type SyncDependencies } from './context';
import { previousOfRecords, previousPropertyNames, storedRequestsOf, type PreviousProperties } from './scan';
import { countWrites, tracked } from './tracking';

/** A request of the page that HubSpot does not hold as planned. */
export interface PlanItem {
  postId: string;
  externalId: string;
  /** The HubSpot record, when the request already exists. */
  existingId?: string;
  /** Every property the sync owns, without the fingerprint. */
  properties: Record<string, string>;
  companyIds: string[];
  contactIds: string[];
  fingerprint: string;
  /** Committed before the association label and otherwise as planned: its pairs get the label, nothing else. */
  labelsOnly?: boolean;
  /** The fingerprint HubSpot held when the page was planned (this run's write then empties it). */
  storedFingerprint?: string;
  /** Dry runs: each property that changes, as HubSpot held it → as the run would write it. */
  changes?: Record<string, [before: string | null, after: string]>;
  /**
   * Tickets: HubSpot holds the request with this very status, so the write leaves its stage alone (a person
   * may have moved the ticket). Absent: the write puts the ticket in the stage of its status.
   */
  keepStage?: boolean;
  /**
   * A company or contact of its voters could not be created (HubSpot refused it: a portal validation rule,
   * say): the request is written with the associations that could be made and is never committed, so its
   * fingerprint stays empty and the next run completes it.
   */
  incomplete?: boolean;
}

/**
 * The properties whose value changes: before (as HubSpot held it) → after. Only the properties the run read
 * (`before` holds those, a missing value as null); an empty value and none are the same.
 */
function changesOf(
  before: Record<string, string | null>,
  after: Record<string, string>,
): Record<string, [string | null, string]> {
  const out: Record<string, [string | null, string]> = {};
  for (const [name, value] of Object.entries(after)) {
    if (!(name in before)) continue;
    const old = before[name] ?? null;
    if ((old ?? '') !== value) out[name] = [old, value];
  }
  return out;
}

export interface PagePlan {
  page: number;
  changed: PlanItem[];
  unchanged: number;
}

export interface PageRef extends RunRef {
  objectTypeId: string;
  page: number;
  /** The plan's hash, as `planPage` returned it: the page's activities refuse any other plan. */
  planHash: string;
}

export function createRequestActivities(deps: SyncDependencies) {
  const { store } = deps;

  /** The page's plan, as the history names it; checks the run first. */
  const planOf = async (input: PageRef): Promise<PagePlan> => {
    const { seal } = await checkRun(deps, input);
    return requirePlan<PagePlan>(store, input.runKey, input.page, input.planHash, deps.storeName, seal);
  };

  const activities = {
    /**
     * Decides which of the page's requests HubSpot does not hold as they should be: the fingerprint over
     * properties, company ids and contact ids differs, or there is no record. Full runs compare with the
     * run's scan (no request); company runs read their page's stored requests (one batch read). The plan goes
     * into the run store; its hash is what the page's activities carry.
     */
    async planPage(
      input: RunRef & {
        objectTypeId: string;
        page: number;
        /** The run writes under the sync's association label: v3 fingerprints (absent: v2, as before). */
        labelled?: boolean;
        /** A dry run: the plan says what changes, old → new (from what the run read of HubSpot). */
        previous?: PreviousProperties;
      },
    ) {
      return tracked(async (counter) => {
        const { settings, seal } = await checkRun(deps, input);
        const from = input.page * settings.pageSize;
        const posts = await snapshotPosts(store, input.snapshotId, from, from + settings.pageSize, seal);
        const externalIds = posts.map((p) => externalIdOf(p.post.id));
        if (input.mode !== 'full') {
          const records = await new RequestRecords(
            deps.hubspot(counter),
            input.objectTypeId,
            input.target,
          ).readByExternalIds(externalIds, previousPropertyNames(input.previous));
          await saveStored(store, input.runKey, storedRequestsOf(records));
          if (input.previous)
            await savePrevious(
              store,
              input.runKey,
              previousOfRecords(records, previousPropertyNames(input.previous)),
              seal,
            );
        }
        const previous = input.previous
          ? await previousOf(store, input.runKey, externalIds, seal)
          : new Map<string, Record<string, string | null>>();
        const stored = await storedOf(store, input.runKey, externalIds);
        const domains = posts.flatMap((p) => companyDomainsOf(p.people));
        const emails = posts.flatMap((p) => p.people.map((person) => person.email));
        const companies = await companiesOf(store, input.runKey, domains);
        const contacts = await contactsOf(store, input.runKey, emails, seal);
        const failedCompanies = await unfinishedDomains(store, input.runKey, domains, {
          creating: settings.createCompanies,
          held: companies,
        });
        const failedContacts = await unfinishedEmails(
          store,
          input.runKey,
          emails,
          { creating: settings.createContacts, held: contacts },
          seal,
        );
        const plan: PagePlan = { page: input.page, changed: [], unchanged: 0 };
        for (const { post, people } of posts) {
          const incomplete =
            companyDomainsOf(people).some((d) => failedCompanies.has(d)) ||
            people.some((p) => failedContacts.has(p.email));
          const rollup = computeRollup(companyDomainsOf(people), companies);
          const properties = featureRequestProperties(post, rollup);
          const contactIds = [
            ...new Set(
              people.map((p) => contacts.get(p.email)).filter((id): id is string => id !== undefined),
            ),
          ].sort();
          const fingerprint = fingerprintOf(
            properties,
            rollup.companyIds,
            contactIds,
            input.labelled ? 'v3' : 'v2',
          );
          const externalId = externalIdOf(post.id);
          const existing = stored.get(externalId);
          if (existing && existing.fingerprint === fingerprint && !incomplete) {
            plan.unchanged++;
            continue;
          }
          const labelsOnly =
            !incomplete && existing !== undefined && needsLabelsOnly(existing.fingerprint, fingerprint);
          const before = previous.get(externalId);
          const changes = before ? changesOf(before, properties) : undefined;
          const keepStage =
            input.target?.kind === 'tickets' &&
            existing !== undefined &&
            before?.status === properties.status;
          plan.changed.push({
            postId: post.id,
            externalId,
            ...(existing ? { existingId: existing.id } : {}),
            properties,
            companyIds: rollup.companyIds,
            contactIds,
            // Incomplete: no fingerprint to commit, so that a worker of the previous version, which does not
            // know the flag, commits an empty one (harmless) rather than one HubSpot does not hold.
            fingerprint: incomplete ? '' : fingerprint,
            ...(labelsOnly ? { labelsOnly } : {}),
            ...(keepStage ? { keepStage } : {}),
            ...(changes ? { changes } : {}),
            ...(existing ? { storedFingerprint: existing.fingerprint } : {}),
            ...(incomplete ? { incomplete } : {}),
          });
        }
        // Write-once: a retried or duplicate attempt (which may see this run's own writes) gets the first plan.
        const saved = await savePlan(store, input.runKey, input.page, plan, seal);
        const toCreate = saved.plan.changed.filter((c) => !c.existingId).length;
        return {
          planHash: saved.planHash,
          changed: saved.plan.changed.length,
          toCreate,
          toUpdate: saved.plan.changed.length - toCreate,
          // Requests whose pairs only get the label are unchanged as records: their properties stay.
          unchanged: saved.plan.unchanged + saved.plan.changed.filter((c) => c.labelsOnly).length,
        };
      });
    },

    /**
     * Upserts the page's changed requests by external id (one request, safe to repeat) with their properties
     * and an EMPTY fingerprint: from here until the commit, HubSpot shows them as not synced.
     */
    async writeFeatureRequests(input: PageRef & { dryRun: boolean }) {
      return tracked(async (counter) => {
        const plan = await planOf(input);
        // Requests that only need their pairs labelled are not written: they hold what they should.
        const toWrite = plan.changed.filter((c) => !c.labelsOnly);
        const failures: FailureEntry[] = [];
        if (input.dryRun) {
          const createdIds = toWrite.filter((c) => !c.existingId).map((c) => `new:${c.externalId}`);
          return {
            created: createdIds.length,
            updated: toWrite.length - createdIds.length,
            failed: 0,
            failures,
            createdIds,
            failedExternalIds: [] as string[],
            labelsOnly: plan.changed.length - toWrite.length,
          };
        }
        const result = await new RequestRecords(
          deps.hubspot(counter),
          input.objectTypeId,
          input.target,
        ).upsert(
          toWrite.map((c) => ({
            externalId: c.externalId,
            properties: { ...c.properties, sync_fingerprint: '' },
            // A created ticket goes to its status's stage; a changed status moves it; else it stays put.
            stage: c.keepStage ? ('keep' as const) : c.existingId ? ('move' as const) : ('create' as const),
          })),
        );
        const byExternalId = new Map(toWrite.map((c) => [c.externalId, c]));
        // Created by this very write: they have no associations yet, so nothing needs reading for them. The
        // counts follow the plan: a request planned new that an earlier, timed-out attempt created is "created".
        const createdIds: string[] = [];
        let created = 0;
        for (const r of result.results) {
          const item = byExternalId.get(r.properties.external_id ?? '');
          if (r.created && !item?.existingId) createdIds.push(r.id);
          if (!item?.existingId) created++;
        }
        const updated = result.results.length - created;
        await saveStored(
          store,
          input.runKey,
          result.results.map((r) => ({
            externalId: r.properties.external_id ?? '',
            id: r.id,
            fingerprint: '',
            sourceState: r.properties.source_state ?? 'active',
          })),
        );
        for (const e of result.errors)
          failures.push({
            kind: 'feature_request',
            key: e.key ?? '(unknown)',
            reason: recordFailureReason(input.target?.kind === 'tickets' ? 'ticket' : 'feature_request', e),
          });
        const written = new Set(result.results.map((r) => r.properties.external_id));
        const failedExternalIds = toWrite.map((c) => c.externalId).filter((id) => !written.has(id));
        for (const id of failedExternalIds) {
          if (!result.errors.some((e) => e.key === id))
            failures.push({
              kind: 'feature_request',
              key: id,
              reason: 'HubSpot returned no record for this request',
            });
        }
        countWrites('feature_request', 'created', createdIds.length);
        countWrites('feature_request', 'updated', updated);
        return {
          created,
          updated,
          failed: failedExternalIds.length,
          failures: failures.slice(0, MAX_FAILURES_PER_RESULT),
          createdIds,
          failedExternalIds,
          /** Requests whose pairs only get the label: their associations are read and labelled. */
          labelsOnly: plan.changed.length - toWrite.length,
        };
      });
    },

    /**
     * The commit: writes the fingerprint of every changed request of the page whose write and associations
     * all landed (one batch update). The others keep an empty fingerprint, so the next run writes them again.
     */
    async commitPage(
      input: PageRef & {
        brokenIds: string[];
        failedExternalIds: string[];
        dryRun: boolean;
        /** The page's pairs went out without the sync's label: a v3 plan commits as v2, to be labelled later. */
        unlabelled?: boolean;
      },
    ) {
      return tracked(async (counter) => {
        const plan = await planOf(input);
        const stored = await storedOf(
          store,
          input.runKey,
          plan.changed.map((c) => c.externalId),
        );
        const broken = new Set(input.brokenIds);
        const failed = new Set(input.failedExternalIds);
        const commits = plan.changed
          .map((c) => ({ item: c, id: stored.get(c.externalId)?.id }))
          .filter((c): c is typeof c & { id: string } => c.id !== undefined)
          .filter((c) => !failed.has(c.item.externalId) && !broken.has(c.id) && !c.item.incomplete);
        if (input.dryRun || commits.length === 0)
          return { committed: commits.length, failed: 0, failures: [] as FailureEntry[] };
        if (commits.length > HUBSPOT_BATCH_LIMIT) throw new Error('a page holds at most 100 requests');
        const result = await new RequestRecords(
          deps.hubspot(counter),
          input.objectTypeId,
          input.target,
        ).batchUpdate(
          commits.map((c) => ({
            id: c.id,
            properties: {
              sync_fingerprint: input.unlabelled
                ? c.item.fingerprint.replace(/^v3:/, 'v2:')
                : c.item.fingerprint,
            },
          })),
        );
        return {
          committed: result.updated.length,
          failed: result.errors.length,
          failures: result.errors.slice(0, MAX_FAILURES_PER_RESULT).map((e) => ({
            kind: 'feature_request',
            key: commits.find((c) => c.id === e.key)?.item.externalId ?? e.key ?? '(unknown)',
            reason: `fingerprint not written: ${e.message}`,
          })),
        };
      });
    },
  };
  return {
    ...activities,
    /**
     * `planPage` under the sync's label (v3 fingerprints), by a name workers of older versions do not have:
     * they would plan the page unlabelled (v2) and its pairs would later be taken for pre-label ones.
     */
    planLabelledPage: (input: Parameters<typeof activities.planPage>[0]) =>
      activities.planPage({ ...input, labelled: true }),
    /** `commitPage` by a name workers of older versions do not have: they ignore `unlabelled`. */
    commitLabelledPage: (input: Parameters<typeof activities.commitPage>[0]) => activities.commitPage(input),
    // Tickets runs: names workers before tickets do not have. Theirs ignore the run's target, and would read
    // and write a ticket by the custom object's property names.
    planTicketPage: (input: Parameters<typeof activities.planPage>[0]) =>
      activities.planPage({ ...input, labelled: true }),
    writeTicketRequests: (input: Parameters<typeof activities.writeFeatureRequests>[0]) =>
      activities.writeFeatureRequests(input),
    commitTicketPage: (input: Parameters<typeof activities.commitPage>[0]) => activities.commitPage(input),
  };
}
