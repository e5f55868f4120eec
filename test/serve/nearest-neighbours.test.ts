// nearestNeighbours against a float64 brute force, on integer vectors so that float32 products are
// exact and ties are common: ties must go to the lower index. 5,000 rows need two blocks of the
// product (at most 2^24 cosines per run), so the block boundary is crossed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/runtime/rng.js';
import { nearestNeighbours } from '../../src/serve/nearest-neighbours.js';

function bruteForce(rows: readonly Float32Array[], k: number): { index: number; cosine: number }[][] {
  return rows.map((a, i) => rows
    .map((b, j) => ({ index: j, cosine: a.reduce((sum, x, d) => sum + x * b[d]!, 0) }))
    .filter(({ index }) => index !== i)
    .sort((p, q) => q.cosine - p.cosine || p.index - q.index)
    .slice(0, k));
}

test('nearestNeighbours: the k largest products of each row with the others, ties to the lower index, across blocks', async () => {
  const rng = new Rng(3);
  const rows = Array.from({ length: 5000 }, () => Float32Array.from({ length: 4 }, () => rng.int(5) - 2));
  const found = await nearestNeighbours(rows, 3, { threads: 1 });
  assert.deepEqual(found, bruteForce(rows, 3));
});

test('nearestNeighbours: k = 0, k beyond the other rows, and rows of different widths', async () => {
  const rows = [Float32Array.of(1, 0), Float32Array.of(0, 1), Float32Array.of(1, 1)];
  assert.deepEqual(await nearestNeighbours(rows, 0), [[], [], []]);
  assert.deepEqual(await nearestNeighbours(rows, 5, { threads: 1 }), bruteForce(rows, 5));
  assert.equal((await nearestNeighbours(rows, 5, { threads: 1 }))[0]!.length, 2);
  await assert.rejects(nearestNeighbours([Float32Array.of(1, 0), Float32Array.of(1)], 1), /embedding 1 has 1 values, embedding 0 has 2/);
  await assert.rejects(nearestNeighbours(rows, -1), /k must be a non-negative integer, got -1/);
});
