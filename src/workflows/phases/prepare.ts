// Phase 1, prepare: the portal's object type id (fail fast when the schema is missing), then one read of the
// whole source into the run's snapshot. Every later step of the run follows this snapshot.
import { patched } from '@temporalio/workflow';
import type { Run } from '../run';

export async function prepare(run: Run): Promise<void> {
  const { state, activities } = run;
  run.report('prepare', 0, 1);
  // A worker of an older version answers `resolvePortal` without the labels, and would have the run write
  // without them: the label-era names are the current workers' only. Decided once, kept across continue-as-new.
  if (patched('labelled-activities')) state.labelledActivities = true;
  // The target (custom object or tickets) by a name of its own: the older names answer for the custom object
  // only, since the runs that call them know no target.
  const portal = patched('request-target')
    ? await activities.hubspot.resolveTargetPortal()
    : state.labelledActivities
      ? await activities.hubspot.resolveLabelledPortal()
      : await activities.hubspot.resolvePortal();
  run.addRequests(portal);
  state.objectTypeId = portal.objectTypeId;
  if (portal.labels) state.labels = portal.labels;
  // Tickets: the pipeline and its stages ride along with every activity (run.ref()), and the run calls the
  // activities that read and write requests by names of their own (ticket-era workers only).
  if ('target' in portal && portal.target) state.target = portal.target;
  const overview = await activities.source.prepareRun({
    runKey: state.runKey,
    mode: run.input.mode,
    ...(run.input.domain ? { domain: run.input.domain } : {}),
  });
  run.addRequests(overview);
  const { requests: _requests, ...kept } = overview;
  state.overview = kept;
  // A dry run takes no lease: the store that holds its snapshot is the run's.
  if (state.storeId === undefined && overview.storeId !== undefined) state.storeId = overview.storeId;
  state.counts.featureRequests.identified += overview.posts;
  // Held-back posts (malformed source records), counted exactly: the failure list is capped.
  state.counts.featureRequests.failed += overview.heldBackPosts;
  state.counts.contacts.skipped += overview.skippedPeople;
  run.addFailures(overview.sourceErrors.map((e) => ({ kind: e.kind, key: e.id, reason: e.reason })));
}
