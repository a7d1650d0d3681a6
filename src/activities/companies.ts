// Company activities: find the run's company domains in HubSpot, create the missing ones. What they find
// goes into the run store, where every later activity of the run reads it.
import { COMPANY_SEARCH_DOMAINS, HUBSPOT_BATCH_LIMIT } from '../clients/hubspot';
import { indexCompaniesByDomain } from '../domain/company-match';
import type { FailureEntry } from '../domain/types';
import { domainRange, missingDomains, saveCompanies } from '../store/run-data';
import {
  checkRun,
  MAX_FAILURES_PER_RESULT,
  withoutWriting,
  type RunRef,
  type SyncDependencies,
} from './context';
import { countWrites, tracked } from './tracking';

export function createCompanyActivities(deps: SyncDependencies) {
  const { settings, store } = deps;
  return {
    /** Search queue: one search for up to 250 of the run's domains (positions chunk×250 on). */
    async findCompanies(input: RunRef & { chunk: number }) {
      return tracked(async (counter) => {
        await checkRun(deps, input);
        const from = input.chunk * COMPANY_SEARCH_DOMAINS;
        const domains = await domainRange(store, input.snapshotId, from, from + COMPANY_SEARCH_DOMAINS);
        const records = await deps
          .hubspot(counter)
          .searchCompaniesByDomain(domains, [
            'domain',
            'name',
            'hs_additional_domains',
            settings.arrProperty,
          ]);
        const matches = indexCompaniesByDomain(records, domains, settings.arrProperty);
        await saveCompanies(
          store,
          input.runKey,
          domains.map((domain) => {
            const match = matches.get(domain);
            return match
              ? { domain, companyId: match.id, arr: match.arr, state: 'matched' as const }
              : { domain, companyId: null, arr: null, state: 'missing' as const };
          }),
        );
        return { matched: matches.size, missing: domains.length - matches.size };
      });
    },

    /**
     * Creates the companies of up to 100 domains that have none (the batch-th hundred, in domain order), as
     * upserts on the sync's unique key: a retried create never duplicates.
     */
    async createCompanies(input: RunRef & { batch: number; dryRun: boolean }) {
      return tracked(async (counter) => {
        await checkRun(deps, input);
        const domains = await missingDomains(
          store,
          input.runKey,
          input.batch * HUBSPOT_BATCH_LIMIT,
          HUBSPOT_BATCH_LIMIT,
        );
        if (input.dryRun || !settings.createCompanies)
          return withoutWriting(domains.length, settings.createCompanies);
        const result = await deps
          .hubspot(counter)
          .upsertCompanies(domains.map((domain) => ({ domain, name: domain })));
        let created = 0;
        let matched = 0;
        for (const r of result.results) {
          if (r.created) created++;
          else matched++; // created by an earlier attempt of this very write
        }
        const createdDomains = new Set(result.results.map((r) => r.domain));
        await saveCompanies(store, input.runKey, [
          ...result.results.map((r) => ({
            domain: r.domain,
            companyId: r.id,
            arr: null,
            state: 'created' as const,
          })),
          ...domains
            .filter((d) => !createdDomains.has(d))
            .map((domain) => ({ domain, companyId: null, arr: null, state: 'failed' as const })),
        ]);
        const failures: FailureEntry[] = result.errors.map((e) => ({
          kind: 'company',
          key: e.key ?? '(unknown)',
          reason: e.message,
        }));
        countWrites('company', 'created', created);
        return {
          created,
          matched,
          failed: domains.length - result.results.length,
          failures: failures.slice(0, MAX_FAILURES_PER_RESULT),
        };
      });
    },
  };
}
