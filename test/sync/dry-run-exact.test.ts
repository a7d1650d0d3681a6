// A dry run a person can review (issue #17): its counts equal what the real run then does, over a scripted
// mix of changes (a new vote from a new company, a removed vote, a rename, a new request, a merge).
import assert from 'node:assert/strict';
import type { RunSummary } from '../../src/domain/types';
import type { RunAudit } from '../../src/store/audit';
import { cliFor, envOf } from '../support/cli';
import { startStack, type Stack } from '../support/stack';

function counts(s: RunSummary) {
  return {
    requests: {
      created: s.featureRequests.created,
      updated: s.featureRequests.updated,
      unchanged: s.featureRequests.unchanged,
      failed: s.featureRequests.failed,
    },
    companies: { created: s.companies.created, matched: s.companies.matched },
    contacts: { created: s.contacts.created, matched: s.contacts.matched },
    associations: s.associations,
    marked: s.vanished?.marked ?? 0,
  };
}

describe('a dry run', function () {
  this.timeout(180_000);
  let stack: Stack;
  after(async () => {
    await stack?.close();
  });

  it('counts what the real run then does, over a mix of changes', async () => {
    stack = await startStack({ simulators: { dataset: false } });
    const { canny } = stack.sims;
    const board = canny.addBoard('Product');
    const alice = canny.addUser({ email: 'alice@acme.com', name: 'Alice' });
    const bob = canny.addUser({ email: 'bob@globex.com', name: 'Bob' });
    const dark = canny.addPost({ boardID: board, title: 'Dark mode', authorID: alice });
    const sso = canny.addPost({ boardID: board, title: 'SSO', authorID: bob });
    const sso2 = canny.addPost({ boardID: board, title: 'Single sign-on', authorID: alice });
    const bobVote = canny.addVote(dark, bob);
    canny.addVote(sso, alice);
    await stack.sync();

    // One new vote from a new company, a removed vote, a rename, a new request, a merge.
    canny.addVote(dark, canny.addUser({ email: 'carol@initech.com', name: 'Carol' }));
    canny.removeVote(bobVote);
    canny.updatePost(sso, { title: 'SAML single sign-on' });
    canny.addPost({
      boardID: board,
      title: 'Offline mode',
      authorID: canny.addUser({ email: 'dan@hooli.com' }),
    });
    canny.mergePost(sso2, sso);

    // The dry run as an operator starts it: the command, which then lists what the run would do.
    const cli = await cliFor(stack.env.client, envOf(stack.config, stack.config.SYNC_ENV));
    const writes = stack.hubspotWrites();
    const result = await cli('sync', '--dry-run', '--wait', '--json');
    assert.equal(result.code, 0, result.stderr.join('\n'));
    const dry = result.lastJson<RunSummary & { listing: RunAudit }>();
    assert.equal(stack.hubspotWrites(), writes, 'the dry run wrote nothing');
    const real = await stack.sync();
    assert.deepEqual(counts(dry), counts(real));
    assert.ok(
      real.associations.created > 0 && real.associations.removed > 0,
      'the mix adds and removes pairs',
    );
    assert.ok(real.companies.created > 0 && real.contacts.created > 0, 'and creates a company and contacts');

    // What it lists: each request with what changes, old → new; companies and contacts it would create
    // (contacts by position, never by email); pairs; what vanished.
    const listing = dry.listing;
    const byId = new Map(listing.requests.map((r) => [r.externalId, r]));
    assert.equal(byId.get(`canny:${sso}`)?.action, 'update');
    assert.deepEqual(byId.get(`canny:${sso}`)?.changes?.name, ['SSO', 'SAML single sign-on']);
    const offline = listing.requests.find((r) => r.name === 'Offline mode')!;
    assert.equal(offline.action, 'create');
    assert.deepEqual(offline.companyIds, ['new:hooli.com']);
    assert.deepEqual(listing.companiesToCreate, ['hooli.com', 'initech.com']);
    assert.equal(listing.contactsToCreate.length, real.contacts.created);
    assert.deepEqual(
      listing.vanished.map((v) => [v.externalId, v.properties.source_state]),
      [[`canny:${sso2}`, 'merged']],
    );
    const pairs = listing.associations;
    assert.equal(pairs.companies.add + pairs.contacts.add, real.associations.created);
    assert.equal(pairs.companies.remove + pairs.contacts.remove, real.associations.removed);
    const text = JSON.stringify(listing);
    for (const email of ['carol@initech.com', 'dan@hooli.com', 'alice@acme.com'])
      assert.ok(!text.includes(email), `no email in the listing (${email})`);

    // The real run read only the rollups of what HubSpot held: its trail says nothing of the rest.
    const realTrail = (await cli('runs', 'show', real.workflowId, '--json')).lastJson<RunAudit>();
    const rollups = ['name', 'vote_count', 'voting_company_count', 'voting_company_arr'];
    for (const request of realTrail.requests)
      for (const name of Object.keys(request.changes ?? {}))
        assert.ok(rollups.includes(name) || ['source_state', 'merged_into', 'board'].includes(name), name);

    // `runs show` reads the same trail back once the run ended, as text.
    const shown = await cli('runs', 'show', dry.workflowId);
    assert.equal(shown.code, 0, shown.stderr.join('\n'));
    const lines = shown.stdout.join('\n');
    assert.match(lines, /name: "SSO" → "SAML single sign-on"/);
    assert.match(lines, /Companies to create \(2\): hooli\.com, initech\.com/);
  });
});
