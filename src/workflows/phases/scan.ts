// The scan of stored requests (full runs), on the search budget, before this run writes any: it pages
// through every stored request into the run store (the pages' plans read their fingerprints there).
// Requests whose post the source no longer lists, confirmed gone by id, are kept in the run store as
// vanished. Once the scan is done the run knows how many there are: within the limit (SYNC_MAX_VANISHED, or
// 50 or 5 % of the requests) they are marked merged or deleted, never deleted in HubSpot; past it none is,
// and the summary says so, until an operator confirms with `sync --confirm-vanish`. It runs inside the pages
// pipeline, a search at a time (the pipeline checks its history between them), and no page is planned before
// the scan is done.
import { patched } from '@temporalio/workflow';
import type { Run, VanishState } from '../run';

const HUBSPOT_BATCH = 100;
/** The default limit: 50 requests, or this share of the stored requests, whichever is larger. */
const DEFAULT_MAX_VANISHED = 50;
const DEFAULT_MAX_VANISHED_SHARE = 0.05;

/** One search of the scan, from where it stopped. */
export async function scanNext(run: Run): Promise<void> {
  const { state, activities } = run;
  // Decided once per run, at its first search: runs before the limit (their histories, and a run of theirs
  // that was mid-scan at the deploy) mark what each search finds at once, to the end of their scan.
  if (state.vanish === undefined && (state.scanAfterId !== undefined || !patched('vanish-limit')))
    return scanAndMark(run);
  const scan = state.target
    ? activities.search.scanTicketRequests
    : activities.search.scanFeatureRequestsKept;
  const found = await scan({
    ...run.ref(),
    objectTypeId: state.objectTypeId!,
    ...(state.scanAfterId ? { afterId: state.scanAfterId } : {}),
    // What HubSpot holds of each request: a dry run's plan says old → new; any run's summary, what grew.
    previous: run.dryRun ? true : 'rollups',
  });
  run.addRequests(found);
  if (found.vanished === undefined) throw new Error('scanFeatureRequestsKept answered without a count');
  const vanish = (state.vanish ??= { scanned: 0, found: 0, limit: 0, held: false, batches: 0, nextBatch: 0 });
  vanish.scanned += found.scanned;
  vanish.found = found.vanished;
  vanish.boardMissing = found.boardMissing ?? 0;
  if (found.nextAfterId) {
    state.scanAfterId = found.nextAfterId;
    return;
  }
  state.scanDone = true;
  decide(run, vanish, found.maxVanished ?? null);
}

/** Within the limit, or confirmed: mark them all. Past it: mark none, and report why. */
function decide(run: Run, vanish: VanishState, configured: number | null): void {
  vanish.limit =
    configured ?? Math.max(DEFAULT_MAX_VANISHED, Math.ceil(DEFAULT_MAX_VANISHED_SHARE * vanish.scanned));
  // Confirmed: everything kept, those of boards the source no longer lists included (a board deleted).
  if (run.input.confirmVanish === true) {
    vanish.confirmed = true;
    vanish.batches = Math.ceil((vanish.found + (vanish.boardMissing ?? 0)) / HUBSPOT_BATCH);
    return;
  }
  if (vanish.found <= vanish.limit) {
    vanish.batches = Math.ceil(vanish.found / HUBSPOT_BATCH);
    return;
  }
  vanish.held = true;
  run.addFailures([
    {
      kind: 'vanished',
      key: `${vanish.found} feature requests`,
      reason:
        `their posts are no longer in the source, more than the ${vanish.limit} one run may mark ` +
        '(SYNC_MAX_VANISHED): none was marked deleted or merged. If the source really lost them, ' +
        'confirm with `npx feedback-sync sync --confirm-vanish`; if it is an outage, wait for the next run',
    },
  ]);
}

/** Whether marks are left to write (the pipeline launches `markNext` for each). */
export function marksLeft(run: Run): boolean {
  const vanish = run.state.vanish;
  return run.state.scanDone && vanish !== undefined && vanish.nextBatch < vanish.batches;
}

/** Marks the next batch of 100 kept requests merged or deleted. */
export async function markNext(run: Run): Promise<void> {
  const { state, activities } = run;
  const vanish = state.vanish!;
  const batch = vanish.nextBatch++;
  const mark = state.target ? activities.hubspot.markTicketsVanished : activities.hubspot.markKeptVanished;
  const marked = await mark({
    ...run.ref(),
    objectTypeId: state.objectTypeId!,
    batch,
    confirmed: vanish.confirmed === true,
    dryRun: run.dryRun,
  });
  run.addRequests(marked);
  vanish.marked = (vanish.marked ?? 0) + marked.updated;
  state.counts.featureRequests.updated += marked.updated;
  state.counts.featureRequests.failed += marked.failed;
  run.addFailures(marked.failures);
}

/** Before the limit: one search, and the marks of what it found, at once. */
async function scanAndMark(run: Run): Promise<void> {
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
      ...(state.target ? { target: state.target } : {}),
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
