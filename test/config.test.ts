import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, hubspotActivitiesPerSecond, parseConfig, resolveEnvironment } from '../src/config';

const REQUIRED = { CANNY_API_KEY: 'ck', HUBSPOT_ACCESS_TOKEN: 'pat-1' };

describe('config', () => {
  it('applies the documented defaults', () => {
    const cfg = parseConfig(REQUIRED);
    assert.equal(cfg.CANNY_BASE_URL, 'https://canny.io');
    assert.equal(cfg.HUBSPOT_BASE_URL, 'https://api.hubapi.com');
    assert.equal(cfg.HUBSPOT_COMPANY_ARR_PROPERTY, 'annualrevenue');
    assert.equal(cfg.HUBSPOT_REQUESTS_PER_10S, 100);
    assert.equal(cfg.SLACK_API_URL, 'https://slack.com/api/');
    assert.equal(cfg.SYNC_TASK_QUEUE, 'feedback-sync');
    assert.equal(cfg.SYNC_CREATE_COMPANIES, true);
    assert.equal(cfg.SYNC_CREATE_CONTACTS, true);
    assert.equal(cfg.TEMPORAL_UI_URL, 'http://localhost:8233');
    assert.equal(cfg.SYNC_ENV, 'default');
    assert.equal(cfg.SLACK_BOT_TOKEN, undefined);
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

    it('without a profile, the process environment beats .env', () => {
      fs.writeFileSync(path.join(dir, '.env'), 'CANNY_API_KEY=file\nHUBSPOT_ACCESS_TOKEN=file\n');
      const cfg = parseConfig(resolveEnvironment({ CANNY_API_KEY: 'env' }, dir));
      assert.equal(cfg.CANNY_API_KEY, 'env');
      assert.equal(cfg.HUBSPOT_ACCESS_TOKEN, 'file');
    });
  });
});
