// Run-store fixtures the store tests share: the settings a run's snapshot carries, and a snapshot of nothing.
import type { StoreDb } from '../../src/store/open';
import { writeSnapshot } from '../../src/store/snapshots';

export const SETTINGS = {
  pageSize: 100,
  arrProperty: 'annualrevenue',
  createCompanies: true,
  createContacts: true,
};

/** A snapshot of nothing for `runKey` (and its run row). */
export function emptySnapshot(db: StoreDb, runKey: string) {
  return writeSnapshot(db, {
    runKey,
    settings: SETTINGS,
    mode: 'full',
    vanishKnown: true,
    posts: [],
    listed: [],
  });
}
