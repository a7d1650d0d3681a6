// What a run learns and decides, in the shared store: the companies and contacts it resolved, the requests
// HubSpot holds, each page's plan and association pairs, and the requests whose writes failed. Every worker
// reads the same rows, so any activity can run on any worker process. Writes are upserts keyed by the run,
// so a retried activity writes the same rows again.
import { createHash } from 'node:crypto';
import type { MatchedCompany } from '../domain/company-match';
import { failure, FailureType } from '../failures';
import type { StoreDb } from './open';
import type { Resolution } from './schema';

/** IN lists stay far below both engines' parameter limits. */
const IN_LIST = 2_000;
const INSERT_ROWS = 500;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// ---- the snapshot's orders ------------------------------------------------------------------------

/** Company domains at positions [from, to) of the run's order. */
export async function domainRange(
  db: StoreDb,
  snapshotId: string,
  from: number,
  to: number,
): Promise<string[]> {
  const rows = await db
    .selectFrom('snapshot_domains')
    .select('domain')
    .where('snapshot_id', '=', snapshotId)
    .where('seq', '>=', from)
    .where('seq', '<', to)
    .orderBy('seq')
    .execute();
  return rows.map((r) => r.domain);
}

/** Emails at positions [from, to) of the run's order, with the source's name for each. */
export async function emailRange(
  db: StoreDb,
  snapshotId: string,
  from: number,
  to: number,
): Promise<Array<{ seq: number; email: string; personId: string; name: string | null }>> {
  const rows = await db
    .selectFrom('snapshot_emails')
    .select(['seq', 'email', 'person_id', 'name'])
    .where('snapshot_id', '=', snapshotId)
    .where('seq', '>=', from)
    .where('seq', '<', to)
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({ seq: Number(r.seq), email: r.email, personId: r.person_id, name: r.name }));
}

// ---- companies ------------------------------------------------------------------------------------

export async function saveCompanies(
  db: StoreDb,
  runKey: string,
  rows: Array<{ domain: string; companyId: string | null; arr: number | null; state: Resolution }>,
): Promise<void> {
  for (const part of chunks(rows, INSERT_ROWS)) {
    await db
      .insertInto('run_companies')
      .values(
        part.map((r) => ({
          run_key: runKey,
          domain: r.domain,
          company_id: r.companyId,
          arr: r.arr,
          state: r.state,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['run_key', 'domain']).doUpdateSet((eb) => ({
          company_id: eb.ref('excluded.company_id'),
          arr: eb.ref('excluded.arr'),
          state: eb.ref('excluded.state'),
        })),
      )
      .execute();
  }
}

/** Domains without a company, in domain order: the create phase takes them 100 at a time by offset. */
export async function missingDomains(
  db: StoreDb,
  runKey: string,
  offset: number,
  limit: number,
): Promise<string[]> {
  const rows = await db
    .selectFrom('run_companies')
    .select('domain')
    .where('run_key', '=', runKey)
    // Created and failed ones keep their place, so that offsets never shift while the creates run.
    .where('state', 'in', ['missing', 'created', 'failed'])
    .orderBy('domain')
    .limit(limit)
    .offset(offset)
    .execute();
  return rows.map((r) => r.domain);
}

export async function countMissingDomains(db: StoreDb, runKey: string): Promise<number> {
  const row = await db
    .selectFrom('run_companies')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('run_key', '=', runKey)
    .where('state', 'in', ['missing', 'created', 'failed'])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The run's company for each of these domains that has one. */
export async function companiesOf(
  db: StoreDb,
  runKey: string,
  domains: string[],
): Promise<Map<string, MatchedCompany>> {
  const result = new Map<string, MatchedCompany>();
  for (const part of chunks([...new Set(domains)], IN_LIST)) {
    const rows = await db
      .selectFrom('run_companies')
      .select(['domain', 'company_id', 'arr'])
      .where('run_key', '=', runKey)
      .where('domain', 'in', part)
      .where('company_id', 'is not', null)
      .execute();
    for (const r of rows)
      result.set(r.domain, { id: r.company_id!, arr: r.arr === null ? null : Number(r.arr) });
  }
  return result;
}

// ---- contacts -------------------------------------------------------------------------------------

export async function saveContacts(
  db: StoreDb,
  runKey: string,
  rows: Array<{ email: string; seq: number; contactId: string | null; state: Resolution }>,
): Promise<void> {
  for (const part of chunks(rows, INSERT_ROWS)) {
    await db
      .insertInto('run_contacts')
      .values(
        part.map((r) => ({
          run_key: runKey,
          email: r.email,
          seq: r.seq,
          contact_id: r.contactId,
          state: r.state,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['run_key', 'email']).doUpdateSet((eb) => ({
          contact_id: eb.ref('excluded.contact_id'),
          state: eb.ref('excluded.state'),
        })),
      )
      .execute();
  }
}

/**
 * Emails without a contact, in the run's email order, from the `offset`-th one. Searches apply in order of
 * their chunks' positions, so the first N missing emails never change once N are known.
 */
export async function missingContacts(
  db: StoreDb,
  runKey: string,
  offset: number,
  limit: number,
): Promise<Array<{ email: string; seq: number }>> {
  const rows = await db
    .selectFrom('run_contacts')
    .select(['email', 'seq'])
    .where('run_key', '=', runKey)
    .where('state', 'in', ['missing', 'created', 'failed'])
    .orderBy('seq')
    .limit(limit)
    .offset(offset)
    .execute();
  return rows.map((r) => ({ email: r.email, seq: Number(r.seq) }));
}

/** The run's contact id for each of these emails that has one. */
export async function contactsOf(
  db: StoreDb,
  runKey: string,
  emails: string[],
): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  for (const part of chunks([...new Set(emails)], IN_LIST)) {
    const rows = await db
      .selectFrom('run_contacts')
      .select(['email', 'contact_id'])
      .where('run_key', '=', runKey)
      .where('email', 'in', part)
      .where('contact_id', 'is not', null)
      .execute();
    for (const r of rows) result.set(r.email, r.contact_id!);
  }
  return result;
}

// ---- stored requests ------------------------------------------------------------------------------

export interface StoredRequest {
  externalId: string;
  id: string;
  fingerprint: string;
  sourceState: string;
}

export async function saveStored(db: StoreDb, runKey: string, rows: StoredRequest[]): Promise<void> {
  for (const part of chunks(rows, INSERT_ROWS)) {
    await db
      .insertInto('run_stored')
      .values(
        part.map((r) => ({
          run_key: runKey,
          external_id: r.externalId,
          record_id: r.id,
          fingerprint: r.fingerprint,
          source_state: r.sourceState,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['run_key', 'external_id']).doUpdateSet((eb) => ({
          record_id: eb.ref('excluded.record_id'),
          fingerprint: eb.ref('excluded.fingerprint'),
          source_state: eb.ref('excluded.source_state'),
        })),
      )
      .execute();
  }
}

export async function storedOf(
  db: StoreDb,
  runKey: string,
  externalIds: string[],
): Promise<Map<string, StoredRequest>> {
  const result = new Map<string, StoredRequest>();
  for (const part of chunks([...new Set(externalIds)], IN_LIST)) {
    const rows = await db
      .selectFrom('run_stored')
      .selectAll()
      .where('run_key', '=', runKey)
      .where('external_id', 'in', part)
      .execute();
    for (const r of rows)
      result.set(r.external_id, {
        externalId: r.external_id,
        id: r.record_id,
        fingerprint: r.fingerprint,
        sourceState: r.source_state,
      });
  }
  return result;
}

// ---- page plans -----------------------------------------------------------------------------------

/** Stores a page's plan and returns its hash, the claim check the page's activities carry. */
export async function savePlan(db: StoreDb, runKey: string, page: number, plan: unknown): Promise<string> {
  const json = JSON.stringify(plan);
  const planHash = createHash('sha256').update(json).digest('hex').slice(0, 32);
  await db
    .insertInto('run_plans')
    .values({ run_key: runKey, page, plan_hash: planHash, plan: json })
    .onConflict((oc) => oc.columns(['run_key', 'page']).doUpdateSet({ plan_hash: planHash, plan: json }))
    .execute();
  return planHash;
}

/** The page's plan the history names, or `RunStateMissing`: never a plan made again from other data. */
export async function requirePlan<T>(
  db: StoreDb,
  runKey: string,
  page: number,
  planHash: string,
  storeName: string,
): Promise<T> {
  const row = await db
    .selectFrom('run_plans')
    .select(['plan_hash', 'plan'])
    .where('run_key', '=', runKey)
    .where('page', '=', page)
    .executeTakeFirst();
  if (!row || row.plan_hash !== planHash) {
    throw failure(
      FailureType.RunStateMissing,
      `run store ${storeName} ${row ? 'holds another plan for' : 'has no plan for'} page ${page} of run ${runKey}: every worker must share one SYNC_STORE_URL`,
    );
  }
  return JSON.parse(row.plan) as T;
}

// ---- association pairs ----------------------------------------------------------------------------

export type Pair = [from: string, to: string];

/** Replaces the page's pairs of one kind and operation (a retried plan writes the same rows again). */
export async function savePairs(
  db: StoreDb,
  runKey: string,
  page: number,
  toType: string,
  op: 'create' | 'remove',
  pairs: Pair[],
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx
      .deleteFrom('run_pairs')
      .where('run_key', '=', runKey)
      .where('page', '=', page)
      .where('to_type', '=', toType)
      .where('op', '=', op)
      .execute();
    const rows = pairs.map(([from, to], idx) => ({
      run_key: runKey,
      page,
      to_type: toType,
      op,
      idx,
      from_id: from,
      to_id: to,
    }));
    for (const part of chunks(rows, INSERT_ROWS)) await tx.insertInto('run_pairs').values(part).execute();
  });
}

/** Pairs at positions [from, to) of the page's list. */
export async function pairRange(
  db: StoreDb,
  runKey: string,
  page: number,
  toType: string,
  op: 'create' | 'remove',
  from: number,
  to: number,
): Promise<Pair[]> {
  const rows = await db
    .selectFrom('run_pairs')
    .select(['from_id', 'to_id'])
    .where('run_key', '=', runKey)
    .where('page', '=', page)
    .where('to_type', '=', toType)
    .where('op', '=', op)
    .where('idx', '>=', from)
    .where('idx', '<', to)
    .orderBy('idx')
    .execute();
  return rows.map((r) => [r.from_id, r.to_id]);
}

// ---- retention ------------------------------------------------------------------------------------

/** Deletes every row of the runs and snapshots created before `before` (the audit trail's end). */
export async function pruneBefore(db: StoreDb, before: Date): Promise<number> {
  const cutoff = before.toISOString();
  const runs = await db.selectFrom('sync_runs').select('run_key').where('updated_at', '<', cutoff).execute();
  for (const { run_key: runKey } of runs) {
    const snapshots = await db
      .selectFrom('snapshots')
      .select('snapshot_id')
      .where('run_key', '=', runKey)
      .execute();
    for (const { snapshot_id: id } of snapshots) {
      for (const table of [
        'snapshot_posts',
        'snapshot_people',
        'snapshot_listed',
        'snapshot_domains',
        'snapshot_emails',
      ] as const)
        await db.deleteFrom(table).where('snapshot_id', '=', id).execute();
    }
    await db.deleteFrom('snapshots').where('run_key', '=', runKey).execute();
    for (const table of ['run_companies', 'run_contacts', 'run_stored', 'run_plans', 'run_pairs'] as const)
      await db.deleteFrom(table).where('run_key', '=', runKey).execute();
    await db.deleteFrom('sync_runs').where('run_key', '=', runKey).execute();
  }
  return runs.length;
}
