// An install whose store driver has no loadable native part (npm 12 skipped a build it needed, or the package
// was installed for another Node or platform): every entry point says so at start, names the package and the
// command that fixes it, and exits 2 within seconds. It must never surface at a run's first write.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testEnv } from '../hooks';
import { TEST_PAYLOAD_KEYS } from '../support/payload-keys';
import { startWorkerProcess } from '../support/worker-processes';

const ROOT = path.resolve(__dirname, '../..');
/** Preload that makes better-sqlite3's native part fail to load (test/support/no-sqlite-driver.cjs). */
const BROKEN_DRIVER = `--require ${path.join(ROOT, 'test/support/no-sqlite-driver.cjs')}`;
const LIMIT_SECONDS = 30;

function assertNamesTheFix(output: string): void {
  assert.match(output, /better-sqlite3\) cannot load its native part on Node \d+/, output);
  assert.match(output, /invalid ELF header/, "the loader's own reason is kept");
  assert.match(output, /Fix: .*npm ci/, output);
}

/** Runs `npm run <script> -- <args>` as a user types it; resolves with its exit code, output and seconds. */
function npmRun(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string; seconds: number }> {
  const started = Date.now();
  const proc = spawn('npm', ['run', '--silent', script, '--', ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const timer = setTimeout(() => proc.kill('SIGKILL'), 120_000);
  return new Promise((resolve) =>
    proc.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output, seconds: (Date.now() - started) / 1000 });
    }),
  );
}

describe('a store driver that cannot load', function () {
  this.timeout(180_000);
  let dir: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feedback-sync-no-driver-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('npm run worker exits 2 at start, with a configuration that is otherwise good', async () => {
    const env = await testEnv();
    const started = Date.now();
    const worker = startWorkerProcess('no-driver', {
      TEMPORAL_ADDRESS: env.address,
      SYNC_ENV: 'no-driver-test',
      CANNY_API_KEY: 'unused-canny-key',
      HUBSPOT_ACCESS_TOKEN: 'unused-hubspot-token',
      SYNC_TASK_QUEUE: `fs-no-driver-${process.pid}`,
      SYNC_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
      SYNC_STORE_URL: `sqlite:${path.join(dir, 'worker.sqlite')}`,
      NODE_OPTIONS: BROKEN_DRIVER,
    });
    const code = await worker.exited;
    const output = worker.lines.join('\n');
    assert.equal(code, 2, output);
    assert.ok((Date.now() - started) / 1000 < LIMIT_SECONDS, output);
    assertNamesTheFix(output);
    assert.ok(!output.includes('worker started'), output);
    assert.ok(!fs.existsSync(path.join(dir, 'worker.sqlite')), 'no store file was made');
  });

  it('npm run demo -- --once exits 2 before it starts anything', async () => {
    const keysFile = path.join(dir, 'demo-keys');
    const { code, output, seconds } = await npmRun('demo', ['--once'], {
      ...process.env,
      NODE_OPTIONS: BROKEN_DRIVER,
      DEMO_KEYS_FILE: keysFile,
      DEMO_DB_FILE: path.join(dir, 'demo.sqlite'),
    });
    assert.equal(code, 2, output);
    assert.ok(seconds < LIMIT_SECONDS, `exited after ${seconds} s`);
    assertNamesTheFix(output);
    assert.doesNotMatch(output, /Temporal: dev server up|Payload keys:/, 'nothing was started');
    assert.ok(!fs.existsSync(keysFile), 'no key file was written');
  });

  it('npm run client exits 2 before it runs a command', async () => {
    const { code, output, seconds } = await npmRun('client', ['status'], {
      ...process.env,
      NODE_OPTIONS: BROKEN_DRIVER,
    });
    assert.equal(code, 2, output);
    assert.ok(seconds < LIMIT_SECONDS, `exited after ${seconds} s`);
    assertNamesTheFix(output);
  });
});
