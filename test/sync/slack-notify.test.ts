// A Slack RevOps reads (issue #17): with SLACK_NOTIFY=changes (the default) a run that changed nothing posts
// nothing, and with SLACK_ALERT_CHANNEL a run with failures goes there, SLACK_ALERT_MENTION first.
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../support/stack';

describe('SLACK_NOTIFY and SLACK_ALERT_CHANNEL', function () {
  this.timeout(120_000);
  let stack: Stack;
  after(async () => {
    await stack?.close();
  });

  it('changes: a no-change rerun posts nothing; a failure goes to the alert channel with the mention', async () => {
    stack = await startStack({
      simulators: { dataset: false },
      env: { SLACK_NOTIFY: 'changes', SLACK_ALERT_CHANNEL: '#general', SLACK_ALERT_MENTION: '<!here>' },
    });
    const { canny, slack } = stack.sims;
    const board = canny.addBoard('Product');
    const alice = canny.addUser({ email: 'alice@acme.com', name: 'Alice' });
    const post = canny.addPost({ boardID: board, title: 'Dark mode', authorID: alice });
    const first = await stack.sync();
    assert.equal(first.featureRequests.created, 1);
    assert.equal(slack.messages().length, 1, 'the first run changed HubSpot: posted');
    assert.equal(slack.messages()[0]!.channel, 'C0000000001', 'to the summary channel');

    const second = await stack.sync();
    assert.equal(second.featureRequests.unchanged, 1);
    assert.equal(slack.messages().length, 1, 'nothing changed: nothing posted');

    // A malformed post: a record-level failure, so the run goes to the alert channel.
    canny.corrupt({ kind: 'post', id: post, fields: { score: 'many' } });
    const third = await stack.sync();
    assert.ok(third.failures.length > 0);
    const alert = slack.messages().at(-1)!;
    assert.equal(slack.messages().length, 2);
    assert.equal(alert.channel, 'C0000000002', 'to the alert channel');
    assert.match(String(alert.text), /^<!here> /);
  });
});
