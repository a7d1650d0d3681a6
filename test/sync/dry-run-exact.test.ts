// A dry run a person can review (issue #17): its counts equal what the real run then does, over a scripted
// mix of changes (a new vote from a new company, a removed vote, a rename, a new request, a merge).
import assert from 'node:assert/strict';
import type { RunSummary } from '../../src/domain/types';
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

    const writes = stack.hubspotWrites();
    const dry = await stack.sync({ dryRun: true });
    assert.equal(stack.hubspotWrites(), writes, 'the dry run wrote nothing');
    const real = await stack.sync();
    assert.deepEqual(counts(dry), counts(real));
    assert.ok(
      real.associations.created > 0 && real.associations.removed > 0,
      'the mix adds and removes pairs',
    );
    assert.ok(real.companies.created > 0 && real.contacts.created > 0, 'and creates a company and contacts');
  });
});
