// What a feature request record should look like, hashed, so an unchanged request costs no HubSpot write.
// This file alone uses node:crypto; activities import it, workflow code must not.
import { createHash } from 'node:crypto';

// Bump when what is fingerprinted changes: every record then differs once and is rewritten.
// v2: contacts by record id, not by email, so a contact that appears later changes the fingerprint.
// v3: the same hash, for a request whose pairs carry the sync's association label. A request committed at v2
// whose hash still matches needs no rewrite: only its pairs get the label (`needsLabelsOnly`).
export type FingerprintVersion = 'v2' | 'v3';
const FINGERPRINT_PROPERTY = 'sync_fingerprint';

const sortedDistinct = (values: Iterable<string>): string[] => [...new Set(values)].sort();

/**
 * `v2:` plus 32 hex characters of SHA-256 over the properties (any key order, `sync_fingerprint` itself
 * left out), the associated company ids and contact ids (any order, duplicates ignored): exactly what a
 * synced request holds in HubSpot, by record id.
 */
export function fingerprintOf(
  properties: Record<string, string>,
  companyIds: Iterable<string>,
  contactIds: Iterable<string>,
  version: FingerprintVersion = 'v3',
): string {
  const entries = Object.keys(properties)
    .filter((key) => key !== FINGERPRINT_PROPERTY)
    .sort()
    .map((key) => [key, properties[key]]);
  // JSON keeps the parts unambiguous: no separator character inside a value can make two inputs collide.
  const canonical = JSON.stringify([entries, sortedDistinct(companyIds), sortedDistinct(contactIds)]);
  return `${version}:${createHash('sha256').update(canonical).digest('hex').slice(0, 32)}`;
}

/**
 * A request committed before the association label (v2) that holds exactly what it should: its properties
 * and pairs are right, and only the pairs lack the sync's label. It is labelled, never rewritten.
 */
export function needsLabelsOnly(stored: string, computed: string): boolean {
  return computed.startsWith('v3:') && stored === `v2:${computed.slice('v3:'.length)}`;
}
