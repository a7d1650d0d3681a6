// The portal check at the start of every run, and the run store's housekeeping at its end.
import { syncLabelTypeId } from '../clients/hubspot-setup';
import { SYNC_ASSOCIATION_LABEL } from '../domain/feature-request';
import type { HubspotGateway } from '../clients/hubspot';
import { isSyncPipeline, stagesOf, ticketPropertyProblems } from '../clients/hubspot-setup-tickets';
import { findTarget, type TargetFinding } from '../clients/hubspot-target';
import {
  CANNY_STATUSES,
  ticketPropertyName,
  TICKET_PIPELINE,
  TICKETS,
  type RequestTarget,
} from '../domain/request-target';
import { failure, FailureType } from '../failures';
import { log } from '@temporalio/activity';
import type { WorkflowLiveness } from '../clients/temporal';
import type { RunHighlights } from '../domain/types';
import { runHighlights } from '../store/highlights';
import {
  markRunFinished,
  pruneStore,
  purgeFinishedRun,
  runEndedAt,
  type RunIsOver,
} from '../store/retention';
import { newRunSeal } from '../store/sealing';
import { deleteReadsOfRun, pruneReadsBefore } from '../store/source-reads';
import type { SyncDependencies } from './context';
import { countPruneFailure, tracked } from './tracking';

const DAY_MS = 24 * 60 * 60 * 1000;
/** The request properties a run cannot do without: its key, its commit and what a scan decides on. */
const RUN_PROPERTIES = ['external_id', 'sync_fingerprint', 'source_state', 'voting_company_arr'];
/** SYNC_STORE_MAX_MB by default: megabytes of audit trail (page plans) the store keeps at most. */
const DEFAULT_MAX_TRAIL_MB = 1024;
/** SYNC_STORE_MAX_RUNS by default: runs whose audit trail the store keeps at most. */
const DEFAULT_MAX_RUNS = 1_000;

/**
 * A run that never marked its end is over when no run of its workflow runs any more, and has not for the
 * fence's time (its last requests may be on their way). The run key is `<workflow id>:<first run id>`.
 */
function runIsOver(deps: PortalDependencies): RunIsOver | undefined {
  const { workflows } = deps;
  if (!workflows) return undefined;
  return async (runKey, namespace) => {
    // Another namespace's run cannot be asked about here: Temporal would answer "not found" for a live one.
    if (namespace !== null && namespace !== (deps.namespace ?? 'default')) return false;
    const colon = runKey.lastIndexOf(':');
    if (colon <= 0) return false;
    const closedAgo = await workflows.closedAgoMs(runKey.slice(0, colon));
    return closedAgo !== undefined && closedAgo >= (deps.fenceAfterMs ?? 0);
  };
}

type PortalDependencies = SyncDependencies & {
  /** The HubSpot portal of the worker's token (cached by the worker): links of the summary's highlights. */
  portalId?: () => Promise<string>;
  retentionDays?: number;
  maxRuns?: number;
  /** SYNC_STORE_MAX_MB: the audit trail's budget. */
  maxTrailMb?: number;
  /** Asked whether a run that never marked its end is over (src/store/retention.ts). */
  workflows?: WorkflowLiveness;
  fenceAfterMs?: number;
};

export function createPortalActivities(deps: PortalDependencies) {
  const { settings } = deps;
  async function highlightsOf(input: {
    runKey: string;
    objectTypeId?: string;
  }): Promise<RunHighlights | undefined> {
    if ((await runEndedAt(deps.store, input.runKey)) !== undefined) {
      const purged = await deps.store
        .selectFrom('sync_runs')
        .select('purged_at')
        .where('run_key', '=', input.runKey)
        .executeTakeFirst();
      if (purged?.purged_at) return undefined;
    }
    return runHighlights(deps.store, input.runKey, newRunSeal(deps.payloadKeys));
  }

  /**
   * Where the highlights' records open. The portal id is the worker's, asked once when a run took its lease
   * (cached): asked now only briefly, after the run's end is marked and its data purged, so that a HubSpot
   * outage never holds a run's end up. Without it, no links.
   */
  async function withLinks(highlights: RunHighlights, objectTypeId?: string): Promise<RunHighlights> {
    if (!objectTypeId || !deps.portalId) return highlights;
    let timer: NodeJS.Timeout | undefined;
    const portal = await Promise.race([
      deps.portalId().catch(() => undefined),
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), 2_000))),
    ]);
    clearTimeout(timer);
    return portal
      ? { ...highlights, recordUrlBase: `https://app.hubspot.com/contacts/${portal}/record/${objectTypeId}/` }
      : highlights;
  }
  const activities = {
    /**
     * Where the portal keeps the requests (HUBSPOT_TARGET), resolved by name: object type ids, pipeline and
     * stage ids differ between portals. Fails fast, before any write, when the portal is not set up for it or
     * its other target already holds requests.
     */
    async resolvePortal() {
      return tracked(async (counter) => {
        const gateway = deps.hubspot(counter);
        const finding = await findTarget(gateway, {
          target: settings.target ?? 'auto',
          objectName: settings.objectName,
        });
        if (finding.refused) throw failure(FailureType.HubspotSchemaMissing, finding.refused);
        const resolved =
          finding.kind === 'tickets' ? await resolveTickets(gateway, finding) : resolveObject(finding);
        // The sync's own association label: it adds and removes only pairs under it (README: Data model).
        const labels = {
          companies: await syncLabelTypeId(gateway, resolved.objectTypeId, 'companies'),
          contacts: await syncLabelTypeId(gateway, resolved.objectTypeId, 'contacts'),
        };
        if (labels.companies === undefined || labels.contacts === undefined)
          throw failure(
            FailureType.HubspotSchemaMissing,
            `${resolved.name} lacks the association label "${SYNC_ASSOCIATION_LABEL.label}" the sync ` +
              'writes its associations under: run `npx feedback-sync hubspot setup --apply`',
          );
        return {
          objectTypeId: resolved.objectTypeId,
          labels: { companies: labels.companies, contacts: labels.contacts },
          ...(resolved.target ? { target: resolved.target } : {}),
        };
      });
    },

    /**
     * A run ended: its rows stay in the store as the audit trail of what it planned and wrote, and the rows of
     * runs older than the retention are deleted.
     */
    async finishRun(input: {
      runKey: string;
      /** The feature_request object's type id in the portal: links of the summary's highlights. */
      objectTypeId?: string;
    }): Promise<{ pruned: number; pruneFailed?: string; highlights?: RunHighlights }> {
      // The run's source reads: its snapshot holds what they read, and no prepare of it runs any more.
      await deleteReadsOfRun(deps.store, input.runKey);
      // What changed most, for the summary, while the run's working set is still there (a retried finish that
      // finds it purged reports none).
      const highlights = await highlightsOf(input).catch((err: unknown) => {
        log.warn('the run summary has no highlights', {
          error: err instanceof Error ? err.message : String(err),
        });
        return undefined;
      });
      // Its bulk and the voters' emails and names go now; its audit trail stays (src/store/retention.ts).
      await markRunFinished(deps.store, input.runKey);
      const before = new Date(Date.now() - (deps.retentionDays ?? 7) * DAY_MS);
      try {
        // Sealed plans are opened to keep them without emails (any of this worker's payload keys opens them).
        const seal = newRunSeal(deps.payloadKeys);
        await purgeFinishedRun(deps.store, input.runKey, seal);
        const pruned = await pruneStore(
          deps.store,
          before,
          deps.maxRuns ?? DEFAULT_MAX_RUNS,
          seal,
          runIsOver(deps),
          (deps.maxTrailMb ?? DEFAULT_MAX_TRAIL_MB) * 1024 * 1024,
        );
        await pruneReadsBefore(deps.store, before);
        return {
          pruned: pruned.runs,
          ...(highlights ? { highlights: await withLinks(highlights, input.objectTypeId) } : {}),
        };
      } catch (err) {
        // Never fails the run: the next run's end prunes again. But it shows, in the logs and the metrics.
        const message = err instanceof Error ? err.message : String(err);
        log.warn('pruning the run store failed; the next run tries again', { error: message });
        countPruneFailure();
        return {
          pruned: 0,
          pruneFailed: message,
          ...(highlights ? { highlights: await withLinks(highlights, input.objectTypeId) } : {}),
        };
      }
    },
  };
  /** The custom object: its type id, once the portal holds it with the properties the run needs. */
  function resolveObject(finding: TargetFinding): {
    objectTypeId: string;
    name: string;
    target?: RequestTarget;
  } {
    const { schema } = finding;
    if (!schema) {
      throw failure(
        FailureType.HubspotSchemaMissing,
        `HubSpot portal has no '${settings.objectName}' custom object: run \`npx feedback-sync hubspot setup --apply\``,
      );
    }
    const names = new Set(schema.properties.map((p) => p.name));
    const missing = RUN_PROPERTIES.filter((p) => !names.has(p));
    if (missing.length) {
      throw failure(
        FailureType.HubspotSchemaMissing,
        `'${settings.objectName}' lacks properties: ${missing.join(', ')}; run \`hubspot setup --apply\``,
      );
    }
    return { objectTypeId: schema.objectTypeId, name: `'${settings.objectName}'` };
  }

  /** Tickets: the Feature requests pipeline with a stage per status, and the `fr_` properties. */
  async function resolveTickets(
    gateway: HubspotGateway,
    finding: TargetFinding,
  ): Promise<{ objectTypeId: string; name: string; target: RequestTarget }> {
    const setup = ' (HUBSPOT_TARGET: tickets): run `npx feedback-sync hubspot setup --apply`';
    if (!finding.pipeline || !isSyncPipeline(finding.pipeline))
      throw failure(
        FailureType.HubspotSchemaMissing,
        `the portal has no ticket pipeline "${TICKET_PIPELINE.label}" with a stage per status${setup}`,
      );
    const stages = stagesOf(finding.pipeline);
    const without = CANNY_STATUSES.filter((status) => stages[status] === undefined);
    if (without.length > 0)
      throw failure(
        FailureType.HubspotSchemaMissing,
        `the "${TICKET_PIPELINE.label}" pipeline has no stage labelled ${without.map((s) => `"${s}"`).join(', ')} ` +
          `(renamed or archived?): rename it back in HubSpot, or let setup add it${setup}`,
      );
    const problems = await ticketPropertyProblems(gateway);
    const missing = problems.filter((p) =>
      RUN_PROPERTIES.some((name) => p.subject === `tickets.${ticketPropertyName(name)}`),
    );
    if (missing.length > 0)
      throw failure(
        FailureType.HubspotSchemaMissing,
        `tickets lack properties: ${missing.map((p) => p.subject.slice('tickets.'.length)).join(', ')}${setup}`,
      );
    return {
      objectTypeId: TICKETS.objectTypeId,
      name: 'tickets',
      target: { kind: 'tickets', pipelineId: finding.pipeline.id, stages },
    };
  }

  /** What the names before tickets answer: the custom object, or a refusal naming the upgrade. */
  async function resolveObjectOnly() {
    const resolved = await activities.resolvePortal();
    if (resolved.target)
      throw failure(
        FailureType.HubspotSchemaMissing,
        'this run was started by workflow code that predates the tickets target (a worker of the previous ' +
          'version, during a rolling deploy): it cannot write tickets. Finish the deploy; the next run writes them',
      );
    return resolved;
  }

  return {
    ...activities,
    resolvePortal: () => resolveObjectOnly(),
    /**
     * `resolvePortal` by a name workers of older versions do not have: theirs answers without the sync's
     * association labels, and the run would then write without them.
     */
    resolveLabelledPortal: () => resolveObjectOnly(),
    /**
     * The portal's target, custom object or tickets, by a name workers before tickets do not have. The older
     * names answer for the custom object only: their callers (workflow code of an older version) know no
     * target, and would write a ticket by the custom object's names.
     */
    resolveTargetPortal: () => activities.resolvePortal(),
  };
}
