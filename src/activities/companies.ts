// Company activities: find the run's company domains in HubSpot, create the missing ones. What they find
// goes into the run store, where every later activity of the run reads it.
import { COMPANY_SEARCH_DOMAINS, HUBSPOT_BATCH_LIMIT } from '../clients/hubspot';
import { indexCompaniesByDomain, parseArr } from '../domain/company-match';
import { recordFailureReason } from '../clients/hubspot-errors';
import type { FailureEntry } from '../domain/types';
import {
  domainRange,
  domainResolution,
  missingDomains,
  saveCompanies,
  saveUnfinished,
} from '../store/run-data';
import {
  checkRun,
  MAX_FAILURES_PER_RESULT,
  withoutWriting,
  type RunRef,
  type SyncDependencies,
} from './context';
import { countWrites, tracked } from './tracking';

export function createCompanyActivities(deps: SyncDependencies) {
  const { store } = deps;
  return {
    /** Search queue: one search for up to 150 of the run's domains (by domain or sync key). */
    async findCompanies(input: RunRef & { chunk: number }) {
      return tracked(async (counter) => {
        const { settings } = await checkRun(deps, input);
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
        // What the store holds, not what this attempt saw: a duplicate attempt reports the same counts.
        return domainResolution(store, input.runKey, domains);
      });
    },

    /**
     * Creates the companies of up to 100 domains that have none, from the `from`-th missing domain of the run
     * on (in the run's domain order), as upserts on the sync's unique key: a retried create never duplicates.
     */
    async createCompanies(input: RunRef & { from: number; count: number; dryRun: boolean }) {
      return tracked(async (counter) => {
        const { settings } = await checkRun(deps, input);
        const domains = await missingDomains(
          store,
          input.runKey,
          input.snapshotId,
          input.from,
          Math.min(input.count, HUBSPOT_BATCH_LIMIT),
        );
        if (input.dryRun && settings.createCompanies)
          // Would be created: a placeholder id, so that the dry run plans (and counts) their pairs too.
          await saveCompanies(
            store,
            input.runKey,
            domains.map((domain) => ({
              domain,
              companyId: `new:${domain}`,
              arr: null,
              state: 'created' as const,
            })),
          );
        if (input.dryRun || !settings.createCompanies)
          return withoutWriting(domains.length, settings.createCompanies);
        // Create-only: an existing company is never written. A domain whose company an earlier attempt (or
        // run) already created is found by its sync key, never duplicated.
        const result = await deps.hubspot(counter).createCompanies(
          domains.map((domain) => ({ domain, name: domain })),
          [settings.arrProperty],
        );
        const created = result.created.length;
        const matched = result.existing.length; // created by an earlier attempt of this very write, or run
        const resolved = [...result.created, ...result.existing];
        const resolvedDomains = new Set(resolved.map((r) => r.domain));
        await saveCompanies(store, input.runKey, [
          ...resolved.map((r) => ({
            domain: r.domain,
            companyId: r.id,
            arr: parseArr(r.properties[settings.arrProperty]),
            state: 'created' as const,
          })),
          ...domains
            .filter((d) => !resolvedDomains.has(d))
            .map((domain) => ({ domain, companyId: null, arr: null, state: 'failed' as const })),
        ]);
        // Refused by a portal validation rule: the requests that need these stay uncommitted until a run
        // creates them (the rule met, lifted, or HUBSPOT_COMPANY_DEFAULTS set).
        await saveUnfinished(
          store,
          input.runKey,
          'company',
          result.errors.filter((e) => e.requiredProperties && e.key).map((e) => e.key!),
        );
        const failures: FailureEntry[] = result.errors.map((e) => ({
          kind: 'company',
          key: e.key ?? '(unknown)',
          reason: recordFailureReason('company', e),
        }));
        countWrites('company', 'created', created);
        return {
          created,
          matched,
          failed: domains.length - resolved.length,
          failures: failures.slice(0, MAX_FAILURES_PER_RESULT),
        };
      });
    },
  };
}
