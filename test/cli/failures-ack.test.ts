// `failures ack` (issue #17): one permanently bad record made every run exit 4, with no way to say "known".
// Acknowledged, a run whose only failures are acknowledged exits 0 and says so, and its summary goes to the
// summary channel instead of the alert channel. A new failure still exits 4.
import assert from 'node:assert/strict';
import type { RunSummary } from '../../src/domain/types';
import { cliFor, envOf } from '../support/cli';
import { startStack, type Stack } from '../support/stack';

describe('failures ack', function () {
  this.timeout(180_000);
  let stack: Stack;
  after(async () => {
    await stack?.close();
  });

  it('a run failing only on acknowledged records exits 0, and stays out of the alert channel', async () => {
    stack = await startStack({
      simulators: { dataset: false },
      env: { SLACK_ALERT_CHANNEL: '#general', SLACK_ALERT_MENTION: '<!here>' },
    });
    const { canny, slack } = stack.sims;
    const board = canny.addBoard('Product');
    const alice = canny.addUser({ email: 'alice@acme.com', name: 'Alice' });
    const bad = canny.addPost({ boardID: board, title: 'Broken', authorID: alice });
    canny.addPost({ boardID: board, title: 'Dark mode', authorID: alice });
    canny.corrupt({ kind: 'post', id: bad, fields: { score: 'many' } });
    const cli = await cliFor(stack.env.client, envOf(stack.config, stack.config.SYNC_ENV));

    const first = await cli('sync', '--wait', '--json');
    assert.equal(first.code, 4, first.stderr.join('\n'));
    const summary = first.lastJson<RunSummary>();
    const key = summary.failures[0]!.key;
    assert.equal(slack.messages().at(-1)!.channel, 'C0000000002', 'an unknown failure alerts');

    const ack = await cli('failures', 'ack', key, '--note', 'Canny support ticket 42');
    assert.equal(ack.code, 0, ack.stderr.join('\n'));
    const list = await cli('failures', 'list', '--json');
    assert.deepEqual(
      list.lastJson<Array<{ key: string; note: string }>>().map((a) => [a.key, a.note]),
      [[key, 'Canny support ticket 42']],
    );

    const second = await cli('sync', '--wait');
    assert.equal(second.code, 0, second.stderr.join('\n'));
    assert.match(second.stderr.join('\n'), /every failure of this run is acknowledged/);
    assert.equal(slack.messages().at(-1)!.channel, 'C0000000001', 'to the summary channel, no alert');

    // A new bad record is not covered by the acknowledgement.
    const other = canny.addPost({ boardID: board, title: 'Also broken', authorID: alice });
    canny.corrupt({ kind: 'post', id: other, fields: { score: 'lots' } });
    const third = await cli('sync', '--wait');
    assert.equal(third.code, 4);
    const unack = await cli('failures', 'unack', key);
    assert.equal(unack.code, 0);
    assert.deepEqual((await cli('failures', 'list', '--json')).lastJson(), []);
  });
});
