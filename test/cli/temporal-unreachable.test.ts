// No Temporal server where TEMPORAL_ADDRESS points (issue #17, "host it for real"): the worker and the command
// line say so within seconds, name TEMPORAL_ADDRESS, and say how to start a server, instead of a raw
// transport error (the worker) or a twelve-second wait (the command). Real processes, as an operator runs them.
import assert from 'node:assert/strict';
import { startSimulators, type RunningSimulators } from '../../src/simulators';
import { runCommand, simulatorEnv } from '../support/commands';

describe('no Temporal server at TEMPORAL_ADDRESS', function () {
  this.timeout(120_000);
  let sims: RunningSimulators;
  let env: Record<string, string>;
  before(async () => {
    sims = await startSimulators({ dataset: false });
    env = {
      SYNC_ENV: 'unreachable-test',
      ...simulatorEnv(sims),
      SYNC_PAYLOAD_KEYS: 'none',
      SYNC_STORE_URL: 'sqlite::memory:',
      TEMPORAL_ADDRESS: '127.0.0.1:9', // nothing listens on the discard port
    };
  });
  after(async () => {
    await sims?.close();
  });

  for (const [what, command, args] of [
    ['the worker', 'npm', ['run', 'worker']],
    ['the command line', 'npx', ['feedback-sync', 'status']],
  ] as const) {
    it(`${what} says so within seconds, names TEMPORAL_ADDRESS and how to start one`, async () => {
      const result = await runCommand(command, [...args], env);
      assert.notEqual(result.code, 0);
      assert.match(result.output, /cannot reach Temporal at 127\.0\.0\.1:9 \(TEMPORAL_ADDRESS\)/);
      assert.match(result.output, /npm run temporal/);
      assert.doesNotMatch(result.output, /tonic::transport/, 'no raw transport error');
      // The process starts (tsx, the config) in about 2 s; the connection is given 3 s at most.
      assert.ok(result.ms < 9_000, `took ${result.ms} ms`);
    });
  }
});
