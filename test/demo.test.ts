// `npm run demo -- --once --tier professional` as a developer runs it: a child process that starts its own Temporal dev server,
// the simulators and the workers, syncs once, checks the run through the Web UI's HTTP API and exits 0.
// Every port is a free one and the SQLite file a temporary one, so a developer's running demo is left alone.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../scripts/dev-stack';

const ROOT = path.resolve(__dirname, '..');

describe('npm run demo -- --once --tier professional', function () {
  this.timeout(90_000);
  let child: ChildProcess | undefined;
  let dir: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feedback-sync-demo-'));
  });
  after(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('syncs once, finds the run in the Temporal UI and exits 0', async () => {
    const [temporal, ui, canny, hubspot, slack, codec] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_PORT: String(temporal),
      TEMPORAL_UI_PORT: String(ui),
      CANNY_SIM_PORT: String(canny),
      HUBSPOT_SIM_PORT: String(hubspot),
      SLACK_SIM_PORT: String(slack),
      SYNC_CODEC_PORT: String(codec),
      DEMO_KEYS_FILE: path.join(dir, 'demo-payload-keys'),
      DEMO_DB_FILE: path.join(dir, 'demo.sqlite'),
      DEMO_TIMEOUT_SECONDS: '60',
      LOG_LEVEL: 'warn',
    };
    delete env.DEMO_ONCE;
    let output = '';
    const started = Date.now();
    const proc = spawn(
      process.execPath,
      [require.resolve('tsx/cli'), 'scripts/demo.ts', '--once', '--tier', 'professional'],
      {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child = proc;
    proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => proc.on('exit', (c) => resolve(c)));
    const seconds = Math.round((Date.now() - started) / 1000);

    assert.equal(code, 0, `demo exited ${code} after ${seconds} s:\n${output}`);
    assert.match(output, /Payload keys: generated a development key in /, output);
    assert.match(output, /Codec server: .*WITHOUT a token/, 'the token-less codec server says so');
    assert.match(fs.readFileSync(env.DEMO_KEYS_FILE!, 'utf8'), /^demo-1:[A-Za-z0-9+/]{43}=\n$/);
    assert.match(
      output,
      new RegExp(`decoded payloads\\s+the UI shows .* http://127\\.0\\.0\\.1:${codec}`),
      output,
    );
    assert.match(output, /Temporal: dev server up in \d+ ms on 127\.0\.0\.1:\d+/, output);
    // A Professional portal cannot hold the custom object: `auto` keeps the requests as tickets.
    assert.match(
      output,
      /simulated professional portal: requests as tickets in the "Feature requests" pipeline/,
    );
    assert.match(output, /created ticket pipeline "Feature requests" with 6 stages/, 'the portal was set up');
    assert.match(output, /Schedule: created feedback-sync\/demo/, output);
    assert.match(output, /Slack summary → #feature-requests/, 'the echo printed the Slack summary');
    assert.match(
      output,
      /feature requests\s+37 identified, 37 created, 0 updated, 0 unchanged, 0 failed/,
      'the first run synced the demo dataset',
    );
    assert.match(output, /Slack\s+1 message\(s\) in #feature-requests/, output);
    assert.match(
      output,
      /UI check: OK — GET http:\/\/localhost:\d+\/api\/v1\/namespaces\/default\/workflows\//,
      output,
    );
    assert.match(output, /Stopped\.\s*$/, 'it stopped everything it started');
    assert.ok(fs.existsSync(env.DEMO_DB_FILE!), 'workflows were kept in the SQLite file');
  });
});
