// The run store's schema, as code-defined migrations that both dialects run (SQLite and Postgres). Workers
// migrate at start; a migration is never edited once released, a new one is added.
import { type Kysely, type Migration, type MigrationProvider } from 'kysely';

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
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
