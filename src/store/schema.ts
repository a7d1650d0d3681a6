// The run store's tables, as Kysely sees them. Every row is keyed by the run (or by a snapshot of the run), so
// runs never see each other's data and a finished run's rows can be pruned together.
export interface SyncRunsTable {
  run_key: string;
  mode: string;
  domain: string | null;
  /** The snapshot every activity of the run reads; set when `prepareRun` completes one. */
  snapshot_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface SnapshotsTable {
  snapshot_id: string;
  run_key: string;
  /** SHA-256 over the snapshot's rows, in order: what the history's claim check promises. */
  content_hash: string | null;
  posts: number;
  /** 0 while the source read is under way; a reader refuses an incomplete snapshot. */
  complete: number;
  created_at: string;
}

export interface SnapshotPostsTable {
  snapshot_id: string;
  /** Position in the run's order (creation time, then id): pages are ranges of it. */
  seq: number;
  post_id: string;
  /** The post as the domain type `SourcePost`, JSON. */
  record: string;
}

export interface SnapshotPeopleTable {
  snapshot_id: string;
  seq: number;
  email: string;
  name: string | null;
  company_domain: string | null;
}

export interface SnapshotListedTable {
  snapshot_id: string;
  post_id: string;
  /** The survivor's post id, for a post merged into another. */
  merged_into: string | null;
}

export interface StoreSchema {
  sync_runs: SyncRunsTable;
  snapshots: SnapshotsTable;
  snapshot_posts: SnapshotPostsTable;
  snapshot_people: SnapshotPeopleTable;
  snapshot_listed: SnapshotListedTable;
}
