// Phase 2, pages. Everything after the source read runs here, side by side, each bounded:
// - companies and contacts (./stream, ./resolve): the run's domains and emails are searched (150 and 200 per
//   search, on the search budget) in the order the pages need them, and the missing ones created 100 at a
//   time; the searches of both share the search queue, in the order the next pages need them;
// - the scan of stored requests (full runs, ./scan), which every page's plan needs;
// - pages: a page is planned once the scan is done and the companies and contacts of its people are known
//   (the plan's fingerprints cover their ids), and a page with changes is written by a child workflow;
// - leftovers and commits: each page hands back its last, partial batch of pairs of each kind; they are packed
//   into full batches here, and a page is committed (its fingerprints written) once all its pairs landed.
import { executeChild, log, patched, workflowInfo } from '@temporalio/workflow';
import type { ToType } from '../../activities';
import { TaskPool } from '../concurrency';
import type { PagePair, Pipeline, Run, WaitingPage } from '../run';
import { syncFeatureRequestPage } from '../sync-page';
import { failureMessage, isFatal } from '../util';
import { companyStream, contactStream, launchSearches } from './resolve';
import { markNext, marksLeft, scanNext } from './scan';
import { newStreamState } from './stream';

const HUBSPOT_BATCH = 100;
const KINDS: ToType[] = ['companies', 'contacts'];

export function newPipeline(): Pipeline {
  return {
    companies: newStreamState(),
    contacts: newStreamState(),
    nextPage: 0,
    pagesDone: 0,
    waiting: [],
    leftovers: { companies: [], contacts: [] },
  };
}

/** Returns false when it stopped early because history grew long (the pipeline resumes from its state). */
export async function runPages(run: Run): Promise<boolean> {
  const { state, activities } = run;
  const overview = state.overview!;
  const pipe = (state.pipeline ??= newPipeline());
  const pool = new TaskPool();
  const companies = companyStream(run, pool);
  const contacts = contactStream(run, pool);
  const streams = [companies, contacts];
  const resolving = () => ({ companies: companies.progress(), contacts: contacts.progress() });
  let stop = false;

  /** A page may be planned once the scan is done and every key it and the pages before it need resolved. */
  const ready = (page: number): boolean => state.scanDone && streams.every((s) => s.ready(page));

  const commit = async (waiting: WaitingPage): Promise<void> => {
    if (run.dryRun) return;
    try {
      const commitPage = state.target
        ? activities.hubspot.commitTicketPage
        : state.labelledActivities
          ? activities.hubspot.commitLabelledPage
          : activities.hubspot.commitPage;
      const result = await commitPage({
        ...run.ref(),
        objectTypeId: state.objectTypeId!,
        page: waiting.page,
        planHash: waiting.planHash,
        brokenIds: waiting.brokenIds,
        failedExternalIds: waiting.failedExternalIds,
        ...(waiting.unlabelled ? { unlabelled: true } : {}),
        dryRun: run.dryRun,
      });
      run.addRequests(result);
      state.counts.featureRequests.failed += result.failed;
      run.addFailures(result.failures);
    } catch (err) {
      if (isFatal(err)) throw err;
      run.addFailedRequests(err);
      // Nothing was committed: the page's requests keep empty fingerprints and the next run writes them again.
      run.addFailures([
        { kind: 'page', key: `page ${waiting.page}`, reason: `not committed: ${failureMessage(err)}` },
      ]);
    }
  };

  /** A page whose leftover pairs are all written is committed. */
  const settle = (waiting: WaitingPage): void => {
    if (waiting.pending > 0) return;
    pipe.waiting = pipe.waiting.filter((w) => w !== waiting);
    pool.launch('commit', async () => {
      await commit(waiting);
      pipe.pagesDone++;
    });
  };

  const page = async (p: number): Promise<void> => {
    // Under the sync's label only in runs that wrote this way from the start of the page (a run of an older
    // version, resumed here, keeps its default associations: replay must take the same path).
    const labelled = state.labels !== undefined && patched('association-labels');
    const queue = input.mode === 'full' ? activities.store : activities.hubspot;
    const planPage = state.target
      ? queue.planTicketPage
      : labelled && state.labelledActivities
        ? queue.planLabelledPage
        : queue.planPage;
    const planned = await planPage({
      ...run.ref(),
      objectTypeId: state.objectTypeId!,
      page: p,
      ...(labelled ? { labelled: true } : {}),
      previous: run.dryRun ? true : 'rollups',
    });
    run.addRequests(planned);
    state.counts.featureRequests.unchanged += planned.unchanged;
    if (planned.changed === 0) {
      pipe.pagesDone++;
      return;
    }
    const waiting: WaitingPage = {
      page: p,
      planHash: planned.planHash,
      pending: 0,
      brokenIds: [],
      failedExternalIds: [],
    };
    try {
      const result = await executeChild(syncFeatureRequestPage, {
        workflowId: `${workflowInfo().workflowId}/page-${p}`,
        args: [
          {
            ref: run.ref(),
            objectTypeId: state.objectTypeId!,
            page: p,
            planHash: planned.planHash,
            dryRun: run.dryRun,
            ...(labelled ? { labels: state.labels } : {}),
          },
        ],
        staticSummary: `Page ${p + 1} of ${overview.pages}`,
      });
      run.add(result.counts);
      waiting.brokenIds = result.brokenIds;
      waiting.failedExternalIds = result.failedExternalIds;
      // What the child actually wrote: a child run by a worker of an older version wrote default pairs.
      if (labelled && result.labelled !== true) waiting.unlabelled = true;
      for (const kind of KINDS) {
        for (const [from, to] of result.leftovers[kind]) pipe.leftovers[kind].push([from, to, p]);
        waiting.pending += result.leftovers[kind].length;
      }
    } catch (err) {
      if (isFatal(err)) throw err;
      run.addFailedRequests(err);
      // One bad page is reported, never fatal for the run; it is not committed, so the next run retries it.
      state.counts.featureRequests.failed += planned.changed;
      run.addFailures([{ kind: 'page', key: `page ${p}`, reason: failureMessage(err) }]);
      pipe.pagesDone++;
      return;
    }
    pipe.waiting.push(waiting);
    settle(waiting);
  };

  /** Writes one packed batch; the pages whose last leftovers it carried are committed. */
  const writeLeftovers = async (kind: ToType, pairs: PagePair[]): Promise<void> => {
    let broken: string[];
    try {
      const batch = {
        objectTypeId: state.objectTypeId!,
        toType: kind,
        pairs: pairs.map(([from, to]): [string, string] => [from, to]),
        dryRun: run.dryRun,
      };
      const result =
        state.labels && patched('association-labels')
          ? await activities.hubspot.writeLabelledAssociations({ ...batch, labelTypeId: state.labels[kind] })
          : await activities.hubspot.writeAssociations(batch);
      run.addRequests(result);
      state.counts.associations.created += result.written;
      run.addFailures(result.failures);
      broken = result.brokenIds;
    } catch (err) {
      if (isFatal(err)) throw err;
      run.addFailedRequests(err);
      broken = pairs.map(([from]) => from);
      run.addFailures([
        { kind: 'association', key: `${kind} batch of ${pairs.length}`, reason: failureMessage(err) },
      ]);
    }
    const brokenSet = new Set(broken);
    for (const [from, , p] of pairs) {
      const waiting = pipe.waiting.find((w) => w.page === p);
      if (!waiting) continue;
      waiting.pending--;
      if (brokenSet.has(from) && !waiting.brokenIds.includes(from)) waiting.brokenIds.push(from);
    }
    for (const waiting of [...pipe.waiting]) settle(waiting);
  };

  const input = run.input;
  for (;;) {
    // Companies and contacts: searches in the order the pages need them, then creates of the missing ones.
    if (!stop) {
      launchSearches(streams);
      for (const stream of streams) stream.launchCreates(run.parallel);
    }
    // The scan, a search at a time, so that a long one still hands over when history grows.
    if (!stop && !state.scanDone && pool.count('scan') === 0) pool.launch('scan', () => scanNext(run));
    // Then the marks of what vanished, a batch at a time, beside the pages.
    if (!stop && marksLeft(run) && pool.count('mark') === 0) pool.launch('mark', () => markNext(run));
    // Leftover pairs go out in full batches, and the rest once every page is written.
    const pagesWritten = pipe.nextPage >= overview.pages && pool.count('page') === 0;
    for (const kind of KINDS) {
      const pending = pipe.leftovers[kind];
      while (!stop && (pending.length >= HUBSPOT_BATCH || (pagesWritten && pending.length > 0))) {
        const pairs = pending.splice(0, HUBSPOT_BATCH);
        pool.launch('leftovers', () => writeLeftovers(kind, pairs));
      }
    }
    // Pages start in order, each once what it needs is resolved.
    while (
      !stop &&
      pool.count('page') < run.parallel &&
      pipe.nextPage < overview.pages &&
      ready(pipe.nextPage)
    ) {
      const p = pipe.nextPage++;
      pool.launch('page', () => page(p));
    }
    if (pool.count() === 0) {
      if (stop || pipe.nextPage >= overview.pages) break;
      // Nothing runs and the next page is not ready: a stream stalled, which cannot happen.
      log.error('pages pipeline stalled', { nextPage: pipe.nextPage, ...resolving() });
      throw new Error(`pages pipeline stalled at page ${pipe.nextPage}`);
    }
    await pool.next();
    run.report('pages', pipe.pagesDone, overview.pages, resolving());
    if (run.historyIsLong()) stop = true;
  }
  return (
    state.scanDone &&
    !marksLeft(run) &&
    pipe.nextPage >= overview.pages &&
    pipe.waiting.length === 0 &&
    pipe.leftovers.companies.length + pipe.leftovers.contacts.length === 0
  );
}
