// Every command says where it talks to (issue #17, "say where you are"): with the demo's variables still in
// the shell, `hubspot check` against a real `.env` must not answer about the simulator without saying so.
import assert from 'node:assert/strict';
import { runCli } from '../../src/client';
import { startSimulators, type RunningSimulators } from '../../src/simulators';
import { simulatorEnv } from '../support/commands';

describe('commands say where they talk to', function () {
  this.timeout(60_000);
  let sims: RunningSimulators;
  let env: Record<string, string>;
  before(async () => {
    sims = await startSimulators({ dataset: false, hubspot: { portalId: 24_681_357 } });
    env = {
      SYNC_ENV: 'where-test',
      ...simulatorEnv(sims),
      SYNC_PAYLOAD_KEYS: 'none',
      TEMPORAL_ADDRESS: '127.0.0.1:9',
      TEMPORAL_NAMESPACE: 'where-ns',
    };
  });
  after(async () => {
    await sims?.close();
  });

  async function run(argv: string[]) {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const code = await runCli(argv, { env, stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l) });
    return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
  }

  it('hubspot check names the portal id and base URL, in its answer and in --json', async () => {
    const text = await run(['hubspot', 'check']);
    assert.equal(text.code, 3);
    assert.match(text.stdout, new RegExp(`HubSpot portal 24681357 at ${sims.urls.hubspot} differs`));
    assert.match(
      text.stderr,
      new RegExp(`environment where-test · HubSpot portal 24681357 at ${sims.urls.hubspot}`),
    );
    const json = await run(['hubspot', 'check', '--json']);
    const answer = JSON.parse(json.stdout) as { portal: { id: string; baseUrl: string } };
    assert.deepEqual(answer.portal, { id: '24681357', baseUrl: sims.urls.hubspot });
  });

  it('a Temporal command names the environment, the address and the namespace', async () => {
    const status = await run(['status']);
    assert.equal(status.code, 1);
    assert.match(status.stderr, /environment where-test · Temporal 127\.0\.0\.1:9, namespace where-ns/);
  });
});
