// The scan of stored requests (full runs), on the search budget, before this run writes any: it pages
// through every stored request into the run store (the pages' plans read their fingerprints there).
// Requests whose post the snapshot does not list are marked merged (into a survivor) or deleted; never
// deleted in HubSpot. It runs inside the pages pipeline, a search at a time (the pipeline checks its history
// between them), and no page is planned before it is done.
import type { Run } from '../run';

const HUBSPOT_BATCH = 100;

/** One search of the scan, from where it stopped, and the marks of the vanished requests it found. */
export async function scanNext(run: Run): Promise<void> {
  const { state, activities } = run;
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
}
