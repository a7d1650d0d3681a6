// The command as operators type it (issue #17, "a command, not an npm script"): `npx feedback-sync …` runs the
// CLI, and `npm run client sync --dry-run` (the `--` forgotten, so npm takes `--dry-run` for itself) refuses
// with exit 2 before it reaches anything, instead of running a real sync. Real npm, real processes.
import assert from 'node:assert/strict';
import { startSimulators, type RunningSimulators } from '../../src/simulators';
import { runCommand, simulatorEnv } from '../support/commands';

describe('the feedback-sync command', function () {
  this.timeout(120_000);
  let sims: RunningSimulators;
  let env: Record<string, string>;
  before(async () => {
    sims = await startSimulators({ dataset: { seed: 3, posts: 5, votes: 10 } });
    env = {
      SYNC_ENV: 'command-test',
      ...simulatorEnv(sims),
      SLACK_BASE_URL: sims.urls.slack,
      SLACK_BOT_TOKEN: sims.slack.token,
      // Nothing listens here: a command that got this far would fail on it, not refuse.
      TEMPORAL_ADDRESS: '127.0.0.1:9',
      SYNC_PAYLOAD_KEYS: 'none',
    };
  });
  after(async () => {
    await sims?.close();
  });

  it('`npm run client sync --dry-run` without `--`: exit 2, says how to run it, and HubSpot sees nothing', async () => {
    const before = sims.hubspot.server.requests().length;
    const result = await runCommand('npm', ['run', 'client', 'sync', '--dry-run'], env);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /npm took --dry-run as its own option/);
    assert.match(result.stderr, /npx feedback-sync sync --dry-run/);
    assert.match(result.stderr, /npm run client -- sync --dry-run/);
    assert.equal(sims.hubspot.server.requests().length, before, 'no request reached HubSpot');
  });

  it('`npx feedback-sync` runs the command line: help, and a check of the portal it is pointed at', async () => {
    const help = await runCommand('npx', ['feedback-sync', '--help'], env);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /Usage: feedback-sync/);
    assert.match(help.stdout, /sync-company/);
    const before = sims.hubspot.server.requests().length;
    const check = await runCommand('npx', ['feedback-sync', 'hubspot', 'check'], env);
    // The simulator's portal has no feature_request object yet: "differs from the data model".
    assert.equal(check.code, 3, check.stderr + check.stdout);
    assert.ok(sims.hubspot.server.requests().length > before, 'it asked the portal');
    // npx passes the CLI's own flags through untouched: `setup --apply` creates what check found missing.
    const apply = await runCommand('npx', ['feedback-sync', 'hubspot', 'setup', '--apply'], env);
    assert.equal(apply.code, 0, apply.stderr + apply.stdout);
    assert.equal(sims.hubspot.schemas().length, 1, 'the feature_request object was created');
  });
});
