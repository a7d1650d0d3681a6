// The run store's schema, as code-defined migrations that both dialects run (SQLite and Postgres). Workers
// migrate at start; a migration is never edited once released, a new one is added.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

const migrations: Record<string, Migration> = {
  '2026-12-01-001-snapshots': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('sync_runs')
        .addColumn('run_key', 'text', (c) => c.primaryKey())
        .addColumn('mode', 'text', (c) => c.notNull())
        .addColumn('domain', 'text')
        .addColumn('snapshot_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('snapshots')
        .addColumn('snapshot_id', 'text', (c) => c.primaryKey())
        .addColumn('run_key', 'text', (c) => c.notNull())
        .addColumn('content_hash', 'text')
        .addColumn('posts', 'integer', (c) => c.notNull())
        .addColumn('vanish_known', 'integer', (c) => c.notNull())
        .addColumn('complete', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('snapshots_by_run').on('snapshots').column('run_key').execute();
      await db.schema
        .createTable('snapshot_posts')
        .addColumn('snapshot_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('post_id', 'text', (c) => c.notNull())
        .addColumn('record', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('snapshot_posts_pk', ['snapshot_id', 'seq'])
        .execute();
      await db.schema
        .createTable('snapshot_people')
        .addColumn('snapshot_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('person_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('company_domain', 'text')
        .addPrimaryKeyConstraint('snapshot_people_pk', ['snapshot_id', 'seq', 'email'])
        .execute();
      await db.schema
        .createIndex('snapshot_people_by_domain')
        .on('snapshot_people')
        .columns(['snapshot_id', 'company_domain'])
        .execute();
      await db.schema
        .createTable('snapshot_listed')
        .addColumn('snapshot_id', 'text', (c) => c.notNull())
        .addColumn('post_id', 'text', (c) => c.notNull())
        .addColumn('merged_into', 'text')
        .addPrimaryKeyConstraint('snapshot_listed_pk', ['snapshot_id', 'post_id'])
        .execute();
    },
  },
  '2026-12-01-002-run-data': {
    async up(db: Kysely<unknown>): Promise<void> {
      // The run's order of company domains and of emails: chunks of work are ranges of `seq`.
      await db.schema
        .createTable('snapshot_domains')
        .addColumn('snapshot_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('domain', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('snapshot_domains_pk', ['snapshot_id', 'seq'])
        .execute();
      await db.schema
        .createTable('snapshot_emails')
        .addColumn('snapshot_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('person_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addPrimaryKeyConstraint('snapshot_emails_pk', ['snapshot_id', 'seq'])
        .execute();
      await db.schema
        .createTable('run_companies')
        .addColumn('run_key', 'text', (c) => c.notNull())
        .addColumn('domain', 'text', (c) => c.notNull())
        .addColumn('company_id', 'text')
        .addColumn('arr', 'double precision')
        .addColumn('state', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('run_companies_pk', ['run_key', 'domain'])
        .execute();
      await db.schema
        .createTable('run_contacts')
        .addColumn('run_key', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('contact_id', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('run_contacts_pk', ['run_key', 'email'])
        .execute();
      await db.schema
        .createIndex('run_contacts_by_state')
        .on('run_contacts')
        .columns(['run_key', 'state', 'seq'])
        .execute();
      await db.schema
        .createTable('run_stored')
        .addColumn('run_key', 'text', (c) => c.notNull())
        .addColumn('external_id', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('source_state', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('run_stored_pk', ['run_key', 'external_id'])
        .execute();
      await db.schema
        .createTable('run_plans')
        .addColumn('run_key', 'text', (c) => c.notNull())
        .addColumn('page', 'integer', (c) => c.notNull())
        .addColumn('plan_hash', 'text', (c) => c.notNull())
        .addColumn('plan', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('run_plans_pk', ['run_key', 'page'])
        .execute();
      await db.schema
        .createTable('run_pairs')
        .addColumn('run_key', 'text', (c) => c.notNull())
        .addColumn('page', 'integer', (c) => c.notNull())
        .addColumn('to_type', 'text', (c) => c.notNull())
        .addColumn('op', 'text', (c) => c.notNull())
        .addColumn('idx', 'integer', (c) => c.notNull())
        .addColumn('from_id', 'text', (c) => c.notNull())
        .addColumn('to_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('run_pairs_pk', ['run_key', 'page', 'to_type', 'op', 'idx'])
        .execute();
      // The page's pairs of one kind are planned once; this row says so, with what the planner returned.
      await db.schema
        .createTable('run_pair_plans')
        .addColumn('run_key', 'text', (c) => c.notNull())
        .addColumn('page', 'integer', (c) => c.notNull())
        .addColumn('to_type', 'text', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('run_pair_plans_pk', ['run_key', 'page', 'to_type'])
        .execute();
    },
  },
  '2026-12-02-003-snapshot-post-people': {
    async up(db: Kysely<unknown>): Promise<void> {
      // A post's people as JSON next to the post: one row per post instead of one per person, which made
      // most of the snapshot's writes. Snapshots written before keep their people in snapshot_people.
      await db.schema.alterTable('snapshot_posts').addColumn('people', 'text').execute();
    },
  },
  '2026-12-02-004-run-settings': {
    async up(db: Kysely<unknown>): Promise<void> {
      // The settings a run plans with (page size, ARR property, creation flags), fixed when it is prepared:
      // every activity of the run uses these, whatever the configuration of the worker that runs it.
      await db.schema.alterTable('snapshots').addColumn('settings', 'text').execute();
    },
  },
  '2026-12-02-005-writer-lease': {
    async up(db: Kysely<unknown>): Promise<void> {
      // One writing run per environment (src/store/writer-lease.ts): the row names the run that may write.
      await db.schema
        .createTable('writer_leases')
        .addColumn('environment', 'text', (c) => c.primaryKey())
        .addColumn('workflow_id', 'text', (c) => c.notNull())
        .addColumn('run_key', 'text', (c) => c.notNull())
        .addColumn('acquired_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '2026-12-07-006-source-budget-and-reads': {
    async up(db: Kysely<unknown>): Promise<void> {
      // The source's request budget, shared by every worker of the store (src/store/request-budget.ts): one
      // row per API key (by hash) to serialise acquirers and hold a 429's wait, one row per request sent.
      await db.schema
        .createTable('budget_keys')
        .addColumn('budget_key', 'text', (c) => c.primaryKey())
        .addColumn('blocked_until', 'bigint', (c) => c.notNull())
        .addColumn('touched_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('budget_requests')
        .addColumn('budget_key', 'text', (c) => c.notNull())
        .addColumn('sent_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('budget_requests_by_time')
        .on('budget_requests')
        .columns(['budget_key', 'sent_at'])
        .execute();
      // A source read that resumes (src/store/source-reads.ts): where each listing stopped, and what it read.
      await db.schema
        .createTable('source_reads')
        .addColumn('read_key', 'text', (c) => c.primaryKey())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('boards', 'text')
        // The prepare's result once its snapshot is written: later attempts return it, never read again.
        .addColumn('consumed', 'text')
        .execute();
      await db.schema
        .createTable('source_read_listings')
        .addColumn('read_key', 'text', (c) => c.notNull())
        .addColumn('board_id', 'text', (c) => c.notNull())
        .addColumn('listing', 'text', (c) => c.notNull())
        .addColumn('position', 'text', (c) => c.notNull())
        .addColumn('done', 'integer', (c) => c.notNull())
        .addColumn('pages', 'integer', (c) => c.notNull())
        .addColumn('records', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('source_read_listings_pk', ['read_key', 'board_id', 'listing'])
        .execute();
      await db.schema
        .createTable('source_read_records')
        .addColumn('read_key', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('board_id', 'text', (c) => c.notNull())
        .addColumn('record', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('source_read_records_pk', ['read_key', 'kind', 'record_id'])
        .execute();
    },
  },
  '2026-12-07-007-vanish-limit': {
    async up(db: Kysely<unknown>): Promise<void> {
      // The boards a snapshot's source listed: a request of a board that disappeared is not taken for deleted.
      await db.schema.alterTable('snapshots').addColumn('boards', 'text').execute();
      // What the scan found vanished, marked only within the run's limit (src/store/vanished.ts).
      await db.schema
        .createTable('run_vanished')
        .addColumn('run_key', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('external_id', 'text', (c) => c.notNull())
        .addColumn('properties', 'text', (c) => c.notNull())
        // 1: its board is no longer listed either (an outage, or a board deleted): marked only when confirmed.
        .addColumn('board_missing', 'integer', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('run_vanished_pk', ['run_key', 'record_id'])
        .execute();
    },
  },
  '2026-12-07-008-association-labels': {
    async up(db: Kysely<unknown>): Promise<void> {
      // A removal that takes only the sync's label off a pair someone else labelled too (src/activities/associations.ts).
      await db.schema
        .alterTable('run_pairs')
        .addColumn('label_only', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
  '2026-12-07-009-store-identity-and-lease-namespace': {
    async up(db: Kysely<unknown>): Promise<void> {
      // The store's identity, made once: workers name it in their Temporal identity, runs carry it, and a
      // worker whose store is another one refuses their activities (src/store/identity.ts).
      await db.schema
        .createTable('store_identity')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await sql`insert into store_identity (id, created_at) values (${randomUUID()}, ${new Date().toISOString()})`.execute(
        db,
      );
      // The Temporal namespace of a lease's holder: a holder of another namespace cannot be asked whether it
      // runs, so it is never taken for gone (null in leases taken before).
      await db.schema.alterTable('writer_leases').addColumn('namespace', 'text').execute();
    },
  },
  '2026-12-07-010-run-ends': {
    async up(db: Kysely<unknown>): Promise<void> {
      // When a run ended and when its bulk went: pruning sweeps runs whose purge failed or never came (a
      // terminated run), and prunes by count only runs that ended.
      await db.schema.alterTable('sync_runs').addColumn('finished_at', 'text').execute();
      await db.schema.alterTable('sync_runs').addColumn('purged_at', 'text').execute();
    },
  },
  '2026-12-07-011-sealed-personal-data': {
    async up(db: Kysely<unknown>): Promise<void> {
      // The payload key a snapshot's personal data is sealed with (src/store/sealing.ts); null: stored as is.
      await db.schema.alterTable('snapshots').addColumn('seal_key', 'text').execute();
    },
  },
  '2026-12-07-012-run-namespace': {
    async up(db: Kysely<unknown>): Promise<void> {
      // The Temporal namespace of a run: pruning asks Temporal whether a run is over only in its own
      // namespace (null: runs before it, taken for the pruning worker's).
      await db.schema.alterTable('sync_runs').addColumn('namespace', 'text').execute();
    },
  },
  '2026-12-07-013-dry-run-previous': {
    async up(db: Kysely<unknown>): Promise<void> {
      // What HubSpot held for each request when a dry run read it: its plan then says old → new.
      await db.schema
        .createTable('run_previous')
        .addColumn('run_key', 'text', (c) => c.notNull())
        .addColumn('external_id', 'text', (c) => c.notNull())
        .addColumn('properties', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('run_previous_pk', ['run_key', 'external_id'])
        .execute();
    },
  },
  '2026-12-07-014-acknowledged-failures': {
    async up(db: Kysely<unknown>): Promise<void> {
      // Records an operator knows are bad (`failures ack`): runs failing only on them exit 0 and alert nobody.
      await db.schema
        .createTable('acknowledged_failures')
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('failure_key', 'text', (c) => c.notNull())
        .addColumn('note', 'text')
        .addColumn('acknowledged_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('acknowledged_failures_pk', ['environment', 'failure_key'])
        .execute();
    },
  },
  '2026-12-07-015-run-unfinished': {
    async up(db: Kysely<unknown>): Promise<void> {
      // The companies and contacts a portal validation rule refused (issue #18): their requests stay
      // uncommitted. A new table, so workers of the previous version, which never read it, are unaffected.
      await db.schema
        .createTable('run_unfinished')
        .addColumn('run_key', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('run_unfinished_pk', ['run_key', 'kind', 'key'])
        .execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
