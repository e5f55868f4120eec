import assert from 'node:assert/strict';
import { test } from 'node:test';
import { padRows, planBatches } from '../../src/serve/batching.js';
import { poolRows } from '../../src/serve/pooling.js';

test('planBatches: longest first when sorting (ties in input order), input order otherwise, every index once', () => {
  const lengths = [3, 9, 5, 9, 1, 4, 7];
  assert.deepEqual(planBatches(lengths, 3, true), [[1, 3, 6], [2, 5, 0], [4]]);
  assert.deepEqual(planBatches(lengths, 3, false), [[0, 1, 2], [3, 4, 5], [6]]);
  assert.deepEqual(planBatches([], 4, true), []);
  assert.throws(() => planBatches(lengths, 0, true), /batchSize must be a positive integer, got 0/);
});

test('padRows: each batch padded to its own longest row with the pad id, segment 0 and mask 0', () => {
  const batch = padRows([{ ids: [101, 7, 102], typeIds: [0, 0, 0] }, { ids: [101, 8, 102, 9, 102], typeIds: [0, 0, 0, 1, 1] }], 0);
  assert.equal(batch.batchSize, 2);
  assert.equal(batch.seqLength, 5);
  assert.deepEqual([...batch.inputIds], [101n, 7n, 102n, 0n, 0n, 101n, 8n, 102n, 9n, 102n]);
  assert.deepEqual([...batch.tokenTypeIds!], [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 1n, 1n]);
  assert.deepEqual([...batch.attentionMask!], [1n, 1n, 1n, 0n, 0n, 1n, 1n, 1n, 1n, 1n]);
});

test('poolRows: [CLS] row, mean over unmasked tokens only, L2 normalisation', () => {
  // [batch 2, seq 3, width 2]
  const hidden = Float32Array.from([1, 2, 3, 4, 100, 100, 5, 6, 7, 8, 9, 10]);
  const mask = BigInt64Array.from([1n, 1n, 0n, 1n, 1n, 1n]);
  assert.deepEqual(poolRows(hidden, mask, [2, 3, 2], 'cls', false).map((row) => [...row]), [[1, 2], [5, 6]]);
  assert.deepEqual(poolRows(hidden, mask, [2, 3, 2], 'mean', false).map((row) => [...row]), [[2, 3], [7, 8]]);
  const [unit] = poolRows(hidden, mask, [2, 3, 2], 'mean', true);
  assert.ok(Math.abs(unit![0]! - 2 / Math.sqrt(13)) < 1e-7 && Math.abs(unit![1]! - 3 / Math.sqrt(13)) < 1e-7);
});
