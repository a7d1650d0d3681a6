// Phases 2 and 3, companies: every company domain of the run is searched (250 per search, on the search
// budget), alongside the scan of every stored request (full runs); then the missing companies are created,
// 100 per request. Both results go into the run store, where the pages' plans read them.
import { forEachBounded } from '../concurrency';
import { addCreated, type Run } from '../run';

const HUBSPOT_BATCH = 100;

/** Returns false when it stopped early because history grew long (it resumes where it stopped). */
export async function findCompanies(run: Run): Promise<boolean> {
  const { state, activities } = run;
  const overview = state.overview!;
  const scanning = scanRequests(run);
  scanning.catch(() => undefined); // observed below; no unhandled rejection meanwhile
  const next = await forEachBounded(
    state.next,
    overview.domainChunks,
    run.parallel,
    async (chunk) => {
      const found = await activities.search.findCompanies({ ...run.ref(), chunk });
      run.addRequests(found);
      state.counts.companies.matched += found.matched;
      state.missingDomains += found.missing;
    },
    {
      shouldStop: () => run.historyIsLong(),
      onDone: (done) => run.report('companies', done, overview.domainChunks),
    },
  );
  state.next = next;
  const scanned = await scanning;
  return next >= overview.domainChunks && scanned;
}

/** Creates the companies the search did not find, 100 per activity (one HubSpot request each). */
export async function createCompanies(run: Run): Promise<boolean> {
  const { state, activities } = run;
  const batches = Math.ceil(state.missingDomains / HUBSPOT_BATCH);
  const next = await forEachBounded(
    state.next,
    batches,
    run.parallel,
    async (batch) => {
      addCreated(
        run,
        'companies',
        await activities.hubspot.createCompanies({ ...run.ref(), batch, dryRun: run.dryRun }),
      );
    },
    {
      shouldStop: () => run.historyIsLong(),
      onDone: (done) => run.report('create-companies', done, batches),
    },
  );
  state.next = next;
  return next >= batches;
}

/**
 * Full runs: pages through every stored request on the search budget, before this run writes any, into the
 * run store. Requests whose post the snapshot does not list are marked merged (into a survivor) or deleted;
 * never deleted in HubSpot. Returns false when it stopped early because history grew long.
 */
async function scanRequests(run: Run): Promise<boolean> {
  const { state, activities } = run;
  while (!state.scanDone) {
    const found = await activities.search.scanFeatureRequests({
      ...run.ref(),
      objectTypeId: state.objectTypeId!,
      ...(state.scanAfterId ? { afterId: state.scanAfterId } : {}),
    });
    run.addRequests(found);
    for (let i = 0; i < found.updates.length; i += HUBSPOT_BATCH) {
      const marked = await activities.hubspot.markVanished({
        objectTypeId: state.objectTypeId!,
        updates: found.updates.slice(i, i + HUBSPOT_BATCH),
        dryRun: run.dryRun,
      });
      run.addRequests(marked);
      state.counts.featureRequests.updated += marked.updated;
      state.counts.featureRequests.failed += marked.failed;
      run.addFailures(marked.failures);
    }
    if (found.nextAfterId) state.scanAfterId = found.nextAfterId;
    else state.scanDone = true;
    if (!state.scanDone && run.historyIsLong()) return false;
  }
  return true;
}
