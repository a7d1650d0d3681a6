// The source read's staging file: posts and votes go to disk as they arrive, each once, and come back in the
// order asked for; the file is gone when the read ends.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SourceStaging } from '../../src/activities/source-staging';
import type { SourcePost, SourceVote } from '../../src/domain/types';

function post(id: string): SourcePost {
  return {
    id,
    title: `title ${id}`,
    details: '',
    status: 'open',
    score: 1,
    url: `https://example.canny.io/p/${id}`,
    createdAt: '2026-01-01T00:00:00.000Z',
    board: { id: 'b1', name: 'Board' },
    category: null,
    tags: [],
    author: null,
    mergedPostIds: [],
  };
}

function vote(id: string, postId: string, email: string): SourceVote {
  return { id, postId, voter: { id: `u-${id}`, email, name: null, isAdmin: false } };
}

describe('source staging', () => {
  let staging: SourceStaging;
  beforeEach(() => (staging = new SourceStaging()));
  afterEach(() => staging.close());

  it('keeps a post listed twice once, and says which posts were new', () => {
    assert.deepEqual(
      staging.addPosts([post('p1'), post('p2')]).map((p) => p.id),
      ['p1', 'p2'],
    );
    assert.deepEqual(
      staging.addPosts([post('p2'), post('p3')]).map((p) => p.id),
      ['p3'],
    );
    assert.deepEqual(
      staging.posts(['p3', 'p1', 'p2']).map((p) => p.id),
      ['p3', 'p1', 'p2'],
    );
  });

  it('counts a vote listed on two pages once, and gives back the votes of each post', () => {
    staging.addVotes([vote('v1', 'p1', 'a@x.com'), vote('v2', 'p2', 'b@y.com')]);
    staging.addVotes([vote('v2', 'p2', 'b@y.com'), vote('v3', 'p1', 'c@z.com')]);
    assert.equal(staging.voteCount(), 3);
    const byPost = staging.votesOf(['p1', 'p2', 'p9']);
    assert.deepEqual(
      byPost
        .get('p1')
        ?.map((v) => v.id)
        .sort(),
      ['v1', 'v3'],
    );
    assert.deepEqual(
      byPost.get('p2')?.map((v) => v.voter?.email),
      ['b@y.com'],
    );
    assert.equal(byPost.has('p9'), false);
  });

  it('reads back more ids than one statement takes', () => {
    const posts = Array.from({ length: 1234 }, (_, i) => post(`p${i}`));
    staging.addPosts(posts);
    const ids = posts.map((p) => p.id).reverse();
    assert.deepEqual(
      staging.posts(ids).map((p) => p.id),
      ids,
    );
  });

  it('deletes the folders a killed process left behind a day ago, and no younger ones', () => {
    const old = fs.mkdtempSync(path.join(os.tmpdir(), 'feedback-sync-source-'));
    const young = fs.mkdtempSync(path.join(os.tmpdir(), 'feedback-sync-source-'));
    const twoDaysAgo = new Date(Date.now() - 48 * 3600 * 1000);
    fs.utimesSync(old, twoDaysAgo, twoDaysAgo);
    const other = new SourceStaging();
    other.close();
    assert.equal(fs.existsSync(old), false);
    assert.equal(fs.existsSync(young), true);
    fs.rmSync(young, { recursive: true, force: true });
  });

  it('deletes its file when closed', () => {
    const other = new SourceStaging();
    other.addPosts([post('p1')]);
    const dir = other.dir;
    assert.ok(fs.existsSync(dir));
    other.close();
    assert.equal(fs.existsSync(dir), false);
  });
});
