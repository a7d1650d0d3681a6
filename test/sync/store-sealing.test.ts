// Personal data in the run store is sealed with the payload keys (issue #16, "the run store has a budget"):
// while a run lasts, the store holds voters' emails and names only encrypted, and looks emails up by a keyed
// hash. The run is held mid-way by failing association reads; then every cell of every table, and the bytes
// of the store's files, are searched for the people's emails and names.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { sql } from 'kysely';
import { externalIdOf } from '../../src/domain/feature-request';
import { startFullRun, startStack, type Stack } from '../support/stack';

const PEOPLE = [
  { email: 'alice.liddell@acme-sealed.com', name: 'Alice Liddell' },
  { email: 'bob.bastable@globex-sealed.com', name: 'Bob Bastable' },
  { email: 'carol.cuthbert@initech-sealed.com', name: 'Carol Cuthbert' },
];
/** What must never be found in the store: each email, its local part, and each name. */
const SECRETS = PEOPLE.flatMap((p) => [p.email, p.email.split('@')[0]!, p.name]);

describe('the run store while a run lasts', function () {
  this.timeout(180_000);
  let stack: Stack;
  after(async () => {
    await stack?.close();
  });

  it('holds no voter email or name in plain text, and the run is exact', async () => {
    stack = await startStack({ simulators: { dataset: false } });
    const { canny, hubspot } = stack.sims;
    const board = canny.addBoard('Product');
    const [alice, bob, carol] = PEOPLE.map((p) => canny.addUser(p));
    const post = canny.addPost({ boardID: board, title: 'Dark mode', authorID: alice! });
    canny.addVote(post, bob!);
    await stack.sync();

    // A new voter: the next run creates her contact, then holds at the association reads.
    canny.addVote(post, carol!);
    hubspot.failAssociationReads(1_000_000);
    const run = await startFullRun(stack, 'sealed');
    const store = stack.store;
    for (let i = 0; ; i++) {
      const plans = await store.selectFrom('run_plans').select('page').execute();
      const contacts = await store.selectFrom('run_contacts').select('seq').execute();
      if (plans.length > 0 && contacts.length >= 3) break;
      assert.ok(i < 600, 'the run reached its association writes');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const tables = await sql<{
      name: string;
    }>`select name from sqlite_master where type = 'table'`.execute(store);
    let cells = 0;
    for (const { name } of tables.rows) {
      const rows = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(store);
      for (const row of rows.rows)
        for (const [column, value] of Object.entries(row)) {
          if (typeof value !== 'string') continue;
          cells++;
          for (const secret of SECRETS)
            assert.ok(
              !value.toLowerCase().includes(secret.toLowerCase()),
              `${name}.${column} holds "${secret}" in plain text`,
            );
        }
    }
    assert.ok(cells > 50, `the store held the run's rows (${cells} text cells)`);
    const file = stack.config.SYNC_STORE_URL.replace(/^sqlite:/, '');
    for (const path of [file, `${file}-wal`]) {
      if (!fs.existsSync(path)) continue;
      const bytes = fs.readFileSync(path).toString('latin1').toLowerCase();
      for (const secret of SECRETS)
        assert.ok(!bytes.includes(secret.toLowerCase()), `${path} holds "${secret}" in its bytes`);
    }

    hubspot.failAssociationReads(0);
    await run.result();
    const request = hubspot
      .objects('feature_request')
      .find((r) => r.properties.external_id === externalIdOf(post))!;
    const emails = hubspot
      .associations('feature_request', request.id, 'contacts')
      .map((id) => hubspot.getObject('contacts', id)?.properties.email)
      .sort();
    assert.deepEqual(
      emails,
      PEOPLE.map((p) => p.email),
    );
    const carolContact = hubspot.objects('contacts').find((c) => c.properties.email === PEOPLE[2]!.email)!;
    assert.equal(carolContact.properties.firstname, 'Carol', 'names are opened for the create');
    assert.equal(carolContact.properties.lastname, 'Cuthbert');
  });
});
