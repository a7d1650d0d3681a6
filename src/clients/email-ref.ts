// An email as it may appear in failures and logs: a stable hash, never the address. The same person gives the
// same reference in every run and process, so an operator can follow one refusal across logs, and find whose
// it is by hashing a candidate address the same way (`printf %s ada@example.com | sha256sum | cut -c1-12`).
import crypto from 'node:crypto';

export function emailRef(email: string): string {
  const digest = crypto.createHash('sha256').update(email.trim().toLowerCase(), 'utf8').digest('hex');
  return `<email ${digest.slice(0, 12)}>`;
}
