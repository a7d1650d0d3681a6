// `feedback-sync up` (issue #17, "host it for real on one machine, in one command"): from the environment
// alone it starts a Temporal dev server with its state in a file, the codec server, the worker and the
// schedule, reaches a completed run (its summary in Slack), then stops cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSimulators, type RunningSimulators } from '../../src/simulators';
import { freePort, ROOT, runCommand, simulatorEnv } from '../support/commands';
import { TEST_PAYLOAD_KEYS } from '../support/payload-keys';

describe('feedback-sync up', function () {
  this.timeout(240_000);
  let sims: RunningSimulators;
  let dir: string;
  before(async () => {
    sims = await startSimulators({ dataset: { seed: 9, posts: 6, votes: 12 } });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-up-'));
  });
  after(async () => {
    await sims?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reaches a completed run, then stops cleanly on SIGTERM', async () => {
    const [temporal, ui, codec] = [await freePort(), await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SYNC_ENV: 'up-test',
      ...simulatorEnv(sims),
      SLACK_API_URL: sims.slack.apiUrl,
      SLACK_BOT_TOKEN: sims.slack.token,
      SLACK_CHANNEL: '#feature-requests',
      SYNC_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
      SYNC_STORE_URL: `sqlite:${path.join(dir, 'run-store.db')}`,
      SYNC_UP_DIR: dir,
      TEMPORAL_ADDRESS: `127.0.0.1:${temporal}`,
      TEMPORAL_UI_PORT: String(ui),
      SYNC_CODEC_PORT: String(codec),
    };
    // Set up the portal first, as the README's walkthrough does.
    const setup = await runCommand('npx', ['feedback-sync', 'hubspot', 'setup', '--apply'], env);
    assert.equal(setup.code, 0, setup.output);

    // As systemd or a terminal runs it: the command itself (npx would stand between it and the signal).
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'feedback-sync.cjs'), 'up'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 150_000;
      while (sims.slack.messages().length === 0) {
        assert.ok(Date.now() < deadline, `a run completed and posted its summary; output:\n${output}`);
        assert.equal(child.exitCode, null, `up is still running; output:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      assert.ok(sims.hubspot.objects('feature_request').length > 0, 'the run wrote the requests');
      assert.ok(fs.existsSync(path.join(dir, 'temporal.sqlite')), 'Temporal keeps its state in a file');
      // The codec server answers, so the UI can decode.
      const decode = await fetch(`http://127.0.0.1:${codec}/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: `http://localhost:${ui}` },
        body: JSON.stringify({ payloads: [] }),
      });
      assert.equal(decode.status, 200, 'the codec server decodes');
    } finally {
      child.kill('SIGTERM');
    }
    const code = await exited;
    assert.equal(code, 0, output);
    assert.match(output, /worker stopped/);
    assert.match(output, /Temporal dev server stopped/);
  });
});
