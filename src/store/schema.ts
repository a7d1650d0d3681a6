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
  /** When the run ended (finishRun); null while it runs, and for runs of versions before migration 010. */
  finished_at: string | null;
  /** When its bulk and personal data were deleted (src/store/retention.ts); null until then. */
  purged_at: string | null;
  /** Its Temporal namespace (null in runs before migration 012). */
  namespace: string | null;
}

export interface SnapshotsTable {
  snapshot_id: string;
  run_key: string;
  /** SHA-256 over the snapshot's rows, in order: what the history's claim check promises. */
  content_hash: string | null;
  posts: number;
  /** 1 when the snapshot tells every listed post, so that unlisted ones may be marked vanished. */
  vanish_known: number;
  /**
   * 0 while the source read is under way; a reader refuses an incomplete snapshot. 1: complete, people in
   * snapshot_people (before migration 003). 2: complete, people next to each post, which workers before 003
   * cannot read: they refuse it (not 1), so its activities retry until a current worker takes them.
   * 3: complete, personal data sealed (`seal_key`), which workers before migration 011 refuse the same way.
   */
  complete: number;
  /** The run's settings (`RunSettings`, JSON); null in snapshots written before migration 004. */
  settings: string | null;
  /**
   * The names of the boards the source listed (JSON array); null in snapshots written before migration 007.
   * A stored request of a board not listed here is never marked vanished: a board that disappears is an
   * outage or a change of the key's access, not the deletion of its posts.
   */
  boards: string | null;
  /**
   * The payload key the run's personal data is sealed with (src/store/sealing.ts): emails and names in
   * snapshot_posts, snapshot_emails, run_contacts (keyed hashes), run_plans and the source read. Null: stored
   * as is (no payload keys, or written before migration 011).
   */
  seal_key: string | null;
  created_at: string;
}

export interface SnapshotPostsTable {
  snapshot_id: string;
  /** Position in the run's order (creation time, then id): pages are ranges of it. */
  seq: number;
  post_id: string;
  /** The post as the domain type `SourcePost`, JSON. */
  record: string;
  /** The post's people (`Person[]`, JSON); null in snapshots written before it, whose people are in snapshot_people. */
  people: string | null;
}

export interface SnapshotPeopleTable {
  snapshot_id: string;
  seq: number;
  email: string;
  /** The source's id of the person the email was kept for: failures name people by it, never by email. */
  person_id: string;
  name: string | null;
  company_domain: string | null;
}

export interface SnapshotListedTable {
  snapshot_id: string;
  post_id: string;
  /** The survivor's post id, for a post merged into another. */
  merged_into: string | null;
}

export interface SnapshotDomainsTable {
  snapshot_id: string;
  seq: number;
  domain: string;
}

export interface SnapshotEmailsTable {
  snapshot_id: string;
  /** Order in which the pages need the emails: first appearance by post position. */
  seq: number;
  email: string;
  person_id: string;
  /** The source's name for the person (first non-empty), set on contacts the sync creates. */
  name: string | null;
}

/** How the run resolved a domain or an email. */
export type Resolution = 'matched' | 'missing' | 'created' | 'failed';

export interface RunCompaniesTable {
  run_key: string;
  domain: string;
  company_id: string | null;
  arr: number | null;
  state: Resolution;
}

export interface RunContactsTable {
  run_key: string;
  email: string;
  seq: number;
  contact_id: string | null;
  state: Resolution;
}

/**
 * A company or contact of the run that HubSpot's validation rules refused to create (`kind`, and its domain or
 * its email's keyed hash, as in run_companies / run_contacts). A request that needs one is never committed.
 */
export interface RunUnfinishedTable {
  run_key: string;
  kind: 'company' | 'contact';
  key: string;
}

/** A feature request HubSpot holds: from the run's scan (full runs) or batch reads, then from its creates. */
export interface RunStoredTable {
  run_key: string;
  external_id: string;
  record_id: string;
  fingerprint: string;
  source_state: string;
}

export interface RunPlansTable {
  run_key: string;
  page: number;
  plan_hash: string;
  /** JSON of the page's `PagePlan`. */
  plan: string;
}

export interface RunPairsTable {
  run_key: string;
  page: number;
  to_type: string;
  op: string;
  idx: number;
  from_id: string;
  to_id: string;
  /**
   * Removals only: 1 when the pair also carries a label someone else gave it, so only the sync's label is
   * removed and the pair stays; 0 removes the pair. Absent (0) in plans before migration 008.
   */
  label_only: number;
}

export interface RunPairPlansTable {
  run_key: string;
  page: number;
  to_type: string;
  /** JSON of the `PairPlan` the first attempt returned. */
  summary: string;
}

/** The one run of an environment that may write to HubSpot (src/store/writer-lease.ts). */
/**
 * Requests the scan found vanished (their post no longer listed, and confirmed gone or merged), kept until
 * the run knows how many there are: it marks them only within SYNC_MAX_VANISHED, or once confirmed.
 */
export interface RunVanishedTable {
  run_key: string;
  record_id: string;
  external_id: string;
  /** The properties that mark it (`source_state`, `merged_into`, an empty fingerprint), JSON. */
  properties: string;
  /** 1 when its board is not listed either: an outage as far as the run can tell, marked only when confirmed. */
  board_missing: number;
}

/** What HubSpot held for a request when a dry run read it (migration 013): its plan says old → new. */
export interface RunPreviousTable {
  run_key: string;
  external_id: string;
  /** The sync's properties as HubSpot held them (JSON), sealed like the run's other personal data. */
  properties: string;
}

/** A failing record an operator acknowledged (`failures ack`, migration 014), by its failure key. */
export interface AcknowledgedFailuresTable {
  environment: string;
  /** The failure's business key as the summary names it (`canny:<post id>`, a domain, `canny user <id>`). */
  failure_key: string;
  note: string | null;
  acknowledged_at: string;
}

/** One row: the store's identity (migration 009). */
export interface StoreIdentityTable {
  id: string;
  created_at: string;
}

export interface WriterLeasesTable {
  /** What the lease is for: an environment name, or `portal:<id>` for a HubSpot portal (every run takes both). */
  environment: string;
  /** The holder's workflow id: what Temporal is asked about when another run wants the lease. */
  workflow_id: string;
  /** The holder's run key, stable across continue-as-new: a release by anyone else frees nothing. */
  run_key: string;
  acquired_at: string;
  /** The holder's Temporal namespace (null in leases taken before migration 009). */
  namespace: string | null;
}

/** One source API key's budget (src/store/request-budget.ts); the key is a hash, never the secret. */
export interface BudgetKeysTable {
  budget_key: string;
  /** Milliseconds since the epoch before which nobody sends: the source answered 429 with Retry-After. */
  blocked_until: number | string;
  touched_at: number | string;
}

/** One request sent on a budget, kept for the longest window (an hour). */
export interface BudgetRequestsTable {
  budget_key: string;
  sent_at: number | string;
}

/** A source read under way (src/store/source-reads.ts), keyed by the prepare activity that reads. */
export interface SourceReadsTable {
  read_key: string;
  started_at: string;
  /** JSON `{boards, errors}` of the board listing, once read. */
  boards: string | null;
  /** JSON of the prepare's result once its snapshot is written (later attempts return it). */
  consumed: string | null;
}

/** Where one listing of one board stopped: the next page's position, or done. */
export interface SourceReadListingsTable {
  read_key: string;
  board_id: string;
  /** `posts` or `votes`. */
  listing: string;
  /** Opaque to the store: a skip count or a source cursor; '' before the first page. */
  position: string;
  done: number;
  /** Pages read so far. */
  pages: number;
  /** Records (posts, votes, errors) this listing's pages added: what loading the read must find. */
  records: number;
}

/** What a read received: posts, votes and malformed records (kind `error`), each once. */
export interface SourceReadRecordsTable {
  read_key: string;
  /** `post`, `vote` or `error`. */
  kind: string;
  record_id: string;
  board_id: string;
  record: string;
}

export interface StoreSchema {
  budget_keys: BudgetKeysTable;
  budget_requests: BudgetRequestsTable;
  source_reads: SourceReadsTable;
  source_read_listings: SourceReadListingsTable;
  source_read_records: SourceReadRecordsTable;
  writer_leases: WriterLeasesTable;
  store_identity: StoreIdentityTable;
  run_vanished: RunVanishedTable;
  run_previous: RunPreviousTable;
  acknowledged_failures: AcknowledgedFailuresTable;
  run_pair_plans: RunPairPlansTable;
  snapshot_domains: SnapshotDomainsTable;
  snapshot_emails: SnapshotEmailsTable;
  run_companies: RunCompaniesTable;
  run_contacts: RunContactsTable;
  run_unfinished: RunUnfinishedTable;
  run_stored: RunStoredTable;
  run_plans: RunPlansTable;
  run_pairs: RunPairsTable;
  sync_runs: SyncRunsTable;
  snapshots: SnapshotsTable;
  snapshot_posts: SnapshotPostsTable;
  snapshot_people: SnapshotPeopleTable;
  snapshot_listed: SnapshotListedTable;
}
