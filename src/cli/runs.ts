// Business keys and start options shared by `sync`, `sync-company` and the schedule's action.
import type { SearchAttributePair } from '@temporalio/common';
import type { OperatorConfig } from '../config';
import type { SyncMode } from '../domain/types';
import { DRY_RUN_ATTRIBUTE, ENVIRONMENT_ATTRIBUTE, MODE_ATTRIBUTE } from '../search-attributes';
import type { SyncInput } from '../workflows';

export const scheduleIdOf = (env: string): string => `feedback-sync/${env}`;

export function syncWorkflowId(env: string, kind: 'full' | 'dry-run' | { company: string }): string {
  return typeof kind === 'string'
    ? `feedback-sync/${env}/${kind}`
    : `feedback-sync/${env}/company/${kind.company}`;
}

export function syncInput(
  cfg: OperatorConfig,
  mode: SyncMode,
  options: { dryRun?: boolean; domain?: string; confirmVanish?: boolean } = {},
): SyncInput {
  return {
    environment: cfg.SYNC_ENV,
    mode,
    ...(options.domain ? { domain: options.domain } : {}),
    dryRun: options.dryRun ?? false,
    ...(options.confirmVanish ? { confirmVanish: true } : {}),
    uiBaseUrl: cfg.TEMPORAL_UI_URL,
    parallel: cfg.SYNC_MAX_PARALLEL,
  };
}

// Set at start (not only by the workflow's upsert) so a run is findable by `status` before its first task.
export function searchAttributePairs(input: SyncInput): SearchAttributePair[] {
  return [
    { key: ENVIRONMENT_ATTRIBUTE, value: input.environment },
    { key: MODE_ATTRIBUTE, value: input.mode },
    { key: DRY_RUN_ATTRIBUTE, value: input.dryRun ?? false },
  ];
}

export function staticSummary(input: SyncInput, scheduled = false): string {
  const what =
    input.mode === 'company'
      ? `Company sync: ${input.domain ?? '?'}`
      : scheduled
        ? 'Scheduled full sync'
        : 'Full sync';
  return `${what}${input.dryRun ? ' — dry run' : ''} (${input.environment})`;
}
