import assert from 'node:assert/strict';
import { fingerprintOf, needsLabelsOnly } from '../../src/domain/fingerprint';

describe('fingerprintOf', () => {
  const base = fingerprintOf({ name: 'Dark mode', vote_count: '3' }, ['1', '2'], ['101', '102']);

  it('is versioned, 32 hex characters', () => assert.match(base, /^v3:[0-9a-f]{32}$/));

  it('v2 and v3 hash the same: a v2 request whose hash matches needs only its labels', () => {
    const v2 = fingerprintOf({ name: 'Dark mode', vote_count: '3' }, ['1', '2'], ['101', '102'], 'v2');
    assert.equal(v2.slice(3), base.slice(3));
    assert.equal(needsLabelsOnly(v2, base), true);
    assert.equal(needsLabelsOnly(base, base), false);
    assert.equal(needsLabelsOnly(`v2:${'0'.repeat(32)}`, base), false);
  });

  const same: Array<[string, string]> = [
    ['same input', fingerprintOf({ name: 'Dark mode', vote_count: '3' }, ['1', '2'], ['101', '102'])],
    ['key order', fingerprintOf({ vote_count: '3', name: 'Dark mode' }, ['1', '2'], ['101', '102'])],
    ['company order', fingerprintOf({ name: 'Dark mode', vote_count: '3' }, ['2', '1'], ['101', '102'])],
    ['email order', fingerprintOf({ name: 'Dark mode', vote_count: '3' }, ['1', '2'], ['102', '101'])],
    ['duplicates', fingerprintOf({ name: 'Dark mode', vote_count: '3' }, ['1', '2', '1'], ['101', '102'])],
    [
      'sync_fingerprint ignored',
      fingerprintOf(
        { name: 'Dark mode', vote_count: '3', sync_fingerprint: 'v1:old' },
        ['1', '2'],
        ['101', '102'],
      ),
    ],
  ];
  for (const [name, fingerprint] of same) it(`stable across ${name}`, () => assert.equal(fingerprint, base));

  const different: Array<[string, string]> = [
    ['a value', fingerprintOf({ name: 'Dark mode', vote_count: '4' }, ['1', '2'], ['101', '102'])],
    [
      'a new property',
      fingerprintOf({ name: 'Dark mode', vote_count: '3', tags: '' }, ['1', '2'], ['101', '102']),
    ],
    ['a company', fingerprintOf({ name: 'Dark mode', vote_count: '3' }, ['1'], ['101', '102'])],
    ['a contact', fingerprintOf({ name: 'Dark mode', vote_count: '3' }, ['1', '2'], ['101'])],
    // Moving an id between the lists must not collide.
    [
      'which list an id is in',
      fingerprintOf({ name: 'Dark mode', vote_count: '3' }, ['1', '2', '101'], ['102']),
    ],
    ['value separators', fingerprintOf({ name: 'Dark mode", "vote_count": "3' }, ['1', '2'], ['101', '102'])],
  ];
  for (const [name, fingerprint] of different)
    it(`changes with ${name}`, () => assert.notEqual(fingerprint, base));
});
