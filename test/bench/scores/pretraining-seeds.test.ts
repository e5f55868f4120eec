// The quality table's arms: which pretraining runs belong to an arm, and their mean and spread across seeds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acrossRuns, armRows, armRuns, type PretrainingRun } from '../../../bench/scores/pretraining-seeds.js';

test('armRuns takes NAME as seed 42 and NAME-seedS as seed S, sorted by seed, and nothing of another arm', () => {
  const entries = ['bertkit-mlm-seed43', 'bertkit-mlm-nsp', 'bertkit-mlm', 'bertkit-mlm-nsp-seed43', 'bertkit-mlm-seed7',
    'bertkit-mlm-seed', 'bertkit-mlm-seedx', 'bertkit-mlm-seed042', 'bertkit-mlm-seed43.1234.tmp', 'pytorch-mlm-seed43'];
  assert.deepEqual(armRuns('bertkit-mlm', entries), [
    { name: 'bertkit-mlm-seed7', seed: 7 }, { name: 'bertkit-mlm', seed: 42 }, { name: 'bertkit-mlm-seed43', seed: 43 }]);
  assert.deepEqual(armRuns('bertkit-mlm-nsp', entries), [{ name: 'bertkit-mlm-nsp', seed: 42 }, { name: 'bertkit-mlm-nsp-seed43', seed: 43 }]);
  assert.deepEqual(armRuns('pytorch-mlm', entries), [{ name: 'pytorch-mlm-seed43', seed: 43 }]);
  assert.deepEqual(armRuns('none', entries), []);
});

test('acrossRuns: the sample mean and standard deviation of the runs that have the number', () => {
  // 0.5 and 0.7: mean 0.6, sample variance ((−0.1)² + 0.1²) / 1 = 0.02
  const summary = acrossRuns([0.5, null, 0.7, undefined, Number.NaN])!;
  assert.equal(summary.runs, 2);
  assert.ok(Math.abs(summary.mean - 0.6) < 1e-12);
  assert.ok(Math.abs(summary.std - Math.sqrt(0.02)) < 1e-12);
  assert.deepEqual([summary.min, summary.max], [0.5, 0.7]);
  assert.deepEqual(acrossRuns([3]), { mean: 3, std: 0, min: 3, max: 3, runs: 1 });
  assert.equal(acrossRuns([null, undefined]), null);
});

test('armRows averages the finished runs only, needs two of them for a mean, and keeps a row for a main arm not yet run', () => {
  const updates: Record<string, number> = { 'bertkit-mlm': 100, 'bertkit-mlm-seed43': 300, 'bertkit-mlm-seed44': 7 };
  const measure = (run: PretrainingRun) => ({ ...run, finished: run.name !== 'bertkit-mlm-seed44', updates: updates[run.name] ?? null });
  const meanOf = (finished: readonly { updates: number | null }[]) => ({ updates: acrossRuns(finished.map((run) => run.updates)) });
  const entries = ['bertkit-mlm', 'bertkit-mlm-seed43', 'bertkit-mlm-seed44', 'pytorch-mlm-seed44'];

  const bertkit = armRows({ name: 'bertkit-mlm' }, entries, measure, meanOf);
  assert.deepEqual(bertkit.runs.map((run) => run.seed), [42, 43, 44]);
  assert.equal(bertkit.mean?.runs, 2);  // seed 44 is still pretraining
  assert.equal(bertkit.mean?.updates?.mean, 200);

  const unfinished = armRows({ name: 'pytorch-mlm' }, entries, measure, meanOf);
  assert.deepEqual(unfinished.runs.map((run) => run.name), ['pytorch-mlm-seed44']);
  assert.equal(unfinished.mean, null);
  assert.deepEqual(armRows({ name: 'none' }, entries, measure, meanOf).runs.map((run) => [run.name, run.seed]), [['none', 42]]);
  assert.deepEqual(armRows({ name: 'none', optional: true }, entries, measure, meanOf), { runs: [], mean: null });
});
