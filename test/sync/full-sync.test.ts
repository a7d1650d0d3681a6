import assert from 'node:assert/strict';
import { externalIdOf } from '../../src/domain/feature-request';
import { normalizeCompanyDomain } from '../../src/domain/email';
import { startStack, type Stack } from '../support/stack';

describe('full sync on the dev server against the simulators', function () {
  this.timeout(180_000);
  let stack: Stack;

  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.close();
  });

  it('syncs the seeded workspace to the expected HubSpot state', async () => {
    const summary = await stack.sync();
    const expected = stack.sims.dataset!.expected;
    const hubspot = stack.sims.hubspot;
    const requests = hubspot.objects('feature_request');

    assert.equal(summary.featureRequests.identified, expected.livePostIds.length);
    assert.equal(summary.featureRequests.created, expected.livePostIds.length);
    assert.equal(summary.featureRequests.failed, 0, JSON.stringify(summary.failures));
    assert.equal(requests.length, expected.livePostIds.length, 'one record per live post, no duplicates');

    for (const postId of expected.livePostIds) {
      const record = requests.find((r) => r.properties.external_id === externalIdOf(postId));
      assert.ok(record, `feature request for post ${postId}`);
      const want = expected.posts[postId]!;
      assert.equal(record.properties.vote_count, String(want.voteCount), `vote_count of ${postId}`);
      assert.equal(
        record.properties.voting_company_count,
        String(want.companyDomains.length),
        `voting_company_count of ${postId}`,
      );
      assert.equal(
        Number(record.properties.voting_company_arr),
        want.companyArr,
        `voting_company_arr of ${postId}`,
      );
      assert.equal(record.properties.author_email ?? '', want.authorEmail, `author_email of ${postId}`);
      assert.equal(record.properties.source_state, 'active');
      const companyIds = hubspot.associations('feature_request', record.id, 'companies');
      assert.equal(companyIds.length, want.companyDomains.length, `company associations of ${postId}`);
    }

    // Every company domain has a company now, and only pre-existing duplicates share a domain.
    const byDomain = new Map<string, number>();
    for (const company of hubspot.objects('companies')) {
      const domain = normalizeCompanyDomain(String(company.properties.domain ?? ''));
      if (domain) byDomain.set(domain, (byDomain.get(domain) ?? 0) + 1);
    }
    for (const domain of expected.companyDomains) assert.ok(byDomain.get(domain), `company for ${domain}`);
    for (const [domain, count] of byDomain) {
      if (count > 1)
        assert.ok(
          expected.duplicatedCompanyDomains.includes(domain),
          `unexpected duplicate company ${domain}`,
        );
    }
    // No duplicate contacts, and none for free-mail-less malformed emails.
    const emails = hubspot.objects('contacts').map((c) => c.properties.email);
    assert.equal(new Set(emails).size, emails.length, 'no duplicate contacts');
    assert.equal(summary.contacts.created + summary.contacts.matched, expected.contactEmails);
    assert.ok(summary.contacts.skipped > 0, 'malformed and missing emails are counted');

    // The summary reached Slack.
    const messages = stack.sims.slack.messages();
    assert.equal(messages.length, 1);
    assert.match(messages[0]!.text ?? '', /completed/i);
    assert.ok(
      summary.apiRequests.hubspot > 0 && summary.apiRequests.canny > 0 && summary.apiRequests.slack === 1,
    );
    assert.match(summary.uiUrl, /^http:\/\/localhost:8233\/namespaces\/default\/workflows\//);
  });

  it('a second run with no source change makes zero HubSpot writes', async () => {
    const before = stack.hubspotWrites();
    const summary = await stack.sync();
    assert.equal(stack.hubspotWrites() - before, 0, 'no write requests');
    assert.equal(summary.featureRequests.unchanged, summary.featureRequests.identified);
    assert.equal(summary.featureRequests.created + summary.featureRequests.updated, 0);
  });
});
