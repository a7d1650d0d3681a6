// Scratch space for one read of the source: the posts and votes as they arrive, in a throw-away SQLite file
// of this worker's temp folder, so that a workspace of a million votes is never held in memory. It lives for
// one `prepareRun` attempt only (the run's snapshot, which every worker shares, is written from it), so it
// is local to the process, never shared, and deleted when the read ends, however it ends. Its records are
// sealed with a key of this process's memory, so a file a killed process left behind cannot be read.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { SourcePost, SourceVote } from '../domain/types';
import { ephemeralSeal } from '../store/sealing';

const PREFIX = 'feedback-sync-source-';
/** A source read takes minutes; a staging folder a day old was left by a process that was killed. */
const ABANDONED_AFTER_MS = 24 * 3600 * 1000;

/** Deletes staging folders that killed processes left behind (a SIGKILL skips `close`). */
function sweepAbandoned(): void {
  const cutoff = Date.now() - ABANDONED_AFTER_MS;
  for (const name of fs.readdirSync(os.tmpdir())) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = path.join(os.tmpdir(), name);
    try {
      if (fs.statSync(dir).mtimeMs < cutoff) fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // gone meanwhile, or not ours to delete
    }
  }
}

export class SourceStaging {
  /** The folder of the scratch file (deleted by close). */
  readonly dir: string;
  private readonly db: Database.Database;
  /** The scratch file holds voters' emails: sealed with a key that lives in this process's memory only. */
  private readonly seal = ephemeralSeal();
  private readonly insertPost: Database.Statement;
  private readonly insertVote: Database.Statement;

  constructor() {
    sweepAbandoned();
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), PREFIX));
    this.db = new Database(path.join(this.dir, 'source.db'));
    // Scratch data: nothing to recover after a crash (the read starts over), so no journal and no fsync.
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.exec(`
      CREATE TABLE posts (post_id TEXT PRIMARY KEY, record TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE votes (vote_id TEXT PRIMARY KEY, post_id TEXT NOT NULL, record TEXT NOT NULL) WITHOUT ROWID;
      CREATE INDEX votes_by_post ON votes (post_id);
    `);
    this.insertPost = this.db.prepare('INSERT OR IGNORE INTO posts (post_id, record) VALUES (?, ?)');
    // A vote cast mid-read can show up on two pages (votes are listed newest first): the first one stays.
    this.insertVote = this.db.prepare(
      'INSERT OR IGNORE INTO votes (vote_id, post_id, record) VALUES (?, ?, ?)',
    );
  }

  /** Stores a page of posts; returns the ones not seen before (a post listed twice is one post). */
  addPosts(posts: readonly SourcePost[]): SourcePost[] {
    const added: SourcePost[] = [];
    this.db.transaction(() => {
      for (const post of posts)
        if (this.insertPost.run(post.id, this.seal.seal(JSON.stringify(post))).changes > 0) added.push(post);
    })();
    return added;
  }

  /** Stores a page of votes, each vote once. */
  addVotes(votes: readonly SourceVote[]): void {
    this.db.transaction(() => {
      for (const vote of votes)
        this.insertVote.run(vote.id, vote.postId, this.seal.seal(JSON.stringify(vote)));
    })();
  }

  voteCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM votes').get() as { n: number }).n;
  }

  /** The posts of these ids, in the ids' order. */
  posts(ids: readonly string[]): SourcePost[] {
    const rows = this.inChunks<{ post_id: string; record: string }>(
      'SELECT post_id, record FROM posts WHERE post_id IN',
      ids,
    );
    const byId = new Map(rows.map((r) => [r.post_id, JSON.parse(this.seal.open(r.record)) as SourcePost]));
    return ids.map((id) => byId.get(id)!);
  }

  /** The votes of these posts, by post id. */
  votesOf(postIds: readonly string[]): Map<string, SourceVote[]> {
    const rows = this.inChunks<{ post_id: string; record: string }>(
      'SELECT post_id, record FROM votes WHERE post_id IN',
      postIds,
    );
    const byPost = new Map<string, SourceVote[]>();
    for (const row of rows) {
      const list = byPost.get(row.post_id);
      const vote = JSON.parse(this.seal.open(row.record)) as SourceVote;
      if (list) list.push(vote);
      else byPost.set(row.post_id, [vote]);
    }
    return byPost;
  }

  /** Closes and deletes the scratch file. */
  close(): void {
    this.db.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** `select … IN (…)` over any number of values, 500 at a time (SQLite caps a statement's parameters). */
  private inChunks<T>(select: string, values: readonly string[]): T[] {
    const rows: T[] = [];
    for (let i = 0; i < values.length; i += 500) {
      const part = values.slice(i, i + 500);
      const statement = this.db.prepare(`${select} (${part.map(() => '?').join(',')})`);
      rows.push(...(statement.all(...part) as T[]));
    }
    return rows;
  }
}
