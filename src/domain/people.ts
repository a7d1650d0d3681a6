// Who counts for a request: the voters and the author, as the data model defines them.
import { companyDomainOfEmail, normalizeEmail } from './email';
import type { SourcePerson, SourcePost, SourceVote } from './types';

export interface Person {
  /** Normalised email (trimmed, lowercased, domain in ASCII form): the contact's business key. */
  email: string;
  /**
   * Source id of the person this email is kept for (the author, else the voter of the lowest vote id): what
   * failure reports name a person by, since an email never enters them.
   */
  personId: string;
  name: string | null;
  /** Registrable domain of the email; null for free-mail providers. */
  companyDomain: string | null;
}

export interface PeopleOfRequest {
  /** Distinct by email, sorted by email. */
  people: Person[];
  /** Distinct non-admin people of this request whose email is missing or malformed. */
  skipped: number;
  /** Their source ids, sorted, so a run can count each person once across requests. */
  skippedPersonIds: string[];
}

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The people of a request: the post's author plus each vote's voter. `by` (an admin acting for a customer) is
 * never consulted, and admins never count. The author comes first, then voters in vote-id order, so the name
 * kept for a duplicated email does not depend on the order the source listed the votes in.
 */
export function peopleOfRequest(post: SourcePost, votes: readonly SourceVote[]): PeopleOfRequest {
  const sortedVotes = [...votes].sort((a, b) => byId(a.id, b.id));
  const candidates = [post.author, ...sortedVotes.map((vote) => vote.voter)].filter(
    (person): person is SourcePerson => person !== null && !person.isAdmin,
  );

  const byEmail = new Map<string, Person>();
  const skipped = new Set<string>();
  for (const candidate of candidates) {
    const email = normalizeEmail(candidate.email);
    if (email === null) {
      skipped.add(candidate.id);
      continue;
    }
    const name = candidate.name?.trim() || null;
    const known = byEmail.get(email);
    if (known === undefined) {
      byEmail.set(email, { email, personId: candidate.id, name, companyDomain: companyDomainOfEmail(email) });
    } else if (known.name === null && name !== null) {
      known.name = name;
    }
  }

  const people = [...byEmail.values()].sort((a, b) => byId(a.email, b.email));
  return { people, skipped: skipped.size, skippedPersonIds: [...skipped].sort(byId) };
}

/** Distinct company domains of the people, sorted. */
export function companyDomainsOf(people: readonly Person[]): string[] {
  const domains = new Set<string>();
  for (const person of people) if (person.companyDomain !== null) domains.add(person.companyDomain);
  return [...domains].sort(byId);
}
