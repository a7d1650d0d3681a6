// Run summaries: merging counts from child runs and activities, and the Slack message a manager reads.
// Pure and clock-free, so workflow code can build the summary it returns.
import { MAX_FAILURES_IN_SUMMARY, type FailureEntry, type RunSummary, type SyncCounts } from './types';

export function emptyCounts(): SyncCounts {
  return {
    featureRequests: { identified: 0, created: 0, updated: 0, unchanged: 0, failed: 0 },
    companies: { matched: 0, created: 0, failed: 0 },
    contacts: { matched: 0, created: 0, failed: 0, skipped: 0 },
    associations: { created: 0, removed: 0 },
    apiRequests: { canny: 0, hubspot: 0, slack: 0, rateLimited: 0 },
    failures: [],
  };
}

function sum<T extends { [K in keyof T]: number }>(a: T, b: T): T {
  const out = { ...a };
  for (const key of Object.keys(a) as Array<keyof T>) out[key] = (a[key] + b[key]) as T[keyof T];
  return out;
}

/** The failure list with more appended, kept to the first MAX_FAILURES_IN_SUMMARY entries. */
export function appendFailures(list: FailureEntry[], more: FailureEntry[]): FailureEntry[] {
  return list.length >= MAX_FAILURES_IN_SUMMARY ? list : [...list, ...more].slice(0, MAX_FAILURES_IN_SUMMARY);
}

/** Counters add up exactly; the failure list keeps the first MAX_FAILURES_IN_SUMMARY entries. */
export function addCounts(a: SyncCounts, b: SyncCounts): SyncCounts {
  return {
    featureRequests: sum(a.featureRequests, b.featureRequests),
    companies: sum(a.companies, b.companies),
    contacts: sum(a.contacts, b.contacts),
    associations: sum(a.associations, b.associations),
    apiRequests: sum(a.apiRequests, b.apiRequests),
    failures: appendFailures(a.failures, b.failures),
  };
}

/** The summary's fields, with the times as given and the duration still to compute. */
export type SummaryInput = Omit<RunSummary, 'startedAt' | 'finishedAt' | 'durationMs'> & {
  startedAt: Date | string;
  finishedAt: Date | string;
};

const iso = (value: Date | string): string =>
  (typeof value === 'string' ? new Date(value) : value).toISOString();

export function buildSummary(input: SummaryInput): RunSummary {
  const startedAt = iso(input.startedAt);
  const finishedAt = iso(input.finishedAt);
  const summary: RunSummary = {
    runId: input.runId,
    workflowId: input.workflowId,
    environment: input.environment,
    mode: input.mode,
    dryRun: input.dryRun,
    startedAt,
    finishedAt,
    durationMs: Math.max(0, Date.parse(finishedAt) - Date.parse(startedAt)),
    uiUrl: input.uiUrl,
    featureRequests: { ...input.featureRequests },
    companies: { ...input.companies },
    contacts: { ...input.contacts },
    associations: { ...input.associations },
    apiRequests: { ...input.apiRequests },
    failures: input.failures.slice(0, MAX_FAILURES_IN_SUMMARY),
  };
  // Absent rather than undefined: the summary is also printed as JSON.
  if (input.domain !== undefined) summary.domain = input.domain;
  if (input.source !== undefined) summary.source = { ...input.source };
  if (input.vanished !== undefined) summary.vanished = { ...input.vanished };
  if (input.highlights !== undefined) summary.highlights = input.highlights;
  if (input.target !== undefined) summary.target = input.target;
  return summary;
}

/** The run's page in the Temporal UI. Workflow ids contain `/`, so they are encoded. */
export function runUiUrl(base: string, namespace: string, workflowId: string, runId: string): string {
  const root = base.replace(/\/+$/, '');
  return `${root}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`;
}

/** `850ms`, `42s`, `2m 05s`, `1h 02m 05s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0s';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const total = Math.round(ms / 1000);
  const [h, m, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (h > 0) return `${h}h ${pad(m)}m ${pad(s)}s`;
  if (m > 0) return `${m}m ${pad(s)}s`;
  return `${s}s`;
}

// Intl is avoided on purpose: its output depends on the host's ICU data, and workflow code must be replayable.
function thousands(n: number): string {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

// Slack Block Kit limits (../shared/reference/slack.md): 50 blocks, a header ≤ 150 characters, a section's
// text ≤ 3,000, fields ≤ 2,000 each; messages near 13k characters have been refused. The budgets below keep
// the worst case (hundreds of failures with huge reasons) far inside them.
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const ERROR_MAX = 1000;
const FAILURE_LINES = 10;
const FAILURE_KEY_MAX = 120;
const FAILURE_REASON_MAX = 200;
const FALLBACK_MAX = 1000;
const FALLBACK_ERROR_MAX = 300;
const URL_MAX = 2000;

function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** Slack reads `&`, `<` and `>` as markup in mrkdwn; a failure reason must not become a link or a mention. */
const escape = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Both the characters Slack counts and the JSON the API receives must fit (quotes and newlines double). */
const fits = (text: string, max: number): boolean => text.length <= max && JSON.stringify(text).length <= max;

/** Raw text escaped for mrkdwn and cut until the escaped form fits: escaping can grow it fivefold. */
function escapedWithin(raw: string, max: number): string {
  let length = max;
  let text = escape(cut(raw, length));
  while (!fits(text, max)) {
    length = Math.floor(length * 0.8);
    text = escape(cut(raw, length));
  }
  return text;
}

export interface SlackMessage {
  text: string;
  blocks: unknown[];
}

export interface SlackMessageOptions {
  status?: 'completed' | 'failed';
  /** Why the run failed; shown in a section of its own. */
  error?: string;
  /** SLACK_ALERT_MENTION (`<!here>`, `<@U123>`, `<!subteam^S123>`): first, where it notifies. */
  mention?: string;
}

function totalFailures(summary: RunSummary): number {
  const counted = summary.featureRequests.failed + summary.companies.failed + summary.contacts.failed;
  // Failures without a counter (unusable source records, Slack) exist only in the list; the list is capped.
  return Math.max(counted, summary.failures.length);
}

function failureLine(failure: FailureEntry): string {
  const key = cut(failure.key.replace(/`/g, "'").replace(/\s+/g, ' '), FAILURE_KEY_MAX);
  const reason = cut(failure.reason.replace(/\s+/g, ' ').trim(), FAILURE_REASON_MAX);
  return escape(`• ${cut(failure.kind, 40)} \`${key}\` — ${reason}`);
}

/** `2500` as `+$2,500`: the ARR the property holds, in the portal's currency (the sync does not convert). */
const money = (n: number): string => `${n < 0 ? '−' : '+'}${thousands(Math.abs(Math.round(n)))}`;

/**
 * The requests whose voting companies and ARR grew most, linked to their records, and the companies created:
 * what a RevOps reader looks for. Null when the run has none (or an older worker ended it).
 */
function highlightsText(summary: RunSummary, status: 'completed' | 'failed'): string | null {
  const h = summary.highlights;
  // From the run's plans: a request whose write failed is among the failures, not among the changes.
  const failed = new Set(summary.failures.map((f) => f.key));
  const requests = h?.requests.filter((r) => !failed.has(r.externalId)) ?? [];
  if (!h || (requests.length === 0 && h.companiesCreatedCount === 0)) return null;
  const lines: string[] = [];
  if (requests.length > 0) {
    lines.push(
      summary.dryRun
        ? '*Would change most*'
        : status === 'failed'
          ? '*Planned to change most* (the run failed: some were not written)'
          : '*Changed most*',
    );
    for (const r of requests) {
      const name = escape(cut(r.name.replace(/\s+/g, ' '), 80)).replace(/\|/g, '¦');
      const link =
        h.recordUrlBase && r.recordId && /^https?:\/\//.test(h.recordUrlBase)
          ? `<${h.recordUrlBase}${encodeURIComponent(r.recordId)}|${name}>`
          : name;
      const growth = [
        r.arrAdded !== 0 ? `${money(r.arrAdded)} ARR` : '',
        r.companiesAdded !== 0
          ? `${r.companiesAdded > 0 ? '+' : '−'}${Math.abs(r.companiesAdded)} voting compan${Math.abs(r.companiesAdded) === 1 ? 'y' : 'ies'}`
          : '',
        r.created ? 'new request' : '',
      ].filter((g) => g !== '');
      const line = `• ${link} — ${growth.join(' · ')}`;
      if (!fits([...lines, line].join('\n'), SECTION_MAX - 400)) break;
      lines.push(line);
    }
  }
  if (h.companiesCreatedCount > 0) {
    const named = h.companiesCreated.map((d) => escape(cut(d, 80))).join(', ');
    const more = h.companiesCreatedCount - h.companiesCreated.length;
    lines.push(
      `*${summary.dryRun ? 'Companies to create' : 'Companies created'}* (${thousands(h.companiesCreatedCount)}): ${named}${more > 0 ? `, and ${thousands(more)} more` : ''}`,
    );
  }
  const text = lines.join('\n');
  return fits(text, SECTION_MAX) ? text : cut(text, SECTION_MAX - 10);
}

function failuresText(summary: RunSummary): string | null {
  const total = totalFailures(summary);
  if (total === 0) return null;
  const lines = [`*Top failures* (${thousands(total)})`];
  let shown = 0;
  for (const failure of summary.failures.slice(0, FAILURE_LINES)) {
    const line = failureLine(failure);
    const more = `_…and ${thousands(total - shown - 1)} more_`;
    // Leave room for the "and N more" line whatever is left.
    if (!fits([...lines, line, more].join('\n'), SECTION_MAX)) break;
    lines.push(line);
    shown += 1;
  }
  if (total > shown) lines.push(`_…and ${thousands(total - shown)} more_`);
  return lines.join('\n');
}

function headline(summary: RunSummary, status: 'completed' | 'failed'): string {
  const failed = totalFailures(summary) > 0;
  const [emoji, outcome] =
    status === 'failed' ? ['❌', 'failed'] : failed ? ['⚠️', 'completed with failures'] : ['✅', 'completed'];
  return `${emoji} Feature request sync ${outcome}${summary.dryRun ? ' (dry run)' : ''} — ${summary.environment}`;
}

// The title already says "(dry run)"; the scope explains what that means without saying it again.
/** Where a run wrote the requests, as the summary says it (HUBSPOT_TARGET). */
export const TARGET_TEXT = {
  'custom-object': 'custom object',
  tickets: 'tickets (Feature requests pipeline)',
} as const;

function scope(summary: RunSummary): string {
  const parts: string[] = [];
  if (summary.dryRun) parts.push('*Nothing was written*: counts show what would change');
  parts.push(summary.mode === 'company' ? `Company sync: ${summary.domain ?? '(no domain)'}` : 'Full sync');
  if (summary.target) parts.push(`HubSpot ${TARGET_TEXT[summary.target]}`);
  return parts.join(' · ');
}

function counters(summary: RunSummary): Array<[string, string]> {
  const { featureRequests: fr, companies: co, contacts: ct, associations: as, apiRequests: api } = summary;
  const n = thousands;
  return [
    ['Duration', formatDuration(summary.durationMs)],
    [
      'API requests',
      `HubSpot ${n(api.hubspot)} · Canny ${n(api.canny)} · Slack ${n(api.slack)} · 429s ${n(api.rateLimited)}`,
    ],
    [
      'Feature requests',
      `${n(fr.identified)} identified · ${n(fr.created)} created · ${n(fr.updated)} updated · ` +
        `${n(fr.unchanged)} unchanged · ${n(fr.failed)} failed`,
    ],
    ['Companies', `${n(co.matched)} matched · ${n(co.created)} created · ${n(co.failed)} failed`],
    [
      'Contacts',
      `${n(ct.matched)} matched · ${n(ct.created)} created · ${n(ct.failed)} failed · ${n(ct.skipped)} skipped`,
    ],
    ['Associations', `${n(as.created)} created · ${n(as.removed)} removed`],
    ...(summary.source ? [['Source read', sourceReadText(summary.source)] as [string, string]] : []),
    ...(summary.vanished && summary.vanished.found + (summary.vanished.boardMissing ?? 0) > 0
      ? [['Gone from the source', vanishedText(summary.vanished)] as [string, string]]
      : []),
  ];
}

/** `240 requests, more than the 50 a run may mark: none marked (confirm with sync --confirm-vanish)`. */
export function vanishedText(vanished: NonNullable<RunSummary['vanished']>): string {
  const n = thousands;
  const main = vanished.held
    ? `${n(vanished.found)} requests, more than the ${n(vanished.limit)} a run may mark: none marked ` +
      '(an outage? if not, confirm with `sync --confirm-vanish`)'
    : `${n(vanished.found)} requests · ${n(vanished.marked)} marked deleted or merged`;
  const missing = vanished.boardMissing ?? 0;
  return missing > 0 && vanished.marked < vanished.found + missing
    ? `${main} · ${n(missing)} more of boards the source no longer lists, left as they are ` +
        '(if those boards were deleted, confirm with `sync --confirm-vanish`)'
    : main;
}

/** `1,104 Canny requests in 4m 35s (0 rate-limited), 28 % of the hourly budget (4,000/h)`. */
export function sourceReadText(source: NonNullable<RunSummary['source']>): string {
  const share =
    source.hourlyBudget > 0
      ? `, ${Math.round((100 * source.requests) / source.hourlyBudget)} % of the hourly budget (${thousands(source.hourlyBudget)}/h)`
      : '';
  return (
    `${thousands(source.requests)} Canny requests in ${formatDuration(source.readMs)} ` +
    `(${thousands(source.rateLimited)} rate-limited)${share}`
  );
}

/** The Block Kit summary posted after every run, with a plain-text fallback saying the same. */
export function slackMessage(summary: RunSummary, options: SlackMessageOptions = {}): SlackMessage {
  const status = options.status ?? 'completed';
  const title = headline(summary, status);
  const scopeLine = escapedWithin(scope(summary), 500);
  const fields = counters(summary);

  const blocks: unknown[] = [
    // A mention notifies only from mrkdwn text, never from a header.
    ...(options.mention
      ? [{ type: 'section', text: { type: 'mrkdwn', text: cut(options.mention, 200) } }]
      : []),
    { type: 'header', text: { type: 'plain_text', text: cut(title, HEADER_MAX), emoji: true } },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `${scopeLine} · started ${summary.startedAt}` }],
    },
  ];
  if (options.error !== undefined && options.error.trim() !== '') {
    const error = escapedWithin(options.error.trim().replace(/```/g, "'''"), ERROR_MAX);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Error*\n\`\`\`${error}\`\`\`` } });
  }
  blocks.push({
    type: 'section',
    fields: fields.map(([label, value]) => ({ type: 'mrkdwn', text: `*${label}*\n${value}` })),
  });
  const highlights = highlightsText(summary, status);
  if (highlights !== null) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: highlights } });
  const failures = failuresText(summary);
  if (failures !== null) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: failures } });
  // Slack refuses a whole message over a malformed or oversized button URL, so an odd one is left out.
  if (/^https?:\/\//.test(summary.uiUrl) && summary.uiUrl.length <= URL_MAX) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: 'open_temporal_ui',
          text: { type: 'plain_text', text: 'Open run in Temporal UI' },
          url: summary.uiUrl,
        },
      ],
    });
  }

  const error = options.error?.replace(/\s+/g, ' ').trim() ?? '';
  const fallback = [
    `${title} (${scope(summary).replace(/\*/g, '')})`,
    // Notifications show only this text: a failed run says why, before anything the cut below may drop.
    error !== '' ? `Error: ${cut(error, FALLBACK_ERROR_MAX)}` : '',
    ...fields.map(([label, value]) => `${label}: ${value}`),
    totalFailures(summary) > 0 ? `Failures: ${thousands(totalFailures(summary))}` : '',
    summary.uiUrl.length <= URL_MAX ? summary.uiUrl : '',
  ]
    .filter((line) => line !== '')
    .join('\n');
  // The mention as it is (escaped, it would notify nobody), before the escaped text.
  const mention = options.mention ? `${cut(options.mention, 200)} ` : '';
  return { text: mention + escapedWithin(fallback, FALLBACK_MAX - mention.length), blocks };
}

/**
 * The message's blocks as a reader sees them, in plain lines: what the demo prints and what a log shows, so
 * that a failure's list is read there too, not only the fallback's counts.
 */
export function blocksAsText(blocks: unknown[]): string {
  const lines: string[] = [];
  const textOf = (value: unknown): string =>
    typeof value === 'object' && value !== null && typeof (value as { text?: unknown }).text === 'string'
      ? (value as { text: string }).text
      : '';
  const plain = (text: string): string =>
    text
      .replace(/\*([^*\n]+)\*/g, '$1')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  for (const block of blocks as Array<Record<string, unknown>>) {
    switch (block.type) {
      case 'header':
        lines.push(plain(textOf(block.text)));
        break;
      case 'context':
        lines.push(...((block.elements as unknown[] | undefined) ?? []).map((e) => plain(textOf(e))));
        break;
      case 'section':
        if (block.text) lines.push(plain(textOf(block.text)));
        for (const field of (block.fields as unknown[] | undefined) ?? [])
          lines.push(plain(textOf(field)).replace('\n', ': '));
        break;
      case 'actions':
        for (const element of (block.elements as Array<{ text?: unknown; url?: unknown }> | undefined) ?? [])
          if (typeof element.url === 'string') lines.push(`${plain(textOf(element.text))}: ${element.url}`);
        break;
      default:
        break;
    }
  }
  return lines.filter((l) => l !== '').join('\n');
}
