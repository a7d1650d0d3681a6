// The source at Canny's published rate limits, on the real dev server against the simulator that enforces them:
// a read that stays within every window, one that shares its key with another tool, one whose worker is killed
// halfway, and listings that change between two pages. Each ends in the exact state of a clean run.
import assert from 'node:assert/strict';
import type { RunSummary } from '../../src/domain/types';
import type { CannyPageLogEntry } from '../../src/simulators/canny';
import { eventually } from '../support/cli';
import { assertNoDuplicates, cleanRun, portalState } from '../support/portal-state';
import { startFullRun, startStack, type Stack } from '../support/stack';
import { startWorkerProcess, stopAll, workerEnvOf, type WorkerProcess } from '../support/worker-processes';

type State = ReturnType<typeof portalState>;

/** Pages answered 200, as `endpoint board position` keys. */
const pagesRead = (log: CannyPageLogEntry[]): string[] =>
  log.filter((p) => p.status === 200).map((p) => `${p.endpoint} ${p.boardID ?? ''} ${p.position}`);

const duplicates = (keys: string[]): string[] => keys.filter((k, i) => keys.indexOf(k) !== i);

/** The portal a clean, unlimited sync of `dataset` leaves. */
async function referenceOf(dataset: Parameters<typeof startStack>[0]): Promise<State> {
  const { summary, state } = await cleanRun(dataset);
  assert.equal(summary.featureRequests.failed, 0, JSON.stringify(summary.failures));
  return state;
}

function assertExact(stack: Stack, summary: RunSummary, reference: State): void {
  assert.equal(summary.featureRequests.failed, 0, JSON.stringify(summary.failures));
  assert.deepEqual(portalState(stack.sims.hubspot), reference);
  assertNoDuplicates(stack.sims.hubspot);
}

describe("the source at Canny's published rate limits", function () {
  this.timeout(600_000);

  it("at the Free plan's limits, a read of more than 100 requests stays within every window: no 429, no page twice", async () => {
    // 50 boards of two posts: 101 requests (the boards, then a post page and a vote page each), more than
    // the Free plan's 100 a minute, so the read must wait for the minute to roll on.
    const options = {
      simulators: { dataset: { seed: 31, boards: 50, posts: 100, votes: 300, users: 80, companies: 20 } },
      env: { CANNY_RATE_LIMITS: 'none' },
    };
    const reference = await referenceOf(options);
    const stack = await startStack({ ...options, env: { CANNY_PLAN: 'free' } });
    try {
      stack.sims.canny.setRateLimits('free');
      const started = Date.now();
      const summary = await stack.sync();
      const seconds = (Date.now() - started) / 1000;
      assertExact(stack, summary, reference);
      const log = stack.sims.canny.pageLog();
      const requests = stack.sims.canny.server.requests().filter((r) => r.path.startsWith('/api/'));
      assert.ok(requests.length > 100, `${requests.length} Canny requests`);
      assert.deepEqual(
        requests.filter((r) => r.status === 429),
        [],
        'no request was refused',
      );
      assert.deepEqual(duplicates(pagesRead(log)), [], 'no page read twice');
      // 80 a minute (the default 80 % share of 100): the 81st request waits for the first to leave the minute.
      assert.ok(seconds > 55, `the run waited for the minute: ${seconds} s`);
      // The summary tells the read's time and what it spent of the budget (800 an hour, 80 % of Free's 1,000).
      const source = summary.source!;
      assert.equal(source.requests, requests.length);
      assert.equal(source.pages, 100, 'a post page and a vote page for each of 50 boards');
      assert.equal(source.rateLimited, 0);
      assert.equal(source.hourlyBudget, 800);
      assert.ok(source.readMs > 55_000 && source.readMs < seconds * 1000, `${source.readMs} ms`);
    } finally {
      await stack.close();
    }
  });

  it("sharing its key with a tool that spends half the key's budget, the sync completes, its 429s counted", async () => {
    const options = {
      simulators: { dataset: { seed: 32, boards: 12, posts: 240, votes: 900, users: 120, companies: 30 } },
      env: { CANNY_RATE_LIMITS: 'none' },
    };
    const reference = await referenceOf(options);
    const stack = await startStack({ ...options, env: { CANNY_PLAN: 'pro' } });
    let otherTool = true;
    try {
      stack.sims.canny.setRateLimits('pro');
      // The other tool: 5 requests a second on the same key, half of Pro's 10, for as long as the sync reads.
      const other = (async () => {
        while (otherTool) {
          await fetch(`${stack.sims.urls.canny}/api/v1/boards/list`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ apiKey: stack.sims.canny.apiKey }),
          });
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      })();
      const summary = await stack.sync();
      otherTool = false;
      await other;
      assertExact(stack, summary, reference);
      const refusedListings = stack.sims.canny.pageLog().filter((p) => p.status === 429).length;
      assert.ok(refusedListings > 0, 'the shared key drew 429s on the sync');
      assert.ok(
        summary.apiRequests.rateLimited >= refusedListings,
        `${summary.apiRequests.rateLimited} counted, ${refusedListings} on the listings`,
      );
      assert.deepEqual(duplicates(pagesRead(stack.sims.canny.pageLog())), [], 'no page read twice');
    } finally {
      otherTool = false;
      await stack.close();
    }
  });

  it('a worker SIGKILLed halfway through the read: another worker process resumes it at the page it stopped', async () => {
    const options = {
      simulators: { dataset: { seed: 33, boards: 24, posts: 200, votes: 800, users: 100, companies: 25 } },
      env: { CANNY_RATE_LIMITS: 'none' },
    };
    const reference = await referenceOf(options);
    const stack = await startStack({ ...options, env: { CANNY_PARALLEL_BOARDS: '1' } });
    await stack.stopWorkers();
    const workers: WorkerProcess[] = [];
    try {
      // 49 requests, one at a time, 250 ms each: the read takes over 12 s.
      stack.sims.canny.server.addFault({ route: '/api/', kind: 'latency', probability: 1, latencyMs: 250 });
      const a = startWorkerProcess('A', workerEnvOf(stack));
      workers.push(a);
      await a.ready;
      const handle = await startFullRun(stack, 'killed-read');
      await eventually(
        () => Promise.resolve(pagesRead(stack.sims.canny.pageLog()).length >= 16 ? true : undefined),
        'the read halfway',
        120_000,
      );
      a.kill('SIGKILL');
      await a.exited;
      // Where each listing stood when A died: the resumed read must start exactly there.
      const kept = await stack.store
        .selectFrom('source_read_listings')
        .select(['board_id', 'listing', 'position', 'done'])
        .execute();
      const readBeforeKill = pagesRead(stack.sims.canny.pageLog());
      const b = startWorkerProcess('B', workerEnvOf(stack));
      workers.push(b);
      await b.ready;
      assertExact(stack, await handle.result(), reference);

      const after = pagesRead(stack.sims.canny.pageLog()).slice(readBeforeKill.length);
      const again = after.filter((k) => readBeforeKill.includes(k));
      // Only a page A had asked for but not kept (in flight at the kill) may be asked for again: at the position
      // its listing was kept at.
      const keptPositions = new Set(
        kept
          .filter((k) => Number(k.done) === 0)
          .map(
            (k) =>
              `${k.listing === 'posts' ? 'posts/list' : 'v2/votes/list'} ${k.board_id} ${k.listing === 'posts' ? k.position || '0' : k.position}`,
          ),
      );
      for (const key of again)
        assert.ok(keptPositions.has(key), `read again, though kept before the kill: ${key}`);
      assert.ok(again.length <= 2, `pages read again: ${again.join('; ')}`);
      assert.ok(readBeforeKill.length >= 16 && after.length > 0, 'the read was split between A and B');
    } finally {
      await stopAll(workers);
      await stack.close();
    }
  });

  describe('listings that change between two pages', function () {
    // One board of 160 posts: two pages of posts, and several pages of votes.
    const options = {
      simulators: { dataset: { seed: 34, boards: 1, posts: 160, votes: 700, users: 90, companies: 20 } },
      env: { CANNY_RATE_LIMITS: 'none' },
    };

    it('a vote removed between two vote pages: no other request loses a voter; the next run is exact', async () => {
      const stack = await startStack(options);
      try {
        await stack.sync();
        const before = portalState(stack.sims.hubspot);
        // The second vote of the listing (on its first page, oldest first) goes once that page is read.
        const votes = stack.sims.canny
          .votes()
          .slice()
          .sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id));
        const removed = votes[1]!;
        stack.sims.canny.afterPage('v2/votes/list', 1, () => stack.sims.canny.removeVote(removed.id));
        const during = await stack.sync();
        assert.equal(during.featureRequests.failed, 0);
        assert.deepEqual(
          portalState(stack.sims.hubspot),
          before,
          'the run saw every vote, the removed one too',
        );
        // The clean reference of the data as it is now: the removed vote's voter gone from its request, if
        // nobody else of that person voted for it.
        const now = await startStack(options);
        let exact: State;
        try {
          now.sims.canny.removeVote(removed.id);
          await now.sync();
          exact = portalState(now.sims.hubspot);
        } finally {
          await now.close();
        }
        assert.ok(exact.requests.length > 0);
        assertExact(stack, await stack.sync(), exact);
      } finally {
        await stack.close();
      }
    });

    it('a post deleted between two post pages: the post it shifted out of sight is not marked deleted', async () => {
      const stack = await startStack(options);
      try {
        await stack.sync();
        const posts = stack.sims.canny
          .posts()
          .slice()
          .sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id));
        assert.ok(posts.length > 100, 'two pages of posts');
        const deleted = posts[5]!; // on the first page
        const shifted = posts[100]!; // the first of the second page, which the deletion shifts onto the first
        stack.sims.canny.afterPage('posts/list', 1, () => stack.sims.canny.deletePost(deleted.id));
        const during = await stack.sync();
        assert.equal(during.featureRequests.failed, 0, JSON.stringify(during.failures));
        const stateOf = (postId: string) =>
          stack.sims.hubspot
            .objects('feature_request')
            .find((r) => r.properties.external_id === `canny:${postId}`)?.properties.source_state;
        assert.equal(stateOf(shifted.id), 'active', 'the post shifted out of the listing is still active');
        assert.ok(
          stack.sims.canny.pageLog().some((p) => p.endpoint === 'posts/retrieve' && p.postID === shifted.id),
          'it was confirmed by id',
        );
        // The next run: the deleted post is confirmed gone and marked so; everything else as a clean run.
        await stack.sync();
        assert.equal(stateOf(deleted.id), 'deleted');
        const now = await startStack(options);
        let clean: State;
        try {
          now.sims.canny.deletePost(deleted.id);
          await now.sync();
          clean = portalState(now.sims.hubspot);
        } finally {
          await now.close();
        }
        const withoutDeleted = (state: State): State => ({
          ...state,
          requests: state.requests.filter((r) => r.properties.external_id !== `canny:${deleted.id}`),
        });
        assert.deepEqual(withoutDeleted(portalState(stack.sims.hubspot)), withoutDeleted(clean));
        assertNoDuplicates(stack.sims.hubspot);
      } finally {
        await stack.close();
      }
    });
  });
});
