// Phase 4, pages. Three streams run side by side, each bounded:
// - contacts: the run's emails are searched 200 at a time (search budget), in the order the pages need them,
//   and the missing ones created 100 at a time;
// - pages: a page is planned once the contacts of its people are known (the plan's fingerprints cover contact
//   ids), and a page with changes is written by a child workflow;
// - leftovers and commits: each page hands back its last, partial batch of pairs of each kind; they are packed
//   into full batches here, and a page is committed (its fingerprints written) once all its pairs landed.
import { executeChild, log, workflowInfo } from '@temporalio/workflow';
import type { ToType } from '../../activities';
import { TaskPool } from '../concurrency';
import { addCreated, type PagePair, type Pipeline, type Run, type WaitingPage } from '../run';
import { syncFeatureRequestPage } from '../sync-page';
import { failureMessage, isFatal } from '../util';

const HUBSPOT_BATCH = 100;
/** Contact searches in flight: enough for the search queue's rate to be the limit. */
const CONTACT_SEARCHES = 4;
const KINDS: ToType[] = ['companies', 'contacts'];

export function newPipeline(): Pipeline {
  return {
    searched: 0,
    missingEnds: [],
    created: 0,
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
  // With creation off, nothing waits for creates; a dry run still counts the creates it would make.
  const creating = overview.createContacts;
  const pool = new TaskPool();
  const searchedOutOfOrder = new Map<number, number>(); // chunk → missing emails found in it
  const createdOutOfOrder = new Map<number, number>(); // first missing email number → end
  let nextChunk = pipe.searched;
  let createIssued = pipe.created;
  let stop = false;

  const missingFound = (): number => pipe.missingEnds[pipe.searched - 1] ?? 0;
  const allSearched = (): boolean => pipe.searched >= overview.emailChunks;
  /** A page may be planned once every email it and the pages before it need is searched and created. */
  const ready = (page: number): boolean => {
    const end = overview.pageEmailEnds[page] ?? 0;
    if (end === 0) return true;
    const chunk = Math.floor((end - 1) / overview.emailChunkSize);
    if (pipe.searched <= chunk) return false;
    return !creating || pipe.created >= pipe.missingEnds[chunk]!;
  };

  const commit = async (waiting: WaitingPage): Promise<void> => {
    if (run.dryRun) return;
    try {
      const result = await activities.hubspot.commitPage({
        ...run.ref(),
        objectTypeId: state.objectTypeId!,
        page: waiting.page,
        planHash: waiting.planHash,
        brokenIds: waiting.brokenIds,
        failedExternalIds: waiting.failedExternalIds,
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
    const planned = await (input.mode === 'full' ? activities.store : activities.hubspot).planPage({
      ...run.ref(),
      objectTypeId: state.objectTypeId!,
      page: p,
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
          },
        ],
        staticSummary: `Page ${p + 1} of ${overview.pages}`,
      });
      run.add(result.counts);
      waiting.brokenIds = result.brokenIds;
      waiting.failedExternalIds = result.failedExternalIds;
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
      const result = await activities.hubspot.writeAssociations({
        objectTypeId: state.objectTypeId!,
        toType: kind,
        pairs: pairs.map(([from, to]) => [from, to]),
        dryRun: run.dryRun,
      });
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
    // Contacts: searches in chunk order (applied as a prefix), then creates of the missing ones, 100 at a time.
    while (!stop && pool.count('search') < CONTACT_SEARCHES && nextChunk < overview.emailChunks) {
      const chunk = nextChunk++;
      pool.launch('search', async () => {
        const found = await activities.search.findContacts({ ...run.ref(), chunk });
        run.addRequests(found);
        state.counts.contacts.matched += found.matched;
        searchedOutOfOrder.set(chunk, found.missing);
        for (
          let m = searchedOutOfOrder.get(pipe.searched);
          m !== undefined;
          m = searchedOutOfOrder.get(pipe.searched)
        ) {
          searchedOutOfOrder.delete(pipe.searched);
          pipe.missingEnds.push(missingFound() + m);
          pipe.searched++;
        }
      });
    }
    if (!creating) pipe.created = missingFound();
    for (;;) {
      const available = missingFound() - createIssued;
      if (!creating || stop || pool.count('create') >= run.parallel || available === 0) break;
      if (available < HUBSPOT_BATCH && !allSearched()) break;
      const from = createIssued;
      const count = Math.min(HUBSPOT_BATCH, available);
      createIssued += count;
      pool.launch('create', async () => {
        try {
          addCreated(
            run,
            'contacts',
            await activities.hubspot.createContacts({ ...run.ref(), from, count, dryRun: run.dryRun }),
          );
        } catch (err) {
          if (isFatal(err)) throw err;
          run.addFailedRequests(err);
          // Their requests are planned without them; the next run creates them and associates them.
          state.counts.contacts.failed += count;
          run.addFailures([
            {
              kind: 'contact',
              key: `contacts ${from + 1}–${from + count} of the run`,
              reason: failureMessage(err),
            },
          ]);
        }
        createdOutOfOrder.set(from, from + count);
        for (
          let end = createdOutOfOrder.get(pipe.created);
          end !== undefined;
          end = createdOutOfOrder.get(pipe.created)
        ) {
          createdOutOfOrder.delete(pipe.created);
          pipe.created = end;
        }
      });
    }
    // Leftover pairs go out in full batches, and the rest once every page is written.
    const pagesWritten = pipe.nextPage >= overview.pages && pool.count('page') === 0;
    for (const kind of KINDS) {
      const pending = pipe.leftovers[kind];
      while (!stop && (pending.length >= HUBSPOT_BATCH || (pagesWritten && pending.length > 0))) {
        const pairs = pending.splice(0, HUBSPOT_BATCH);
        pool.launch('leftovers', () => writeLeftovers(kind, pairs));
      }
    }
    // Pages start in order, each once its contacts are resolved.
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
      // Nothing runs and the next page is not ready: a contact stream stalled, which cannot happen.
      log.error('pages pipeline stalled', {
        nextPage: pipe.nextPage,
        searched: pipe.searched,
        created: pipe.created,
      });
      throw new Error(`pages pipeline stalled at page ${pipe.nextPage}`);
    }
    await pool.next();
    run.report('pages', pipe.pagesDone, overview.pages);
    if (run.historyIsLong()) stop = true;
  }
  return (
    pipe.nextPage >= overview.pages &&
    pipe.waiting.length === 0 &&
    pipe.leftovers.companies.length + pipe.leftovers.contacts.length === 0
  );
}
