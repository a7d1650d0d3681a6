// Posts the run summary. Without a Slack token the summary is logged instead (local runs, the demo's
// console), so a run always ends with one visible summary.
import { log } from '@temporalio/activity';
import type { RequestCounter } from '../clients/source';
import type { SlackNotifier } from '../clients/slack';
import { slackMessage } from '../domain/summary';
import type { RunSummary } from '../domain/types';
import { tracked } from './tracking';

export interface SlackDependencies {
  /** Undefined when no SLACK_BOT_TOKEN is configured. */
  slack?: (counter: RequestCounter) => SlackNotifier;
  /** Where the summary goes when Slack is not configured (and always, for the demo's console). */
  echo?: (text: string, summary: RunSummary) => void;
}

export function createSlackActivities(deps: SlackDependencies) {
  return {
    async postSummary(input: { summary: RunSummary; status: 'completed' | 'failed'; error?: string }) {
      return tracked(async (counter) => {
        const message = slackMessage(input.summary, {
          status: input.status,
          ...(input.error ? { error: input.error } : {}),
        });
        deps.echo?.(message.text, input.summary);
        if (!deps.slack) {
          log.info('Slack is not configured; run summary follows', { summary: input.summary });
          return { posted: false };
        }
        const posted = await deps.slack(counter).post(message);
        return { posted: true, channel: posted.channel, ts: posted.ts };
      });
    },
  };
}
