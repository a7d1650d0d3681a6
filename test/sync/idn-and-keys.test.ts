// Two promises of the data model, end to end: an internationalised domain is one company whichever form
// people type it in (and an email with an invisible character is malformed, never a second contact), and no
// failure report names a person by email, since failures reach the summary, Slack, logs and histories.
import assert from 'node:assert/strict';
import { externalIdOf } from '../../src/domain/feature-request';
import { normalizeCompanyDomain } from '../../src/domain/email';
import { HubspotGateway } from '../../src/clients/hubspot';
import type { RunSummary } from '../../src/domain/types';
import { startStack, type Stack } from '../support/stack';

const CONTACTS_CREATE = '/crm/objects/2026-09/contacts/batch/create';

/** Every email the Canny workspace holds, in any form: none may show up in a report. */
function emailsOf(stack: Stack): string[] {
  return stack.sims.canny
    .data()
    .users.map((u) => u.email)
    .filter((e): e is string => typeof e === 'string' && e.includes('@'));
}

function assertNoEmails(text: string, emails: string[], where: string): void {
  for (const email of emails) {
    for (const form of new Set([email, email.trim(), email.trim().toLowerCase()])) {
      assert.ok(!text.includes(form), `${where} names ${form}`);
    }
  }
}

function assertReportsNoEmails(stack: Stack, summary: RunSummary): void {
  const emails = emailsOf(stack);
  for (const f of summary.failures) assert.ok(!f.key.includes('@'), `failure key ${f.key} holds an @`);
  assertNoEmails(JSON.stringify(summary.failures), emails, 'the failures');
  assertNoEmails(JSON.stringify(summary), emails, 'the summary');
  const slack = stack.sims.slack.messages();
  assert.equal(slack.length, 1, 'one summary posted');
  assertNoEmails(JSON.stringify(slack), emails, 'the Slack message');
}

describe('internationalised domains: one company, whichever form is typed', function () {
  this.timeout(180_000);
  let stack: Stack;

  before(async () => {
    stack = await startStack({ simulators: { dataset: false } });
  });
  after(async () => {
    await stack?.close();
  });

  it('voters at bücher.de and xn--bcher-kva.de end in one company; an invisible character is skipped', async () => {
    const canny = stack.sims.canny;
    const board = canny.addBoard('Product');
    const anna = canny.addUser({ email: 'anna@bücher.de', name: 'Anna' });
    const ben = canny.addUser({ email: 'ben@XN--BCHER-KVA.de', name: 'Ben' });
    // Looks like Anna's address; the zero-width space makes it malformed, not a third contact.
    const ghost = canny.addUser({ email: 'anna\u200b@bücher.de', name: 'Ghost' });
    const post = canny.addPost({ boardID: board, title: 'Umlauts', authorID: anna });
    canny.addVote(post, ben);
    canny.addVote(post, ghost);

    const summary = await stack.sync();
    assert.equal(summary.featureRequests.failed, 0, JSON.stringify(summary.failures));
    assert.equal(summary.contacts.skipped, 1, 'the zero-width space');
    assert.equal(summary.contacts.created, 2);

    const hubspot = stack.sims.hubspot;
    const companies = hubspot
      .objects('companies')
      .filter((c) => normalizeCompanyDomain(String(c.properties.domain ?? '')) === 'xn--bcher-kva.de');
    assert.equal(companies.length, 1, 'one company for both forms');
    assert.equal(companies[0]!.properties.domain, 'xn--bcher-kva.de', 'created in the form HubSpot stores');

    const record = hubspot
      .objects('feature_request')
      .find((r) => r.properties.external_id === externalIdOf(post));
    assert.ok(record);
    assert.equal(record.properties.voting_company_count, '1');
    assert.deepEqual(hubspot.associations('feature_request', record.id, 'companies'), [companies[0]!.id]);
    const contacts = hubspot
      .associations('feature_request', record.id, 'contacts')
      .map((id) => hubspot.getObject('contacts', id)?.properties.email)
      .sort();
    assert.deepEqual(contacts, ['anna@xn--bcher-kva.de', 'ben@xn--bcher-kva.de']);
    assert.equal(hubspot.objects('contacts').length, 2, 'no contact for the malformed address');
  });
});

describe('failure keys name people by id or count, never by email', function () {
  this.timeout(180_000);
  let stack: Stack;

  beforeEach(async () => {
    stack = await startStack({ simulators: { dataset: false } });
  });
  afterEach(async () => {
    await stack?.close();
  });

  /** One post voted for by `voters` people of acme.com; returns their Canny user ids. */
  function seed(voters: number, name: (i: number) => string = (i) => `Person ${i}`): string[] {
    const canny = stack.sims.canny;
    const board = canny.addBoard('Product');
    const post = canny.addPost({ boardID: board, title: 'Exports' });
    const ids = Array.from({ length: voters }, (_, i) =>
      canny.addUser({ email: `person${i}@acme.com`, name: name(i) }),
    );
    for (const id of ids) canny.addVote(post, id);
    return ids;
  }

  it('a contacts batch HubSpot refuses is reported by count', async () => {
    seed(3);
    // Refused for good (a 400 is never retried), and not for one record's values (no VALIDATION_ERROR): the
    // contacts phase reports the whole batch, without splitting it.
    stack.sims.hubspot.server.addFault({
      route: CONTACTS_CREATE,
      kind: 'server-error',
      status: 400,
      count: 1,
    });
    const summary = await stack.sync();
    const refused = summary.failures.filter((f) => f.kind === 'contact');
    assert.ok(refused.length >= 1, JSON.stringify(summary.failures));
    assert.ok(
      stack.sims.hubspot.server.requests().some((r) => r.fault && r.path === CONTACTS_CREATE),
      'the fault was hit',
    );
    assert.equal(
      stack.sims.hubspot.server.requests().filter((r) => r.path === CONTACTS_CREATE).length,
      1,
      'not split',
    );
    assertReportsNoEmails(stack, summary);
  });

  it('a contact HubSpot refuses within a batch (207) is reported by its Canny user id', async () => {
    // A first name past HubSpot's 65,536-character limit: that record fails, the rest of the batch lands.
    const ids = seed(3, (i) => (i === 1 ? 'x'.repeat(70_000) : `Person ${i}`));
    const summary = await stack.sync();
    const refused = summary.failures.filter((f) => f.kind === 'contact');
    assert.deepEqual(
      refused.map((f) => f.key),
      [`canny user ${ids[1]}`],
      JSON.stringify(summary.failures),
    );
    assert.equal(summary.contacts.created, 2);
    assertReportsNoEmails(stack, summary);
  });

  it("HubSpot's error messages lose the emails they quote", async () => {
    const gateway = new HubspotGateway({
      accessToken: stack.config.HUBSPOT_ACCESS_TOKEN,
      baseUrl: stack.config.HUBSPOT_BASE_URL,
    });
    // HubSpot quotes a refused input: `Email address bad..dots@acme.com is invalid`.
    const result = await gateway.createContacts([{ email: 'bad..dots@acme.com' }, { email: 'ok@acme.com' }]);
    assert.equal(result.created.length, 1, 'its neighbour is created');
    const error = result.errors[0];
    assert.ok(error, 'the contact was refused');
    assert.match(error.message, /INVALID_EMAIL|is invalid/);
    assert.ok(!error.message.includes('bad..dots@acme.com'), error.message);
  });
});
