// The companies and contacts a portal validation rule refused (run_unfinished): their requests stay
// uncommitted, unless a later attempt of the same run created the record after all (a retry on a worker
// restarted with HUBSPOT_COMPANY_DEFAULTS, say); and a record still missing blocks only while the run creates.
import assert from 'node:assert/strict';
import { openStore, type StoreDb } from '../../src/store/open';
import {
  companiesOf,
  contactsOf,
  saveCompanies,
  saveContacts,
  saveUnfinished,
  unfinishedDomains,
  unfinishedEmails,
} from '../../src/store/run-data';
import { PLAIN } from '../../src/store/sealing';
import { storeForms } from '../support/postgres';

for (const form of storeForms) {
  describe(`unfinished records (${form.name})`, function () {
    this.timeout(60_000);
    let db: StoreDb;
    before(async () => {
      db = await openStore(await form.url());
    });
    after(async () => db?.destroy());

    it('a refusal blocks its requests until the run holds the record; a missing one only while creating', async () => {
      const runKey = `unfinished-${process.pid}-${form.name}`;
      await saveCompanies(db, runKey, [
        { domain: 'refused.example', companyId: null, arr: null, state: 'failed' },
        { domain: 'retried.example', companyId: '11', arr: null, state: 'created' },
        { domain: 'missing.example', companyId: null, arr: null, state: 'missing' },
        { domain: 'other.example', companyId: null, arr: null, state: 'failed' },
      ]);
      await saveUnfinished(db, runKey, 'company', ['refused.example', 'retried.example']);
      await saveUnfinished(db, runKey, 'company', ['refused.example']); // a retried activity: no duplicate
      const domains = ['refused.example', 'retried.example', 'missing.example', 'other.example'];
      const held = await companiesOf(db, runKey, domains);
      assert.deepEqual([...(await unfinishedDomains(db, runKey, domains, { creating: true, held }))].sort(), [
        'missing.example',
        'refused.example',
      ]);
      assert.deepEqual(
        [...(await unfinishedDomains(db, runKey, domains, { creating: false, held }))],
        ['refused.example'],
      );

      await saveContacts(
        db,
        runKey,
        [
          { email: 'ada@refused.example', seq: 0, contactId: null, state: 'failed' },
          { email: 'bob@retried.example', seq: 1, contactId: '21', state: 'created' },
        ],
        PLAIN,
      );
      const emails = ['ada@refused.example', 'bob@retried.example'];
      await saveUnfinished(db, runKey, 'contact', [
        PLAIN.lookup('ada@refused.example'),
        PLAIN.lookup('bob@retried.example'),
      ]);
      assert.deepEqual(
        [
          ...(await unfinishedEmails(
            db,
            runKey,
            emails,
            { creating: true, held: await contactsOf(db, runKey, emails, PLAIN) },
            PLAIN,
          )),
        ],
        ['ada@refused.example'],
      );
    });
  });
}
