// The scheduled sync: reads the source, resolves companies once for the whole run and scans the stored
// requests (marking merged and deleted ones), fans out a child workflow per page of changed requests while
// the contacts those pages need are resolved just ahead of them, and ends with a summary posted to Slack.
// Deterministic orchestration only: activities do the I/O, and they exchange ids and counts with this
// workflow, never whole pages.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  ContinueAsNew,
  executeChild,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, Pair, RunOverview, ToType } from '../activities';
import { addCounts, appendFailures, buildSummary, emptyCounts, runUiUrl } from '../domain/summary';
import type { RunSummary, SyncCounts, SyncMode } from '../domain/types';
import { DRY_RUN_ATTRIBUTE, ENVIRONMENT_ATTRIBUTE, MODE_ATTRIBUTE } from '../search-attributes';
import { taskQueues } from '../task-queues';
import { refuseOtherEnvironment } from './environment-guard';
import { progressQuery, syncCompanySignal, type Progress } from './messages';
import { HUBSPOT_ACTIVITY, LOCAL_ACTIVITY, SLACK_ACTIVITY, SOURCE_ACTIVITY } from './options';
import { syncFeatureRequestPage } from './sync-page';
import { countsFromRequests, failureMessage, isFatal, requestsOfFailure } from './util';

export interface SyncInput {
  /** The environment (SYNC_ENV) the run belongs to: in ids, search attributes and the summary. */
  environment: string;
  mode: SyncMode;
  /** For company runs: the normalised company domain. */
  domain?: string;
  dryRun?: boolean;
  /** Where the run links to in the Temporal UI (TEMPORAL_UI_URL). */
  uiBaseUrl?: string;
  /** Windows of concurrent activities and children. */
  parallel?: number;
  /**
   * Continue-as-new once history holds this many events, in addition to the server's suggestion (about
   * 4,096 events). Tests set it low to exercise the hand-over; operators leave it unset.
   */
  continueAsNewAfterEvents?: number;
  /** Set by continue-as-new only. */
  resume?: ResumeState;
}

type Phase = 'prepare' | 'companies' | 'create-companies' | 'plan' | 'pages' | 'done';

/** Contacts resolved ahead of the pages: searched in chunks, the missing ones created 100 at a time. */
interface ContactPipeline {
  chunkSize: number;
  chunks: number;
  /** Chunks searched, in order (a prefix). */
  searched: number;
  /** For each searched chunk: how many missing emails were found through it. */
  missingEnds: number[];
  /** Missing emails not created yet, in order; `pending[0]` is missing email number `created`. */
  pending: string[];
  /** Missing emails created (or whose create failed and was reported), a prefix. */
  created: number;
  /** For each page: how many emails in the run's order it and the pages before it need. */
  pageEnds: number[];
}

interface ResumeState {
  runKey: string;
  startedAt: string;
  phase: Phase;
  next: number;
  counts: SyncCounts;
  overview?: RunOverview;
  objectTypeId?: string;
  missingDomains: string[];
  /** Pages with changes, and their changed requests' external ids (the authority if a page is re-planned). */
  changedPages: Array<{ page: number; externalIds: string[] }>;
  contacts?: ContactPipeline;
  /** Pages' association pairs that did not fill a batch, packed here into full ones. */
  leftovers: Record<ToType, Pair[]>;
  /** Where the scan of stored requests continues (full runs). */
  scanAfterId?: string;
  scanDone: boolean;
  rerun: boolean;
}

const DEFAULT_PARALLEL = 8;
/** Full runs plan against the scan on the worker, spending no budget: wider than the HubSpot window. */
const PLAN_PARALLEL = 32;
/** Contact searches in flight: enough for the search queue's rate to be the limit. */
const CONTACT_SEARCHES = 4;

export async function syncFeatureRequests(input: SyncInput): Promise<RunSummary> {
  // First, and outside the try below: a refused run posts nothing, to a channel of another environment.
  await refuseOtherEnvironment(input.environment);
  const info = workflowInfo();
  const queues = taskQueues(info.taskQueue);
  const source = proxyActivities<Activities>({ ...SOURCE_ACTIVITY, taskQueue: queues.main });
  const hubspot = proxyActivities<Activities>({ ...HUBSPOT_ACTIVITY, taskQueue: queues.hubspot });
  const search = proxyActivities<Activities>({ ...HUBSPOT_ACTIVITY, taskQueue: queues.hubspotSearch });
  const slack = proxyActivities<Activities>({ ...SLACK_ACTIVITY, taskQueue: queues.main });
  const local = proxyActivities<Activities>({ ...LOCAL_ACTIVITY, taskQueue: queues.main });
  // Work on the run state that needs no request, unless this worker has to rebuild it: no budget spent, and
  // the time and retries of a HubSpot activity.
  const planning = proxyActivities<Activities>({ ...HUBSPOT_ACTIVITY, taskQueue: queues.main });

  const dryRun = input.dryRun ?? false;
  const parallel = Math.max(1, input.parallel ?? DEFAULT_PARALLEL);
  const state: ResumeState = input.resume ?? {
    runKey: `${info.workflowId}:${info.runId}`,
    startedAt: new Date().toISOString(),
    phase: 'prepare',
    next: 0,
    counts: emptyCounts(),
    missingDomains: [],
    changedPages: [],
    leftovers: { companies: [], contacts: [] },
    scanDone: input.mode !== 'full',
    rerun: false,
  };
  const ref = { runKey: state.runKey, mode: input.mode, ...(input.domain ? { domain: input.domain } : {}) };
  let progress: Progress = { phase: state.phase, done: state.next, total: 0, counts: state.counts };

  setHandler(progressQuery, () => ({ ...progress, counts: state.counts }), {
    description: 'Phase of the run, units done of that phase, and the counts so far.',
  });
  // The signal that came with signalWithStart is delivered as the handler is registered: it asked for
  // this very run, not for another one. Only signals that arrive once the run is under way ask for a rerun.
  let underWay = input.resume !== undefined;
  setHandler(
    syncCompanySignal,
    ({ domain }) => {
      // A company run asked again while it runs: run once more when this pass ends, with fresh data.
      if (input.mode === 'company' && domain === input.domain && underWay) state.rerun = true;
      else
        log.info('syncCompany signal ignored: this run already covers it or is another company', { domain });
    },
    { description: 'Re-sync the requests a company voted on (company runs re-run once more).' },
  );
  upsertSearchAttributes([
    { key: ENVIRONMENT_ATTRIBUTE, value: input.environment },
    { key: MODE_ATTRIBUTE, value: input.mode },
    { key: DRY_RUN_ATTRIBUTE, value: dryRun },
  ]);

  const add = (more: SyncCounts): void => {
    state.counts = addCounts(state.counts, more);
  };
  const addRequests = (r: { requests: SyncCounts['apiRequests'] }): void =>
    add(countsFromRequests(r.requests));
  /** What a failed activity or page sent: counted where the failure is absorbed, or by the run's catch. */
  const addFailedRequests = (err: unknown): void => add(countsFromRequests(requestsOfFailure(err)));
  const report = (phase: Phase, done: number, total: number): void => {
    progress = { phase, done, total, counts: state.counts };
    const c = state.counts;
    setCurrentDetails(
      [
        `**${input.mode === 'company' ? `Company sync: ${input.domain}` : 'Full sync'}${dryRun ? ' (dry run)' : ''}** — ${input.environment}`,
        `Phase: **${phase}** ${done}/${total}`,
        `Feature requests: ${c.featureRequests.identified} identified, ${c.featureRequests.created} created, ${c.featureRequests.updated} updated, ${c.featureRequests.unchanged} unchanged, ${c.featureRequests.failed} failed`,
        `Companies: ${c.companies.matched} matched, ${c.companies.created} created · Contacts: ${c.contacts.matched} matched, ${c.contacts.created} created`,
        `Associations: +${c.associations.created} −${c.associations.removed} · HubSpot requests: ${c.apiRequests.hubspot} (${c.apiRequests.rateLimited} rate-limited)`,
      ].join('\n\n'),
    );
  };

  /** Runs `work(i)` for i in [from, to) with at most `parallel` in flight; stops early when history is long. */
  const bounded = async (
    phase: Phase,
    from: number,
    to: number,
    work: (i: number) => Promise<void>,
    width = parallel,
  ): Promise<boolean> => {
    let next = from;
    let done = from;
    let stop = false;
    const running = new Set<Promise<void>>();
    while (next < to || running.size > 0) {
      while (!stop && next < to && running.size < width) {
        const i = next++;
        const task: Promise<void> = work(i).then(() => {
          running.delete(task);
          done++;
        });
        running.add(task);
      }
      if (running.size === 0) break;
      await Promise.race(running);
      report(phase, done, to);
      if (historyIsLong()) stop = true;
    }
    state.next = next;
    return next >= to;
  };

  const historyIsLong = (): boolean => {
    const now = workflowInfo();
    return (
      now.continueAsNewSuggested ||
      (input.continueAsNewAfterEvents !== undefined && now.historyLength > input.continueAsNewAfterEvents)
    );
  };

  /** Creates what a find phase left missing, 100 per activity (one HubSpot request each). */
  interface CreateResult {
    created: number;
    matched: number;
    failed: number;
    failures: SyncCounts['failures'];
    requests: SyncCounts['apiRequests'];
  }

  /** Counts the outcome of one create batch (companies or contacts). */
  const addCreated = (target: 'companies' | 'contacts', result: CreateResult): void => {
    addRequests(result);
    state.counts[target].created += result.created;
    state.counts[target].matched += result.matched;
    state.counts[target].failed += result.failed;
    state.counts.failures = appendFailures(state.counts.failures, result.failures);
  };

  const createInBatches = (
    phase: Phase,
    missing: string[],
    target: 'companies' | 'contacts',
    create: (items: string[]) => Promise<CreateResult>,
  ): Promise<boolean> =>
    bounded(phase, state.next, Math.ceil(missing.length / 100), async (i) => {
      addCreated(target, await create(missing.slice(i * 100, (i + 1) * 100)));
    });

  const resumeLater = async (): Promise<never> => {
    await condition(allHandlersFinished);
    log.info('continuing as new', { phase: state.phase, next: state.next });
    return continueAsNew<typeof syncFeatureRequests>({ ...input, resume: state });
  };

  /** Moves to the next phase; a long history hands over to a fresh run between phases too. */
  const enter = async (phase: Phase): Promise<void> => {
    state.phase = phase;
    state.next = 0;
    report(phase, 0, 0);
    if (phase !== 'done' && historyIsLong()) await resumeLater();
  };

  /**
   * Full runs: pages through every stored request on the search budget, before this run writes any, leaving
   * them in the worker's run state for planning. Requests whose post the source no longer lists are marked
   * merged (into a survivor) or deleted; never deleted in HubSpot. Returns false when it stopped early
   * because history grew long (it resumes from `scanAfterId`).
   */
  const scanRequests = async (objectTypeId: string): Promise<boolean> => {
    while (!state.scanDone) {
      const found = await search.scanFeatureRequests({
        ...ref,
        objectTypeId,
        ...(state.scanAfterId ? { afterId: state.scanAfterId } : {}),
      });
      addRequests(found);
      for (let i = 0; i < found.updates.length; i += 100) {
        const marked = await hubspot.markVanished({
          objectTypeId,
          updates: found.updates.slice(i, i + 100),
          dryRun,
        });
        addRequests(marked);
        state.counts.featureRequests.updated += marked.updated;
        state.counts.featureRequests.failed += marked.failed;
        state.counts.failures = appendFailures(state.counts.failures, marked.failures);
      }
      if (found.nextAfterId) state.scanAfterId = found.nextAfterId;
      else state.scanDone = true;
      if (!state.scanDone && historyIsLong()) return false;
    }
    return true;
  };

  /**
   * One page's child workflow; its partial association batches join the leftovers. A failed page is
   * reported and its requests lose their fingerprints.
   */
  const syncPage = async (i: number, objectTypeId: string, pages: number): Promise<void> => {
    const { page, externalIds } = state.changedPages[i]!;
    try {
      const result = await executeChild(syncFeatureRequestPage, {
        workflowId: `${info.workflowId}/page-${page}`,
        args: [
          {
            runKey: state.runKey,
            mode: input.mode,
            ...(input.domain ? { domain: input.domain } : {}),
            objectTypeId,
            page,
            changedExternalIds: externalIds,
            dryRun,
          },
        ],
        staticSummary: `Page ${page + 1} of ${pages}`,
      });
      add(result.counts);
      for (const toType of ['companies', 'contacts'] as ToType[])
        state.leftovers[toType].push(...result.leftovers[toType]);
    } catch (err) {
      if (isFatal(err)) throw err;
      addFailedRequests(err);
      // One bad page is reported, never fatal for the run. Its requests lose their fingerprints, so the next
      // run writes them again instead of taking half-written requests for synced ones.
      if (!dryRun) {
        try {
          addRequests(await hubspot.invalidatePage({ objectTypeId, externalIds }));
        } catch (invalidation) {
          if (isFatal(invalidation)) throw invalidation;
          addFailedRequests(invalidation);
        }
      }
      state.counts.featureRequests.failed += externalIds.length;
      state.counts.failures = appendFailures(state.counts.failures, [
        { kind: 'page', key: `page ${page}`, reason: failureMessage(err) },
      ]);
    }
  };

  /**
   * Writes one batch of leftover pairs. Requests whose pairs failed lose their fingerprints, so the next run
   * writes them again instead of taking them for synced.
   */
  const writeLeftovers = async (objectTypeId: string, toType: ToType, pairs: Pair[]): Promise<void> => {
    let broken: string[];
    try {
      const result = await hubspot.writeAssociations({ objectTypeId, toType, op: 'create', pairs, dryRun });
      addRequests(result);
      state.counts.associations.created += result.written;
      state.counts.failures = appendFailures(state.counts.failures, result.failures);
      broken = result.failures.map((f) => f.key);
    } catch (err) {
      if (isFatal(err)) throw err;
      addFailedRequests(err);
      broken = pairs.map(([from]) => from);
      state.counts.failures = appendFailures(state.counts.failures, [
        { kind: 'association', key: `${toType} batch of ${pairs.length}`, reason: failureMessage(err) },
      ]);
    }
    const ids = [...new Set(broken)].filter((id) => /^\d+$/.test(id));
    if (ids.length > 0 && !dryRun) addRequests(await hubspot.invalidateFingerprints({ objectTypeId, ids }));
  };

  /**
   * The pages, with the contacts they need resolved just ahead of them: contact searches (search budget) and
   * creates (ten-second budget) run alongside the pages, and a page starts once the contacts of its
   * requests' people are all found or created. Pages resolve any contact still unknown themselves, so this
   * ordering saves requests and time; it is not what makes a page correct. Returns false when it stopped
   * early because history grew long.
   */
  const runPages = async (objectTypeId: string, pages: number): Promise<boolean> => {
    const pipe = state.contacts!;
    const total = state.changedPages.length;
    const searchedOutOfOrder = new Map<number, { matched: number; missing: string[] }>();
    const createdOutOfOrder = new Map<number, number>(); // first missing email number → end
    let nextChunk = pipe.searched;
    let createIssued = pipe.created;
    let nextPage = state.next;
    let pagesDone = state.next;
    let searching = 0;
    let creating = 0;
    let paging = 0;
    let stop = false;
    const running = new Set<Promise<void>>();
    const launch = (work: () => Promise<void>, done: () => void): void => {
      const task: Promise<void> = work().then(() => {
        running.delete(task);
        done();
      });
      running.add(task);
    };
    const missingFound = (): number => pipe.created + pipe.pending.length;
    const ready = (i: number): boolean => {
      const end = pipe.pageEnds[state.changedPages[i]!.page] ?? 0;
      if (end === 0) return true;
      const chunk = Math.floor((end - 1) / pipe.chunkSize);
      return pipe.searched > chunk && pipe.created >= pipe.missingEnds[chunk]!;
    };

    for (;;) {
      while (!stop && searching < CONTACT_SEARCHES && nextChunk < pipe.chunks) {
        const chunk = nextChunk++;
        searching++;
        launch(
          async () => {
            try {
              const found = await search.findContacts({ ...ref, objectTypeId, pages, chunk });
              addRequests(found);
              searchedOutOfOrder.set(chunk, found);
            } catch (err) {
              if (isFatal(err)) throw err;
              addFailedRequests(err);
              // The pages look these contacts up themselves.
              log.warn('contact search failed; pages resolve those contacts', {
                chunk,
                error: failureMessage(err),
              });
              searchedOutOfOrder.set(chunk, { matched: 0, missing: [] });
            }
          },
          () => {
            searching--;
            for (
              let r = searchedOutOfOrder.get(pipe.searched);
              r;
              r = searchedOutOfOrder.get(pipe.searched)
            ) {
              searchedOutOfOrder.delete(pipe.searched);
              state.counts.contacts.matched += r.matched;
              pipe.pending.push(...r.missing);
              pipe.missingEnds.push(missingFound());
              pipe.searched++;
            }
          },
        );
      }
      for (;;) {
        const available = missingFound() - createIssued;
        const allSearched = pipe.searched === pipe.chunks;
        if (stop || creating >= parallel || available === 0 || (available < 100 && !allSearched)) break;
        const from = createIssued;
        const emails = pipe.pending.slice(from - pipe.created, from - pipe.created + 100);
        createIssued += emails.length;
        creating++;
        launch(
          async () => {
            try {
              addCreated('contacts', await hubspot.createContacts({ ...ref, emails, dryRun }));
            } catch (err) {
              if (isFatal(err)) throw err;
              addFailedRequests(err);
              state.counts.contacts.failed += emails.length;
              state.counts.failures = appendFailures(state.counts.failures, [
                {
                  kind: 'contact',
                  // By position and count, never by email: failures reach Slack, logs and histories.
                  key: `contacts batch ${Math.floor(from / 100) + 1} (${emails.length} contacts)`,
                  reason: failureMessage(err),
                },
              ]);
            }
          },
          () => {
            creating--;
            createdOutOfOrder.set(from, from + emails.length);
            for (
              let end = createdOutOfOrder.get(pipe.created);
              end !== undefined;
              end = createdOutOfOrder.get(pipe.created)
            ) {
              createdOutOfOrder.delete(pipe.created);
              pipe.pending = pipe.pending.slice(end - pipe.created);
              pipe.created = end;
            }
          },
        );
      }
      // Leftover pairs go out in full batches, and the rest once every page is done.
      for (const toType of ['companies', 'contacts'] as ToType[]) {
        const pending = state.leftovers[toType];
        const pagesOver = nextPage >= total && paging === 0;
        while (!stop && (pending.length >= 100 || (pagesOver && pending.length > 0))) {
          const pairs = pending.splice(0, 100);
          launch(
            () => writeLeftovers(objectTypeId, toType, pairs),
            () => undefined,
          );
        }
      }
      // Pages start in order, each once its contacts are resolved; with nothing else under way a page starts
      // anyway (it resolves what it needs itself), so the run can never wait on itself.
      while (!stop && paging < parallel && nextPage < total && (ready(nextPage) || running.size === 0)) {
        const i = nextPage++;
        paging++;
        launch(
          () => syncPage(i, objectTypeId, pages),
          () => {
            paging--;
            pagesDone++;
          },
        );
      }
      if (running.size === 0) break;
      await Promise.race(running);
      report('pages', pagesDone, total);
      if (historyIsLong()) stop = true;
    }
    state.next = nextPage;
    return nextPage >= total && state.leftovers.companies.length + state.leftovers.contacts.length === 0;
  };

  try {
    if (state.phase === 'prepare') {
      report('prepare', 0, 1);
      const portal = await hubspot.resolvePortal();
      underWay = true;
      addRequests(portal);
      state.objectTypeId = portal.objectTypeId;
      const overview = await source.prepareRun(ref);
      addRequests(overview);
      state.overview = overview;
      state.counts.featureRequests.identified += overview.posts;
      // Held-back posts (malformed source records), counted exactly: the failure list is capped. A history
      // recorded before the count existed replays with the old count, never NaN.
      state.counts.featureRequests.failed +=
        (overview.heldBackPosts as number | undefined) ??
        overview.sourceErrors.filter((e) => e.kind === 'post').length;
      state.counts.contacts.skipped += overview.skippedPeople;
      state.counts.failures = appendFailures(
        state.counts.failures,
        overview.sourceErrors.map((e) => ({ kind: e.kind, key: e.id, reason: e.reason })),
      );
      await enter('companies');
    }
    const overview = state.overview!;
    const objectTypeId = state.objectTypeId!;

    if (state.phase === 'companies') {
      // Both on the search budget: the companies the plan needs, and the scan of stored requests.
      const scanning = scanRequests(objectTypeId);
      scanning.catch(() => undefined); // observed below; no unhandled rejection meanwhile
      const finished = await bounded('companies', state.next, overview.domainChunks, async (chunk) => {
        const found = await search.findCompanies({ ...ref, chunk });
        addRequests(found);
        state.counts.companies.matched += found.matched;
        state.missingDomains.push(...found.missing);
      });
      const scanned = await scanning;
      if (!finished || !scanned) return await resumeLater();
      state.missingDomains.sort();
      await enter('create-companies');
    }

    if (state.phase === 'create-companies') {
      const finished = await createInBatches(
        'create-companies',
        state.missingDomains,
        'companies',
        (domains) => hubspot.createCompanies({ ...ref, domains, dryRun }),
      );
      if (!finished) return await resumeLater();
      state.missingDomains = [];
      await enter('plan');
    }

    if (state.phase === 'plan') {
      // Full runs plan against the scan, without a request; company runs read their few pages' requests.
      const planner = input.mode === 'full' ? planning : hubspot;
      const finished = await bounded(
        'plan',
        state.next,
        overview.pages,
        async (page) => {
          const plan = await planner.planFeatureRequests({ ...ref, objectTypeId, page });
          addRequests(plan);
          state.counts.featureRequests.unchanged += plan.unchanged;
          if (plan.changedExternalIds.length > 0)
            state.changedPages.push({ page, externalIds: plan.changedExternalIds });
        },
        input.mode === 'full' ? PLAN_PARALLEL : parallel,
      );
      if (!finished) return await resumeLater();
      state.changedPages.sort((a, b) => a.page - b.page);
      const contacts = await planning.collectContacts({ ...ref, objectTypeId, pages: overview.pages });
      addRequests(contacts);
      state.contacts = {
        chunkSize: contacts.chunkSize,
        chunks: contacts.chunks,
        searched: 0,
        missingEnds: [],
        pending: [],
        created: 0,
        pageEnds: contacts.pageEnds,
      };
      await enter('pages');
    }

    if (state.phase === 'pages') {
      if (!(await runPages(objectTypeId, overview.pages))) return await resumeLater();
      await enter('done');
    }
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err; // a hand-over, not a failure
    addFailedRequests(err);
    const summary = await finish(input, state, local, slack, 'failed', failureMessage(err));
    log.error('sync failed', { error: failureMessage(err), workflowId: summary.workflowId });
    throw err;
  }

  const summary = await finish(input, state, local, slack, 'completed');
  if (state.rerun) {
    await condition(allHandlersFinished);
    return continueAsNew<typeof syncFeatureRequests>({ ...input, resume: undefined });
  }
  return summary;
}

async function finish(
  input: SyncInput,
  state: ResumeState,
  local: Activities,
  slack: Activities,
  status: 'completed' | 'failed',
  error?: string,
): Promise<RunSummary> {
  const info = workflowInfo();
  try {
    await local.finishRun({ runKey: state.runKey });
  } catch {
    // the working set expires on its own
  }
  const base = input.uiBaseUrl ?? 'http://localhost:8233';
  const summaryOf = (counts: SyncCounts): RunSummary =>
    buildSummary({
      ...counts,
      runId: info.runId,
      workflowId: info.workflowId,
      environment: input.environment,
      mode: input.mode,
      ...(input.domain ? { domain: input.domain } : {}),
      dryRun: input.dryRun ?? false,
      startedAt: state.startedAt,
      finishedAt: new Date(),
      uiUrl: runUiUrl(base, info.namespace, info.workflowId, info.runId),
    });
  let summary = summaryOf(state.counts);
  try {
    const posted = await slack.postSummary({ summary, status, ...(error ? { error } : {}) });
    state.counts = addCounts(state.counts, countsFromRequests(posted.requests));
  } catch (err) {
    // The summary is still the run's result; a Slack outage never fails a completed sync. It counts the
    // requests the failed post sent (the post, a lookup, retries).
    state.counts = addCounts(state.counts, countsFromRequests(requestsOfFailure(err)));
    state.counts.failures = appendFailures(state.counts.failures, [
      { kind: 'slack', key: 'summary', reason: failureMessage(err) },
    ]);
  }
  summary = summaryOf(state.counts);
  setCurrentDetails(
    `**${status === 'completed' ? 'Completed' : 'Failed'}** in ${Math.round(summary.durationMs / 1000)} s`,
  );
  return summary;
}
