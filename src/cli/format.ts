// Parsing options and formatting durations, dates and run summaries.
import { InvalidArgumentError } from 'commander';
import { msToNumber } from '@temporalio/common/lib/time';
import type { RunSummary } from '../domain/types';

export function parseDuration(value: string): number {
  let ms: number;
  try {
    ms = msToNumber(value as Parameters<typeof msToNumber>[0]);
  } catch {
    throw new InvalidArgumentError(`"${value}" is not a duration (examples: 30s, 15m, 1h, 1d)`);
  }
  if (!Number.isFinite(ms) || ms < 0) throw new InvalidArgumentError(`"${value}" must not be negative`);
  return ms;
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`"${value}" is not a positive integer`);
  return n;
}

export function parseInstant(value: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new InvalidArgumentError(`"${value}" is not an ISO 8601 date-time (e.g. 2025-01-31T09:00:00Z)`);
  return date;
}

/** `3600000` → `1h`, `5400000` → `1h 30m`, `0` → `0s`. */
export function compactDuration(ms: number): string {
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ];
  const parts: string[] = [];
  // Milliseconds only matter below a second.
  let rest = ms >= 1000 ? Math.round(ms / 1000) * 1000 : Math.round(ms);
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.length > 0 ? parts.join(' ') : '0s';
}

export const iso = (date: Date | undefined): string => (date ? date.toISOString() : '—');

export function summaryLines(summary: RunSummary): string[] {
  const { featureRequests: fr, companies: co, contacts: ct, associations: as, apiRequests: api } = summary;
  const scope = summary.mode === 'company' ? `Company sync ${summary.domain ?? ''}` : 'Full sync';
  const failures = fr.failed + co.failed + ct.failed;
  const lines = [
    `${scope}${summary.dryRun ? ' (dry run: nothing written)' : ''} — ${summary.environment}: ` +
      `completed${failures > 0 || summary.failures.length > 0 ? ' with failures' : ''} in ${compactDuration(summary.durationMs)}`,
    `  Feature requests  ${fr.identified} identified · ${fr.created} created · ${fr.updated} updated · ${fr.unchanged} unchanged · ${fr.failed} failed`,
    `  Companies         ${co.matched} matched · ${co.created} created · ${co.failed} failed`,
    `  Contacts          ${ct.matched} matched · ${ct.created} created · ${ct.failed} failed · ${ct.skipped} skipped`,
    `  Associations      ${as.created} created · ${as.removed} removed`,
    `  API requests      HubSpot ${api.hubspot} · Canny ${api.canny} · Slack ${api.slack} · 429s ${api.rateLimited}`,
  ];
  for (const f of summary.failures.slice(0, 10)) lines.push(`  ! ${f.kind} ${f.key}: ${f.reason}`);
  if (summary.failures.length > 10)
    lines.push(`  … ${summary.failures.length - 10} more failures in the JSON`);
  lines.push(`  ${summary.uiUrl}`);
  return lines;
}
