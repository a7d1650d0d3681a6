// The writer lease on both store forms: one holder per environment, taken over only from a holder that is
// gone, released only by its holder, and one winner when two processes ask at the same moment.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { openStore, type StoreDb } from '../../src/store/open';
import { acquireLease, leaseHolder, releaseLease, type LeaseAnswer } from '../../src/store/writer-lease';
import { storeForms } from '../support/postgres';

const alive = (): Promise<boolean> => Promise.resolve(false);
const gone = (): Promise<boolean> => Promise.resolve(true);

let envCounter = 0;
/** The suite's Postgres is shared by every test: each test has its own environment. */
const freshEnv = (): string => `lease-${process.pid}-${++envCounter}`;

/** Two OS processes ask for the lease at one moment; their answers. */
/** `goneId`: the one holder that is gone (the other process is alive). */
function race(url: string, environment: string, goneId: string): Promise<LeaseAnswer[]> {
  const script = `
    const { openStore } = require('./src/store/open');
    const { acquireLease } = require('./src/store/writer-lease');
    openStore(process.env.URL).then((db) =>
      new Promise((r) => setTimeout(r, Number(process.env.START_AT) - Date.now()))
        .then(() => acquireLease(db, process.env.LEASE_ENV, { workflowId: process.env.ME, runKey: process.env.ME },
          (holder) => Promise.resolve(holder.workflowId === process.env.GONE_ID)))
        .then((answer) => { console.log(JSON.stringify(answer)); return db.destroy(); }),
    ).catch((e) => { console.error(e.message); process.exit(1); });`;
  const startAt = String(Date.now() + 4_000);
  const one = (me: string): Promise<LeaseAnswer> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
        cwd: path.resolve(__dirname, '../..'),
        env: {
          ...process.env,
          URL: url,
          START_AT: startAt,
          LEASE_ENV: environment,
          ME: me,
          GONE_ID: goneId,
        },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) =>
        code === 0 ? resolve(JSON.parse(stdout.trim()) as LeaseAnswer) : reject(new Error(stderr)),
      );
    });
  return Promise.all([one('proc-a'), one('proc-b')]);
}

for (const form of storeForms) {
  describe(`writer lease (${form.name})`, function () {
    this.timeout(60_000);
    let url: string;
    let db: StoreDb;
    before(async () => {
      url = await form.url();
      db = await openStore(url);
    });
    after(async () => db?.destroy());

    const f = { workflowId: 'wf-full', runKey: 'wf-full:r1' };
    const c = { workflowId: 'wf-company', runKey: 'wf-company:r1' };

    it('has one holder per environment; the holder asks again and keeps it', async () => {
      const env = freshEnv();
      assert.deepEqual(await acquireLease(db, env, f, gone), { acquired: true });
      assert.deepEqual(await acquireLease(db, env, c, alive), { acquired: false, holder: f });
      assert.deepEqual(
        await acquireLease(db, env, f, alive),
        { acquired: true },
        'asked again (after a CAN)',
      );
      assert.deepEqual(
        await acquireLease(db, freshEnv(), c, alive),
        { acquired: true },
        'another environment',
      );
    });

    it('is taken over from a holder that is gone, never from one that runs', async () => {
      const env = freshEnv();
      await acquireLease(db, env, f, gone);
      const asked: string[] = [];
      const answer = await acquireLease(db, env, c, (holder) => {
        asked.push(holder.workflowId);
        return Promise.resolve(true);
      });
      assert.deepEqual(answer, { acquired: true });
      assert.deepEqual(asked, ['wf-full']);
      assert.deepEqual(await leaseHolder(db, env), c);
    });

    it('is released by its holder only, and a late release of a replaced holder frees nothing', async () => {
      const env = freshEnv();
      await acquireLease(db, env, f, gone);
      assert.equal(await releaseLease(db, env, c.runKey), false, 'not the holder');
      assert.deepEqual(await leaseHolder(db, env), f);
      await acquireLease(db, env, c, gone); // f was terminated: c takes over
      assert.equal(await releaseLease(db, env, f.runKey), false, "f's late release");
      assert.deepEqual(await leaseHolder(db, env), c);
      assert.equal(await releaseLease(db, env, c.runKey), true);
      assert.equal(await releaseLease(db, env, c.runKey), false, 'idempotent');
      assert.equal(await leaseHolder(db, env), undefined);
      assert.deepEqual(await acquireLease(db, env, f, alive), { acquired: true }, 'free again');
    });

    it('two processes asking at one moment: one of them wins', async () => {
      const env = freshEnv();
      const answers = await race(url, env, 'none');
      assert.equal(answers.filter((a) => a.acquired).length, 1, JSON.stringify(answers));
      const holder = await leaseHolder(db, env);
      const loser = answers.find((a) => !a.acquired);
      assert.ok(holder && loser && !loser.acquired);
      assert.deepEqual(loser.holder, holder);
    });

    it('two processes taking over one gone holder at one moment: one of them wins', async () => {
      const env = freshEnv();
      await acquireLease(db, env, f, gone);
      const answers = await race(url, env, f.workflowId);
      assert.equal(answers.filter((a) => a.acquired).length, 1, JSON.stringify(answers));
      const holder = await leaseHolder(db, env);
      assert.ok(holder && holder.workflowId !== f.workflowId);
    });
  });
}
