// The sync owns only the associations it made (issue #16, item 2): it writes its pairs under its own
// association label, removes only pairs that carry it, and leaves every association a person made. A sync pair
// a person labelled too loses only the sync's label. Requests committed before the label are migrated without
// a rewrite: their pairs get the label, their properties are not written.
import assert from 'node:assert/strict';
import { syncLabelTypeId } from '../../src/clients/hubspot-setup';
import { externalIdOf } from '../../src/domain/feature-request';
import { startStack, type Stack } from '../support/stack';

describe('associations a person made', function () {
  this.timeout(180_000);
  let stack: Stack;
  afterEach(async () => {
    await stack?.close();
  });

  async function seed() {
    stack = await startStack({ simulators: { dataset: false } });
    const { canny, hubspot } = stack.sims;
    const [initech] = hubspot.seedCompanies([{ properties: { name: 'Initech', domain: 'initech.com' } }]);
    const [carol] = hubspot.seedContacts([
      { properties: { email: 'carol@initech.com', firstname: 'Carol' } },
    ]);
    const board = canny.addBoard('Product');
    const alice = canny.addUser({ email: 'alice@acme.com', name: 'Alice' });
    const post = canny.addPost({ boardID: board, title: 'Dark mode', authorID: alice });
    const votes = {
      bob: canny.addVote(post, canny.addUser({ email: 'bob@globex.com', name: 'Bob' })),
      dave: canny.addVote(post, canny.addUser({ email: 'dave@hooli.com', name: 'Dave' })),
    };
    await stack.sync();
    const objectTypeId = hubspot.schemas()[0]!.objectTypeId;
    const request = hubspot
      .objects('feature_request')
      .find((r) => r.properties.external_id === externalIdOf(post))!;
    return { objectTypeId, request, initech: initech!, carol: carol!, votes };
  }

  const domainsOf = (requestId: string) =>
    stack.sims.hubspot
      .associations('feature_request', requestId, 'companies')
      .map((id) => stack.sims.hubspot.getObject('companies', id)?.properties.domain)
      .sort();
  const emailsOf = (requestId: string) =>
    stack.sims.hubspot
      .associations('feature_request', requestId, 'contacts')
      .map((id) => stack.sims.hubspot.getObject('contacts', id)?.properties.email)
      .sort();

  it('a request linked by hand to a company and a contact keeps those links through a rewrite of its associations', async () => {
    const { objectTypeId, request, initech, carol, votes } = await seed();
    const { hubspot } = stack.sims;
    const gateway = stack.gateway;
    // A sales rep links the request to a customer who never voted, and marks Globex as the champion.
    hubspot.associate('feature_request', request.id, 'companies', initech);
    hubspot.associate('feature_request', request.id, 'contacts', carol);
    await gateway.createAssociationLabel(objectTypeId, 'companies', { label: 'Champion', name: 'champion' });
    const champion = (await gateway.listAssociationLabels(objectTypeId, 'companies')).find(
      (l) => l.label === 'Champion',
    )!.typeId;
    const globex = hubspot.objects('companies').find((c) => c.properties.domain === 'globex.com')!.id;
    await gateway.createAssociations(objectTypeId, 'companies', [{ from: request.id, to: globex }], champion);

    // Bob and Dave take their votes back: their companies and contacts are no longer the sync's to link.
    stack.sims.canny.removeVote(votes.bob);
    stack.sims.canny.removeVote(votes.dave);
    const summary = await stack.sync();

    assert.deepEqual(
      domainsOf(request.id),
      ['acme.com', 'globex.com', 'initech.com'],
      'Hooli gone, the rest kept',
    );
    assert.deepEqual(emailsOf(request.id), ['alice@acme.com', 'carol@initech.com'], 'Carol kept');
    const label = (await syncLabelTypeId(gateway, objectTypeId, 'companies'))!;
    const pairs = await gateway.readTypedAssociations(objectTypeId, 'companies', [request.id]);
    const globexTypes = pairs
      .get(request.id)!
      .find((t) => t.toId === globex)!
      .types.map((t) => t.typeId);
    assert.ok(globexTypes.includes(champion), 'the rep’s label stays');
    assert.ok(!globexTypes.includes(label), 'the sync’s label is gone');
    assert.equal(summary.associations.removed, 4, 'Globex and Hooli, Bob and Dave');
    const after = hubspot.getObject('feature_request', request.id)!;
    assert.equal(after.properties.voting_company_count, '1', 'rollups count voters, not links');

    // And the next run leaves it all as it is.
    const mark = stack.hubspotWrites();
    await stack.sync();
    assert.equal(stack.hubspotWrites() - mark, 0);
  });

  it('a request written but never committed (an empty fingerprint) keeps a hand-made link on a kind it has no pair of', async () => {
    stack = await startStack({ simulators: { dataset: false } });
    const sims = stack.sims;
    const [initech] = sims.hubspot.seedCompanies([
      { properties: { name: 'Initech', domain: 'initech.com' } },
    ]);
    const board = sims.canny.addBoard('Product');
    // Free mail only: the sync links no company to this request, ever.
    const post = sims.canny.addPost({
      boardID: board,
      title: 'Offline mode',
      authorID: sims.canny.addUser({ email: 'erin@gmail.com', name: 'Erin' }),
    });
    await stack.sync();
    const request = sims.hubspot
      .objects('feature_request')
      .find((r) => r.properties.external_id === externalIdOf(post))!;
    sims.hubspot.associate('feature_request', request.id, 'companies', initech!);
    // A run of this version wrote it and was killed before its commit: the fingerprint stays empty.
    sims.hubspot.setProperty('feature_request', request.id, 'sync_fingerprint', '');
    sims.canny.addVote(post, sims.canny.addUser({ email: 'frank@yahoo.com', name: 'Frank' }));
    await stack.sync();
    assert.deepEqual(domainsOf(request.id), ['initech.com'], 'the rep’s link stays');
    assert.match(
      String(sims.hubspot.getObject('feature_request', request.id)!.properties.sync_fingerprint),
      /^v3:/,
    );
  });

  it('requests committed before the label are migrated without a rewrite, and keep hand-made links', async () => {
    const { objectTypeId, request, initech } = await seed();
    const { hubspot } = stack.sims;
    const gateway = stack.gateway;
    // The portal as the previous version left it: v2 fingerprints, plain (unlabelled) pairs.
    for (const kind of ['companies', 'contacts'] as const) {
      const label = (await syncLabelTypeId(gateway, objectTypeId, kind))!;
      const pairs = hubspot
        .associations('feature_request', request.id, kind)
        .map((to) => ({ from: request.id, to }));
      await gateway.archiveAssociationLabel(objectTypeId, kind, pairs, label);
    }
    const fingerprint = String(hubspot.getObject('feature_request', request.id)!.properties.sync_fingerprint);
    assert.match(fingerprint, /^v3:/);
    hubspot.setProperty(
      'feature_request',
      request.id,
      'sync_fingerprint',
      fingerprint.replace(/^v3:/, 'v2:'),
    );
    hubspot.associate('feature_request', request.id, 'companies', initech);
    const before = { companies: domainsOf(request.id), contacts: emailsOf(request.id) };

    const mark = hubspot.server.requests().length;
    const summary = await stack.sync();
    const writes = hubspot.server
      .requests()
      .slice(mark)
      .filter((r) => r.method !== 'GET' && !r.path.endsWith('/search') && !r.path.endsWith('/batch/read'))
      .map((r) => r.route);
    console.log(
      `      migration of 1 request with ${before.companies.length - 1 + before.contacts.length} sync pairs: ${writes.length} writes (${writes.join(', ')})`,
    );
    assert.ok(!writes.some((w) => w.endsWith('/batch/upsert')), 'no request rewritten');
    assert.equal(summary.featureRequests.unchanged, 1);
    assert.deepEqual(
      domainsOf(request.id),
      before.companies,
      'every link kept, the hand-made Initech one too',
    );
    assert.deepEqual(emailsOf(request.id), before.contacts);
    assert.match(
      String(hubspot.getObject('feature_request', request.id)!.properties.sync_fingerprint),
      /^v3:/,
    );
    const label = (await syncLabelTypeId(gateway, objectTypeId, 'companies'))!;
    const pairs = (await gateway.readTypedAssociations(objectTypeId, 'companies', [request.id])).get(
      request.id,
    )!;
    assert.deepEqual(
      pairs
        .filter((t) => t.types.some((x) => x.typeId === label))
        .map((t) => hubspot.getObject('companies', t.toId)?.properties.domain)
        .sort(),
      ['acme.com', 'globex.com', 'hooli.com'],
      'the sync’s pairs carry its label; the hand-made one does not',
    );
    const next = stack.hubspotWrites();
    await stack.sync();
    assert.equal(stack.hubspotWrites() - next, 0, 'migrated once');
  });
});
