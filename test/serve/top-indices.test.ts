import { test } from 'node:test';
import assert from 'node:assert/strict';
import { topIndices } from '../../src/serve/top-indices.js';

test('topIndices matches a full sort (largest first, ties to the lower index, skip never chosen), and k = 0 gives none', () => {
  const values = Float32Array.from([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]);
  const sorted = [...values.keys()].sort((a, b) => values[b]! - values[a]! || a - b);
  for (let k = 0; k <= values.length + 1; k++) {
    assert.deepEqual(topIndices(values, k), sorted.slice(0, k), `k = ${k}`);
    assert.deepEqual(topIndices(values, k, 5), sorted.filter((i) => i !== 5).slice(0, k), `k = ${k}, skipping 5`);
  }
});
