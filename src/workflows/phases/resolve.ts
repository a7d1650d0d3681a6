// The two resolution streams of the pages pipeline, companies and contacts (see ./stream), and how they
// share the search queue: a search slot goes to the stream whose next chunk an earlier page needs.
import type { TaskPool } from '../concurrency';
import { addCreated, type Run } from '../run';
import { failureMessage, isFatal } from '../util';
import { ResolveStream } from './stream';

/** Searches in flight, of both streams: enough for the search queue's rate to be the limit. */
const SEARCHES = 4;

/** Companies by domain. A failed company search or create fails the run (retried by Temporal first). */
export function companyStream(run: Run, pool: TaskPool): ResolveStream {
  const { state, activities } = run;
  const overview = state.overview!;
  return new ResolveStream(
    state.pipeline!.companies,
    {
      name: 'companies',
      chunks: overview.domainChunks,
      chunkSize: overview.domainChunkSize,
      pageEnds: overview.pageDomainEnds,
      creating: overview.createCompanies,
      search: async (chunk) => {
        const found = await activities.search.findCompanies({ ...run.ref(), chunk });
        run.addRequests(found);
        state.counts.companies.matched += found.matched;
        return found.missing;
      },
      create: async (from, count) => {
        addCreated(
          run,
          'companies',
          await activities.hubspot.createCompanies({ ...run.ref(), from, count, dryRun: run.dryRun }),
        );
      },
    },
    pool,
  );
}

/** Contacts by email. A failed create is reported, and its requests are planned without those contacts. */
export function contactStream(run: Run, pool: TaskPool): ResolveStream {
  const { state, activities } = run;
  const overview = state.overview!;
  return new ResolveStream(
    state.pipeline!.contacts,
    {
      name: 'contacts',
      chunks: overview.emailChunks,
      chunkSize: overview.emailChunkSize,
      pageEnds: overview.pageEmailEnds,
      creating: overview.createContacts,
      search: async (chunk) => {
        const found = await activities.search.findContacts({ ...run.ref(), chunk });
        run.addRequests(found);
        state.counts.contacts.matched += found.matched;
        return found.missing;
      },
      create: async (from, count) => {
        try {
          addCreated(
            run,
            'contacts',
            await activities.hubspot.createContacts({ ...run.ref(), from, count, dryRun: run.dryRun }),
          );
        } catch (err) {
          if (isFatal(err)) throw err;
          run.addFailedRequests(err);
          // Their requests are planned without them; the next run creates them and associates them.
          state.counts.contacts.failed += count;
          run.addFailures([
            {
              kind: 'contact',
              key: `contacts ${from + 1}–${from + count} of the run`,
              reason: failureMessage(err),
            },
          ]);
        }
      },
    },
    pool,
  );
}

/**
 * Fills the search slots, each with the search of the stream whose next chunk the earliest page needs (ties
 * go to the first stream): neither stream's searches starve a page that waits for the other's.
 */
export function launchSearches(streams: ResolveStream[]): void {
  for (;;) {
    const inFlight = streams.reduce((n, s) => n + s.searchesInFlight(), 0);
    if (inFlight >= SEARCHES) return;
    let next: ResolveStream | undefined;
    let need = Infinity;
    for (const s of streams) {
      const page = s.nextNeed();
      if (page !== undefined && page < need) [next, need] = [s, page];
    }
    if (!next) return;
    next.launchSearch();
  }
}
