// Posts the run summary. Without a Slack token the summary is logged instead (local runs, the demo's
// console), so a run always ends with one visible summary.
//
// Posted at most once: a worker that dies after Slack accepted the message leaves a retry that cannot know
// whether it did. A retry therefore first looks for its run's summary in the channel (by the run marker in
// the message metadata), unless the attempt before it failed in a way that surely did not post.
import { Context, log } from '@temporalio/activity';
import type { RequestCounter } from '../clients/source';
import type { SlackNotifier } from '../clients/slack';
import { summaryDestination, type SlackNotify } from '../domain/notify';
import { blocksAsText, slackMessage } from '../domain/summary';
import type { RunSummary } from '../domain/types';
import { FailureType } from '../failures';
import { countAlert, tracked, type Counter } from './tracking';

export interface SlackDependencies {
  /** Undefined when no SLACK_BOT_TOKEN is configured. */
  slack?: (counter: RequestCounter) => SlackNotifier;
  /** SLACK_ALERT_CHANNEL: where summaries with failures and alerts go; undefined: the summary channel. */
  alertSlack?: (counter: RequestCounter) => SlackNotifier;
  /** SLACK_ALERT_MENTION, put first in what goes to the alert channel. */
  alertMention?: string;
  /** SLACK_NOTIFY (default `always`). */
  notify?: SlackNotify;
  /** The failure keys acknowledged in an environment (`failures ack`), from the run store. */
  acknowledged?: (environment: string) => Promise<Set<string>>;
  /** Where the summary goes when Slack is not configured (and always, for the demo's console). */
  echo?: (text: string, summary: RunSummary) => void;
}

/** Failures of a post after which Slack surely holds no message: a retry needs no lookup. */
const SURELY_NOT_POSTED: string[] = [FailureType.SlackRateLimited, FailureType.NetworkError];

function attemptInfo(): { attempt: number; scheduledMs: number; notPostedIn?: unknown } {
  try {
    const info = Context.current().info;
    const details = info.heartbeatDetails as { notPostedIn?: unknown } | undefined;
    return {
      attempt: info.attempt,
      scheduledMs: info.scheduledTimestampMs,
      notPostedIn: details?.notPostedIn,
    };
  } catch {
    return { attempt: 1, scheduledMs: Date.now() }; // outside an activity
  }
}

/**
 * The summary as the message shows it: its request counts include this activity's, the post itself
 * included, so that the message and the run's result (which adds this activity's counts) say the same.
 */
function countingThisPost(summary: RunSummary, counter: Counter): RunSummary {
  const api = summary.apiRequests;
  return {
    ...summary,
    apiRequests: {
      ...api,
      slack: api.slack + counter.counts.slack + 1,
      rateLimited: api.rateLimited + counter.counts.rateLimited,
    },
  };
}

export function createSlackActivities(deps: SlackDependencies) {
  return {
    /**
     * One plain alert (a stuck lease holder, say), counted in feedback_sync_alerts{kind}; logged when Slack is
     * not configured.
     */
    async postAlert(input: { kind: string; text: string }) {
      return tracked(async (counter) => {
        log.warn(input.text);
        countAlert(input.kind);
        if (!deps.slack) return { posted: false };
        const slack = deps.alertSlack ?? deps.slack;
        const text = deps.alertSlack && deps.alertMention ? `${deps.alertMention} ${input.text}` : input.text;
        const posted = await slack(counter).post({ text, blocks: [] });
        return { posted: true, channel: posted.channel, ts: posted.ts };
      });
    },

    async postSummary(input: { summary: RunSummary; status: 'completed' | 'failed'; error?: string }) {
      const { attempt, scheduledMs, notPostedIn } = attemptInfo();
      // Set once the post may have reached Slack, cleared when its failure says it surely did not.
      let mayHavePosted = false;
      return tracked(
        async (counter) => {
          const options = { status: input.status, ...(input.error ? { error: input.error } : {}) };
          if (!deps.slack) {
            deps.echo?.(blocksAsText(slackMessage(input.summary, options).blocks), input.summary);
            log.info('Slack is not configured; run summary follows', { summary: input.summary });
            return { posted: false };
          }
          const destination = summaryDestination(input.summary, input.status, {
            notify: deps.notify ?? 'always',
            alertChannel: deps.alertSlack !== undefined,
            ...(deps.acknowledged && input.summary.failures.length > 0
              ? { acknowledged: await deps.acknowledged(input.summary.environment) }
              : {}),
          });
          if (destination === 'none') {
            log.info('run summary not posted', {
              notify: deps.notify ?? 'always',
              reason: 'nothing changed',
            });
            return { posted: false, skipped: true };
          }
          const alert = destination === 'alert' && deps.alertSlack !== undefined;
          const slack = alert ? deps.alertSlack!(counter) : deps.slack(counter);
          const marker = { workflowId: input.summary.workflowId, runId: input.summary.runId };
          // The attempt before this one may have posted, unless it said it surely did not.
          if (attempt > 1 && notPostedIn !== attempt - 1) {
            // In both channels: an acknowledgement between two attempts changes where the summary goes.
            const channels = [deps.slack(counter), ...(deps.alertSlack ? [deps.alertSlack(counter)] : [])];
            for (const channel of channels) {
              const earlier = await channel.findSummary(marker, scheduledMs);
              if (earlier) {
                log.info('the run summary was already posted by an earlier attempt', { ts: earlier.ts });
                return { posted: true, channel: earlier.channel, ts: earlier.ts };
              }
            }
          }
          const message = slackMessage(countingThisPost(input.summary, counter), {
            ...options,
            ...(alert && deps.alertMention ? { mention: deps.alertMention } : {}),
          });
          deps.echo?.(blocksAsText(message.blocks), input.summary);
          mayHavePosted = true;
          try {
            const posted = await slack.post(message, marker);
            return { posted: true, channel: posted.channel, ts: posted.ts };
          } catch (err) {
            const type = (err as { type?: unknown }).type;
            if (typeof type === 'string' && SURELY_NOT_POSTED.includes(type)) mayHavePosted = false;
            throw err;
          }
        },
        // Tells the next attempt it need not look (and so needs no read scope) after a 429 or a refused
        // connection. A worker that dies sends no such heartbeat, and the next attempt looks.
        () => (mayHavePosted ? {} : { notPostedIn: attempt }),
      );
    },
  };
}
