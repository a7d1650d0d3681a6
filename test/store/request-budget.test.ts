// The source's request budget on both store forms: never more than a window's count in any rolling window,
// a wait that ends when the window's oldest request leaves it, a 429's block for everyone, and the same
// guarantees for OS processes that take slots on one key at the same moments.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseRateLimits } from '../../src/domain/rate-limits';
import { openStore, type StoreDb } from '../../src/store/open';
import { blockUntil, countedFor, tryTakeSlot } from '../../src/store/request-budget';
import { storeForms } from '../support/postgres';

let keyCounter = 0;
/** The suite's Postgres is shared by every test: each test has its own budget key. */
const freshKey = (): string => `budget-${process.pid}-${++keyCounter}`;

/** Every slot's time on a key, oldest first. */
async function slotTimes(db: StoreDb, key: string): Promise<number[]> {
  const rows = await db
    .selectFrom('budget_requests')
    .select('sent_at')
    .where('budget_key', '=', key)
    .orderBy('sent_at')
    .execute();
  return rows.map((r) => Number(r.sent_at));
}

/** The most slots found in any rolling window of `windowMs` (each window ending at a slot). */
function busiestWindow(times: number[], windowMs: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[j]! <= times[i]! - windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

/** One OS process that takes slots on `key` as fast as the budget gives them, until `untilMs`. */
function taker(url: string, key: string, limits: string, untilMs: number): Promise<number> {
  const script = `
    const { openStore } = require('./src/store/open');
    const { tryTakeSlot } = require('./src/store/request-budget');
    const { parseRateLimits } = require('./src/domain/rate-limits');
    (async () => {
      const db = await openStore(process.env.URL);
      const limits = parseRateLimits(process.env.LIMITS);
      let taken = 0;
      while (Date.now() < Number(process.env.UNTIL)) {
        const answer = await tryTakeSlot(db, process.env.KEY, limits);
        if (answer.taken) taken++;
        else await new Promise((r) => setTimeout(r, Math.min(answer.waitMs, 50)));
      }
      console.log(taken);
      await db.destroy();
    })().catch((e) => { console.error(e.message); process.exit(1); });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: path.resolve(__dirname, '../..'),
      env: { ...process.env, URL: url, KEY: key, LIMITS: limits, UNTIL: String(untilMs) },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(Number(stdout.trim())) : reject(new Error(stderr))));
  });
}

for (const form of storeForms) {
  describe(`source request budget (${form.name})`, function () {
    this.timeout(60_000);
    let url: string;
    let db: StoreDb;
    before(async () => {
      url = await form.url();
      db = await openStore(url);
    });
    after(async () => db?.destroy());

    it("gives a window's count of slots, then says to wait until the window's oldest leaves it", async () => {
      // Slots count a little longer than their window (countedFor): 1,270 ms for a second, 61,450 for a minute.
      assert.equal(countedFor(1_000), 1_270);
      assert.equal(countedFor(60_000), 61_450);
      const key = freshKey();
      const limits = parseRateLimits('3/s,5/m');
      const t0 = 1_800_000_000_000;
      for (let i = 0; i < 3; i++)
        assert.deepEqual(await tryTakeSlot(db, key, limits, t0 + i * 10), { taken: true });
      assert.deepEqual(await tryTakeSlot(db, key, limits, t0 + 100), { taken: false, waitMs: 1_171 });
      assert.deepEqual(
        await tryTakeSlot(db, key, limits, t0 + 1_271),
        { taken: true },
        'the second rolled on',
      );
      assert.deepEqual(await tryTakeSlot(db, key, limits, t0 + 1_500), { taken: true });
      // Five in the minute: the minute's oldest (t0) leaves it at t0 + 61,450 ms.
      assert.deepEqual(await tryTakeSlot(db, key, limits, t0 + 2_500), { taken: false, waitMs: 58_951 });
      assert.deepEqual(await tryTakeSlot(db, key, limits, t0 + 61_451), { taken: true });
      assert.equal(
        (await slotTimes(db, key)).length,
        5,
        'the request at t0 is out of every window: forgotten',
      );
      assert.deepEqual(
        await tryTakeSlot(db, freshKey(), limits, t0 + 100),
        { taken: true },
        'another key has its own budget',
      );
    });

    it("a 429's block stops every slot until it ends; a shorter block never shortens it", async () => {
      const key = freshKey();
      const limits = parseRateLimits('10/s');
      const now = Date.now();
      await blockUntil(db, key, now + 30_000);
      await blockUntil(db, key, now + 5_000);
      const answer = await tryTakeSlot(db, key, limits, now);
      assert.equal(answer.taken, false);
      assert.ok(!answer.taken && answer.waitMs === 30_000, JSON.stringify(answer));
      assert.deepEqual(await tryTakeSlot(db, key, limits, now + 30_000), { taken: true });
    });

    it('requests older than the longest window are forgotten', async () => {
      const key = freshKey();
      const limits = parseRateLimits('100/s,1000/h');
      const now = Date.now();
      await tryTakeSlot(db, key, limits, now - 3_800_000);
      await tryTakeSlot(db, key, limits, now - 10_000);
      await tryTakeSlot(db, key, limits, now);
      assert.deepEqual(await slotTimes(db, key), [now - 10_000, now]);
    });

    it('three OS processes taking slots on one key at once: never more than the count in any window', async () => {
      const key = freshKey();
      // Start together, a few seconds from now (the processes need a moment to load).
      const until = Date.now() + 6_500;
      const counts = await Promise.all([1, 2, 3].map(() => taker(url, key, '4/s,20/m', until)));
      const times = await slotTimes(db, key);
      assert.equal(
        counts.reduce((a, b) => a + b, 0),
        times.length,
      );
      assert.ok(busiestWindow(times, 1_000) <= 4, `busiest second: ${busiestWindow(times, 1_000)}`);
      assert.ok(times.length <= 20, `${times.length} in the minute`);
      assert.ok(times.length >= 8, `the processes got slots: ${times.length}`);
      assert.ok(counts.filter((c) => c > 0).length >= 2, `slots spread over processes: ${counts.join(', ')}`);
    });
  });
}
