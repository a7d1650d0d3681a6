// Email and domain normalisation: the one place that decides which company a person belongs to.
// No Node built-ins here: workflow code may import this file (tldts and a JSON list are plain data, and the
// global `URL` is one the Temporal workflow sandbox provides).
import { getDomain } from 'tldts';
import freeMailList from 'email-providers/all.json';

// Letters, digits, marks and hyphens: people type internationalised domains in Unicode. No label starts or
// ends with a hyphen; DNS caps a label at 63 characters.
const LABEL = /^(?!-)[\p{L}\p{M}\p{N}-]{1,63}(?<!-)$/u;
// A label once in ASCII form: internationalised labels are punycode (`xn--…`) by then.
const ASCII_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const DIGITS = /^\d+$/;
// Characters that show nothing: format characters (zero-width space, ZWNJ/ZWJ, bidi marks and isolates,
// BOM, soft hyphen) and the other default-ignorable ones (combining grapheme joiner, variation selectors).
// IDNA mapping would silently drop some of them, so `jane@b\u200bücher.de` would pass for another address;
// an email that holds one is malformed instead.
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/u;

/** A dotted host name of valid labels whose top-level label is not numeric (which rules out IPv4 hosts). */
function isHostname(host: string, label: RegExp): boolean {
  const labels = host.split('.');
  const tld = labels[labels.length - 1] ?? '';
  return labels.length >= 2 && labels.every((l) => label.test(l)) && !DIGITS.test(tld);
}

/**
 * A host name in the one form HubSpot stores and compares: lowercase ASCII, internationalised labels in
 * punycode (`Bücher.de` and `xn--bcher-kva.de` → `xn--bcher-kva.de`). The conversion is UTS #46 as the
 * WHATWG URL parser applies it (Node's `url.domainToASCII`): it also folds case, width and composition.
 * Null when the host is no valid domain name, holds an invisible character or has broken punycode.
 */
function asciiHost(host: string): string | null {
  if (INVISIBLE.test(host) || !isHostname(host, LABEL)) return null;
  let ascii: string;
  try {
    // Safe as a URL: the labels above hold no character the URL parser would read as a path, port or user.
    ascii = new URL(`http://${host}/`).hostname;
  } catch {
    return null; // e.g. `xn--a.de`: punycode that decodes to nothing valid
  }
  return isHostname(ascii, ASCII_LABEL) ? ascii : null;
}

// The list names a few providers in Unicode (`müll.email`): compared in ASCII form like every domain.
const freeMailDomains: ReadonlySet<string> = new Set(
  freeMailList.map((domain) => asciiHost(domain.toLowerCase()) ?? domain.toLowerCase()),
);

/**
 * Trimmed and lowercased email with its domain in ASCII form (`Jo@Bücher.de` → `jo@xn--bcher-kva.de`), or
 * null when missing or malformed: not exactly one `@`, an empty local part, whitespace or an invisible
 * character anywhere, or a host that is not a dotted domain name (so `jo@[1.2.3.4]`, `jo@1.2.3.4` and
 * `jo@localhost` are skipped: HubSpot would not accept them and they name no company).
 */
export function normalizeEmail(raw: unknown): string | null {
  // Tested before trimming, which would quietly drop a leading byte order mark.
  if (typeof raw !== 'string' || INVISIBLE.test(raw)) return null;
  // NFC: the same letters typed composed or decomposed (`ü`, `u` + `¨`) make the same local part.
  const email = raw.trim().normalize('NFC').toLowerCase();
  if (/\s/u.test(email)) return null;
  const parts = email.split('@');
  if (parts.length !== 2) return null;
  const [local = '', host = ''] = parts;
  const ascii = asciiHost(host);
  return local !== '' && ascii !== null ? `${local}@${ascii}` : null;
}

/**
 * The registrable domain (public-suffix aware), in ASCII form: `eng.acme.co.uk` → `acme.co.uk`,
 * `shop.bücher.de` → `xn--bcher-kva.de`; IPs and bare suffixes → null.
 */
export function registrableDomain(host: string): string | null {
  const ascii = asciiHost(host.trim().toLowerCase().replace(/\.$/, ''));
  // The public-suffix list knows internationalised suffixes in both forms.
  return ascii === null ? null : getDomain(ascii);
}

/** Whether a (registrable) domain, in either form, belongs to a free or disposable mail provider. */
export function isFreeMailDomain(domain: string): boolean {
  const lowered = domain.trim().toLowerCase();
  return freeMailDomains.has(asciiHost(lowered) ?? lowered);
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
 * trailing dot or a leading `www.` (`https://www.Acme.com:443/x` → `acme.com`), in ASCII form like an
 * email's domain (`bücher.de` → `xn--bcher-kva.de`). Null when no host remains. Subdomains are kept:
 * HubSpot matches on the exact domain.
 */
export function normalizeCompanyDomain(input: string): string | null {
  let host = input.trim().toLowerCase();
  host = host.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  host = host.split(/[/?#]/, 1)[0] ?? '';
  host = host.slice(host.lastIndexOf('@') + 1);
  host = host.replace(/:\d*$/, '').replace(/\.$/, '');
  host = host.replace(/^www\./, '');
  return asciiHost(host);
}

/**
 * The `sync-company <domain>` argument as the company domain an email would give: normalised like a HubSpot
 * domain, then reduced to its registrable domain (`eng.acme.co.uk` → `acme.co.uk`, `www.Bücher.de` →
 * `xn--bcher-kva.de`). Null for garbage.
 * Free-mail domains are returned as they are; the caller decides how to refuse them.
 */
export function normalizeDomainArgument(input: string): string | null {
  const host = normalizeCompanyDomain(input);
  return host === null ? null : registrableDomain(host);
}

// Anything shaped like an address: the run of characters around an `@` up to a space, quote or bracket.
const EMAIL_LIKE = /[^\s@"'`<>()[\]{},;:\\]+@[^\s@"'`<>()[\]{},;:\\]+/gu;

/**
 * The text with every email-like part replaced by `<email>`, or by what `replace` makes of it (a stable hash,
 * src/clients/email-ref.ts): for messages that come from elsewhere (HubSpot quotes the inputs it refuses) on
 * their way into failures, logs and Temporal histories.
 */
export function withoutEmails(text: string, replace: (email: string) => string = () => '<email>'): string {
  return text.replace(EMAIL_LIKE, (email) => replace(email));
}
