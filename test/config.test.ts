import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ConfigError,
  hubspotActivitiesPerSecond,
  parseConfig,
  parseOperatorConfig,
  resolveEnvironment,
  resolveEnvironmentWithFiles,
} from '../src/config';
import { runCli } from '../src/client';

const REQUIRED = { CANNY_API_KEY: 'ck', HUBSPOT_ACCESS_TOKEN: 'pat-1' };

describe('config', () => {
  it('applies the documented defaults', () => {
    const cfg = parseConfig(REQUIRED);
    assert.equal(cfg.CANNY_BASE_URL, 'https://canny.io');
    assert.equal(cfg.HUBSPOT_BASE_URL, 'https://api.hubapi.com');
    assert.equal(cfg.HUBSPOT_COMPANY_ARR_PROPERTY, 'annualrevenue');
    assert.equal(cfg.HUBSPOT_REQUESTS_PER_10S, 100);
    assert.equal(cfg.SLACK_API_URL, 'https://slack.com/api/');
    assert.equal(cfg.SYNC_TASK_QUEUE, 'feedback-sync-default');
    assert.equal(cfg.SYNC_CREATE_COMPANIES, true);
    assert.equal(cfg.SYNC_CREATE_CONTACTS, true);
    assert.equal(cfg.TEMPORAL_UI_URL, 'http://localhost:8233');
    assert.equal(cfg.SYNC_ENV, 'default');
    assert.equal(cfg.SLACK_BOT_TOKEN, undefined);
  });

  it('names the default task queue after the environment, for the worker and the CLI alike', () => {
    assert.equal(parseConfig({ ...REQUIRED, SYNC_ENV: 'sandbox' }).SYNC_TASK_QUEUE, 'feedback-sync-sandbox');
    assert.equal(parseOperatorConfig({ SYNC_ENV: 'sandbox' }).SYNC_TASK_QUEUE, 'feedback-sync-sandbox');
    assert.equal(
      parseConfig({ ...REQUIRED, SYNC_ENV: 'sandbox', SYNC_TASK_QUEUE: 'shared' }).SYNC_TASK_QUEUE,
      'shared',
      'an explicit queue is kept',
    );
  });

  it('binds metrics to loopback unless METRICS_HOST widens it', () => {
    assert.equal(parseConfig(REQUIRED).METRICS_HOST, '127.0.0.1');
    assert.equal(parseConfig({ ...REQUIRED, METRICS_HOST: '0.0.0.0' }).METRICS_HOST, '0.0.0.0');
  });

  it('lists every problem at once, naming each variable', () => {
    assert.throws(
      () =>
        parseConfig({
          HUBSPOT_REQUESTS_PER_10S: 'lots',
          SYNC_CREATE_CONTACTS: 'maybe',
          SLACK_BOT_TOKEN: 'xoxb-1',
        }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const text = err.message;
        for (const name of [
          'CANNY_API_KEY',
          'HUBSPOT_ACCESS_TOKEN',
          'HUBSPOT_REQUESTS_PER_10S',
          'SYNC_CREATE_CONTACTS',
          'SLACK_CHANNEL',
        ]) {
          assert.ok(text.includes(name), `${name} in:\n${text}`);
        }
        assert.ok(!text.includes('xoxb-1'), 'never echoes a secret');
        return true;
      },
    );
  });

  it('caps SYNC_MAX_PARALLEL at 32: the pages in flight bound what a continue-as-new carries', () => {
    assert.equal(parseConfig({ ...REQUIRED, SYNC_MAX_PARALLEL: '32' }).SYNC_MAX_PARALLEL, 32);
    assert.throws(
      () => parseConfig({ ...REQUIRED, SYNC_MAX_PARALLEL: '33' }),
      (err: unknown) => err instanceof ConfigError && /SYNC_MAX_PARALLEL.*at most 32/.test(err.message),
    );
  });

  const booleans: Array<[string, boolean]> = [
    ['true', true],
    ['false', false],
    ['1', true],
    ['0', false],
    ['yes', true],
    ['no', false],
  ];
  for (const [value, expected] of booleans) {
    it(`parses SYNC_CREATE_COMPANIES=${value} as ${expected}`, () => {
      assert.equal(
        parseConfig({ ...REQUIRED, SYNC_CREATE_COMPANIES: value }).SYNC_CREATE_COMPANIES,
        expected,
      );
    });
  }

  it('treats empty values as unset', () => {
    assert.equal(
      parseConfig({ ...REQUIRED, HUBSPOT_BASE_URL: '', SLACK_BOT_TOKEN: '' }).HUBSPOT_BASE_URL,
      'https://api.hubapi.com',
    );
  });

  it('derives the HubSpot activity rate from the 10-second budget, with headroom', () => {
    assert.equal(hubspotActivitiesPerSecond({ HUBSPOT_REQUESTS_PER_10S: 190 }), 18.05);
    assert.equal(hubspotActivitiesPerSecond({ HUBSPOT_REQUESTS_PER_10S: 100 }), 9.5);
  });

  describe('environment profiles', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feedback-sync-config-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('layers .env, .env.<SYNC_ENV> and <SYNC_ENV>_ prefixed variables', () => {
      fs.writeFileSync(
        path.join(dir, '.env'),
        'SYNC_ENV=sandbox\nHUBSPOT_ACCESS_TOKEN=from-dotenv\nCANNY_API_KEY=ck\n',
      );
      fs.writeFileSync(
        path.join(dir, '.env.sandbox'),
        'HUBSPOT_COMPANY_ARR_PROPERTY=arr_sandbox\nHUBSPOT_REQUESTS_PER_10S=50\n',
      );
      const resolved = resolveEnvironment(
        { SANDBOX_HUBSPOT_ACCESS_TOKEN: 'sandbox-token', HUBSPOT_REQUESTS_PER_10S: '190' },
        dir,
      );
      const cfg = parseConfig(resolved);
      assert.equal(cfg.SYNC_ENV, 'sandbox');
      assert.equal(cfg.HUBSPOT_ACCESS_TOKEN, 'sandbox-token', 'the prefixed variable wins');
      assert.equal(
        cfg.HUBSPOT_COMPANY_ARR_PROPERTY,
        'arr_sandbox',
        'the profile file fills what the environment lacks',
      );
      assert.equal(cfg.HUBSPOT_REQUESTS_PER_10S, 190, 'the process environment beats files');
    });

    const write = (files: Record<string, string>): void => {
      for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    };

    it('a profile file beats .env: a filled-in .env never leaks production values into a sandbox run', () => {
      write({
        '.env':
          'SYNC_ENV=sandbox\nCANNY_API_KEY=ck\nHUBSPOT_ACCESS_TOKEN=production-token\nSYNC_TASK_QUEUE=prod-queue\n',
        '.env.sandbox': 'HUBSPOT_ACCESS_TOKEN=sandbox-token\nSYNC_TASK_QUEUE=sandbox-queue\n',
      });
      const cfg = parseConfig(resolveEnvironment({}, dir));
      assert.equal(cfg.HUBSPOT_ACCESS_TOKEN, 'sandbox-token');
      assert.equal(cfg.SYNC_TASK_QUEUE, 'sandbox-queue');
      assert.equal(cfg.CANNY_API_KEY, 'ck', '.env still fills what the profile file lacks');
    });

    it('the process environment beats .env.<profile>, and SYNC_ENV from the environment picks the file', () => {
      write({
        '.env': 'SYNC_ENV=production\nCANNY_API_KEY=ck\nHUBSPOT_ACCESS_TOKEN=production-token\n',
        '.env.production': 'HUBSPOT_ACCESS_TOKEN=production-file-token\n',
        '.env.sandbox': 'HUBSPOT_ACCESS_TOKEN=sandbox-file-token\nHUBSPOT_REQUESTS_PER_10S=50\n',
      });
      const cfg = parseConfig(
        resolveEnvironment({ SYNC_ENV: 'sandbox', HUBSPOT_REQUESTS_PER_10S: '190' }, dir),
      );
      assert.equal(cfg.SYNC_ENV, 'sandbox');
      assert.equal(cfg.HUBSPOT_ACCESS_TOKEN, 'sandbox-file-token', '.env.production is not read');
      assert.equal(cfg.HUBSPOT_REQUESTS_PER_10S, 190);
    });

    it('<PROFILE>_ variables win wherever they are set, over the plain variable wherever that is', () => {
      write({
        '.env': 'SYNC_ENV=staging-eu\nCANNY_API_KEY=ck\nSTAGING_EU_SLACK_CHANNEL="#staging"\n',
        '.env.staging-eu': 'STAGING_EU_HUBSPOT_ACCESS_TOKEN=prefixed-in-profile-file\n',
      });
      const cfg = parseConfig(
        resolveEnvironment({ HUBSPOT_ACCESS_TOKEN: 'plain-in-env', SLACK_CHANNEL: '#prod' }, dir),
      );
      assert.equal(cfg.HUBSPOT_ACCESS_TOKEN, 'prefixed-in-profile-file');
      assert.equal(cfg.SLACK_CHANNEL, '#staging');
    });

    it('among prefixed variables, the same order holds: process environment, profile file, .env', () => {
      write({
        '.env':
          'SYNC_ENV=sandbox\nSANDBOX_CANNY_API_KEY=from-env-file\nSANDBOX_HUBSPOT_ACCESS_TOKEN=from-env-file\n',
        '.env.sandbox':
          'SANDBOX_HUBSPOT_ACCESS_TOKEN=from-profile-file\nSANDBOX_CANNY_API_KEY=from-profile-file\n',
      });
      const cfg = parseConfig(resolveEnvironment({ SANDBOX_CANNY_API_KEY: 'from-process' }, dir));
      assert.equal(cfg.CANNY_API_KEY, 'from-process');
      assert.equal(cfg.HUBSPOT_ACCESS_TOKEN, 'from-profile-file');
    });

    it('reports the files it loaded by name, in precedence order, lowest first', () => {
      write({ '.env': 'SYNC_ENV=sandbox\n', '.env.sandbox': 'CANNY_API_KEY=secret-value\n' });
      const resolved = resolveEnvironmentWithFiles({}, dir);
      assert.deepEqual(resolved.files, ['.env', '.env.sandbox']);
      assert.equal(resolved.values.CANNY_API_KEY, 'secret-value');
      assert.deepEqual(resolveEnvironmentWithFiles({ SYNC_ENV: 'other' }, dir).files, ['.env']);
      fs.rmSync(path.join(dir, '.env'));
      assert.deepEqual(resolveEnvironmentWithFiles({}, dir).files, []);
    });

    it('the CLI names the files it read on stderr, never their values; stdout holds only the JSON error', async () => {
      write({
        '.env': 'SYNC_ENV=sandbox\nHUBSPOT_ACCESS_TOKEN=secret-token-value\n',
        // Invalid on purpose: the command stops at its configuration, before any connection.
        '.env.sandbox': 'SYNC_MAX_PARALLEL=-1\n',
      });
      const stdout: string[] = [];
      const stderr: string[] = [];
      const cwd = process.cwd();
      process.chdir(dir);
      try {
        const code = await runCli(['sync', '--json'], {
          env: {},
          stdout: (line) => stdout.push(line),
          stderr: (line) => stderr.push(line),
        });
        assert.equal(code, 2, stderr.join('\n'));
      } finally {
        process.chdir(cwd);
      }
      // With --json, stdout is one JSON object, here the configuration error ({error, code, hint}).
      assert.equal(stdout.length, 1, stdout.join('\n'));
      assert.equal((JSON.parse(stdout[0]!) as { code: number }).code, 2);
      assert.ok(!stdout[0]!.includes('config files'));
      assert.ok(stderr.includes('config files: .env, .env.sandbox'), stderr.join('\n'));
      assert.ok(!stdout.join('\n').includes('secret-token-value'));
      assert.ok(!stderr.join('\n').includes('secret-token-value'));
    });

    it('without a profile, the process environment beats .env', () => {
      fs.writeFileSync(path.join(dir, '.env'), 'CANNY_API_KEY=file\nHUBSPOT_ACCESS_TOKEN=file\n');
      const cfg = parseConfig(resolveEnvironment({ CANNY_API_KEY: 'env' }, dir));
      assert.equal(cfg.CANNY_API_KEY, 'env');
      assert.equal(cfg.HUBSPOT_ACCESS_TOKEN, 'file');
    });
  });

  it('a worker with nothing set hears every problem at once, the payload keys among them', () => {
    assert.throws(
      () => parseConfig({}, { worker: true }),
      (err: Error & { problems?: string[] }) =>
        ['CANNY_API_KEY', 'HUBSPOT_ACCESS_TOKEN', 'SYNC_PAYLOAD_KEYS'].every((name) =>
          (err.problems ?? []).some((p) => p.startsWith(name)),
        ),
    );
  });
});
