import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSchedule, learningRateAt } from '../../../src/train/optim/schedules.js';

// Values computed by hand from HF transformers' lr_lambda formulas (step = updates done so far).
test('linear warmup then linear decay', () => {
  const s = { kind: 'linear', peak: 1e-3, warmupSteps: 4, totalSteps: 10 } as const;
  // warmup: step/4; decay: (10 − step)/(10 − 4); after totalSteps: 0.
  const expected = [0, 1 / 4, 2 / 4, 3 / 4, 6 / 6, 5 / 6, 4 / 6, 3 / 6, 2 / 6, 1 / 6, 0, 0].map((f) => f * 1e-3);
  expected.forEach((lr, step) => assert.ok(Math.abs(learningRateAt(s, step) - lr) < 1e-15, `step ${step}: ${learningRateAt(s, step)} vs ${lr}`));
});

test('cosine with warmup', () => {
  const s = { kind: 'cosine', peak: 2, warmupSteps: 2, totalSteps: 6 } as const;
  // step 1: 1/2·2 = 1; step 2: progress 0 → 2; step 4: progress 0.5 → 2·0.5 = 1; step 5: progress 0.75 → 2·0.5·(1 + cos(0.75π)) = 1 − √2/2.
  assert.equal(learningRateAt(s, 0), 0);
  assert.equal(learningRateAt(s, 1), 1);
  assert.equal(learningRateAt(s, 2), 2);
  assert.ok(Math.abs(learningRateAt(s, 4) - 1) < 1e-12);
  assert.ok(Math.abs(learningRateAt(s, 5) - (1 - Math.SQRT2 / 2)) < 1e-12);
  assert.ok(Math.abs(learningRateAt(s, 6)) < 1e-12);
});

test('inverse square root with warmup, and constant with warmup', () => {
  const s = { kind: 'inverse-sqrt', peak: 1, warmupSteps: 4 } as const;
  assert.equal(learningRateAt(s, 2), 0.5);
  assert.equal(learningRateAt(s, 4), 1);
  assert.equal(learningRateAt(s, 16), 0.5); // 1/√(16/4)
  assert.ok(Math.abs(learningRateAt({ ...s, timescale: 8 }, 12) - 1 / Math.sqrt(16 / 8)) < 1e-15); // shift 4
  const c = { kind: 'constant', peak: 3e-5, warmupSteps: 3 } as const;
  assert.equal(learningRateAt(c, 0), 0);
  assert.ok(Math.abs(learningRateAt(c, 1) - 1e-5) < 1e-20);
  assert.equal(learningRateAt(c, 100), 3e-5);
  assert.equal(learningRateAt({ kind: 'constant', peak: 0.1 }, 0), 0.1);
});

test('bad schedules are refused with the field named', () => {
  assert.throws(() => checkSchedule({ kind: 'linear', peak: 1, warmupSteps: 5, totalSteps: 3 }), /totalSteps/);
  assert.throws(() => checkSchedule({ kind: 'linear', peak: -1, warmupSteps: 0, totalSteps: 3 }), /peak/);
  assert.throws(() => checkSchedule({ kind: 'step' } as never), /unknown schedule kind 'step'/);
  assert.throws(() => learningRateAt({ kind: 'constant', peak: 1 }, -1), /step/);
});
