// What a feature request record should look like, hashed, so an unchanged request costs no HubSpot write.
// This file alone uses node:crypto; activities import it, workflow code must not.
import { createHash } from 'node:crypto';

// Bump when what is fingerprinted changes: every record then differs once and is rewritten.
// v2: contacts by record id, not by email, so a contact that appears later changes the fingerprint.
const VERSION = 'v2';
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
): string {
  const entries = Object.keys(properties)
    .filter((key) => key !== FINGERPRINT_PROPERTY)
    .sort()
    .map((key) => [key, properties[key]]);
  // JSON keeps the parts unambiguous: no separator character inside a value can make two inputs collide.
  const canonical = JSON.stringify([entries, sortedDistinct(companyIds), sortedDistinct(contactIds)]);
  return `${VERSION}:${createHash('sha256').update(canonical).digest('hex').slice(0, 32)}`;
}
