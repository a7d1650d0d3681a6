// The scheduled sync: reads the source, resolves companies and contacts once for the whole run, fans out a
// child workflow per page of changed requests, marks merged and deleted requests, and ends with a summary
// posted to Slack. Deterministic orchestration only: activities do the I/O, and they exchange ids and
// counts with this workflow, never whole pages.
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
import type { Activities, RunOverview } from '../activities';
import { addCounts, appendFailures, buildSummary, emptyCounts, runUiUrl } from '../domain/summary';
import type { RunSummary, SyncCounts, SyncMode } from '../domain/types';
import { DRY_RUN_ATTRIBUTE, ENVIRONMENT_ATTRIBUTE, MODE_ATTRIBUTE } from '../search-attributes';
import { taskQueues } from '../task-queues';
import { progressQuery, syncCompanySignal, type Progress } from './messages';
import { HUBSPOT_ACTIVITY, LOCAL_ACTIVITY, SLACK_ACTIVITY, SOURCE_ACTIVITY } from './options';
import { syncFeatureRequestPage } from './sync-page';
import { countsFromRequests, failureMessage, isFatal } from './util';

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

type Phase =
  | 'prepare'
  | 'companies'
  | 'create-companies'
  | 'plan'
  | 'contacts'
  | 'create-contacts'
  | 'pages'
  | 'vanished'
  | 'done';

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
  contactChunks: number;
  missingEmails: string[];
  vanishedAfterId?: string;
  vanishedDone: boolean;
  rerun: boolean;
}

const DEFAULT_PARALLEL = 8;

export async function syncFeatureRequests(input: SyncInput): Promise<RunSummary> {
  const info = workflowInfo();
  const queues = taskQueues(info.taskQueue);
  const source = proxyActivities<Activities>({ ...SOURCE_ACTIVITY, taskQueue: queues.main });
  const hubspot = proxyActivities<Activities>({ ...HUBSPOT_ACTIVITY, taskQueue: queues.hubspot });
  const search = proxyActivities<Activities>({ ...HUBSPOT_ACTIVITY, taskQueue: queues.hubspotSearch });
  const slack = proxyActivities<Activities>({ ...SLACK_ACTIVITY, taskQueue: queues.main });
  const local = proxyActivities<Activities>({ ...LOCAL_ACTIVITY, taskQueue: queues.main });

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
    contactChunks: 0,
    missingEmails: [],
    vanishedDone: false,
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
  ): Promise<boolean> => {
    let next = from;
    let done = from;
    let stop = false;
    const running = new Set<Promise<void>>();
    while (next < to || running.size > 0) {
      while (!stop && next < to && running.size < parallel) {
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
  const createInBatches = (
    phase: Phase,
    missing: string[],
    target: 'companies' | 'contacts',
    create: (items: string[]) => Promise<{
      created: number;
      matched: number;
      failed: number;
      failures: SyncCounts['failures'];
      requests: SyncCounts['apiRequests'];
    }>,
  ): Promise<boolean> =>
    bounded(phase, state.next, Math.ceil(missing.length / 100), async (i) => {
      const result = await create(missing.slice(i * 100, (i + 1) * 100));
      addRequests(result);
      state.counts[target].created += result.created;
      state.counts[target].matched += result.matched;
      state.counts[target].failed += result.failed;
      state.counts.failures = appendFailures(state.counts.failures, result.failures);
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
   * Requests whose post the source no longer lists: merged (into a survivor) or deleted; never deleted in
   * HubSpot. Pages through the active requests on the search budget. Returns false when it stopped early
   * because history grew long (it resumes from `vanishedAfterId`).
   */
  const scanVanished = async (objectTypeId: string): Promise<boolean> => {
    while (!state.vanishedDone) {
      const found = await search.findVanished({
        ...ref,
        objectTypeId,
        ...(state.vanishedAfterId ? { afterId: state.vanishedAfterId } : {}),
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
      if (found.nextAfterId) state.vanishedAfterId = found.nextAfterId;
      else state.vanishedDone = true;
      if (!state.vanishedDone && historyIsLong()) return false;
    }
    return true;
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
      state.counts.featureRequests.failed += overview.sourceErrors.filter((e) => e.kind === 'post').length;
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
      const finished = await bounded('companies', state.next, overview.domainChunks, async (chunk) => {
        const found = await search.findCompanies({ ...ref, chunk });
        addRequests(found);
        state.counts.companies.matched += found.matched;
        state.missingDomains.push(...found.missing);
      });
      if (!finished) return await resumeLater();
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
      const finished = await bounded('plan', state.next, overview.pages, async (page) => {
        const plan = await hubspot.planFeatureRequests({ ...ref, objectTypeId, page });
        addRequests(plan);
        state.counts.featureRequests.unchanged += plan.unchanged;
        if (plan.changedExternalIds.length > 0)
          state.changedPages.push({ page, externalIds: plan.changedExternalIds });
      });
      if (!finished) return await resumeLater();
      state.changedPages.sort((a, b) => a.page - b.page);
      const contacts = await local.collectContacts({ ...ref, objectTypeId, pages: overview.pages });
      addRequests(contacts);
      state.contactChunks = contacts.chunks;
      await enter('contacts');
    }

    if (state.phase === 'contacts') {
      const finished = await bounded('contacts', state.next, state.contactChunks, async (chunk) => {
        const found = await hubspot.findContacts({ ...ref, objectTypeId, pages: overview.pages, chunk });
        addRequests(found);
        state.counts.contacts.matched += found.matched;
        state.missingEmails.push(...found.missing);
      });
      if (!finished) return await resumeLater();
      state.missingEmails.sort();
      await enter('create-contacts');
    }

    if (state.phase === 'create-contacts') {
      const finished = await createInBatches('create-contacts', state.missingEmails, 'contacts', (emails) =>
        hubspot.createContacts({ ...ref, emails, dryRun }),
      );
      if (!finished) return await resumeLater();
      state.missingEmails = [];
      await enter('pages');
    }

    if (state.phase === 'pages') {
      // The vanished scan spends the search budget and touches only requests outside this run's pages, so it
      // runs alongside the pages, which spend the ten-second budget.
      const scanning = input.mode === 'full' ? scanVanished(objectTypeId) : Promise.resolve(true);
      // Observed below; this keeps a failure of the scan from being an unhandled rejection meanwhile.
      scanning.catch(() => undefined);
      const finished = await bounded('pages', state.next, state.changedPages.length, async (i) => {
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
            staticSummary: `Page ${page + 1} of ${overview.pages}`,
          });
          add(result);
        } catch (err) {
          if (isFatal(err)) throw err;
          // One bad page is reported, never fatal for the run. Its requests lose their fingerprints, so the next
          // run writes them again instead of taking half-written requests for synced ones.
          if (!dryRun) {
            try {
              addRequests(await hubspot.invalidatePage({ objectTypeId, externalIds }));
            } catch (invalidation) {
              if (isFatal(invalidation)) throw invalidation;
            }
          }
          state.counts.featureRequests.failed += externalIds.length;
          state.counts.failures = appendFailures(state.counts.failures, [
            { kind: 'page', key: `page ${page}`, reason: failureMessage(err) },
          ]);
        }
      });
      await scanning; // never two scans at once: the next phase or run picks up where this one stopped
      if (!finished) return await resumeLater();
      await enter(input.mode === 'full' ? 'vanished' : 'done');
    }

    if (state.phase === 'vanished') {
      if (!(await scanVanished(objectTypeId))) return await resumeLater();
      await enter('done');
    }
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err; // a hand-over, not a failure
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
    // The summary is still the run's result; a Slack outage never fails a completed sync.
    state.counts.apiRequests.slack += 1;
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
