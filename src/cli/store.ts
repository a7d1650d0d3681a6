// The run store as the command line reads it: where SYNC_STORE_URL points, as the workers read it. A command
// never creates or migrates a store: a SQLite file that is not there is reported, not made.
import fs from 'node:fs';
import { resolveEnvironment } from '../config';
import { openStoreAsItIs, storeLocation, type StoreDb } from '../store/open';
import type { Context } from './context';

const DEFAULT_STORE = 'sqlite:.feedback-sync/run-store.db';

/** The run store the workers share, or only where it would be (`db` undefined) when there is none here. */
export function existingStore(ctx: Context): Promise<{ db?: StoreDb; where: string }> {
  const url = resolveEnvironment(ctx.env).SYNC_STORE_URL ?? DEFAULT_STORE;
  const location = storeLocation(url);
  if (location.kind === 'sqlite' && !fs.existsSync(location.display))
    return Promise.resolve({ where: location.display });
  // As the workers left it: never created, never migrated (src/store/open.ts).
  return Promise.resolve({ db: openStoreAsItIs(url), where: location.display });
}
