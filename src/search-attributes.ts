// Custom search attributes, so runs are findable in the Temporal UI and by `client status`
// (e.g. `FeedbackSyncEnvironment = "production" AND FeedbackSyncMode = "company"`).
// Workflow-safe: only @temporalio/common. The dev server learns them from `allSearchAttributes`.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const ENVIRONMENT_ATTRIBUTE = defineSearchAttributeKey(
  'FeedbackSyncEnvironment',
  SearchAttributeType.KEYWORD,
);
export const MODE_ATTRIBUTE = defineSearchAttributeKey('FeedbackSyncMode', SearchAttributeType.KEYWORD);
export const DRY_RUN_ATTRIBUTE = defineSearchAttributeKey('FeedbackSyncDryRun', SearchAttributeType.BOOL);

export const allSearchAttributes = [ENVIRONMENT_ATTRIBUTE, MODE_ATTRIBUTE, DRY_RUN_ATTRIBUTE];

/** `Name=Type` arguments for `temporal server start-dev --search-attribute`. */
export function searchAttributeFlags(): string[] {
  const typeNames: Record<string, string> = {
    KEYWORD: 'Keyword',
    TEXT: 'Text',
    INT: 'Int',
    DOUBLE: 'Double',
    BOOL: 'Bool',
    DATETIME: 'Datetime',
    KEYWORD_LIST: 'KeywordList',
  };
  return allSearchAttributes.flatMap((key) => ['--search-attribute', `${key.name}=${typeNames[key.type]}`]);
}
