// What a run learns and decides, in the shared store: the companies and contacts it resolved, the requests
// HubSpot holds, each page's plan and association pairs, and the requests whose writes failed. Every worker
// reads the same rows, so any activity can run on any worker process. Writes are upserts keyed by the run,
// so a retried activity writes the same rows again.
import { createHash } from 'node:crypto';
import type { MatchedCompany } from '../domain/company-match';
import { failure, FailureType } from '../failures';
import type { StoreDb } from './open';
import type { Resolution } from './schema';
import type { StoreSeal } from './sealing';

/** IN lists stay far below both engines' parameter limits. */
const IN_LIST = 2_000;
const INSERT_ROWS = 500;

/** `items` in consecutive slices of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
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

/** An email of the run, opened, with the source's id and name for the person. */
export interface RunEmail {
  seq: number;
  email: string;
  personId: string;
  name: string | null;
}

/** A snapshot_emails row, opened with the run's seal. */
function runEmailOf(
  row: { seq: number | string; email: string; person_id: string; name: string | null },
  seal: StoreSeal,
): RunEmail {
  return {
    seq: Number(row.seq),
    email: seal.open(row.email),
    personId: row.person_id,
    name: row.name === null ? null : seal.open(row.name),
  };
}

/** Emails at positions [from, to) of the run's order, with the source's name for each. */
export async function emailRange(
  db: StoreDb,
  snapshotId: string,
  from: number,
  to: number,
  /** The run's seal: emails and names are stored sealed. */
  seal: StoreSeal,
): Promise<RunEmail[]> {
  const rows = await db
    .selectFrom('snapshot_emails')
    .select(['seq', 'email', 'person_id', 'name'])
    .where('snapshot_id', '=', snapshotId)
    .where('seq', '>=', from)
    .where('seq', '<', to)
    .orderBy('seq')
    .execute();
  return rows.map((r) => runEmailOf(r, seal));
}

/** Emails at these positions of the run's order (sparse: the missing ones of an incremental run). */
export async function emailsAt(
  db: StoreDb,
  snapshotId: string,
  seqs: number[],
  seal: StoreSeal,
): Promise<RunEmail[]> {
  const out: RunEmail[] = [];
  for (const part of chunks(seqs, IN_LIST)) {
    const rows = await db
      .selectFrom('snapshot_emails')
      .select(['seq', 'email', 'person_id', 'name'])
      .where('snapshot_id', '=', snapshotId)
      .where('seq', 'in', part)
      .execute();
    for (const r of rows) out.push(runEmailOf(r, seal));
  }
  return out.sort((a, b) => a.seq - b.seq);
}

// ---- companies ------------------------------------------------------------------------------------

/**
 * Records how domains resolved. A search result (`matched`, `missing`) is written once: a duplicate or late
 * attempt of the same search never overwrites it, nor a create's result. A create's result (`created`,
 * `failed`) lands, except that a refusal never replaces a company another attempt created.
 */
export async function saveCompanies(
  db: StoreDb,
  runKey: string,
  rows: Array<{ domain: string; companyId: string | null; arr: number | null; state: Resolution }>,
): Promise<void> {
  for (const part of chunks(rows, INSERT_ROWS)) {
    const fromSearch = part.every((r) => r.state === 'matched' || r.state === 'missing');
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
        fromSearch
          ? oc.columns(['run_key', 'domain']).doNothing()
          : oc
              .columns(['run_key', 'domain'])
              .doUpdateSet((eb) => ({
                company_id: eb.ref('excluded.company_id'),
                arr: eb.ref('excluded.arr'),
                state: eb.ref('excluded.state'),
              }))
              // A late attempt's refusal never undoes a company another attempt created.
              .where((eb) =>
                eb.or([
                  eb('run_companies.state', '!=', 'created'),
                  eb(eb.ref('excluded.state'), '=', 'created'),
                ]),
              ),
      )
      .execute();
  }
}

/** How many of these domains the run holds as matched, and how many as not found. */
export async function domainResolution(
  db: StoreDb,
  runKey: string,
  domains: string[],
): Promise<{ matched: number; missing: number }> {
  let matched = 0;
  let total = 0;
  for (const part of chunks(domains, IN_LIST)) {
    const rows = await db
      .selectFrom('run_companies')
      .select('state')
      .where('run_key', '=', runKey)
      .where('domain', 'in', part)
      .execute();
    total += rows.length;
    matched += rows.filter((r) => r.state === 'matched').length;
  }
  return { matched, missing: total - matched };
}

/**
 * Domains without a company, in the run's domain order (the snapshot's), from the `offset`-th one. Searches
 * apply in order of their chunks' positions, so the first N missing domains never change once N are known.
 */
export async function missingDomains(
  db: StoreDb,
  runKey: string,
  snapshotId: string,
  offset: number,
  limit: number,
): Promise<string[]> {
  const rows = await db
    .selectFrom('run_companies as c')
    .innerJoin('snapshot_domains as d', (join) =>
      join.onRef('d.domain', '=', 'c.domain').on('d.snapshot_id', '=', snapshotId),
    )
    .select('c.domain')
    .where('c.run_key', '=', runKey)
    // Created and failed ones keep their place, so that offsets never shift while the creates run.
    .where('c.state', 'in', ['missing', 'created', 'failed'])
    .orderBy('d.seq')
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

/** Domains or email hashes whose record a portal validation rule refused: their requests stay uncommitted. */
export async function saveUnfinished(
  db: StoreDb,
  runKey: string,
  kind: 'company' | 'contact',
  keys: string[],
): Promise<void> {
  for (const part of chunks([...new Set(keys)], IN_LIST))
    await db
      .insertInto('run_unfinished')
      .values(part.map((key) => ({ run_key: runKey, kind, key })))
      .onConflict((oc) => oc.doNothing())
      .execute();
}

/** Of these keys (domains, or email lookup hashes), those whose record a portal validation rule refused. */
async function refusedKeys(
  db: StoreDb,
  runKey: string,
  kind: 'company' | 'contact',
  keys: string[],
): Promise<string[]> {
  const rows = await db
    .selectFrom('run_unfinished')
    .select('key')
    .where('run_key', '=', runKey)
    .where('kind', '=', kind)
    .where('key', 'in', keys)
    .execute();
  return rows.map((r) => r.key);
}

/** What the run holds already (companiesOf, contactsOf): a refusal of one of these is stale. */
interface Unfinished {
  /** The run creates these records: one still missing after the create phase is unfinished. */
  creating: boolean;
  held: { has(key: string): boolean };
}

/**
 * Of these domains, those whose company the run needs and has not got: a validation rule refused it, or (when
 * the run creates companies) none was found or created. Their requests are planned `incomplete`. A refusal
 * recorded by an attempt whose retry then created the company (with defaults, say) is stale: `held` has it.
 */
export async function unfinishedDomains(
  db: StoreDb,
  runKey: string,
  domains: string[],
  { creating, held }: Unfinished,
): Promise<Set<string>> {
  const result = new Set<string>();
  for (const part of chunks([...new Set(domains)], IN_LIST)) {
    for (const key of await refusedKeys(db, runKey, 'company', part)) if (!held.has(key)) result.add(key);
    if (!creating) continue;
    const missing = await db
      .selectFrom('run_companies')
      .select('domain')
      .where('run_key', '=', runKey)
      .where('domain', 'in', part)
      .where('state', '=', 'missing')
      .execute();
    for (const r of missing) result.add(r.domain);
  }
  return result;
}

// ---- contacts -------------------------------------------------------------------------------------

/**
 * Records how emails resolved; a search result is written once, a create's result lands (a refusal never
 * replaces a contact another attempt created). Rows are keyed by the email's lookup value under the run's
 * seal (a keyed hash), never by the email.
 */
export async function saveContacts(
  db: StoreDb,
  runKey: string,
  rows: Array<{ email: string; seq: number; contactId: string | null; state: Resolution }>,
  seal: StoreSeal,
): Promise<void> {
  for (const part of chunks(rows, INSERT_ROWS)) {
    const fromSearch = part.every((r) => r.state === 'matched' || r.state === 'missing');
    await db
      .insertInto('run_contacts')
      .values(
        part.map((r) => ({
          run_key: runKey,
          email: seal.lookup(r.email),
          seq: r.seq,
          contact_id: r.contactId,
          state: r.state,
        })),
      )
      .onConflict((oc) =>
        fromSearch
          ? oc.columns(['run_key', 'email']).doNothing()
          : oc
              .columns(['run_key', 'email'])
              .doUpdateSet((eb) => ({
                contact_id: eb.ref('excluded.contact_id'),
                state: eb.ref('excluded.state'),
              }))
              // A late attempt's refusal never undoes a contact another attempt created.
              .where((eb) =>
                eb.or([
                  eb('run_contacts.state', '!=', 'created'),
                  eb(eb.ref('excluded.state'), '=', 'created'),
                ]),
              ),
      )
      .execute();
  }
}

/** How many of these emails the run holds as matched, and how many as not found. */
export async function emailResolution(
  db: StoreDb,
  runKey: string,
  emails: string[],
  seal: StoreSeal,
): Promise<{ matched: number; missing: number }> {
  let matched = 0;
  let total = 0;
  for (const part of chunks(
    emails.map((e) => seal.lookup(e)),
    IN_LIST,
  )) {
    const rows = await db
      .selectFrom('run_contacts')
      .select('state')
      .where('run_key', '=', runKey)
      .where('email', 'in', part)
      .execute();
    total += rows.length;
    matched += rows.filter((r) => r.state === 'matched').length;
  }
  return { matched, missing: total - matched };
}

/**
 * The positions (in the run's email order) of emails without a contact, from the `offset`-th one: the emails
 * themselves are in the snapshot (`emailRange`). Searches apply in order of their chunks' positions, so the
 * first N missing emails never change once N are known.
 */
export async function missingContacts(
  db: StoreDb,
  runKey: string,
  offset: number,
  limit: number,
): Promise<Array<{ seq: number }>> {
  const rows = await db
    .selectFrom('run_contacts')
    .select('seq')
    .where('run_key', '=', runKey)
    .where('state', 'in', ['missing', 'created', 'failed'])
    .orderBy('seq')
    .limit(limit)
    .offset(offset)
    .execute();
  return rows.map((r) => ({ seq: Number(r.seq) }));
}

/** The run's contact id for each of these emails that has one. */
export async function contactsOf(
  db: StoreDb,
  runKey: string,
  emails: string[],
  seal: StoreSeal,
): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  const emailOf = new Map(emails.map((e) => [seal.lookup(e), e]));
  for (const part of chunks([...emailOf.keys()], IN_LIST)) {
    const rows = await db
      .selectFrom('run_contacts')
      .select(['email', 'contact_id'])
      .where('run_key', '=', runKey)
      .where('email', 'in', part)
      .where('contact_id', 'is not', null)
      .execute();
    for (const r of rows) result.set(emailOf.get(r.email)!, r.contact_id!);
  }
  return result;
}

/**
 * Of these emails, those whose contact the run needs and has not got: a validation rule refused it, or (when
 * the run creates contacts) none was found or created, as when a create activity failed outright. A refusal
 * of a contact the run holds after all (`held`, by email) is stale.
 */
export async function unfinishedEmails(
  db: StoreDb,
  runKey: string,
  emails: string[],
  { creating, held }: Unfinished,
  seal: StoreSeal,
): Promise<Set<string>> {
  const result = new Set<string>();
  const emailOf = new Map(emails.map((e) => [seal.lookup(e), e]));
  for (const part of chunks([...emailOf.keys()], IN_LIST)) {
    for (const key of await refusedKeys(db, runKey, 'contact', part)) {
      const email = emailOf.get(key)!;
      if (!held.has(email)) result.add(email);
    }
    if (!creating) continue;
    const missing = await db
      .selectFrom('run_contacts')
      .select('email')
      .where('run_key', '=', runKey)
      .where('email', 'in', part)
      .where('state', '=', 'missing')
      .execute();
    for (const r of missing) result.add(emailOf.get(r.email)!);
  }
  return result;
}

// ---- what a dry run found in HubSpot ----------------------------------------------------------------

/** The sync's properties of these requests as HubSpot held them (a dry run's scan or batch read). */
export async function savePrevious(
  db: StoreDb,
  runKey: string,
  rows: Array<{ externalId: string; properties: Record<string, string | null> }>,
  seal: StoreSeal,
): Promise<void> {
  for (const part of chunks(rows, INSERT_ROWS))
    await db
      .insertInto('run_previous')
      .values(
        part.map((r) => ({
          run_key: runKey,
          external_id: r.externalId,
          properties: seal.seal(JSON.stringify(r.properties)),
        })),
      )
      .onConflict((oc) => oc.columns(['run_key', 'external_id']).doNothing())
      .execute();
}

export async function previousOf(
  db: StoreDb,
  runKey: string,
  externalIds: string[],
  seal: StoreSeal,
): Promise<Map<string, Record<string, string | null>>> {
  const out = new Map<string, Record<string, string | null>>();
  for (const part of chunks(externalIds, IN_LIST)) {
    const rows = await db
      .selectFrom('run_previous')
      .select(['external_id', 'properties'])
      .where('run_key', '=', runKey)
      .where('external_id', 'in', part)
      .execute();
    for (const r of rows)
      out.set(r.external_id, JSON.parse(seal.open(r.properties)) as Record<string, string | null>);
  }
  return out;
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

/**
 * Stores a page's plan, once: the first attempt wins, and a later or concurrent attempt (whose reads may
 * already see this run's own writes) gets the stored plan back. Returns the plan and its hash, the claim
 * check the page's activities carry.
 */
export async function savePlan<T>(
  db: StoreDb,
  runKey: string,
  page: number,
  plan: T,
  /** The run's seal: a plan holds authors' emails. Its hash is the plain JSON's, on every worker. */
  seal: StoreSeal,
): Promise<{ plan: T; planHash: string }> {
  const json = JSON.stringify(plan);
  const planHash = createHash('sha256').update(json).digest('hex').slice(0, 32);
  await db
    .insertInto('run_plans')
    .values({ run_key: runKey, page, plan_hash: planHash, plan: seal.seal(json) })
    .onConflict((oc) => oc.columns(['run_key', 'page']).doNothing())
    .execute();
  const stored = await db
    .selectFrom('run_plans')
    .select(['plan_hash', 'plan'])
    .where('run_key', '=', runKey)
    .where('page', '=', page)
    .executeTakeFirstOrThrow();
  return { plan: JSON.parse(seal.open(stored.plan)) as T, planHash: stored.plan_hash };
}

/** The page's plan the history names, or `RunStateMissing`: never a plan made again from other data. */
export async function requirePlan<T>(
  db: StoreDb,
  runKey: string,
  page: number,
  planHash: string,
  storeName: string,
  seal: StoreSeal,
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
  // The history's hash over what the plan holds now: a plan stripped for the audit trail (its run ended)
  // hashes otherwise, and is never written from.
  const json = seal.open(row.plan);
  if (createHash('sha256').update(json).digest('hex').slice(0, 32) !== planHash)
    throw failure(
      FailureType.RunEnded,
      `the plan of page ${page} of run ${runKey} is no longer the one planned (its run ended and it was kept for the audit trail)`,
    );
  return JSON.parse(json) as T;
}

// ---- association pairs ----------------------------------------------------------------------------

export type Pair = [from: string, to: string];

export interface PairPlan {
  createBatches: number;
  removeBatches: number;
  /** The last, partial batch of creates: the parent packs it with other pages'. */
  leftovers: Pair[];
  /** How many removals were planned (absent in plans of older versions): each batch's exact size. */
  removes?: number;
}

/** The page's planned pairs of one kind, if an attempt planned them already. */
export async function pairPlanOf(
  db: StoreDb,
  runKey: string,
  page: number,
  toType: string,
): Promise<PairPlan | undefined> {
  const row = await db
    .selectFrom('run_pair_plans')
    .select('summary')
    .where('run_key', '=', runKey)
    .where('page', '=', page)
    .where('to_type', '=', toType)
    .executeTakeFirst();
  return row ? (JSON.parse(row.summary) as PairPlan) : undefined;
}

/**
 * Stores the page's pairs of one kind, once: the first attempt to commit its transaction wins, and any later
 * or concurrent one gets the winner's plan back. The batches read pairs by position, so the list must never
 * change once planned.
 */
export async function savePairPlan(
  db: StoreDb,
  runKey: string,
  page: number,
  toType: string,
  plan: PairPlan & {
    toAdd: Pair[];
    toRemove: Pair[];
    /** Removals (`from|to`) that take only the sync's label off the pair. */
    labelOnly?: Set<string>;
  },
): Promise<PairPlan> {
  const summary: PairPlan = {
    createBatches: plan.createBatches,
    removeBatches: plan.removeBatches,
    leftovers: plan.leftovers,
    removes: plan.toRemove.length,
  };
  const won = await db.transaction().execute(async (tx) => {
    const inserted = await tx
      .insertInto('run_pair_plans')
      .values({ run_key: runKey, page, to_type: toType, summary: JSON.stringify(summary) })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;
    const rows = [
      ...plan.toAdd.map(([from, to], idx) => ({ op: 'create', idx, from, to })),
      ...plan.toRemove.map(([from, to], idx) => ({ op: 'remove', idx, from, to })),
    ].map((r) => ({
      label_only: r.op === 'remove' && plan.labelOnly?.has(`${r.from}|${r.to}`) ? 1 : 0,
      run_key: runKey,
      page,
      to_type: toType,
      op: r.op,
      idx: r.idx,
      from_id: r.from,
      to_id: r.to,
    }));
    for (const part of chunks(rows, INSERT_ROWS)) await tx.insertInto('run_pairs').values(part).execute();
    return true;
  });
  if (won) return summary;
  return (await pairPlanOf(db, runKey, page, toType))!;
}

/** Removals at positions [from, to) of the page's list, each with whether it takes only the label off. */
export async function removalRange(
  db: StoreDb,
  runKey: string,
  page: number,
  toType: string,
  from: number,
  to: number,
): Promise<Array<{ pair: Pair; labelOnly: boolean }>> {
  const rows = await db
    .selectFrom('run_pairs')
    .select(['from_id', 'to_id', 'label_only'])
    .where('run_key', '=', runKey)
    .where('page', '=', page)
    .where('to_type', '=', toType)
    .where('op', '=', 'remove')
    .where('idx', '>=', from)
    .where('idx', '<', to)
    .orderBy('idx')
    .execute();
  return rows.map((r) => ({ pair: [r.from_id, r.to_id], labelOnly: Number(r.label_only) === 1 }));
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
