import { test } from 'node:test';
import assert from 'node:assert/strict';
import { epochBatches, lengthGroupedEpochBatches } from '../../src/train/finetune-batches.js';
import { Rng } from '../../src/runtime/rng.js';

/** Padded tokens a batching costs: each batch padded to its longest feature. */
function paddedTokens(batches: readonly (readonly number[])[], lengths: readonly number[]): number {
  return batches.reduce((sum, batch) => sum + batch.length * Math.max(...batch.map((i) => lengths[i]!)), 0);
}

// Gloss-like lengths: mostly short, a long tail.
const rng = new Rng(7, Rng.streamOf('lengths'));
const lengths = Array.from({ length: 20_000 }, () => 3 + Math.floor(-12 * Math.log(1 - rng.uniform())));

test('length-grouped batches hold every feature exactly once, in batches of the asked size', () => {
  const batches = lengthGroupedEpochBatches(lengths, 64, 1, 0);
  const seen = batches.flat().sort((a, b) => a - b);
  assert.deepEqual(seen, Array.from(lengths.keys()));
  assert.equal(batches.filter((batch) => batch.length !== 64).length, 1); // 20,000 = 312 × 64 + 32
  assert.equal(batches.length, Math.ceil(lengths.length / 64));
});

test('length-grouped batches pad far less than random ones, and differ by seed and epoch but not between calls', () => {
  const grouped = lengthGroupedEpochBatches(lengths, 64, 1, 0);
  const random = epochBatches(lengths.length, 64, 1, 0);
  const real = lengths.reduce((sum, length) => sum + length, 0);
  const groupedWaste = paddedTokens(grouped, lengths) - real, randomWaste = paddedTokens(random, lengths) - real;
  assert.ok(groupedWaste < randomWaste / 10, `grouped padding ${groupedWaste} vs random ${randomWaste}`);
  assert.deepEqual(lengthGroupedEpochBatches(lengths, 64, 1, 0), grouped);
  assert.notDeepEqual(lengthGroupedEpochBatches(lengths, 64, 1, 1), grouped);
  assert.notDeepEqual(lengthGroupedEpochBatches(lengths, 64, 2, 0), grouped);
  // The batch order is shuffled: the first batches are not the shortest ones.
  const firstLongest = grouped.slice(0, 20).map((batch) => Math.max(...batch.map((i) => lengths[i]!)));
  assert.ok(new Set(firstLongest).size > 5);
});
