// Opens the run store named by SYNC_STORE_URL and brings its schema up to date.
//
// `sqlite:<path>` (the default, under the state folder) is one file that every worker process of a host
// shares: WAL mode lets readers run beside the one writer, and a busy timeout makes writers queue instead of
// failing. `postgres://…` is for workers on several hosts (docker-compose.yml runs one).
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import { Pool } from 'pg';
import { migrationProvider } from './migrations';
import type { StoreSchema } from './schema';

export type StoreDb = Kysely<StoreSchema>;

export interface StoreLocation {
  kind: 'sqlite' | 'postgres';
  /** The file (sqlite) or the URL without its password (postgres): safe to log. */
  display: string;
}

/** Where a store URL points, without opening it; throws on a URL of another kind. */
export function storeLocation(url: string): StoreLocation {
  if (url.startsWith('sqlite:'))
    return { kind: 'sqlite', display: path.resolve(url.slice('sqlite:'.length)) };
  if (/^postgres(ql)?:\/\//.test(url)) {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return { kind: 'postgres', display: parsed.toString() };
  }
  throw new Error(`SYNC_STORE_URL must start with sqlite: or postgres:// (got '${url.split(':')[0]}:…')`);
}

/**
 * The store as the workers left it, for the command line: no migration (a newer CLI must never migrate the
 * workers' store under them, nor an older one complain of a newer schema), no file created. A table this
 * version's migrations add is missing until a worker of this version has started.
 */
export function openStoreAsItIs(url: string): StoreDb {
  const location = storeLocation(url);
  if (location.kind === 'sqlite') {
    const file = new Database(location.display, { fileMustExist: true, timeout: 30_000 });
    return new Kysely<StoreSchema>({ dialect: new SqliteDialect({ database: file }) });
  }
  return new Kysely<StoreSchema>({
    dialect: new PostgresDialect({
      pool: new Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 5_000 }),
    }),
  });
}

export async function openStore(url: string): Promise<StoreDb> {
  const location = storeLocation(url);
  let db: StoreDb;
  /** Held while migrating, so that workers starting together migrate one after the other. */
  let migrationLock: Database.Database | undefined;
  if (location.kind === 'sqlite') {
    fs.mkdirSync(path.dirname(location.display), { recursive: true });
    // Kysely takes no lock for SQLite migrations (it assumes one process): two workers starting together on a
    // new file would both create the tables. A write transaction on a lock file next to it serialises them;
    // the second one then finds the migrations done. It is taken first, so that the WAL switch below is
    // made by one process at a time too.
    migrationLock = new Database(`${location.display}.migrate-lock`, { timeout: 60_000 });
    migrationLock.exec('BEGIN IMMEDIATE');
    // Several worker processes write the same file: a writer waits for the lock instead of failing at once.
    // The busy timeout is given to the constructor, so that it covers the WAL switch too (set after it,
    // processes opening a new file together got `database is locked`).
    let file: Database.Database;
    try {
      file = new Database(location.display, { timeout: 30_000 });
      file.pragma('journal_mode = WAL');
      file.pragma('synchronous = NORMAL');
    } catch (err) {
      migrationLock.close(); // rolls the lock's transaction back
      throw err;
    }
    db = new Kysely<StoreSchema>({ dialect: new SqliteDialect({ database: file }) });
  } else {
    db = new Kysely<StoreSchema>({
      dialect: new PostgresDialect({ pool: new Pool({ connectionString: url, max: 8 }) }),
    });
  }
  try {
    const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
    const failed = results?.find((r) => r.status === 'Error');
    if (error || failed) {
      const reason =
        error instanceof Error ? error.message : `migration ${failed?.migrationName ?? '(unknown)'}`;
      throw new Error(`run store ${location.display}: migration failed: ${reason}`);
    }
  } catch (err) {
    await db.destroy();
    throw err;
  } finally {
    if (migrationLock) {
      migrationLock.exec('COMMIT');
      migrationLock.close();
    }
  }
  return db;
}
