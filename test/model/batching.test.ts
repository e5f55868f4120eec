import assert from 'node:assert/strict';
import { test } from 'node:test';
import { padRows, planBatches } from '../../src/model/batching.js';

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
