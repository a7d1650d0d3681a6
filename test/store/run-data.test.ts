// What makes a run's data safe when an activity runs twice (a retry, a duplicate attempt of a slow one, two
// workers): plans and pairs are written once and a later attempt gets the first back; a late search never
// erases what a create found. On both forms of the store.
import assert from 'node:assert/strict';
import { openStore, type StoreDb } from '../../src/store/open';
import {
  companiesOf,
  contactsOf,
  domainResolution,
  emailResolution,
  missingContacts,
  pairPlanOf,
  pairRange,
  savePairPlan,
  savePlan,
  saveCompanies,
  saveContacts,
} from '../../src/store/run-data';
import { sealWith } from '../../src/store/sealing';
import { keysOf, TEST_PAYLOAD_KEYS } from '../support/payload-keys';
import { storeForms } from '../support/postgres';

const forms = storeForms;
/** Emails are looked up by keyed hash, as in every run of a worker with payload keys. */
const seal = sealWith(keysOf(TEST_PAYLOAD_KEYS));

let runCounter = 0;
const newRun = (): string => `run-${process.pid}-${++runCounter}`;

for (const form of forms) {
  describe(`run store: written once (${form.name})`, function () {
    this.timeout(60_000);
    let db: StoreDb;
    before(async () => {
      db = await openStore(await form.url());
    });
    after(async () => db?.destroy());

    it('a second plan of a page gets the first one back, whatever it holds', async () => {
      const run = newRun();
      const first = await savePlan(db, run, 3, { changed: ['a', 'b'], unchanged: 1 }, seal);
      const second = await savePlan(db, run, 3, { changed: ['a'], unchanged: 2 }, seal);
      assert.equal(second.planHash, first.planHash);
      assert.deepEqual(second.plan, { changed: ['a', 'b'], unchanged: 1 });
    });

    it('concurrent pair plans of one page: one wins, both return it, and the pairs are the winner’s', async () => {
      const run = newRun();
      const pairs = (n: number): Array<[string, string]> =>
        Array.from({ length: n }, (_, i) => [`r${i}`, `c${i}`]);
      const plan = (n: number) => ({
        createBatches: Math.floor(n / 100),
        removeBatches: 0,
        leftovers: pairs(n).slice(n - (n % 100)),
        toAdd: pairs(n),
        toRemove: [],
      });
      const [a, b] = await Promise.all([
        savePairPlan(db, run, 0, 'contacts', plan(250)),
        savePairPlan(db, run, 0, 'contacts', plan(120)),
      ]);
      assert.deepEqual(a, b);
      assert.deepEqual(await pairPlanOf(db, run, 0, 'contacts'), a);
      const total = a.createBatches * 100 + a.leftovers.length;
      assert.equal((await pairRange(db, run, 0, 'contacts', 'create', 0, 1000)).length, total);
    });

    it('a late search never erases a create, and counts come from what is stored', async () => {
      const run = newRun();
      await saveContacts(
        db,
        run,
        [
          { email: 'a@x.io', seq: 0, contactId: null, state: 'missing' },
          { email: 'b@x.io', seq: 1, contactId: '7', state: 'matched' },
        ],
        seal,
      );
      await saveContacts(db, run, [{ email: 'a@x.io', seq: 0, contactId: '9', state: 'created' }], seal);
      // A duplicate attempt of the first search, arriving late, saw neither contact.
      await saveContacts(
        db,
        run,
        [
          { email: 'a@x.io', seq: 0, contactId: null, state: 'missing' },
          { email: 'b@x.io', seq: 1, contactId: null, state: 'missing' },
        ],
        seal,
      );
      assert.deepEqual([...(await contactsOf(db, run, ['a@x.io', 'b@x.io'], seal))].sort(), [
        ['a@x.io', '9'],
        ['b@x.io', '7'],
      ]);
      assert.deepEqual(await emailResolution(db, run, ['a@x.io', 'b@x.io'], seal), {
        matched: 1,
        missing: 1,
      });
      // The created contact keeps its place among the missing ones: create batches never shift.
      assert.deepEqual(await missingContacts(db, run, 0, 10), [{ seq: 0 }]);

      await saveCompanies(db, run, [{ domain: 'x.io', companyId: null, arr: null, state: 'missing' }]);
      await saveCompanies(db, run, [{ domain: 'x.io', companyId: '5', arr: 12.5, state: 'created' }]);
      await saveCompanies(db, run, [{ domain: 'x.io', companyId: null, arr: null, state: 'missing' }]);
      assert.deepEqual(await companiesOf(db, run, ['x.io']), new Map([['x.io', { id: '5', arr: 12.5 }]]));
      assert.deepEqual(await domainResolution(db, run, ['x.io']), { matched: 0, missing: 1 });
    });

    it('a late attempt whose create was refused never undoes what another attempt created', async () => {
      const run = newRun();
      await saveCompanies(db, run, [{ domain: 'y.io', companyId: null, arr: null, state: 'missing' }]);
      await saveCompanies(db, run, [{ domain: 'y.io', companyId: '6', arr: 3, state: 'created' }]);
      await saveCompanies(db, run, [{ domain: 'y.io', companyId: null, arr: null, state: 'failed' }]);
      assert.deepEqual(await companiesOf(db, run, ['y.io']), new Map([['y.io', { id: '6', arr: 3 }]]));
      await saveContacts(db, run, [{ email: 'c@y.io', seq: 0, contactId: null, state: 'missing' }], seal);
      await saveContacts(db, run, [{ email: 'c@y.io', seq: 0, contactId: '8', state: 'created' }], seal);
      await saveContacts(db, run, [{ email: 'c@y.io', seq: 0, contactId: null, state: 'failed' }], seal);
      assert.deepEqual([...(await contactsOf(db, run, ['c@y.io'], seal))], [['c@y.io', '8']]);
      // A failure first and a create after it: the create wins, as it always did.
      await saveCompanies(db, run, [{ domain: 'z.io', companyId: null, arr: null, state: 'failed' }]);
      await saveCompanies(db, run, [{ domain: 'z.io', companyId: '10', arr: null, state: 'created' }]);
      assert.deepEqual(await companiesOf(db, run, ['z.io']), new Map([['z.io', { id: '10', arr: null }]]));
    });
  });
}
