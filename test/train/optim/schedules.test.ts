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

test('warm-up, stable, then a 1 − √progress cool-down over the last share of the updates (HF get_wsd_schedule, decay_type 1-sqrt)', () => {
  // 100 updates, warm-up 10, default cool-down 20 % → decay from update 80 to 100.
  const s = { kind: 'warmup-stable-decay', peak: 2, warmupSteps: 10, totalSteps: 100 } as const;
  assert.equal(learningRateAt(s, 0), 0);
  assert.equal(learningRateAt(s, 5), 1);
  assert.equal(learningRateAt(s, 10), 2);
  assert.equal(learningRateAt(s, 79), 2);
  assert.equal(learningRateAt(s, 80), 2); // progress 0
  assert.ok(Math.abs(learningRateAt(s, 85) - 2 * (1 - Math.sqrt(0.25))) < 1e-15); // progress 5/20
  assert.ok(Math.abs(learningRateAt(s, 95) - 2 * (1 - Math.sqrt(0.75))) < 1e-15);
  assert.equal(learningRateAt(s, 100), 0);
  assert.equal(learningRateAt(s, 120), 0);
  // decayRatio 0.5: cool-down from update 50; a ratio larger than what follows the warm-up starts at the warm-up's end.
  assert.ok(Math.abs(learningRateAt({ ...s, decayRatio: 0.5 }, 75) - 2 * (1 - Math.sqrt(0.5))) < 1e-15);
  assert.ok(Math.abs(learningRateAt({ ...s, warmupSteps: 90, decayRatio: 0.5 }, 95) - 2 * (1 - Math.sqrt(0.5))) < 1e-15);
  assert.equal(learningRateAt({ ...s, decayRatio: 0 }, 99), 2);
});

test('bad schedules are refused with the field named', () => {
  assert.throws(() => checkSchedule({ kind: 'linear', peak: 1, warmupSteps: 5, totalSteps: 3 }), /totalSteps/);
  assert.throws(() => checkSchedule({ kind: 'linear', peak: -1, warmupSteps: 0, totalSteps: 3 }), /peak/);
  assert.throws(() => checkSchedule({ kind: 'step' } as never), /unknown schedule kind 'step'/);
  assert.throws(() => checkSchedule({ kind: 'warmup-stable-decay', peak: 1, warmupSteps: 0, totalSteps: 10, decayRatio: 1.5 }), /decayRatio must be in \[0, 1\], got 1.5/);
  assert.throws(() => checkSchedule({ kind: 'warmup-stable-decay', peak: 1, warmupSteps: 20, totalSteps: 10 }), /totalSteps/);
  assert.throws(() => learningRateAt({ kind: 'constant', peak: 1 }, -1), /step/);
});
