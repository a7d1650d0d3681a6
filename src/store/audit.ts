// The audit trail of a run, as the run store keeps it (src/store/retention.ts): what each page planned, the
// pairs it planned, and what it found vanished. Read by `runs show` and by `sync --dry-run --wait`: a person
// reviews what a dry run would do, or what a past run did, within the store's retention.
import { sql } from 'kysely';
import type { StoreDb } from './open';
import type { PairPlan } from './run-data';
import { openedOrUndefined, type StoreSeal } from './sealing';

/** One request a run planned to write. */
export interface AuditedRequest {
  externalId: string;
  action: 'create' | 'update' | 'label';
  /** The request's name as the run would write it. */
  name: string | null;
  companyIds: string[];
  contactIds: string[];
  /** Dry runs: the properties that change, as HubSpot held them → as the run would write them. */
  changes?: Record<string, [string | null, string]>;
}

export interface RunAudit {
  runKey: string;
  workflowId: string;
  mode: string;
  domain: string | null;
  startedAt: string;
  finishedAt: string | null;
  /** The plans held personal data and are still sealed with a key this command lacks: not shown. */
  sealedPages: number;
  unchanged: number;
  requests: AuditedRequest[];
  vanished: Array<{ externalId: string; properties: Record<string, string> }>;
  /** Dry runs: the companies it would create (by domain) and the contacts (by the run's position, never email). */
  companiesToCreate: string[];
  contactsToCreate: string[];
  associations: Record<'companies' | 'contacts', { add: number; remove: number }>;
}

interface StoredPlan {
  unchanged?: number;
  changed?: Array<{
    externalId: string;
    existingId?: string;
    labelsOnly?: boolean;
    properties?: Record<string, string>;
    companyIds?: string[];
    contactIds?: string[];
    changes?: Record<string, [string | null, string]>;
  }>;
}

/**
 * The runs of a workflow id in the store, newest first (the run key is `<workflow id>:<first run id>`).
 */
export async function runsOf(db: StoreDb, workflowId: string): Promise<string[]> {
  const prefix = `${workflowId}:`;
  // By substring, not by a range: a range of keys depends on the database's collation.
  const rows = await db
    .selectFrom('sync_runs')
    .select(['run_key', 'created_at'])
    .where(sql<string>`substr(run_key, 1, ${prefix.length})`, '=', prefix)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => r.run_key);
}

/** A run's audit trail, or undefined when the store holds no such run. */
export async function auditOf(db: StoreDb, runKey: string, seal: StoreSeal): Promise<RunAudit | undefined> {
  const run = await db.selectFrom('sync_runs').selectAll().where('run_key', '=', runKey).executeTakeFirst();
  if (!run) return undefined;
  const plans = await db
    .selectFrom('run_plans')
    .select(['page', 'plan'])
    .where('run_key', '=', runKey)
    .orderBy('page')
    .execute();
  const audit: RunAudit = {
    runKey,
    workflowId: runKey.slice(0, runKey.lastIndexOf(':')),
    mode: run.mode,
    domain: run.domain,
    startedAt: run.created_at,
    finishedAt: run.finished_at,
    sealedPages: 0,
    unchanged: 0,
    requests: [],
    vanished: [],
    companiesToCreate: [],
    contactsToCreate: [],
    associations: { companies: { add: 0, remove: 0 }, contacts: { add: 0, remove: 0 } },
  };
  const companies = new Set<string>();
  const contacts = new Set<string>();
  for (const { plan: stored } of plans) {
    const json = openedOrUndefined(seal, stored);
    if (json === undefined) {
      audit.sealedPages++;
      continue;
    }
    const plan = JSON.parse(json) as StoredPlan;
    audit.unchanged += plan.unchanged ?? 0;
    for (const item of plan.changed ?? []) {
      // What a person reads: never an author's email, a description by its length (as the trail keeps them).
      if (item.changes?.author_email) item.changes.author_email = ['(an email)', '(an email)'];
      const description = item.changes?.description;
      if (description && item.changes)
        item.changes.description = [
          description[0] === null ? null : `(${description[0].length} characters)`,
          `(${description[1].length} characters)`,
        ];
      const companyIds = item.companyIds ?? [];
      const contactIds = item.contactIds ?? [];
      for (const id of companyIds) if (id.startsWith('new:')) companies.add(id.slice('new:'.length));
      for (const id of contactIds) if (id.startsWith('new:')) contacts.add(id.slice('new:'.length));
      audit.requests.push({
        externalId: item.externalId,
        action: item.labelsOnly ? 'label' : item.existingId ? 'update' : 'create',
        name: item.properties?.name ?? null,
        companyIds,
        contactIds,
        ...(item.changes ? { changes: item.changes } : {}),
      });
    }
  }
  audit.companiesToCreate = [...companies].sort();
  audit.contactsToCreate = [...contacts].sort((a, b) => positionOf(a) - positionOf(b));
  const pairPlans = await db
    .selectFrom('run_pair_plans')
    .select(['to_type', 'summary'])
    .where('run_key', '=', runKey)
    .execute();
  for (const { to_type: kind, summary } of pairPlans) {
    if (kind !== 'companies' && kind !== 'contacts') continue;
    const plan = JSON.parse(summary) as PairPlan;
    audit.associations[kind].add += plan.createBatches * 100 + plan.leftovers.length;
    audit.associations[kind].remove += plan.removes ?? plan.removeBatches * 100;
  }
  const vanished = await db
    .selectFrom('run_vanished')
    .select(['external_id', 'properties'])
    .where('run_key', '=', runKey)
    .orderBy('external_id')
    .execute();
  audit.vanished = vanished.map((v) => ({
    externalId: v.external_id,
    properties: JSON.parse(v.properties) as Record<string, string>,
  }));
  return audit;
}

const positionOf = (ref: string): number => Number(/(\d+)$/.exec(ref)?.[1] ?? 0);
