import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUDGET_TOTAL_STEPS, BUDGET_USED_SECONDS, TimeBudgetPlanner, scheduleEndingAt, stepsWithinBudget } from '../../../src/train/engine/time-budget.js';

test('the updates a budget holds: what is left divided by the measured seconds per update, within [step, maxSteps]', () => {
  assert.equal(stepsWithinBudget(13, 0.5, 100, 1000), 213);
  assert.equal(stepsWithinBudget(13, 0.3, 1, 1000), 16); // ⌊1 / 0.3⌋ = 3
  assert.equal(stepsWithinBudget(13, 0.5, 100, 50), 50);
  assert.equal(stepsWithinBudget(13, 0.5, -4, 1000), 13);
  assert.throws(() => stepsWithinBudget(1, 0, 10, 10), /seconds per update must be > 0/);
});

test('the planner times updates after its warm-up and fixes the total once; checkpoints record it with the seconds used', () => {
  // 2 s per update, the first update slower (warm-up), a 60 s budget.
  const planner = new TimeBudgetPlanner({ seconds: 60, warmupSteps: 1, measureSteps: 4 }, 1000, 0);
  const times = [5, 7, 9, 11, 13, 15];
  const plans = times.map((seconds, index) => planner.afterStep(index + 1, seconds));
  assert.deepEqual(plans.slice(0, 4), [undefined, undefined, undefined, undefined]);
  // timed: updates 2..5 took 13 − 5 = 8 s, 2 s each; 60 − 13 = 47 s left hold 23 more
  assert.deepEqual(plans[4], { totalSteps: 28, secondsPerStep: 2 });
  assert.equal(plans[5], undefined, 'fixed once');
  assert.equal(planner.totalSteps, 28);
  assert.deepEqual(planner.record(15), { [BUDGET_TOTAL_STEPS]: 28, [BUDGET_USED_SECONDS]: 15 });
});

test('a resumed planner keeps the recorded total, or (resumed before it was fixed) times again with what is left', () => {
  const kept = new TimeBudgetPlanner({ seconds: 7200 }, 1000, 20, { [BUDGET_TOTAL_STEPS]: 28, [BUDGET_USED_SECONDS]: 15 });
  assert.ok(kept.fixed);
  assert.equal(kept.totalSteps, 28);
  assert.equal(kept.afterStep(35, 100), undefined);
  assert.deepEqual(kept.record(5), { [BUDGET_TOTAL_STEPS]: 28, [BUDGET_USED_SECONDS]: 20 });

  const again = new TimeBudgetPlanner({ seconds: 60, warmupSteps: 0, measureSteps: 2 }, 1000, 3, { [BUDGET_USED_SECONDS]: 40 });
  assert.equal(again.totalSteps, 1000, 'the upper bound until timed');
  assert.equal(again.afterStep(4, 1), undefined);
  // 2 updates in 2 s; 60 − 40 − 2 = 18 s left: 18 more
  assert.deepEqual(again.afterStep(5, 2), { totalSteps: 23, secondsPerStep: 1 });
  assert.throws(() => new TimeBudgetPlanner({ seconds: 60 }, 10, 0, { [BUDGET_TOTAL_STEPS]: 'many' }), /time_budget_total_steps must be a non-negative integer/);
  assert.throws(() => new TimeBudgetPlanner({ seconds: 0 }, 10, 0), /seconds must be a finite number > 0/);
});

test('the schedule ends at the fitted total: linear and cosine decay to 0 there, constant schedules stay', () => {
  assert.deepEqual(scheduleEndingAt({ kind: 'linear', peak: 1e-3, warmupSteps: 10, totalSteps: 100_000_000 }, 500), { kind: 'linear', peak: 1e-3, warmupSteps: 10, totalSteps: 500 });
  assert.deepEqual(scheduleEndingAt({ kind: 'cosine', peak: 1e-3, warmupSteps: 10, totalSteps: 9 }, 5), { kind: 'cosine', peak: 1e-3, warmupSteps: 10, totalSteps: 10 });
  assert.deepEqual(scheduleEndingAt({ kind: 'constant', peak: 1e-3 }, 5), { kind: 'constant', peak: 1e-3 });
});
