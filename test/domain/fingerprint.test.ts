import assert from 'node:assert/strict';
import { fingerprintOf } from '../../src/domain/fingerprint';

describe('fingerprintOf', () => {
  const base = fingerprintOf(
    { name: 'Dark mode', vote_count: '3' },
    ['1', '2'],
    ['a@acme.com', 'b@acme.com'],
  );

  it('is versioned, 32 hex characters', () => assert.match(base, /^v1:[0-9a-f]{32}$/));

  const same: Array<[string, string]> = [
    [
      'same input',
      fingerprintOf({ name: 'Dark mode', vote_count: '3' }, ['1', '2'], ['a@acme.com', 'b@acme.com']),
    ],
    [
      'key order',
      fingerprintOf({ vote_count: '3', name: 'Dark mode' }, ['1', '2'], ['a@acme.com', 'b@acme.com']),
    ],
    [
      'company order',
      fingerprintOf({ name: 'Dark mode', vote_count: '3' }, ['2', '1'], ['a@acme.com', 'b@acme.com']),
    ],
    [
      'email order',
      fingerprintOf({ name: 'Dark mode', vote_count: '3' }, ['1', '2'], ['b@acme.com', 'a@acme.com']),
    ],
    [
      'duplicates',
      fingerprintOf({ name: 'Dark mode', vote_count: '3' }, ['1', '2', '1'], ['a@acme.com', 'b@acme.com']),
    ],
    [
      'sync_fingerprint ignored',
      fingerprintOf(
        { name: 'Dark mode', vote_count: '3', sync_fingerprint: 'v1:old' },
        ['1', '2'],
        ['a@acme.com', 'b@acme.com'],
      ),
    ],
  ];
  for (const [name, fingerprint] of same) it(`stable across ${name}`, () => assert.equal(fingerprint, base));

  const different: Array<[string, string]> = [
    [
      'a value',
      fingerprintOf({ name: 'Dark mode', vote_count: '4' }, ['1', '2'], ['a@acme.com', 'b@acme.com']),
    ],
    [
      'a new property',
      fingerprintOf(
        { name: 'Dark mode', vote_count: '3', tags: '' },
        ['1', '2'],
        ['a@acme.com', 'b@acme.com'],
      ),
    ],
    ['a company', fingerprintOf({ name: 'Dark mode', vote_count: '3' }, ['1'], ['a@acme.com', 'b@acme.com'])],
    ['a contact', fingerprintOf({ name: 'Dark mode', vote_count: '3' }, ['1', '2'], ['a@acme.com'])],
    // Moving an id between the lists must not collide.
    [
      'which list an id is in',
      fingerprintOf({ name: 'Dark mode', vote_count: '3' }, ['1', '2', 'a@acme.com'], ['b@acme.com']),
    ],
    [
      'value separators',
      fingerprintOf({ name: 'Dark mode", "vote_count": "3' }, ['1', '2'], ['a@acme.com', 'b@acme.com']),
    ],
  ];
  for (const [name, fingerprint] of different)
    it(`changes with ${name}`, () => assert.notEqual(fingerprint, base));
});
