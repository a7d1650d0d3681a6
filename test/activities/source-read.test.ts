// The source read against the Canny simulator over real HTTP, through the real client, into a real store: a
// read that fails halfway resumes at the next page on the next attempt, reads no page twice and keeps no
// record twice; it reads the same source as a read that never failed; and no board at all is an outage.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSource, selectedPosts, type SourceSnapshot } from '../../src/activities/source-read';
import { CannyClient } from '../../src/clients/canny';
import { CannySimulator } from '../../src/simulators/canny';
import { generateDataset } from '../../src/simulators/dataset';
import { openStore, type StoreDb } from '../../src/store/open';
import { deleteRead, keepPage, startRead } from '../../src/store/source-reads';

const DATASET = generateDataset({ seed: 21, boards: 2, posts: 260, votes: 1_400, users: 150, companies: 30 });

/** What a read found, in a form two reads can be compared by. */
function digest(snapshot: SourceSnapshot) {
  const posts: string[] = [];
  for (const chunk of selectedPosts(snapshot))
    for (const { post, people } of chunk)
      posts.push(`${post.id}:${people.people.map((p) => p.email).join(',')}`);
  return {
    order: snapshot.order,
    listed: [...snapshot.listedPostIds].sort(),
    merged: [...snapshot.mergedInto].sort(),
    votes: snapshot.votes,
    posts,
    vanishKnown: snapshot.vanishKnown,
  };
}

describe('source read: resumes where it stopped', function () {
  this.timeout(60_000);
  let sim: CannySimulator;
  let dir: string;
  let store: StoreDb;
  let client: CannyClient;
  let reference: ReturnType<typeof digest>;

  before(async () => {
    sim = new CannySimulator({ data: DATASET.canny });
    await sim.listen(0);
    client = new CannyClient({ apiKey: sim.apiKey, baseUrl: sim.url });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-source-read-'));
    store = await openStore(`sqlite:${path.join(dir, 'store.db')}`);
    const clean = await readSource(client, 'full', undefined, { store, readKey: 'clean', parallelBoards: 2 });
    try {
      reference = digest(clean);
    } finally {
      clean.staging.close();
    }
    assert.ok(reference.posts.length > 200, 'each board spans pages');
  });
  after(async () => {
    await store.destroy();
    await sim.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => sim.reset());

  it('a read that fails at its fourth vote page resumes there: no page read twice, the same source', async () => {
    // After three vote pages, the source fails the next one (a 5xx): the attempt ends there.
    sim.afterPage('v2/votes/list', 3, () =>
      sim.server.addFault({ route: 'votes/list', kind: 'server-error', status: 503, count: 1 }),
    );
    await assert.rejects(
      readSource(client, 'full', undefined, { store, readKey: 'interrupted', parallelBoards: 1 }),
      (err: Error & { type?: string }) => err.type === 'SourceServerError',
    );
    const firstAttempt = sim.pageLog().filter((p) => p.status === 200).length;
    assert.ok(firstAttempt >= 4, `the first attempt read ${firstAttempt} pages`);

    const resumed = await readSource(client, 'full', undefined, {
      store,
      readKey: 'interrupted',
      parallelBoards: 1,
    });
    try {
      assert.deepEqual(digest(resumed), reference, 'the same source as a read that never failed');
      const pages = sim.pageLog().filter((p) => p.status === 200);
      const keys = pages.map((p) => `${p.endpoint} ${p.boardID} ${p.position}`);
      assert.equal(new Set(keys).size, keys.length, `a page read twice: ${keys.join('\n')}`);
      assert.equal(
        sim.server.requests().filter((r) => r.path.endsWith('boards/list')).length,
        1,
        'the boards were listed once, by the first attempt',
      );
      assert.equal(resumed.pages, pages.length, 'the read counts every page it kept, over both attempts');
    } finally {
      resumed.staging.close();
    }
  });

  it('a read whose kept records went missing fails loudly (RunStateMissing), never loads a smaller source', async () => {
    const kept = await readSource(client, 'full', undefined, {
      store,
      readKey: 'claim-check',
      parallelBoards: 2,
    });
    kept.staging.close();
    // Rows lost under the read (a store that lost writes, a delete that raced a loading attempt).
    await store
      .deleteFrom('source_read_records')
      .where('read_key', '=', 'claim-check')
      .where('kind', '=', 'vote')
      .execute();
    await assert.rejects(
      readSource(client, 'full', undefined, { store, readKey: 'claim-check' }),
      (err: Error & { type?: string }) =>
        err.type === 'RunStateMissing' && /holds \d+ records where/.test(err.message),
    );
  });

  it('a read deleted meanwhile takes no more pages: a stale attempt cannot revive it', async () => {
    await startRead(store, 'stale');
    await deleteRead(store, 'stale');
    await assert.rejects(
      keepPage(store, 'stale', 'board', 'posts', '', [], '100'),
      (err: Error & { type?: string }) => err.type === 'RunStateMissing',
    );
    const rows = await store
      .selectFrom('source_read_listings')
      .where('read_key', '=', 'stale')
      .selectAll()
      .execute();
    assert.deepEqual(rows, [], 'nothing kept');
  });

  it('a read with no board at all marks nothing vanished: an outage looks the same', async () => {
    const empty = new CannySimulator({
      data: { boards: [], posts: [], votes: [], users: [], companies: [] },
    });
    await empty.listen(0);
    try {
      const snapshot = await readSource(
        new CannyClient({ apiKey: empty.apiKey, baseUrl: empty.url }),
        'full',
        undefined,
        { store, readKey: 'no-boards' },
      );
      snapshot.staging.close();
      assert.equal(snapshot.listedPostIds.size, 0);
      assert.equal(snapshot.vanishKnown, false);
    } finally {
      await empty.close();
    }
  });
});
