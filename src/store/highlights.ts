// What a run changed most, for the Slack summary RevOps reads: the requests whose voting companies and ARR
// grew most, and the companies it created. Read from the run's plans and resolved companies when it ends,
// before its working set is purged (src/store/retention.ts).
import type { RunHighlights } from '../domain/types';
import type { StoreDb } from './open';
import { openedOrUndefined, type StoreSeal } from './sealing';

/** Requests the summary lists at most. */
export const HIGHLIGHTED_REQUESTS = 10;
/** Created companies the summary names at most (it counts them all). */
export const HIGHLIGHTED_COMPANIES = 20;

interface PlannedItem {
  externalId: string;
  existingId?: string;
  labelsOnly?: boolean;
  properties?: Record<string, string>;
  changes?: Record<string, [string | null, string]>;
}

/** The requests that grew most: ARR added, then voting companies gained, then by name. */
function best(requests: RunHighlights['requests']): RunHighlights['requests'] {
  return [...requests]
    .sort(
      (a, b) => b.arrAdded - a.arrAdded || b.companiesAdded - a.companiesAdded || (a.name < b.name ? -1 : 1),
    )
    .slice(0, HIGHLIGHTED_REQUESTS);
}

async function* plansOf(db: StoreDb, runKey: string): AsyncGenerator<{ plan: string }> {
  let after = -1;
  for (;;) {
    const rows = await db
      .selectFrom('run_plans')
      .select(['page', 'plan'])
      .where('run_key', '=', runKey)
      .where('page', '>', after)
      .orderBy('page')
      .limit(20)
      .execute();
    if (rows.length === 0) return;
    yield* rows;
    after = Number(rows[rows.length - 1]!.page);
  }
}

const number = (value: string | null | undefined): number => {
  const n = Number(value ?? '');
  return Number.isFinite(n) ? n : 0;
};

export async function runHighlights(db: StoreDb, runKey: string, seal: StoreSeal): Promise<RunHighlights> {
  const stored = new Map(
    (
      await db
        .selectFrom('run_stored')
        .select(['external_id', 'record_id'])
        .where('run_key', '=', runKey)
        .execute()
    ).map((r) => [r.external_id, r.record_id]),
  );
  let requests: RunHighlights['requests'] = [];
  // A few plans at a time, keeping the best only: a run of 100,000 requests has 1,000 plans.
  for await (const { plan } of plansOf(db, runKey)) {
    const json = openedOrUndefined(seal, plan);
    if (json === undefined) continue;
    for (const item of (JSON.parse(json) as { changed?: PlannedItem[] }).changed ?? []) {
      if (item.labelsOnly || !item.properties) continue;
      const created = item.existingId === undefined;
      // A request without what HubSpot held (a run of an older worker): its growth is unknown, not listed.
      if (!created && item.changes === undefined) continue;
      const before = (name: string): number =>
        created ? 0 : number(item.changes?.[name] ? item.changes[name][0] : item.properties![name]);
      const arrAdded = number(item.properties.voting_company_arr) - before('voting_company_arr');
      const companiesAdded = number(item.properties.voting_company_count) - before('voting_company_count');
      if (arrAdded <= 0 && companiesAdded <= 0) continue;
      const recordId = item.existingId ?? stored.get(item.externalId);
      requests.push({
        name: item.properties.name ?? item.externalId,
        externalId: item.externalId,
        ...(recordId && !recordId.startsWith('new:') ? { recordId } : {}),
        created,
        arrAdded,
        companiesAdded,
      });
    }
    if (requests.length > HIGHLIGHTED_REQUESTS * 4) requests = best(requests);
  }
  requests = best(requests);
  const createdCompanies = await db
    .selectFrom('run_companies')
    .select('domain')
    .where('run_key', '=', runKey)
    .where('state', '=', 'created')
    .orderBy('domain')
    .execute();
  return {
    requests,
    companiesCreated: createdCompanies.slice(0, HIGHLIGHTED_COMPANIES).map((c) => c.domain),
    companiesCreatedCount: createdCompanies.length,
  };
}
