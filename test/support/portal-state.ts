// HubSpot's final state as a sync owns it, independent of record ids and timestamps: the judge of every
// end-to-end test that compares a disturbed run with a clean one.
import assert from 'node:assert/strict';
import { normalizeCompanyDomain } from '../../src/domain/email';
import { fromPortal, TICKET_PIPELINE } from '../../src/domain/request-target';
import type { RunSummary } from '../../src/domain/types';
import type { HubspotSimulator } from '../../src/simulators/hubspot';
import { startStack } from './stack';

/**
 * The requests as the sync keeps them, by the contract's property names: the custom object's records, or
 * the tickets of the Feature requests pipeline (`fr_` properties, `subject`, `content`), whichever holds them.
 * A ticket's stage is checked against its status here, so that both targets compare with one reference.
 */
export function requestRecords(
  hubspot: HubspotSimulator,
): Array<{ type: string; id: string; properties: Record<string, unknown> }> {
  const pipeline = hubspot.pipelines('tickets').find((p) => p.label === TICKET_PIPELINE.label);
  if (!pipeline) return hubspot.objects('feature_request').map((r) => ({ type: 'feature_request', ...r }));
  const stageLabel = new Map(pipeline.stages.map((s) => [String(s.id), s.label]));
  return hubspot
    .objects('tickets')
    .filter((t) => String(t.properties.hs_pipeline) === String(pipeline.id))
    .map((t) => {
      const {
        hs_pipeline: _pipeline,
        hs_pipeline_stage: stage,
        hs_ticket_priority: _priority,
        hs_ticket_category: _category,
        ...rest
      } = t.properties;
      const properties = fromPortal(
        { kind: 'tickets', pipelineId: String(pipeline.id), stages: {} },
        rest as Record<string, unknown>,
      );
      assert.equal(
        stageLabel.get(String(stage)),
        properties.status,
        `ticket ${String(properties.external_id)} sits in the stage of its status`,
      );
      return { type: 'tickets', id: t.id, properties };
    });
}

export /** The HubSpot state a sync owns, independent of record ids and timestamps. */
function portalState(hubspot: HubspotSimulator) {
  const emailOf = new Map(hubspot.objects('contacts').map((c) => [c.id, c.properties.email]));
  const domainOf = new Map(
    hubspot
      .objects('companies')
      .map((c) => [c.id, normalizeCompanyDomain(String(c.properties.domain ?? ''))]),
  );
  const requests = requestRecords(hubspot)
    .map((r) => {
      const {
        hs_object_id: _id,
        hs_createdate: _c,
        hs_lastmodifieddate: _m,
        createdate: _cd,
        sync_fingerprint: fingerprint,
        ...rest
      } = r.properties;
      // Fingerprints cover record ids, which differ between portals: only whether one is stored compares.
      const properties: Record<string, unknown> = { ...rest, sync_fingerprint: fingerprint ? 'stored' : '' };
      return {
        properties,
        companies: hubspot
          .associations(r.type, r.id, 'companies')
          .map((id) => domainOf.get(id))
          .sort(),
        contacts: hubspot
          .associations(r.type, r.id, 'contacts')
          .map((id) => emailOf.get(id))
          .sort(),
      };
    })
    .sort((a, b) => String(a.properties.external_id).localeCompare(String(b.properties.external_id)));
  const companyDomains = [...domainOf.values()].sort();
  const contactEmails = [...emailOf.values()].sort();
  return { requests, companyDomains, contactEmails };
}

/** No two companies for one domain key, no two contacts for one email, no two requests for one post. */
export function assertNoDuplicates(hubspot: HubspotSimulator): void {
  const dupes = (values: string[]): string[] => values.filter((v, i) => values.indexOf(v) !== i);
  const companies = hubspot.objects('companies').map((c) => String(c.properties.feedback_sync_domain ?? ''));
  assert.deepEqual(dupes(companies.filter((d) => d !== '')), [], 'duplicate companies');
  assert.deepEqual(
    dupes(hubspot.objects('contacts').map((c) => String(c.properties.email))),
    [],
    'duplicate contacts',
  );
  assert.deepEqual(
    dupes(requestRecords(hubspot).map((r) => String(r.properties.external_id))),
    [],
    'duplicate requests',
  );
}

/** The portal a clean sync of a fresh stack leaves (what a disturbed run is compared with), and its summary. */
export async function cleanRun(
  options: Parameters<typeof startStack>[0],
): Promise<{ summary: RunSummary; state: ReturnType<typeof portalState> }> {
  const clean = await startStack(options);
  try {
    const summary = await clean.sync();
    return { summary, state: portalState(clean.sims.hubspot) };
  } finally {
    await clean.close();
  }
}
