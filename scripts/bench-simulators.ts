// The benchmark's simulators, in a child process of their own (forked by scripts/bench.ts over IPC), so that
// the benchmark's memory figure is the worker's alone: the simulators hold the whole dataset, every record the
// sync writes and a log of every request, which would otherwise swamp the worker's share of one process.
import type { CannyPlan } from '../src/domain/rate-limits';
import type { DatasetOptions } from '../src/simulators';
import { startSimulators, type RunningSimulators, type Tier } from '../src/simulators';

export type BenchChildRequest =
  | {
      type: 'start';
      dataset: DatasetOptions;
      hubspot: { requestsPer10s: number; searchPerSecond: number; tier?: Tier };
      /** Canny's published limits of this plan, enforced; none: unlimited. */
      cannyPlan?: CannyPlan;
    }
  | { type: 'stats'; id: number; objectTypeId: string; clearLog: boolean }
  | { type: 'close' };

export interface DatasetFacts {
  posts: number;
  votes: number;
  people: number;
  hubspotCompanies: number;
  hubspotContacts: number;
  livePosts: number;
  mergedPosts: number;
  deletedPosts: number;
  companyDomains: number;
  preexistingCompanyDomains: number;
  contactEmails: number;
  preexistingContactEmails: number;
  /** Σ over live posts of their distinct company domains: the company associations a correct sync writes. */
  companyAssociations: number;
}

export interface HubspotStats {
  /** Requests since the log was last cleared (the admin API is never logged). */
  total: number;
  /** Per route template, `METHOD /crm/objects/2026-09/:objectType/...`. */
  byRoute: Record<string, number>;
  /** Per route template and object type (the `:objectType` / `:fromObjectType` segments filled in). */
  byEndpoint: Record<string, number>;
  /** When each endpoint was first and last called (epoch ms): the run's phases, as HubSpot saw them. */
  spans: Record<string, { first: number; last: number }>;
  /** Requests on the ten-second budget (everything but search) in each 10-s window from the first request. */
  standardPer10s: number[];
  rateLimited: number;
  rateLimitedByRoute: Record<string, number>;
  rateLimitedByEndpoint: Record<string, number>;
  /** Anything but GET, search and batch/read (the data model's definition of a write). */
  writes: number;
  searches: number;
  /** What HubSpot now holds. */
  featureRequests: number;
  associations: { companies: number; contacts: number };
  slackMessages: number;
  /** Canny requests since the last clear (the source read), and when they started and ended. */
  canny: { total: number; first?: number; last?: number };
  /**
   * The source read alone (the listings, not the scan's look-ups by id): its requests, 429s, first and last
   * request, and the pages read more than once (answered 200 twice for the same position).
   */
  cannyRead: { requests: number; rateLimited: number; first?: number; last?: number; pagesTwice: number };
  /** Peak resident memory of this (the simulators') process so far, bytes. */
  peakRss: number;
}

export type BenchChildMessage =
  | {
      type: 'ready';
      urls: RunningSimulators['urls'];
      cannyApiKey: string;
      hubspotAccessToken: string;
      slackToken: string;
      slackApiUrl: string;
      dataset: DatasetFacts;
    }
  | { type: 'stats'; id: number; stats: HubspotStats }
  | { type: 'error'; message: string };

function send(message: BenchChildMessage): void {
  process.send?.(message);
}

/** `/crm/objects/2026-09/2-123/batch/read` stays as it is; record ids become `:id`. */
function endpointOf(method: string, path: string): string {
  return `${method} ${path.replace(/\/\d+(?=\/|$)/g, '/:id')}`;
}

function statsOf(sims: RunningSimulators, objectTypeId: string, peakRss: number): HubspotStats {
  const log = sims.hubspot.server.requests();
  const cannyLog = sims.canny.server.requests();
  const byEndpoint: Record<string, number> = {};
  const rateLimitedByRoute: Record<string, number> = {};
  const rateLimitedByEndpoint: Record<string, number> = {};
  const spans: Record<string, { first: number; last: number }> = {};
  let rateLimited = 0;
  let writes = 0;
  let searches = 0;
  const standardPer10s: number[] = [];
  const start = log[0]?.at ?? 0;
  for (const entry of log) {
    if (!entry.path.endsWith('/search')) {
      const window = Math.floor((entry.at - start) / 10_000);
      while (standardPer10s.length <= window) standardPer10s.push(0);
      standardPer10s[window]!++;
    }
    const endpoint = endpointOf(entry.method, entry.path);
    byEndpoint[endpoint] = (byEndpoint[endpoint] ?? 0) + 1;
    const span = spans[endpoint];
    if (span) span.last = entry.at;
    else spans[endpoint] = { first: entry.at, last: entry.at };
    if (entry.status === 429) {
      rateLimited++;
      rateLimitedByRoute[entry.route] = (rateLimitedByRoute[entry.route] ?? 0) + 1;
      rateLimitedByEndpoint[endpoint] = (rateLimitedByEndpoint[endpoint] ?? 0) + 1;
    }
    if (entry.path.endsWith('/search')) searches++;
    else if (entry.method !== 'GET' && !entry.path.endsWith('/batch/read')) writes++;
  }
  let featureRequests = 0;
  const associations = { companies: 0, contacts: 0 };
  try {
    const records = sims.hubspot.objects(objectTypeId);
    featureRequests = records.length;
    for (const record of records) {
      associations.companies += sims.hubspot.associations(objectTypeId, record.id, 'companies').length;
      associations.contacts += sims.hubspot.associations(objectTypeId, record.id, 'contacts').length;
    }
  } catch {
    // no feature_request object yet
  }
  return {
    total: log.length,
    byRoute: sims.hubspot.server.counts(),
    byEndpoint,
    spans,
    standardPer10s,
    rateLimited,
    rateLimitedByRoute,
    rateLimitedByEndpoint,
    writes,
    searches,
    featureRequests,
    associations,
    slackMessages: sims.slack.messages().length,
    cannyRead: cannyReadOf(sims),
    canny: {
      total: cannyLog.length,
      ...(cannyLog.length ? { first: cannyLog[0]!.at, last: cannyLog[cannyLog.length - 1]!.at } : {}),
    },
    peakRss,
  };
}

function cannyReadOf(sims: RunningSimulators): HubspotStats['cannyRead'] {
  const read = sims.canny.server
    .requests()
    .filter((r) => /\/api\/v\d\/(boards|posts|votes)\/list/.test(r.path));
  const pages = sims.canny
    .pageLog()
    .filter((p) => p.status === 200 && p.endpoint !== 'posts/retrieve')
    .map((p) => `${p.endpoint} ${p.boardID ?? ''} ${p.position}`);
  return {
    requests: read.length,
    rateLimited: read.filter((r) => r.status === 429).length,
    ...(read.length ? { first: read[0]!.at, last: read[read.length - 1]!.at } : {}),
    pagesTwice: pages.length - new Set(pages).size,
  };
}

async function start(request: Extract<BenchChildRequest, { type: 'start' }>): Promise<RunningSimulators> {
  const sims = await startSimulators({
    dataset: request.dataset,
    hubspot: {
      requestsPer10s: request.hubspot.requestsPer10s,
      searchPerSecond: request.hubspot.searchPerSecond,
      ...(request.hubspot.tier ? { tier: request.hubspot.tier } : {}),
    },
  });
  if (request.cannyPlan) sims.canny.setRateLimits(request.cannyPlan);
  const ds = sims.dataset!;
  const expected = ds.expected;
  send({
    type: 'ready',
    urls: sims.urls,
    cannyApiKey: sims.canny.apiKey,
    hubspotAccessToken: sims.hubspot.accessToken,
    slackToken: sims.slack.token,
    slackApiUrl: sims.slack.apiUrl,
    dataset: {
      posts: ds.canny.posts.length,
      votes: ds.canny.votes.length,
      people: ds.canny.users.length,
      hubspotCompanies: ds.hubspot.companies.length,
      hubspotContacts: ds.hubspot.contacts.length,
      livePosts: expected.livePostIds.length,
      mergedPosts: expected.mergedPosts.length,
      deletedPosts: expected.deletedPostIds.length,
      companyDomains: expected.companyDomains.length,
      preexistingCompanyDomains: expected.preexistingCompanyDomains.length,
      contactEmails: expected.contactEmails,
      preexistingContactEmails: expected.preexistingContactEmails,
      companyAssociations: Object.values(expected.posts).reduce((n, p) => n + p.companyDomains.length, 0),
    },
  });
  return sims;
}

function main(): void {
  let sims: RunningSimulators | undefined;
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 200);
  const close = async (): Promise<void> => {
    clearInterval(sampler);
    await sims?.close();
    process.exit(0);
  };
  // The benchmark died: never outlive it.
  process.on('disconnect', () => void close());
  process.on('message', (message: BenchChildRequest) => {
    const handle = async (): Promise<void> => {
      switch (message.type) {
        case 'start':
          sims = await start(message);
          return;
        case 'stats':
          if (!sims) throw new Error('simulators not started');
          send({ type: 'stats', id: message.id, stats: statsOf(sims, message.objectTypeId, peakRss) });
          if (message.clearLog) {
            sims.hubspot.server.clearLog();
            sims.canny.server.clearLog();
            sims.canny.clearPageLog();
          }
          return;
        case 'close':
          await close();
      }
    };
    handle().catch((err: unknown) => {
      send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    });
  });
}

if (require.main === module) main();
