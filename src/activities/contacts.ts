// Contact activities: find every email of the run in HubSpot (search, 200 per request), create the missing
// ones (create-only, 100 per request: an existing contact is never written). Results go into the run store,
// by email, with their record ids.
import { CONTACT_SEARCH_EMAILS, HUBSPOT_BATCH_LIMIT } from '../clients/hubspot';
import { recordFailureReason } from '../clients/hubspot-errors';
import type { FailureEntry } from '../domain/types';
import {
  emailRange,
  emailResolution,
  emailsAt,
  missingContacts,
  saveContacts,
  saveUnfinished,
} from '../store/run-data';
import {
  checkRun,
  MAX_FAILURES_PER_RESULT,
  splitName,
  withoutWriting,
  type RunRef,
  type SyncDependencies,
} from './context';
import { countWrites, tracked } from './tracking';

export function createContactActivities(deps: SyncDependencies) {
  const { store } = deps;
  return {
    /** Search queue: one search for up to 200 of the run's emails (positions chunk×200 on). */
    async findContacts(input: RunRef & { chunk: number }) {
      return tracked(async (counter) => {
        const { seal } = await checkRun(deps, input);
        const from = input.chunk * CONTACT_SEARCH_EMAILS;
        const emails = await emailRange(store, input.snapshotId, from, from + CONTACT_SEARCH_EMAILS, seal);
        const found = await deps.hubspot(counter).searchContactsByEmail(emails.map((e) => e.email));
        const idOf = new Map(found.map((c) => [c.email, c.id]));
        await saveContacts(
          store,
          input.runKey,
          emails.map(({ email, seq }) => {
            const id = idOf.get(email);
            return id
              ? { email, seq, contactId: id, state: 'matched' as const }
              : { email, seq, contactId: null, state: 'missing' as const };
          }),
          seal,
        );
        // What the store holds, not what this attempt saw: a duplicate attempt reports the same counts.
        return emailResolution(
          store,
          input.runKey,
          emails.map((e) => e.email),
          seal,
        );
      });
    },

    /**
     * Creates up to 100 missing contacts, from the `from`-th missing email of the run on: create-only, so a
     * retried create never duplicates (HubSpot refuses a second contact with the email) and a contact that
     * exists keeps its names. Names from the source are set here, on creation only.
     */
    async createContacts(input: RunRef & { from: number; count: number; dryRun: boolean }) {
      return tracked(async (counter) => {
        const { settings, seal } = await checkRun(deps, input);
        const positions = await missingContacts(
          store,
          input.runKey,
          input.from,
          Math.min(input.count, HUBSPOT_BATCH_LIMIT),
        );
        if (input.dryRun && settings.createContacts)
          // Would be created: a placeholder id (by position, never the email), so that the dry run plans
          // and counts their pairs too.
          await saveContacts(
            store,
            input.runKey,
            (
              await emailsAt(
                store,
                input.snapshotId,
                positions.map((p) => p.seq),
                seal,
              )
            ).map(({ email, seq }) => ({
              email,
              seq,
              contactId: `new:contact-${seq}`,
              state: 'created' as const,
            })),
            seal,
          );
        if (input.dryRun || !settings.createContacts)
          return withoutWriting(positions.length, settings.createContacts);
        // The emails are in the snapshot, at the positions the run's contacts name.
        const bySeq = new Map(
          (
            await emailsAt(
              store,
              input.snapshotId,
              positions.map((p) => p.seq),
              seal,
            )
          ).map((e) => [e.seq, e]),
        );
        const missing = positions.map(({ seq }) => ({ seq, email: bySeq.get(seq)!.email }));
        const people = new Map(missing.map(({ seq, email }) => [email, bySeq.get(seq)!]));
        const result = await deps
          .hubspot(counter)
          .createContacts(
            missing.map(({ email }) => ({ email, ...splitName(people.get(email)?.name ?? null) })),
          );
        const createdIds = new Map(result.created.map((r) => [r.email, r.id]));
        const existingIds = new Map(result.existing.map((r) => [r.email, r.id]));
        await saveContacts(
          store,
          input.runKey,
          missing.map(({ email, seq }) => {
            const created = createdIds.get(email);
            if (created) return { email, seq, contactId: created, state: 'created' as const };
            // Search missed it (index lag, or an email held as a secondary one): matched, never modified.
            // Stored as resolved by the create step, like the companies' (the missing emails keep their
            // positions); the result counts it as matched.
            const existing = existingIds.get(email);
            if (existing) return { email, seq, contactId: existing, state: 'created' as const };
            return { email, seq, contactId: null, state: 'failed' as const };
          }),
          seal,
        );
        // Refused by a portal validation rule: their requests stay uncommitted (stored by keyed hash).
        await saveUnfinished(
          store,
          input.runKey,
          'contact',
          result.errors.filter((e) => e.requiredProperties && e.key).map((e) => seal.lookup(e.key!)),
        );
        countWrites('contact', 'created', result.created.length);
        // Failure keys name the person by the source's id: never by email, since they reach the summary,
        // Slack, logs and histories.
        const keyOf = (email: string | undefined): string => {
          const id = email === undefined ? undefined : people.get(email)?.personId;
          return id === undefined ? `a contact of a batch of ${missing.length}` : `canny user ${id}`;
        };
        const failures: FailureEntry[] = result.errors.map((e) => ({
          kind: 'contact',
          key: keyOf(e.key),
          reason: recordFailureReason('contact', e), // emails in HubSpot's quotes are taken out
        }));
        return {
          created: result.created.length,
          // Existing contacts search missed, or created by an earlier attempt of this very write.
          matched: result.existing.length,
          failed: result.errors.length,
          failures: failures.slice(0, MAX_FAILURES_PER_RESULT),
        };
      });
    },
  };
}
