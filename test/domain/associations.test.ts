import assert from 'node:assert/strict';
import { diffIds } from '../../src/domain/associations';

describe('diffIds', () => {
  const cases: Array<[string, string[], string[], { toAdd: string[]; toRemove: string[] }]> = [
    ['both empty', [], [], { toAdd: [], toRemove: [] }],
    ['all new', [], ['2', '1'], { toAdd: ['1', '2'], toRemove: [] }],
    ['all gone', ['2', '1'], [], { toAdd: [], toRemove: ['1', '2'] }],
    ['unchanged in any order', ['1', '2'], ['2', '1'], { toAdd: [], toRemove: [] }],
    ['mixed', ['1', '2', '3'], ['3', '4', '4'], { toAdd: ['4'], toRemove: ['1', '2'] }],
  ];
  for (const [name, current, desired, expected] of cases) {
    it(name, () => assert.deepEqual(diffIds(current, desired), expected));
  }
});
