import assert from 'node:assert/strict';
import {
  addCounts,
  buildSummary,
  emptyCounts,
  formatDuration,
  runUiUrl,
  slackMessage,
  sourceReadText,
  type SummaryInput,
} from '../../src/domain/summary';
import {
  MAX_FAILURES_IN_SUMMARY,
  type FailureEntry,
  type RunSummary,
  type SyncCounts,
} from '../../src/domain/types';

const failures = (n: number, reason = 'boom', from = 0): FailureEntry[] =>
  Array.from({ length: n }, (_, i) => ({ kind: 'feature_request', key: `canny:${from + i}`, reason }));

const counts = (overrides: Partial<SyncCounts> = {}): SyncCounts => ({
  featureRequests: { identified: 120, created: 3, updated: 5, unchanged: 110, failed: 2 },
  companies: { matched: 40, created: 2, failed: 0 },
  contacts: { matched: 300, created: 7, failed: 1, skipped: 4 },
  associations: { created: 20, removed: 1 },
  apiRequests: { canny: 56, hubspot: 1234, slack: 1, rateLimited: 3 },
  failures: failures(3),
  ...overrides,
});

const input = (overrides: Partial<SummaryInput> = {}): SummaryInput => ({
  ...counts(),
  runId: 'run-1',
  workflowId: 'feedback-sync/production/full',
  environment: 'production',
  mode: 'full',
  dryRun: false,
  startedAt: new Date('2024-05-01T10:00:00.000Z'),
  finishedAt: '2024-05-01T10:02:05.000Z',
  uiUrl: 'http://localhost:8233/namespaces/default/workflows/x/run-1/history',
  ...overrides,
});

describe('formatDuration', () => {
  const cases: Array<[number, string]> = [
    [0, '0s'],
    [-5, '0s'],
    [Number.NaN, '0s'],
    [850, '850ms'],
    [1000, '1s'],
    [42_400, '42s'],
    [59_600, '1m 00s'],
    [125_000, '2m 05s'],
    [3_600_000, '1h 00m 00s'],
    [3_725_000, '1h 02m 05s'],
  ];
  for (const [ms, expected] of cases)
    it(`${ms} → ${expected}`, () => assert.equal(formatDuration(ms), expected));
});

describe('runUiUrl', () => {
  const cases: Array<[string, string, string, string, string]> = [
    [
      'http://localhost:8233',
      'default',
      'wf',
      'r1',
      'http://localhost:8233/namespaces/default/workflows/wf/r1/history',
    ],
    [
      'http://localhost:8233/',
      'default',
      'wf',
      'r1',
      'http://localhost:8233/namespaces/default/workflows/wf/r1/history',
    ],
    [
      'https://cloud.temporal.io',
      'prod.acct',
      'feedback-sync/production/full',
      'r1',
      'https://cloud.temporal.io/namespaces/prod.acct/workflows/feedback-sync%2Fproduction%2Ffull/r1/history',
    ],
  ];
  for (const [base, ns, wf, run, expected] of cases) {
    it(expected, () => assert.equal(runUiUrl(base, ns, wf, run), expected));
  }
});

describe('addCounts', () => {
  it('empty is the identity', () => {
    assert.deepEqual(addCounts(emptyCounts(), counts()), counts());
    assert.deepEqual(addCounts(counts(), emptyCounts()), counts());
  });

  it('sums every counter and concatenates failures in order', () => {
    const total = addCounts(
      counts({ failures: failures(2, 'a') }),
      counts({ failures: failures(1, 'b', 2) }),
    );
    assert.deepEqual(total.featureRequests, {
      identified: 240,
      created: 6,
      updated: 10,
      unchanged: 220,
      failed: 4,
    });
    assert.deepEqual(total.contacts, { matched: 600, created: 14, failed: 2, skipped: 8 });
    assert.deepEqual(total.apiRequests, { canny: 112, hubspot: 2468, slack: 2, rateLimited: 6 });
    assert.deepEqual(
      total.failures.map((f) => f.key),
      ['canny:0', 'canny:1', 'canny:2'],
    );
  });

  it('caps the failure list, keeping the first, while counters stay exact', () => {
    let total = emptyCounts();
    for (let i = 0; i < 10; i += 1) {
      const part = emptyCounts();
      part.featureRequests.failed = 30;
      part.failures = failures(30, 'x', i * 30);
      total = addCounts(total, part);
    }
    assert.equal(total.failures.length, MAX_FAILURES_IN_SUMMARY);
    assert.equal(total.failures[0]?.key, 'canny:0');
    assert.equal(total.featureRequests.failed, 300);
  });

  it('does not mutate its arguments', () => {
    const a = counts();
    addCounts(a, counts());
    assert.deepEqual(a, counts());
  });
});

describe('buildSummary', () => {
  it('computes duration and ISO times', () => {
    const summary = buildSummary(input());
    assert.equal(summary.durationMs, 125_000);
    assert.equal(summary.startedAt, '2024-05-01T10:00:00.000Z');
    assert.equal(summary.finishedAt, '2024-05-01T10:02:05.000Z');
    assert.equal('domain' in summary, false);
  });

  it('keeps the domain of a company run and caps failures', () => {
    const summary = buildSummary(input({ mode: 'company', domain: 'hooli.com', failures: failures(80) }));
    assert.equal(summary.domain, 'hooli.com');
    assert.equal(summary.failures.length, MAX_FAILURES_IN_SUMMARY);
  });

  it("keeps the source read's figures, and Slack says them with the share of the hourly budget", () => {
    const source = { readMs: 275_000, pages: 1_100, requests: 1_104, rateLimited: 2, hourlyBudget: 4_000 };
    const summary = buildSummary(input({ source }));
    assert.deepEqual(summary.source, source);
    assert.equal(
      sourceReadText(source),
      '1,104 Canny requests in 4m 35s (2 rate-limited), 28 % of the hourly budget (4,000/h)',
    );
    const message = slackMessage(summary);
    assert.match(textOf(message), /\*Source read\*\\n1,104 Canny requests in 4m 35s/);
    assert.match(message.text, /Source read: 1,104 Canny requests/);
    assert.equal(
      sourceReadText({ ...source, hourlyBudget: 0 }),
      '1,104 Canny requests in 4m 35s (2 rate-limited)',
    );
    assert.equal('source' in buildSummary(input()), false, 'absent when the run has no read');
  });

  it('never reports a negative duration', () => {
    assert.equal(buildSummary(input({ finishedAt: '2024-05-01T09:00:00.000Z' })).durationMs, 0);
  });
});

const textOf = (message: { blocks: unknown[] }): string => JSON.stringify(message.blocks);

interface Block {
  type: string;
  text?: { text: string };
  fields?: Array<{ text: string }>;
  elements?: Array<{ text?: string | { text: string }; url?: string }>;
}

/** Every Block Kit limit the summary must respect, whatever the input. */
function assertWithinSlackLimits(message: { text: string; blocks: unknown[] }): void {
  const blocks = message.blocks as Block[];
  assert.ok(blocks.length <= 50, 'at most 50 blocks');
  assert.ok(JSON.stringify(message).length < 12_000, `whole message ${JSON.stringify(message).length} chars`);
  assert.ok(message.text.length > 0 && message.text.length <= 3000);
  for (const block of blocks) {
    if (block.type === 'header') assert.ok(block.text!.text.length <= 150, 'header ≤ 150');
    if (block.type === 'section') {
      if (block.text)
        assert.ok(block.text.text.length >= 1 && block.text.text.length <= 3000, 'section ≤ 3000');
      if (block.fields) {
        assert.ok(block.fields.length <= 10, '≤ 10 fields');
        for (const field of block.fields) assert.ok(field.text.length <= 2000, 'field ≤ 2000');
      }
    }
  }
}

describe('slackMessage', () => {
  const summary = (overrides: Partial<SummaryInput> = {}): RunSummary => buildSummary(input(overrides));

  it('reads in ten seconds: status, environment, counters, button', () => {
    const message = slackMessage(
      summary({
        failures: [],
        featureRequests: { ...counts().featureRequests, failed: 0 },
        contacts: { ...counts().contacts, failed: 0 },
      }),
    );
    const blocks = message.blocks as Block[];
    assert.deepEqual(blocks[0], {
      type: 'header',
      text: { type: 'plain_text', text: '✅ Feature request sync completed — production', emoji: true },
    });
    const json = textOf(message);
    for (const expected of [
      '2m 05s',
      'HubSpot 1,234 · Canny 56 · Slack 1 · 429s 3',
      '120 identified · 3 created · 5 updated · 110 unchanged · 0 failed',
      '40 matched · 2 created · 0 failed',
      '300 matched · 7 created · 0 failed · 4 skipped',
      '20 created · 1 removed',
      'Open run in Temporal UI',
      'http://localhost:8233/namespaces/default/workflows/x/run-1/history',
    ]) {
      assert.ok(json.includes(expected), expected);
    }
    assert.ok(!json.includes('Top failures'));
    assert.ok(!json.includes('DRY RUN'));
    assert.match(message.text, /completed — production/);
    assertWithinSlackLimits(message);
  });

  const headers: Array<
    [string, Partial<SummaryInput>, { status?: 'completed' | 'failed'; error?: string }, string]
  > = [
    ['with failures', {}, {}, '⚠️ Feature request sync completed with failures — staging'],
    [
      'failed run',
      {},
      { status: 'failed', error: 'HubSpot said no' },
      '❌ Feature request sync failed — staging',
    ],
    [
      'dry run',
      {
        dryRun: true,
        failures: [],
        featureRequests: { ...counts().featureRequests, failed: 0 },
        contacts: { ...counts().contacts, failed: 0 },
      },
      {},
      '✅ Feature request sync completed (dry run) — staging',
    ],
  ];
  for (const [name, overrides, options, expected] of headers) {
    it(`header: ${name}`, () => {
      const message = slackMessage(summary({ environment: 'staging', ...overrides }), options);
      assert.equal((message.blocks[0] as Block).text!.text, expected);
      assertWithinSlackLimits(message);
    });
  }

  it('marks dry runs and company runs', () => {
    const message = slackMessage(summary({ dryRun: true, mode: 'company', domain: 'hooli.com' }));
    const context = (message.blocks[1] as Block).elements![0]!.text as string;
    assert.match(context, /nothing was written/i);
    assert.match(context, /Company sync: hooli\.com/);
    assert.match(message.text, /nothing was written/i);
    assert.match(message.text, /Company sync: hooli\.com/);
  });

  it('says "dry run" once: in the title, not again beside it', () => {
    const message = slackMessage(summary({ dryRun: true }));
    const times = (text: string): number => (text.match(/dry run/gi) ?? []).length;
    const header = (message.blocks[0] as Block).text!.text;
    const context = (message.blocks[1] as Block).elements![0]!.text as string;
    assert.equal(times(header) + times(context), 1, `${header} / ${context}`);
    assert.equal(times(message.text), 1, message.text);
    assert.equal(times(message.text.split('\n')[0]!), 1, 'the fallback title says it');
  });

  it("a failed run's plain-text fallback carries the error line", () => {
    const message = slackMessage(summary(), {
      status: 'failed',
      error: 'HubspotUnauthorized: HubSpot answered 401\nsecond line',
    });
    const lines = message.text.split('\n');
    assert.ok(lines.includes('Error: HubspotUnauthorized: HubSpot answered 401 second line'), message.text);
    assert.ok(!slackMessage(summary()).text.includes('Error:'), 'no error line without an error');
  });

  it('shows the error of a failed run', () => {
    const message = slackMessage(summary(), { status: 'failed', error: 'Schema <missing> & broken' });
    assert.ok(textOf(message).includes('Schema &lt;missing&gt; &amp; broken'));
  });

  it('lists top failures with the rest counted', () => {
    const message = slackMessage(
      summary({ failures: failures(30), featureRequests: { ...counts().featureRequests, failed: 120 } }),
    );
    const section = (message.blocks as Block[]).find((b) => b.text?.text.startsWith('*Top failures*'));
    assert.ok(section);
    assert.equal(section.text!.text.split('\n').filter((l) => l.startsWith('• ')).length, 10);
    assert.match(section.text!.text, /and 111 more/);
  });

  it('escapes Slack markup in failure keys and reasons', () => {
    const message = slackMessage(
      summary({ failures: [{ kind: 'contact', key: 'a`b', reason: '<!channel> & <http://x|y>' }] }),
    );
    const json = textOf(message);
    assert.ok(!json.includes('<!channel>'));
    assert.ok(json.includes('&lt;!channel&gt; &amp;'));
  });

  it('omits the button for a URL Slack would refuse', () => {
    const message = slackMessage(summary({ uiUrl: 'not a url' }));
    assert.ok(!(message.blocks as Block[]).some((b) => b.type === 'actions'));
  });

  const extremes: Array<
    [string, Partial<SummaryInput>, { status?: 'completed' | 'failed'; error?: string }]
  > = [
    ['500 failures with 5,000-character reasons', { failures: failures(500, 'r'.repeat(5000)) }, {}],
    ['reasons full of markup', { failures: failures(500, '&<>"\n'.repeat(1000)) }, {}],
    [
      'huge keys',
      {
        failures: Array.from({ length: 60 }, () => ({
          kind: 'k'.repeat(3000),
          key: '"'.repeat(5000),
          reason: '😀'.repeat(3000),
        })),
      },
      {},
    ],
    ['a 200-character environment', { environment: 'e'.repeat(200) }, {}],
    ['a 10,000-character error', {}, { status: 'failed', error: '"<&>'.repeat(2500) }],
    ['huge counters', { apiRequests: { canny: 1e12, hubspot: 1e12, slack: 1e12, rateLimited: 1e12 } }, {}],
    ['a long company domain and dry run', { mode: 'company', domain: 'd'.repeat(3000), dryRun: true }, {}],
  ];
  for (const [name, overrides, options] of extremes) {
    it(`stays within Slack's limits: ${name}`, () =>
      assertWithinSlackLimits(slackMessage(summary(overrides), options)));
  }
});
