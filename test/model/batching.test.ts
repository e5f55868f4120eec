import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RUN_OVERHEAD_TOKENS, padRows, planBatches } from '../../src/model/batching.js';
import { Rng } from '../../src/runtime/rng.js';

test('planBatches: longest first when sorting (ties in input order), input order otherwise, every index once', () => {
  const lengths = [3, 9, 5, 9, 1, 4, 7];
  assert.deepEqual(planBatches(lengths, 3, true), [[1, 3, 6], [2, 5, 0], [4]]);
  assert.deepEqual(planBatches(lengths, 3, false), [[0, 1, 2], [3, 4, 5], [6]]);
  assert.deepEqual(planBatches([], 4, true), []);
  assert.throws(() => planBatches(lengths, 0, true), /batchSize must be a positive integer, got 0/);
});

test('planBatches: sorted rows are cut where padding costs more than another run', () => {
  // One 50-token text among fifteen 10-token ones: together they pad to 16 × 50 = 800 tokens; apart, 50 + 150.
  const lengths = [10, 10, 10, 50, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10];
  assert.deepEqual(planBatches(lengths, 16, true), [[3], [0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]]);
  // Equal lengths stay in full batches.
  assert.deepEqual(planBatches([8, 8, 8, 8, 8], 2, true), [[0, 1], [2, 3], [4]]);
});

test('planBatches: the cut matches an exhaustive search over every split of the sorted rows', () => {
  const cost = (runs: number[][], lengths: number[]): number => runs.reduce((sum, run) => sum + RUN_OVERHEAD_TOKENS + run.length * Math.max(...run.map((i) => lengths[i]!)), 0);
  // Every way to cut n sorted rows into runs of at most maxRows: the cheapest cost.
  const best = (sorted: number[], maxRows: number): number => {
    const memo = new Map<number, number>();
    const from = (start: number): number => {
      if (start === sorted.length) return 0;
      if (!memo.has(start)) {
        let min = Infinity;
        for (let end = start + 1; end <= Math.min(sorted.length, start + maxRows); end++) min = Math.min(min, RUN_OVERHEAD_TOKENS + (end - start) * sorted[start]! + from(end));
        memo.set(start, min);
      }
      return memo.get(start)!;
    };
    return from(0);
  };
  const rng = new Rng(3);
  for (let trial = 0; trial < 200; trial++) {
    const lengths = Array.from({ length: 1 + Math.floor(rng.uniform() * 12) }, () => 2 + Math.floor(rng.uniform() * 120));
    const maxRows = 1 + Math.floor(rng.uniform() * 6);
    const runs = planBatches(lengths, maxRows, true);
    assert.deepEqual(runs.flat().sort((a, b) => a - b), lengths.map((_, i) => i), 'every index once');
    assert.ok(runs.every((run) => run.length <= maxRows));
    const sorted = [...lengths].sort((a, b) => b - a);
    assert.equal(cost(runs, lengths), best(sorted, maxRows), `lengths ${lengths} maxRows ${maxRows}`);
  }
});

test('padRows: each batch padded to its own longest row with the pad id, segment 0 and mask 0', () => {
  const batch = padRows([{ ids: [101, 7, 102], typeIds: [0, 0, 0] }, { ids: [101, 8, 102, 9, 102], typeIds: [0, 0, 0, 1, 1] }], 0);
  assert.equal(batch.batchSize, 2);
  assert.equal(batch.seqLength, 5);
  assert.deepEqual([...batch.inputIds], [101n, 7n, 102n, 0n, 0n, 101n, 8n, 102n, 9n, 102n]);
  assert.deepEqual([...batch.tokenTypeIds!], [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 1n, 1n]);
  assert.deepEqual([...batch.attentionMask!], [1n, 1n, 1n, 0n, 0n, 1n, 1n, 1n, 1n, 1n]);
});
