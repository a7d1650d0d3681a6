// The request's company rollups, as the data model defines them.
import type { MatchedCompany } from './company-match';

export interface Rollup {
  /** Distinct company domains, whether or not HubSpot has a company for them. */
  votingCompanyCount: number;
  /** Sum of matched companies' ARR, each company once (two domains can mean one company); missing → 0. */
  votingCompanyArr: number;
  /** Distinct matched company ids, sorted: the request's company associations. */
  companyIds: string[];
}

export function computeRollup(
  domains: Iterable<string>,
  companies: ReadonlyMap<string, MatchedCompany>,
): Rollup {
  const distinctDomains = new Set(domains);
  const arrById = new Map<string, number>();
  for (const domain of distinctDomains) {
    const company = companies.get(domain);
    if (company !== undefined) arrById.set(company.id, company.arr ?? 0);
  }
  let arr = 0;
  for (const value of arrById.values()) arr += value;
  return {
    votingCompanyCount: distinctDomains.size,
    // Cents are the finest ARR anyone reads; rounding here keeps float noise out of the fingerprint too.
    votingCompanyArr: Math.round(arr * 100) / 100,
    companyIds: [...arrById.keys()].sort(),
  };
}
