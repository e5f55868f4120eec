import assert from 'node:assert/strict';
import { test } from 'node:test';
import { poolRows } from '../../src/model/pooling.js';

test('poolRows: [CLS] row, mean over unmasked tokens only, L2 normalisation', () => {
  // [batch 2, seq 3, width 2]
  const hidden = Float32Array.from([1, 2, 3, 4, 100, 100, 5, 6, 7, 8, 9, 10]);
  const mask = BigInt64Array.from([1n, 1n, 0n, 1n, 1n, 1n]);
  assert.deepEqual(poolRows(hidden, mask, [2, 3, 2], 'cls', false).map((row) => [...row]), [[1, 2], [5, 6]]);
  assert.deepEqual(poolRows(hidden, mask, [2, 3, 2], 'mean', false).map((row) => [...row]), [[2, 3], [7, 8]]);
  const [unit] = poolRows(hidden, mask, [2, 3, 2], 'mean', true);
  assert.ok(Math.abs(unit![0]! - 2 / Math.sqrt(13)) < 1e-7 && Math.abs(unit![1]! - 3 / Math.sqrt(13)) < 1e-7);
});
