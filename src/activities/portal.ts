// The portal check at the start of every run, and the run store's housekeeping at its end.
import { failure, FailureType } from '../failures';
import { pruneBefore } from '../store/run-data';
import { deleteReadsOfRun } from '../store/source-reads';
import type { SyncDependencies } from './context';
import { tracked } from './tracking';

const DAY_MS = 24 * 60 * 60 * 1000;

export function createPortalActivities(deps: SyncDependencies & { retentionDays?: number }) {
  const { settings } = deps;
  return {
    /** The portal's feature_request object type id, resolved by name: ids differ between portals. */
    async resolvePortal() {
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

    /**
     * A run ended: its rows stay in the store as the audit trail of what it planned and wrote, and the rows of
     * runs older than the retention are deleted.
     */
    async finishRun(input: { runKey: string }): Promise<{ pruned: number }> {
      // The run's source reads: its snapshot holds what they read, and no prepare of it runs any more.
      await deleteReadsOfRun(deps.store, input.runKey);
      const pruned = await pruneBefore(deps.store, new Date(Date.now() - (deps.retentionDays ?? 7) * DAY_MS));
      return { pruned };
    },
  };
}
