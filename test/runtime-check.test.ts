// The start-up check's Node line rule: the oldest supported Node passes, older lines get the fix named. (The
// driver half is tested end to end in test/worker/broken-install.test.ts.)
import assert from 'node:assert/strict';
import { MIN_NODE, nodeVersionProblem, storeDriverProblem } from '../src/runtime-check';

describe('runtime check', () => {
  it('accepts the supported lines and refuses older ones, naming the fix', () => {
    for (const ok of [MIN_NODE.join('.'), '22.20.0', '24.19.0', '26.0.0'])
      assert.equal(nodeVersionProblem(ok), undefined, ok);
    for (const old of ['20.20.2', '22.12.9', '18.0.0']) {
      const problem = nodeVersionProblem(old);
      assert.match(
        problem ?? '',
        new RegExp(`Node ${old.replace(/\./g, '\\.')} is too old: .*22\\.13\\.0 or later`),
        old,
      );
      assert.match(problem ?? '', /rm -rf node_modules && npm ci/);
    }
  });

  it('names better-sqlite3, the loader reason and the fix when the driver cannot open a database', () => {
    assert.equal(storeDriverProblem(), undefined, 'this install loads');
    const problem = storeDriverProblem(() => {
      throw new Error('/x/better_sqlite3.node: invalid ELF header\nmore');
    });
    assert.match(
      problem ?? '',
      /better-sqlite3\) cannot load its native part on Node .*: \/x\/better_sqlite3\.node: invalid ELF header\n/,
    );
    assert.match(
      problem ?? '',
      /Fix: reinstall the dependencies with the Node you run: rm -rf node_modules && npm ci/,
    );
  });
});
