import assert from 'node:assert/strict';
import type { Command } from 'commander';
import { buildProgram, runCli } from '../../src/client';

/** Runs the CLI without a Temporal client: these cases must fail before anything connects. */
async function run(argv: string[], env: Record<string, string> = { SYNC_ENV: 'cli-usage' }) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runCli(argv, {
    env,
    stdout: (line) => stdout.push(line),
    stderr: (line) => stderr.push(line),
  });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

function commandPaths(command: Command, prefix: string[] = []): string[][] {
  return command.commands.flatMap((sub) => {
    const path = [...prefix, sub.name()];
    return [path, ...commandPaths(sub, path)];
  });
}

describe('client: usage, help and exit codes', () => {
  it('prints --help for every command and exits 0', async () => {
    const paths = [[], ...commandPaths(buildProgram())];
    assert.ok(paths.length >= 16, `expected every command, got ${paths.map((p) => p.join(' ')).join(', ')}`);
    for (const path of paths) {
      const { code, stdout } = await run([...path, '--help']);
      assert.equal(code, 0, path.join(' '));
      assert.match(stdout, /Usage: feedback-sync/, path.join(' '));
    }
  });

  it('exits 2 on unknown commands, unknown options and missing arguments', async () => {
    for (const argv of [['launch'], ['sync', '--fast'], ['sync-company'], ['history', 'x'], ['schedule']]) {
      const { code, stderr } = await run(argv);
      assert.equal(code, 2, argv.join(' '));
      assert.ok(stderr.length > 0, `${argv.join(' ')} explains itself on stderr`);
    }
  });

  it('refuses garbage and free-mail domains for sync-company with exit 2', async () => {
    const garbage = await run(['sync-company', 'not a domain']);
    assert.equal(garbage.code, 2);
    assert.match(garbage.stderr, /is not a company domain/);
    const freeMail = await run(['sync-company', 'WWW.Gmail.com']);
    assert.equal(freeMail.code, 2);
    assert.match(freeMail.stderr, /gmail\.com is a free-mail provider/);
  });

  it('exits 2 on bad schedule options before connecting', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['schedule', 'create'], /exactly one of --every/],
      [['schedule', 'create', '--every', '1h', '--cron', '0 * * * *'], /cannot be used with/],
      [['schedule', 'create', '--every', 'soon'], /not a duration/],
      [['schedule', 'create', '--every', '1h', '--overlap', 'SOMETIMES'], /Allowed choices/],
      [['schedule', 'backfill', '--start', 'yesterday', '--end', '2025-01-01T00:00:00Z'], /ISO 8601/],
      [
        ['schedule', 'backfill', '--start', '2025-01-02T00:00:00Z', '--end', '2025-01-01T00:00:00Z'],
        /after --start/,
      ],
      [['replay'], /replay needs a run: a workflow id .* or a history file/],
      [['replay', 'some-id', '--file', 'h.json'], /workflow id or --file/],
      [['schedule', 'create', '--every', '1h', '--timezone', 'Mars/Olympus_Mons'], /not an IANA time zone/],
      [['status', '--limit', '0'], /positive integer/],
    ];
    for (const [argv, message] of cases) {
      const { code, stderr } = await run(argv);
      assert.equal(code, 2, argv.join(' '));
      assert.match(stderr, message, argv.join(' '));
    }
  });

  it('reports every configuration problem with exit 2 and never prints secrets', async () => {
    const secret = 'pat-na1-very-secret-token';
    const bad = await run(['sync'], { SYNC_ENV: 'Not Valid!', SYNC_MAX_PARALLEL: '-1' });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /SYNC_ENV must be lower-case/);
    assert.match(bad.stderr, /SYNC_MAX_PARALLEL/);

    const hubspot = await run(['hubspot', 'check'], {
      SYNC_ENV: 'cli-usage',
      HUBSPOT_ACCESS_TOKEN: secret,
      HUBSPOT_BASE_URL: 'not a url',
    });
    assert.equal(hubspot.code, 2);
    assert.doesNotMatch(hubspot.stderr, /CANNY_API_KEY/, 'hubspot commands need HubSpot settings only');
    assert.match(hubspot.stderr, /HUBSPOT_BASE_URL must be a URL/);
    assert.ok(!`${hubspot.stdout}${hubspot.stderr}`.includes(secret), 'the token is never printed');
  });

  it('applies the same cross-field rules as the worker: SLACK_BOT_TOKEN needs SLACK_CHANNEL (exit 2)', async () => {
    const { code, stderr } = await run(['status'], { SYNC_ENV: 'cli-usage', SLACK_BOT_TOKEN: 'xoxb-1' });
    assert.equal(code, 2);
    assert.match(stderr, /SLACK_CHANNEL is required when SLACK_BOT_TOKEN is set/);
  });

  it('refuses to start runs or schedules without payload keys (exit 2, like the worker); reading only warns', async () => {
    // Nothing listens on port 1: a command that got past its configuration fails to connect (exit 1).
    const base = { SYNC_ENV: 'default', TEMPORAL_ADDRESS: '127.0.0.1:1' };
    const starting = [
      ['sync'],
      ['sync', '--dry-run'],
      ['sync-company', 'acme.com'],
      ['schedule', 'create', '--every', '1h'],
      ['schedule', 'update', '--every', '2h'],
      ['schedule', 'trigger'],
      ['schedule', 'backfill', '--start', '2025-01-01T00:00:00Z', '--end', '2025-01-02T00:00:00Z'],
    ];
    for (const argv of starting) {
      const { code, stderr } = await run(argv, base);
      assert.equal(code, 2, `${argv.join(' ')}: ${stderr}`);
      assert.match(stderr, /SYNC_PAYLOAD_KEYS is required/, argv.join(' '));
      assert.match(stderr, /openssl rand -base64 32/, argv.join(' '));
    }
    // These connect, and each waits for the connection deadline: at once, not one after the other.
    const reading = [['status'], ['schedule', 'describe'], ['schedule', 'pause']].map(async (argv) => {
      const { code, stderr } = await run(argv, base);
      assert.equal(code, 1, `${argv.join(' ')}: ${stderr}`);
      assert.match(stderr, /note: payloads are not encrypted \(SYNC_PAYLOAD_KEYS is unset\)/, argv.join(' '));
    });
    // Explicitly unencrypted, or the simulators on loopback: the command goes ahead (and fails to connect).
    const allowed = [
      { ...base, SYNC_PAYLOAD_KEYS: 'none' },
      { ...base, CANNY_BASE_URL: 'http://127.0.0.1:4010', HUBSPOT_BASE_URL: 'http://localhost:4020' },
    ].map(async (env) => {
      const { code, stderr } = await run(['sync'], env);
      assert.equal(code, 1, stderr);
      assert.match(stderr, /cannot reach Temporal/);
      assert.match(stderr, /note: payloads are not encrypted/);
    });
    await Promise.all([...reading, ...allowed]);
  });

  it('--json on an error prints {error, code, hint} on stdout', async () => {
    const { code, stdout } = await run(['schedule', 'describe', '--json'], { SYNC_ENV: 'Not Valid!' });
    assert.equal(code, 2);
    const error = JSON.parse(stdout.split('\n').pop()!) as { error: string; code: number; hint: string };
    assert.equal(error.code, 2);
    assert.match(error.error, /SYNC_ENV/);
    assert.equal(typeof error.hint, 'string');
  });

  it('shows a required option as required in --help (history --out)', async () => {
    const { stdout } = await run(['history', '--help']);
    assert.match(stdout, /--out <file>.*\(required\)/);
  });

  it('--env overrides SYNC_ENV', async () => {
    const { code, stderr } = await run(['--env', 'BAD ENV', 'status']);
    assert.equal(code, 2);
    assert.match(stderr, /SYNC_ENV/);
  });
});
