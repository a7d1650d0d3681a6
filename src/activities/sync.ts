// The sync's activities: fetch, call the pure core, write. Each HubSpot activity sends one request in the
// normal case, so the task queue's server-side rate limit is the portal's request budget (see worker.ts).
// Bulk data stays in the worker's RunStore; inputs and results are ids, cursors and counts.
import { Context } from '@temporalio/activity';
import {
  COMPANY_SEARCH_DOMAINS,
  CONTACT_SEARCH_EMAILS,
  HUBSPOT_BATCH_LIMIT,
  type HubspotGateway,
  type HubspotRecord,
} from '../clients/hubspot';
import type { FeedbackSource, RequestCounter } from '../clients/source';
import { indexCompaniesByDomain, parseArr } from '../domain/company-match';
import { diffIds } from '../domain/associations';
import {
  externalIdOf,
  featureRequestProperties,
  mergedProperties,
  deletedProperties,
  postIdOfExternalId,
} from '../domain/feature-request';
import { fingerprintOf } from '../domain/fingerprint';
import { companyDomainsOf } from '../domain/people';
import { computeRollup } from '../domain/rollup';
import type { FailureEntry, SourceRecordError, SyncMode } from '../domain/types';
import { failure, FailureType } from '../failures';
import {
  buildSnapshot,
  pageCount,
  pagePosts,
  reportedSourceErrors,
  type ContactOrder,
  type PagePlan,
  type RequestScan,
  type RunState,
  type StoredRequest,
  type RunStore,
  type Snapshot,
} from './run-state';
import { countWrites, tracked } from './tracking';

export interface SyncSettings {
  arrProperty: string;
  objectName: string;
  createCompanies: boolean;
  createContacts: boolean;
  pageSize: number;
  /** Boards the source read takes at once. */
  sourceParallelBoards: number;
}

export interface SyncDependencies {
  source: (counter: RequestCounter) => FeedbackSource;
  hubspot: (counter: RequestCounter) => HubspotGateway;
  store: RunStore;
  settings: SyncSettings;
}

export interface RunRef {
  runKey: string;
  mode: SyncMode;
  domain?: string;
}

export interface RunOverview {
  posts: number;
  pages: number;
  votes: number;
  domains: number;
  domainChunks: number;
  skippedPeople: number;
  /** Listed posts whose requests this run holds back (malformed source records): each counts as failed. */
  heldBackPosts: number;
  sourceErrorCount: number;
  /** The first of the failures to report: one per held-back post (by post id), then the other records. */
  sourceErrors: SourceRecordError[];
}

export type ToType = 'companies' | 'contacts';
export type Pair = [from: string, to: string];

const FR_READ_PROPERTIES = ['external_id', 'sync_fingerprint', 'source_state', 'merged_into'];
const MAX_FAILURES_PER_RESULT = 50;

function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

function heartbeat(): void {
  try {
    Context.current().heartbeat();
  } catch {
    // outside an activity
  }
}

/**
 * What a create activity reports when it writes nothing: a dry run counts what it would create, and with
 * creation turned off nothing is created.
 */
function withoutWriting(count: number, creationOn: boolean) {
  return { created: creationOn ? count : 0, matched: 0, failed: 0, failures: [] as FailureEntry[] };
}

/** Waits for work another activity may have started, heartbeating meanwhile so this one is not taken for lost. */
async function whileHeartbeating<T>(work: Promise<T>): Promise<T> {
  const timer = setInterval(heartbeat, 5_000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

/** The source's name for each email (first non-empty one), for contacts created by the sync; built once a run. */
function namesOf(state: RunState, snapshot: Snapshot): Map<string, string | null> {
  if (state.names.size === 0) {
    for (const ofPost of snapshot.people.values()) {
      for (const person of ofPost.people)
        if (!state.names.get(person.email)) state.names.set(person.email, person.name);
    }
  }
  return state.names;
}

/**
 * Failure keys for contacts of a create batch: `canny user <id>` of the person an email was kept for, or
 * the batch by count when HubSpot's answer does not say which record failed. Never the email: failures
 * reach the summary, Slack, logs and Temporal histories. Looked up only when a batch has failures.
 */
function contactFailureKeys(snapshot: Snapshot, emails: string[]): (email: string | undefined) => string {
  const wanted = new Set(emails);
  const ids = new Map<string, string>();
  for (const ofPost of snapshot.people.values()) {
    for (const person of ofPost.people)
      if (wanted.has(person.email) && !ids.has(person.email)) ids.set(person.email, person.personId);
  }
  return (email) => {
    const id = email === undefined ? undefined : ids.get(email);
    return id === undefined ? `a contact of a batch of ${emails.length}` : `canny user ${id}`;
  };
}

function splitName(name: string | null): { firstname?: string; lastname?: string } {
  if (!name) return {};
  const [first, ...rest] = name.trim().split(/\s+/);
  return { ...(first ? { firstname: first } : {}), ...(rest.length ? { lastname: rest.join(' ') } : {}) };
}

export function createSyncActivities(deps: SyncDependencies) {
  const { store, settings } = deps;

  async function snapshotOf(ref: RunRef, state: RunState, counter: RequestCounter): Promise<Snapshot> {
    if (state.snapshot) return state.snapshot;
    state.building ??= buildSnapshot(deps.source(counter), ref.mode, ref.domain, {
      parallelBoards: settings.sourceParallelBoards,
      onProgress: heartbeat,
    })
      .then((snapshot) => (state.snapshot = snapshot))
      .finally(() => (state.building = undefined));
    return whileHeartbeating(state.building);
  }

  /** Searches the domains this worker has not resolved yet for this run (a cache miss rebuilds). */
  async function ensureCompanies(state: RunState, domains: string[], hubspot: HubspotGateway): Promise<void> {
    const unknown = domains.filter((d) => !state.companiesSearched.has(d));
    for (const part of chunk(unknown, COMPANY_SEARCH_DOMAINS)) {
      heartbeat(); // a rebuild can take many requests: show the activity is alive
      const records = await hubspot.searchCompaniesByDomain(part, [
        'domain',
        'name',
        'hs_additional_domains',
        settings.arrProperty,
      ]);
      const matches = indexCompaniesByDomain(records, part, settings.arrProperty);
      for (const domain of part) {
        state.companiesSearched.add(domain);
        const match = matches.get(domain);
        if (match) state.companies.set(domain, match);
      }
    }
  }

  /**
   * Creates contacts for these emails: an upsert by email, so a retried create never duplicates. Names from
   * the source are set here, on creation only; existing contacts are never modified.
   */
  async function createContactsFor(
    state: RunState,
    snapshot: Snapshot,
    emails: string[],
    hubspot: HubspotGateway,
    failures: FailureEntry[],
  ) {
    const names = namesOf(state, snapshot);
    const result = await hubspot.upsertContacts(
      emails.map((email) => ({ email, ...splitName(names.get(email) ?? null) })),
    );
    let created = 0;
    for (const r of result.results) {
      state.contacts.set(r.email, r.id);
      if (r.created) created++;
    }
    for (const email of emails) state.contactsSearched.add(email); // created, or failed and reported
    countWrites('contact', 'created', created);
    const returned = new Set(result.results.map((r) => r.email));
    const unanswered = emails.filter((e) => !returned.has(e) && !result.errors.some((err) => err.key === e));
    if (result.errors.length > 0 || unanswered.length > 0) {
      // HubSpot keys its errors by email; reports name the person by source id instead.
      const keyOf = contactFailureKeys(snapshot, emails);
      for (const e of result.errors) failures.push({ kind: 'contact', key: keyOf(e.key), reason: e.message });
      for (const email of unanswered)
        failures.push({
          kind: 'contact',
          key: keyOf(email),
          reason: 'HubSpot returned no record for this contact',
        });
    }
    // `matched`: created by an earlier attempt of this very write.
    return {
      created,
      matched: result.results.length - created,
      failed: emails.length - result.results.length,
    };
  }

  /** Reads (and, when allowed, creates) the contacts of these emails that this worker does not know yet. */
  async function ensureContacts(
    state: RunState,
    snapshot: Snapshot,
    emails: string[],
    hubspot: HubspotGateway,
    create: boolean,
    failures: FailureEntry[],
  ): Promise<void> {
    const unknown = emails.filter((e) => !state.contacts.has(e) && !state.contactsSearched.has(e));
    for (const part of chunk(unknown, HUBSPOT_BATCH_LIMIT)) {
      heartbeat(); // a rebuild can take many requests: show the activity is alive
      const found = await hubspot.readContactsByEmail(part);
      for (const contact of found) state.contacts.set(contact.email, contact.id);
      const missing = part.filter((e) => !state.contacts.has(e));
      if (create && missing.length > 0) await createContactsFor(state, snapshot, missing, hubspot, failures);
    }
  }

  /** Adds stored requests, as HubSpot returned them, to a map by external id. */
  function addStored(into: Map<string, StoredRequest>, records: HubspotRecord[]): void {
    for (const r of records) {
      const externalId = r.properties.external_id;
      if (externalId) into.set(externalId, { id: r.id, fingerprint: r.properties.sync_fingerprint ?? '' });
    }
  }

  /**
   * Every stored request, by external id (full runs). The scan activities leave it in the run state; a worker
   * without a complete scan (another worker, a restart) scans again here, once for all the activities that
   * need it, and a retry after a failure (a search 429) continues where the failed attempt stopped.
   */
  function scannedRequests(
    state: RunState,
    objectTypeId: string,
    hubspot: HubspotGateway,
  ): Promise<Map<string, StoredRequest>> {
    if (state.scan?.complete) return Promise.resolve(state.scan.records);
    state.rescanning ??= (async () => {
      const scan: RequestScan = (state.rescan ??= { records: new Map(), complete: false });
      do {
        heartbeat();
        const page = await hubspot.scanPage(objectTypeId, FR_READ_PROPERTIES, scan.cursor);
        addStored(scan.records, page.records);
        scan.cursor = page.nextAfterId;
      } while (scan.cursor);
      scan.complete = true;
      state.scan = scan;
      state.rescan = undefined;
      return scan.records;
    })().finally(() => (state.rescanning = undefined));
    return whileHeartbeating(state.rescanning);
  }

  /** The stored requests of these external ids: from the run's scan (full runs), else one batch read. */
  async function storedRequests(
    ref: RunRef,
    state: RunState,
    objectTypeId: string,
    externalIds: string[],
    hubspot: HubspotGateway,
  ): Promise<Map<string, StoredRequest>> {
    if (ref.mode === 'full') return scannedRequests(state, objectTypeId, hubspot);
    const stored = new Map<string, StoredRequest>();
    addStored(stored, await hubspot.batchRead(objectTypeId, externalIds, 'external_id', FR_READ_PROPERTIES));
    return stored;
  }

  /**
   * The page's plan. Full runs plan against the scan in memory, so a plan is kept only while its page is
   * being written (`keep`), and planning again gives the same answer; company runs read HubSpot to plan, so
   * their few plans are always kept.
   */
  async function planPage(
    ref: RunRef,
    state: RunState,
    objectTypeId: string,
    page: number,
    counter: RequestCounter,
    keep = true,
  ): Promise<PagePlan> {
    const cached = state.plans.get(page);
    if (cached) return cached;
    heartbeat();
    const snapshot = await snapshotOf(ref, state, counter);
    const hubspot = deps.hubspot(counter);
    const posts = pagePosts(snapshot, page, settings.pageSize);
    const domains = [
      ...new Set(posts.flatMap((p) => companyDomainsOf(snapshot.people.get(p.id)?.people ?? []))),
    ];
    await ensureCompanies(state, domains, hubspot);
    const storedByExternalId = await storedRequests(
      ref,
      state,
      objectTypeId,
      posts.map((p) => externalIdOf(p.id)),
      hubspot,
    );

    const plan: PagePlan = { changed: [], unchanged: 0, targets: [] };
    for (const post of posts) {
      const people = snapshot.people.get(post.id)?.people ?? [];
      const rollup = computeRollup(companyDomainsOf(people), state.companies);
      const properties = featureRequestProperties(post, rollup);
      const emails = people.map((p) => p.email);
      const fingerprint = fingerprintOf(properties, rollup.companyIds, emails);
      const externalId = externalIdOf(post.id);
      const existing = storedByExternalId.get(externalId);
      if (existing) state.featureRequestIds.set(externalId, existing.id);
      plan.targets.push({ externalId, companyIds: rollup.companyIds, emails });
      if (existing && existing.fingerprint === fingerprint) {
        plan.unchanged++;
        continue;
      }
      plan.changed.push({
        postId: post.id,
        externalId,
        ...(existing ? { existingId: existing.id } : {}),
        properties: { ...properties, sync_fingerprint: fingerprint },
        companyIds: rollup.companyIds,
        emails,
        fingerprint,
      });
    }
    if (keep || ref.mode !== 'full') state.plans.set(page, plan);
    return plan;
  }

  /**
   * The distinct emails of the changed requests' people, in the order the pages need them, with each page's
   * end in that order. Planned pages are reused, missing ones re-planned.
   */
  async function contactOrderOf(
    ref: RunRef,
    state: RunState,
    objectTypeId: string,
    pages: number,
    counter: RequestCounter,
  ): Promise<ContactOrder> {
    if (!state.contactOrder) {
      const emails = new Set<string>();
      const pageEnds: number[] = [];
      for (let page = 0; page < pages; page++) {
        const plan = await planPage(ref, state, objectTypeId, page, counter, false);
        for (const item of plan.changed) for (const e of item.emails) emails.add(e);
        pageEnds.push(emails.size);
      }
      state.contactOrder = { emails: [...emails], pageEnds };
    }
    return state.contactOrder;
  }

  return {
    /** Reads the whole source once and says how much work the run has. */
    async prepareRun(ref: RunRef): Promise<RunOverview & { requests: import('./tracking').RequestCounts }> {
      return tracked(async (counter) => {
        const state = store.get(ref.runKey);
        state.snapshot = undefined; // a new run (or a retried prepare) always starts from fresh source data
        const snapshot = await snapshotOf(ref, state, counter);
        const reported = reportedSourceErrors(snapshot);
        return {
          posts: snapshot.posts.length,
          pages: pageCount(snapshot, settings.pageSize),
          votes: snapshot.votes,
          domains: snapshot.domains.length,
          domainChunks: Math.ceil(snapshot.domains.length / COMPANY_SEARCH_DOMAINS),
          skippedPeople: snapshot.skippedPeople,
          heldBackPosts: snapshot.heldBack.size,
          sourceErrorCount: reported.length,
          sourceErrors: reported.slice(0, MAX_FAILURES_PER_RESULT),
        };
      });
    },

    /** The portal's feature_request object type id, resolved by name: ids differ between portals. */
    async resolvePortal(): Promise<{ objectTypeId: string; requests: import('./tracking').RequestCounts }> {
      return tracked(async (counter) => {
        const schema = await deps.hubspot(counter).findSchema(settings.objectName);
        if (!schema) {
          throw failure(
            FailureType.HubspotSchemaMissing,
            `HubSpot portal has no '${settings.objectName}' custom object: run \`npm run client -- hubspot setup --apply\``,
          );
        }
        const names = new Set(schema.properties.map((p) => p.name));
        const missing = ['external_id', 'sync_fingerprint', 'source_state', 'voting_company_arr'].filter(
          (p) => !names.has(p),
        );
        if (missing.length) {
          throw failure(
            FailureType.HubspotSchemaMissing,
            `'${settings.objectName}' lacks properties: ${missing.join(', ')}; run \`hubspot setup --apply\``,
          );
        }
        return { objectTypeId: schema.objectTypeId };
      });
    },

    /** Search queue: one search for up to 150 domains (by domain or sync key). Returns the domains with no company. */
    async findCompanies(input: RunRef & { chunk: number }) {
      return tracked(async (counter) => {
        const state = store.get(input.runKey);
        const snapshot = await snapshotOf(input, state, counter);
        const domains = snapshot.domains.slice(
          input.chunk * COMPANY_SEARCH_DOMAINS,
          (input.chunk + 1) * COMPANY_SEARCH_DOMAINS,
        );
        await ensureCompanies(state, domains, deps.hubspot(counter));
        const missing = domains.filter((d) => !state.companies.has(d));
        return { matched: domains.length - missing.length, missing };
      });
    },

    /**
     * Creates companies for domains with none, create-only: an existing company is never written. A domain
     * whose company an earlier attempt (or run) already created is found by its sync key, never duplicated.
     */
    async createCompanies(input: RunRef & { domains: string[]; dryRun: boolean }) {
      return tracked(async (counter) => {
        const state = store.get(input.runKey);
        const failures: FailureEntry[] = [];
        if (input.dryRun || !settings.createCompanies)
          return withoutWriting(input.domains.length, settings.createCompanies);
        const result = await deps.hubspot(counter).createCompanies(
          input.domains.map((domain) => ({ domain, name: domain })),
          [settings.arrProperty],
        );
        for (const r of [...result.created, ...result.existing]) {
          state.companies.set(r.domain, { id: r.id, arr: parseArr(r.properties[settings.arrProperty]) });
          state.companiesSearched.add(r.domain);
        }
        const created = result.created.length;
        const matched = result.existing.length; // created by an earlier attempt of this very write, or run
        for (const e of result.errors)
          failures.push({ kind: 'company', key: e.key ?? '(unknown)', reason: e.message });
        countWrites('company', 'created', created);
        return {
          created,
          matched,
          failed: result.errors.length,
          failures: failures.slice(0, MAX_FAILURES_PER_RESULT),
        };
      });
    },

    /**
     * Decides which of the page's requests changed (fingerprint differs or record missing). Full runs compare
     * with the run's scan (no request); company runs read the page's stored requests.
     */
    async planFeatureRequests(input: RunRef & { objectTypeId: string; page: number }) {
      return tracked(async (counter) => {
        const state = store.get(input.runKey);
        state.plans.delete(input.page); // a retried plan starts over
        const plan = await planPage(input, state, input.objectTypeId, input.page, counter, false);
        return {
          toCreate: plan.changed.filter((c) => !c.existingId).length,
          toUpdate: plan.changed.filter((c) => c.existingId).length,
          unchanged: plan.unchanged,
          // The page's changed requests as decided now: a worker that re-plans the page after a crash may find
          // some already written (fingerprint and all) and must still finish their associations.
          changedExternalIds: plan.changed.map((c) => c.externalId),
        };
      });
    },

    /**
     * Local: how many emails the changed requests' people have, the chunks `findContacts` takes them in, and
     * where each page's emails end (a page may start once its contacts are resolved).
     */
    async collectContacts(input: RunRef & { objectTypeId: string; pages: number }) {
      return tracked(async (counter) => {
        const state = store.get(input.runKey);
        const order = await contactOrderOf(input, state, input.objectTypeId, input.pages, counter);
        return {
          emails: order.emails.length,
          chunkSize: CONTACT_SEARCH_EMAILS,
          chunks: Math.ceil(order.emails.length / CONTACT_SEARCH_EMAILS),
          pageEnds: order.pageEnds,
        };
      });
    },

    /** Search queue: one search for up to 200 contacts by email; returns the emails HubSpot has no contact for. */
    async findContacts(input: RunRef & { objectTypeId: string; pages: number; chunk: number }) {
      return tracked(async (counter) => {
        const state = store.get(input.runKey);
        const order = await contactOrderOf(input, state, input.objectTypeId, input.pages, counter);
        const emails = order.emails.slice(
          input.chunk * CONTACT_SEARCH_EMAILS,
          (input.chunk + 1) * CONTACT_SEARCH_EMAILS,
        );
        const unknown = new Set(emails.filter((e) => !state.contacts.has(e)));
        const found = await deps.hubspot(counter).searchContactsByEmail([...unknown]);
        for (const contact of found)
          if (unknown.has(contact.email)) state.contacts.set(contact.email, contact.id);
        const missing = emails.filter((e) => !state.contacts.has(e));
        // Nothing will create them: pages need not look them up again.
        if (!settings.createContacts) for (const e of missing) state.contactsSearched.add(e);
        return { matched: emails.length - missing.length, missing };
      });
    },

    /**
     * Creates up to 100 contacts: an upsert by email, so a retried create never duplicates. Names from the
     * source are set here, on creation only; existing contacts are never modified.
     */
    async createContacts(input: RunRef & { emails: string[]; dryRun: boolean }) {
      return tracked(async (counter) => {
        const failures: FailureEntry[] = [];
        if (input.dryRun || !settings.createContacts)
          return withoutWriting(input.emails.length, settings.createContacts);
        const state = store.get(input.runKey);
        const snapshot = await snapshotOf(input, state, counter);
        const written = await createContactsFor(
          state,
          snapshot,
          input.emails,
          deps.hubspot(counter),
          failures,
        );
        return { ...written, failures: failures.slice(0, MAX_FAILURES_PER_RESULT) };
      });
    },

    /** Upserts the page's changed requests by external id: one request, safe to repeat. */
    async writeFeatureRequests(input: RunRef & { objectTypeId: string; page: number; dryRun: boolean }) {
      return tracked(async (counter) => {
        const state = store.get(input.runKey);
        const plan = await planPage(input, state, input.objectTypeId, input.page, counter);
        const failures: FailureEntry[] = [];
        if (input.dryRun) {
          const createdIds = plan.changed.filter((c) => !c.existingId).map((c) => `new:${c.externalId}`);
          const created = createdIds.length;
          return { created, updated: plan.changed.length - created, failed: 0, failures, createdIds };
        }
        const hubspot = deps.hubspot(counter);
        const result = await hubspot.upsert(
          input.objectTypeId,
          plan.changed.map((c) => ({
            id: c.externalId,
            idProperty: 'external_id',
            properties: c.properties,
          })),
          plan.changed.map((c) => c.externalId),
        );
        let updated = 0;
        // Created by this very write: they have no associations yet, so nothing needs reading for them.
        const createdIds: string[] = [];
        for (const r of result.results) {
          const externalId = r.properties.external_id ?? '';
          state.featureRequestIds.set(externalId, r.id);
          const item = plan.changed.find((c) => c.externalId === externalId);
          if (r.created && !item?.existingId) createdIds.push(r.id);
          else updated++;
        }
        const created = createdIds.length;
        for (const e of result.errors)
          failures.push({ kind: 'feature_request', key: e.key ?? '(unknown)', reason: e.message });
        countWrites('feature_request', 'created', created);
        countWrites('feature_request', 'updated', updated);
        const written = new Set(result.results.map((r) => r.properties.external_id));
        for (const item of plan.changed) {
          if (!written.has(item.externalId) && !result.errors.some((e) => e.key === item.externalId)) {
            failures.push({
              kind: 'feature_request',
              key: item.externalId,
              reason: 'HubSpot returned no record for this request',
            });
          }
        }
        return {
          created,
          updated,
          failed: plan.changed.length - result.results.length,
          failures: failures.slice(0, MAX_FAILURES_PER_RESULT),
          createdIds,
        };
      });
    },

    /**
     * The association changes the page's changed requests need: desired pairs from the plan, minus what
     * HubSpot already has. Only requests created by this run's write are known to have none; every other one
     * is read, including requests a crashed worker already wrote (a re-planned page sees them as unchanged).
     */
    async planAssociations(
      input: RunRef & {
        objectTypeId: string;
        page: number;
        toType: ToType;
        changedExternalIds: string[];
        createdIds: string[];
        dryRun: boolean;
      },
    ) {
      return tracked(async (counter) => {
        const state = store.get(input.runKey);
        const plan = await planPage(input, state, input.objectTypeId, input.page, counter);
        const hubspot = deps.hubspot(counter);
        const failures: FailureEntry[] = [];
        const changed = new Set(input.changedExternalIds);
        const targets = plan.targets
          .filter((t) => changed.has(t.externalId))
          .map((t) => ({
            ...t,
            // A dry run plans requests that do not exist yet under a placeholder id, so their pairs are counted.
            fromId:
              state.featureRequestIds.get(t.externalId) ?? (input.dryRun ? `new:${t.externalId}` : undefined),
          }))
          .filter((t): t is typeof t & { fromId: string } => t.fromId !== undefined); // unwritten: already reported
        if (input.toType === 'contacts') {
          const emails = [...new Set(targets.flatMap((t) => t.emails))];
          await ensureContacts(
            state,
            await snapshotOf(input, state, counter),
            emails,
            hubspot,
            settings.createContacts && !input.dryRun,
            failures,
          );
        }
        const created = new Set(input.createdIds);
        const toRead = targets.map((t) => t.fromId).filter((id) => !created.has(id));
        const current = await hubspot.readAssociations(input.objectTypeId, input.toType, toRead);
        const toAdd: Pair[] = [];
        const toRemove: Pair[] = [];
        for (const target of targets) {
          const desired =
            input.toType === 'companies'
              ? target.companyIds
              : target.emails
                  .map((e) => state.contacts.get(e))
                  .filter((id): id is string => id !== undefined);
          const diff = diffIds(current.get(target.fromId) ?? [], desired);
          for (const id of diff.toAdd) toAdd.push([target.fromId, id]);
          for (const id of diff.toRemove) toRemove.push([target.fromId, id]);
        }
        // Contacts are the page's last use of its plan; a retry plans again from the same data.
        if (input.toType === 'contacts' && input.mode === 'full') state.plans.delete(input.page);
        return {
          toAdd,
          toRemove,
          failures: failures.slice(0, MAX_FAILURES_PER_RESULT),
          failed: failures.length,
        };
      });
    },

    /** One batch (≤100 pairs) of association creates or removals; both are safe to repeat. */
    async writeAssociations(input: {
      objectTypeId: string;
      toType: ToType;
      op: 'create' | 'remove';
      pairs: Pair[];
      dryRun: boolean;
    }) {
      return tracked(async (counter) => {
        if (input.dryRun || input.pairs.length === 0)
          return { written: input.pairs.length, failed: 0, failures: [] as FailureEntry[] };
        const hubspot = deps.hubspot(counter);
        const pairs = input.pairs.map(([from, to]) => ({ from, to }));
        if (input.op === 'remove') {
          await hubspot.archiveAssociations(input.objectTypeId, input.toType, pairs);
          countWrites(`association:${input.toType}`, 'removed', pairs.length);
          return { written: pairs.length, failed: 0, failures: [] as FailureEntry[] };
        }
        const errors = await hubspot.createAssociations(input.objectTypeId, input.toType, pairs);
        countWrites(`association:${input.toType}`, 'created', pairs.length - errors.length);
        return {
          written: pairs.length - errors.length,
          failed: errors.length,
          failures: errors
            .slice(0, MAX_FAILURES_PER_RESULT)
            .map((e) => ({ kind: 'association', key: e.key ?? '(unknown)', reason: e.message })),
        };
      });
    },

    /** Clears the fingerprints of a failed page's requests (by external id), so the next run writes them again. */
    async invalidatePage(input: { objectTypeId: string; externalIds: string[] }) {
      return tracked(async (counter) => {
        const hubspot = deps.hubspot(counter);
        for (const part of chunk(input.externalIds, HUBSPOT_BATCH_LIMIT)) {
          const records = await hubspot.batchRead(input.objectTypeId, part, 'external_id', ['external_id']);
          await hubspot.batchUpdate(
            input.objectTypeId,
            records.map((r) => ({ id: r.id, properties: { sync_fingerprint: '' } })),
          );
        }
        return {};
      });
    },

    /** Clears the fingerprint of requests whose associations failed, so the next run writes them again. */
    async invalidateFingerprints(input: { objectTypeId: string; ids: string[] }) {
      return tracked(async (counter) => {
        for (const part of chunk(input.ids, HUBSPOT_BATCH_LIMIT)) {
          await deps.hubspot(counter).batchUpdate(
            input.objectTypeId,
            part.map((id) => ({ id, properties: { sync_fingerprint: '' } })),
          );
        }
        return {};
      });
    },

    /**
     * Search queue, full runs: one page (≤200) of every stored request, kept in the run state for planning.
     * Returns the active ones whose post the source no longer lists, with their new state (merged into a
     * survivor, or deleted). Search lags writes by seconds; the scan runs before this run writes any request.
     * A held-back post is listed, so its request is never among them; and when the run cannot tell every
     * listed post (see Snapshot.vanishKnown), none is.
     */
    async scanFeatureRequests(input: RunRef & { objectTypeId: string; afterId?: string }) {
      return tracked(async (counter) => {
        const state = store.get(input.runKey);
        const snapshot = await snapshotOf(input, state, counter);
        const page = await deps
          .hubspot(counter)
          .scanPage(input.objectTypeId, FR_READ_PROPERTIES, input.afterId);
        if (input.afterId === undefined) state.scan = { records: new Map(), complete: false };
        const scan = state.scan;
        if (scan && (scan.cursor === input.afterId || scan.lastApplied === input.afterId)) {
          addStored(scan.records, page.records);
          scan.lastApplied = input.afterId;
          scan.cursor = page.nextAfterId;
          scan.complete = page.nextAfterId === undefined;
        } else {
          state.scan = undefined; // pages of this scan ran elsewhere: planning scans again
        }
        const updates: Array<{ id: string; externalId: string; properties: Record<string, string> }> = [];
        for (const record of page.records) {
          const externalId = record.properties.external_id ?? '';
          const postId = postIdOfExternalId(externalId);
          if (!snapshot.vanishKnown || record.properties.source_state !== 'active') continue;
          if (postId === null || snapshot.listedPostIds.has(postId)) continue;
          const survivor = snapshot.mergedInto.get(postId);
          updates.push({
            id: record.id,
            externalId,
            properties: survivor ? mergedProperties(survivor) : deletedProperties(),
          });
        }
        return {
          scanned: page.records.length,
          updates,
          ...(page.nextAfterId ? { nextAfterId: page.nextAfterId } : {}),
        };
      });
    },

    async markVanished(input: {
      objectTypeId: string;
      updates: Array<{ id: string; externalId: string; properties: Record<string, string> }>;
      dryRun: boolean;
    }) {
      return tracked(async (counter) => {
        if (input.dryRun || input.updates.length === 0)
          return { updated: input.updates.length, failed: 0, failures: [] as FailureEntry[] };
        const result = await deps.hubspot(counter).batchUpdate(
          input.objectTypeId,
          input.updates.map((u) => ({ id: u.id, properties: u.properties })),
        );
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
    },

    /** Frees the run's working set on this worker. */
    async finishRun(input: { runKey: string }): Promise<void> {
      store.drop(input.runKey);
      return Promise.resolve();
    },
  };
}
