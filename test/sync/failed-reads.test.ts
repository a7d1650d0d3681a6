// Reads that fail are failures, never empty answers (issue #16, item 5): an association read whose 207 holds
// an error other than "nothing associated" must not be taken for "no associations", which would keep stale
// pairs and commit the request anyway.
import assert from 'node:assert/strict';
import { externalIdOf } from '../../src/domain/feature-request';
import { startStack, type Stack } from '../support/stack';

describe('a failed association read', function () {
  this.timeout(120_000);
  let stack: Stack;
  after(async () => {
    await stack?.close();
  });

  it('is retried, and the stale association is removed', async () => {
    stack = await startStack({ simulators: { dataset: false } });
    const { canny, hubspot } = stack.sims;
    const board = canny.addBoard('Product');
    const alice = canny.addUser({ email: 'alice@acme.com', name: 'Alice' });
    const bob = canny.addUser({ email: 'bob@globex.com', name: 'Bob' });
    const post = canny.addPost({ boardID: board, title: 'Dark mode', authorID: alice });
    const vote = canny.addVote(post, bob);
    await stack.sync();
    const request = () =>
      hubspot.objects('feature_request').find((r) => r.properties.external_id === externalIdOf(post))!;
    const domainsOf = () =>
      hubspot
        .associations('feature_request', request().id, 'companies')
        .map((id) => hubspot.getObject('companies', id)?.properties.domain)
        .sort();
    assert.deepEqual(domainsOf(), ['acme.com', 'globex.com']);

    canny.removeVote(vote);
    hubspot.failAssociationReads(1);
    const summary = await stack.sync();
    assert.deepEqual(domainsOf(), ['acme.com'], 'Globex no longer voted');
    assert.equal(summary.associations.removed, 2, 'Globex and Bob');
    const reads = hubspot.server
      .requests()
      .filter((r) => r.path.endsWith('/batch/read') && r.path.includes('associations'));
    assert.ok(reads.length >= 3, 'the failed read was read again');
  });
});
