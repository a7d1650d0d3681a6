// Which HubSpot company a domain means. HubSpot does not deduplicate companies by domain, so real portals
// hold several per domain; the data model settles on the oldest, ties by the lowest numeric id. A company the
// sync created carries the domain it was created for in the sync's own unique property, and keeps meaning that
// domain after someone edits its `domain` or `name` (a rebrand): the sync never creates or rewrites another.
import { normalizeCompanyDomain } from './email';

/** The company property the sync owns: set once, on the companies it creates, to the domain they were created for. */
export const COMPANY_KEY_PROPERTY = 'feedback_sync_domain';

export interface CompanyCandidate {
  id: string;
  /** ISO 8601, as HubSpot returns it. */
  createdAt: string;
}

export interface HubspotCompany extends CompanyCandidate {
  properties: Record<string, string | null | undefined>;
}

export interface MatchedCompany {
  id: string;
  arr: number | null;
}

const NUMERIC_ID = /^\d+$/;

// HubSpot ids are numeric strings that outgrow 2^53 in old portals: compare them as BigInt, never as text
// ('9' < '10').
function compareIds(a: string, b: string): number {
  if (NUMERIC_ID.test(a) && NUMERIC_ID.test(b)) {
    const [x, y] = [BigInt(a), BigInt(b)];
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (NUMERIC_ID.test(a) !== NUMERIC_ID.test(b)) return NUMERIC_ID.test(a) ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function createdAtMs(candidate: CompanyCandidate): number {
  const ms = Date.parse(candidate.createdAt);
  // An unreadable date must not win: it sorts after every real one.
  return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
}

/** The company among duplicates: earliest `createdAt`, ties by the lowest numeric id. */
export function pickCompany<T extends CompanyCandidate>(candidates: Iterable<T>): T | undefined {
  let best: T | undefined;
  for (const candidate of candidates) {
    if (best === undefined) {
      best = candidate;
      continue;
    }
    const byDate = createdAtMs(candidate) - createdAtMs(best);
    if (byDate < 0 || (byDate === 0 && compareIds(candidate.id, best.id) < 0)) best = candidate;
  }
  return best;
}

/**
 * A HubSpot number property as a number; null when empty or not a number. Tolerates thousands separators
 * (`1,234.5`) typed into portals by hand.
 */
export function parseArr(value: string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (!/^[+-]?(\d+|\d{1,3}(,\d{3})+)?(\.\d+)?([eE][+-]?\d+)?$/.test(text) || !/\d/.test(text)) return null;
  const parsed = Number(text.replace(/,/g, ''));
  return Number.isFinite(parsed) ? parsed : null;
}

/**
 * For each wanted domain, the company it means and that company's ARR. The company whose sync key
 * (`feedback_sync_domain`) is the domain wins: the sync created it for that domain. Otherwise a company
 * matches on its `domain` (normalised: lowercase, no leading `www.`); `hs_additional_domains` only count when
 * no company has the domain as its primary one, so the data model's `domain` rule always decides when it can.
 */
export function indexCompaniesByDomain(
  companies: Iterable<HubspotCompany>,
  wantedDomains: Iterable<string>,
  arrProperty: string,
): Map<string, MatchedCompany> {
  const wanted = new Set([...wantedDomains].map((domain) => domain.trim().toLowerCase()));
  const byKey = new Map<string, HubspotCompany[]>();
  const primary = new Map<string, HubspotCompany[]>();
  const additional = new Map<string, HubspotCompany[]>();
  const add = (
    index: Map<string, HubspotCompany[]>,
    domain: string | null,
    company: HubspotCompany,
  ): void => {
    if (domain === null || !wanted.has(domain)) return;
    const list = index.get(domain) ?? [];
    if (!list.includes(company)) list.push(company);
    index.set(domain, list);
  };

  for (const company of companies) {
    // The key is unique in HubSpot, so at most one company holds it; it is compared as the sync wrote it.
    add(byKey, (company.properties[COMPANY_KEY_PROPERTY] ?? '').trim().toLowerCase() || null, company);
    add(primary, normalizeCompanyDomain(company.properties.domain ?? ''), company);
    for (const extra of (company.properties.hs_additional_domains ?? '').split(';')) {
      add(additional, normalizeCompanyDomain(extra), company);
    }
  }

  const matches = new Map<string, MatchedCompany>();
  for (const domain of [...wanted].sort()) {
    const company = pickCompany(byKey.get(domain) ?? primary.get(domain) ?? additional.get(domain) ?? []);
    if (company !== undefined) {
      matches.set(domain, { id: company.id, arr: parseArr(company.properties[arrProperty]) });
    }
  }
  return matches;
}
