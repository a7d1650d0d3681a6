// The audit trail as `runs show` reads it: runs of a workflow id found by their key's prefix (never by a
// range, which a database's collation orders its own way), and no email or description text shown.
import assert from 'node:assert/strict';
import { openStore, type StoreDb } from '../../src/store/open';
import { auditOf, runsOf } from '../../src/store/audit';
import { savePlan } from '../../src/store/run-data';
import { PLAIN } from '../../src/store/sealing';
import { emptySnapshot } from '../support/snapshots';
import { storeForms } from '../support/postgres';

for (const form of storeForms) {
  describe(`the audit trail (${form.name})`, function () {
    this.timeout(60_000);
    let db: StoreDb;
    before(async () => {
      db = await openStore(await form.url());
    });
    after(async () => db?.destroy());

    it('finds the runs of one workflow id, and shows no email nor a description’s text', async () => {
      const id = `feedback-sync/audit-${process.pid}-${form.name.length}/dry-run`;
      for (const runKey of [`${id}:r1`, `${id}-2:r2`, `${id};x:r3`]) await emptySnapshot(db, runKey);
      assert.deepEqual(await runsOf(db, id), [`${id}:r1`]);

      await savePlan(
        db,
        `${id}:r1`,
        0,
        {
          page: 0,
          unchanged: 0,
          changed: [
            {
              externalId: 'canny:p1',
              existingId: '7',
              properties: { name: 'SSO', author_email: 'ada@example.com', description: 'secret details' },
              companyIds: ['new:acme.com'],
              contactIds: ['new:contact-0'],
              changes: {
                author_email: ['bob@example.com', 'ada@example.com'],
                description: ['old details', 'secret details'],
                name: ['Single sign-on', 'SSO'],
              },
            },
          ],
        },
        PLAIN,
      );
      const audit = (await auditOf(db, `${id}:r1`, PLAIN))!;
      const text = JSON.stringify(audit);
      assert.ok(!text.includes('@example.com'), text);
      assert.ok(!text.includes('secret details'), text);
      assert.deepEqual(audit.requests[0]!.changes!.name, ['Single sign-on', 'SSO']);
      assert.deepEqual(audit.companiesToCreate, ['acme.com']);
      assert.deepEqual(audit.contactsToCreate, ['contact-0']);
    });
  });
}
