// A Slack summary RevOps reads (issue #17): it lists the requests that changed most (new voting companies and
// the ARR they add, linked to their HubSpot records) and names the companies the run created.
import assert from 'node:assert/strict';
import { externalIdOf } from '../../src/domain/feature-request';
import { blocksAsText } from '../../src/domain/summary';
import { startStack, type Stack } from '../support/stack';

describe('the summary’s highlights', function () {
  this.timeout(120_000);
  let stack: Stack;
  after(async () => {
    await stack?.close();
  });

  it('name the requests whose voting companies and ARR grew, with links, and the companies created', async () => {
    stack = await startStack({ simulators: { dataset: false } });
    const { canny, hubspot, slack } = stack.sims;
    hubspot.seedCompanies([{ properties: { name: 'Globex', domain: 'globex.com', annualrevenue: '50000' } }]);
    const board = canny.addBoard('Product');
    const alice = canny.addUser({ email: 'alice@acme.com', name: 'Alice' });
    const dark = canny.addPost({ boardID: board, title: 'Dark mode', authorID: alice });
    const sso = canny.addPost({ boardID: board, title: 'SSO', authorID: alice });
    await stack.sync();

    canny.addVote(dark, canny.addUser({ email: 'bob@globex.com', name: 'Bob' })); // +50,000 ARR
    canny.addVote(sso, canny.addUser({ email: 'dan@hooli.com', name: 'Dan' })); // a company created
    const summary = await stack.sync();
    assert.ok(summary.highlights, 'the summary carries its highlights');
    const request = hubspot
      .objects('feature_request')
      .find((r) => r.properties.external_id === externalIdOf(dark))!;
    const objectTypeId = hubspot.schemas()[0]!.objectTypeId;

    const text = blocksAsText(slack.messages().at(-1)!.blocks as unknown[]);
    assert.match(text, /Changed most/);
    const line = text.split('\n').find((l) => l.includes('Dark mode'))!;
    assert.match(line, /\+50,000 ARR · \+1 voting company/);
    assert.ok(
      text.includes(
        `https://app.hubspot.com/contacts/${hubspot.portalId}/record/${objectTypeId}/${request.id}`,
      ),
      `a link to the record:\n${text}`,
    );
    assert.ok(text.indexOf('Dark mode') < text.indexOf('SSO'), 'the ARR it adds ranks Dark mode first');
    assert.match(text, /Companies created \(1\): hooli\.com/);
  });
});
