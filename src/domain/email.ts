// Email and domain normalisation: the one place that decides which company a person belongs to.
// No Node built-ins here: workflow code may import this file (tldts and a JSON list are plain data).
import { getDomain } from 'tldts';
import freeMailList from 'email-providers/all.json';

const freeMailDomains: ReadonlySet<string> = new Set(freeMailList);

// Letters, digits, marks and hyphens: people type internationalised domains in Unicode, and HubSpot stores
// them as typed. No label starts or ends with a hyphen; DNS caps a label at 63 characters.
const LABEL = /^(?!-)[\p{L}\p{M}\p{N}-]{1,63}(?<!-)$/u;
const DIGITS = /^\d+$/;

/** A dotted host name of valid labels whose top-level label is not numeric (which rules out IPv4 hosts). */
function isHostname(host: string): boolean {
  const labels = host.split('.');
  const tld = labels[labels.length - 1] ?? '';
  return labels.length >= 2 && labels.every((label) => LABEL.test(label)) && !DIGITS.test(tld);
}

/**
 * Trimmed and lowercased email, or null when missing or malformed: not exactly one `@`, an empty local
 * part, whitespace inside, or a host that is not a dotted domain name (so `jo@[1.2.3.4]`, `jo@1.2.3.4` and
 * `jo@localhost` are skipped: HubSpot would not accept them and they name no company).
 */
export function normalizeEmail(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const email = raw.trim().toLowerCase();
  if (/\s/u.test(email)) return null;
  const parts = email.split('@');
  if (parts.length !== 2) return null;
  const [local = '', host = ''] = parts;
  return local !== '' && isHostname(host) ? email : null;
}

/** The registrable domain (public-suffix aware): `eng.acme.co.uk` → `acme.co.uk`; IPs and bare suffixes → null. */
export function registrableDomain(host: string): string | null {
  const normalised = host.trim().toLowerCase().replace(/\.$/, '');
  if (!isHostname(normalised)) return null;
  return getDomain(normalised);
}

/** Whether a (registrable) domain belongs to a free or disposable mail provider. */
export function isFreeMailDomain(domain: string): boolean {
  return freeMailDomains.has(domain.trim().toLowerCase());
}

/** The company domain a person's email points at, or null for malformed and free-mail addresses. */
export function companyDomainOfEmail(email: string): string | null {
  const normalised = normalizeEmail(email);
  if (normalised === null) return null;
  const domain = registrableDomain(normalised.slice(normalised.indexOf('@') + 1));
  // Tested on the registrable domain so `mail.yahoo.co.uk` counts as Yahoo, not as a company.
  return domain === null || isFreeMailDomain(domain) ? null : domain;
}

/**
 * A HubSpot company `domain` value as a bare host: lowercased, without scheme, credentials, path, port,
 * trailing dot or a leading `www.` (`https://www.Acme.com:443/x` → `acme.com`). Null when no host remains.
 * Subdomains are kept: HubSpot matches on the exact domain.
 */
export function normalizeCompanyDomain(input: string): string | null {
  let host = input.trim().toLowerCase();
  host = host.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  host = host.split(/[/?#]/, 1)[0] ?? '';
  host = host.slice(host.lastIndexOf('@') + 1);
  host = host.replace(/:\d*$/, '').replace(/\.$/, '');
  host = host.replace(/^www\./, '');
  return isHostname(host) ? host : null;
}

/**
 * The `sync-company <domain>` argument as the company domain an email would give: normalised like a HubSpot
 * domain, then reduced to its registrable domain (`eng.acme.co.uk` → `acme.co.uk`). Null for garbage.
 * Free-mail domains are returned as they are; the caller decides how to refuse them.
 */
export function normalizeDomainArgument(input: string): string | null {
  const host = normalizeCompanyDomain(input);
  return host === null ? null : registrableDomain(host);
}
