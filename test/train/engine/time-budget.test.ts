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

test('the planner times updates after its warm-up and fixes the total; checkpoints record it with the seconds used', () => {
  // 2 s per update, the first update slower (warm-up), a 60 s budget.
  const planner = new TimeBudgetPlanner({ seconds: 60, warmupSteps: 1, measureSteps: 4 }, 1000, 0);
  const times = [5, 7, 9, 11, 13, 15];
  const plans = times.map((seconds, index) => planner.afterStep(index + 1, seconds));
  assert.deepEqual(plans.slice(0, 4), [undefined, undefined, undefined, undefined]);
  // timed: updates 2..5 took 13 − 5 = 8 s, 2 s each; 60 − 13 = 47 s left hold 23 more
  assert.deepEqual(plans[4], { totalSteps: 28, secondsPerStep: 2 });
  assert.equal(plans[5], undefined, 'not fitted again before refitSteps updates');
  assert.equal(planner.totalSteps, 28);
  assert.deepEqual(planner.record(15), { [BUDGET_TOTAL_STEPS]: 28, [BUDGET_USED_SECONDS]: 15 });
});

test('once fixed, the total is fitted again every refitSteps updates at the pace of the updates timed: a slower machine ends the run on time', () => {
  const planner = new TimeBudgetPlanner({ seconds: 60, warmupSteps: 0, measureSteps: 2, refitSteps: 3 }, 1000, 0);
  assert.equal(planner.afterStep(1, 1), undefined);
  assert.deepEqual(planner.afterStep(2, 2), { totalSteps: 60, secondsPerStep: 1 }); // 58 s left at 1 s each
  assert.equal(planner.afterStep(3, 4), undefined);
  assert.equal(planner.afterStep(4, 6), undefined);
  // 5 updates in 8 s: 1.6 s each; 52 s left hold 32 more
  assert.deepEqual(planner.afterStep(5, 8), { totalSteps: 37, secondsPerStep: 1.6 });
  // 8 updates in 14 s: 1.75 s each; 46 s left hold 26 more
  assert.deepEqual(planner.afterStep(8, 14), { totalSteps: 34, secondsPerStep: 1.75 });
  // Over the budget: the total is the update just done, so the run ends there.
  assert.deepEqual(planner.afterStep(11, 70), { totalSteps: 11, secondsPerStep: 70 / 11 });
  assert.deepEqual(planner.record(70), { [BUDGET_TOTAL_STEPS]: 11, [BUDGET_USED_SECONDS]: 70 });
  assert.throws(() => new TimeBudgetPlanner({ seconds: 60, refitSteps: 0 }, 10, 0), /refitSteps must be an integer ≥ 1, got 0/);
});

test('the pace is that of the latest paceWindowSteps updates or more: updates that grow dearer (a batch-size ramp) shorten the plan soon', () => {
  const planner = new TimeBudgetPlanner({ seconds: 100, warmupSteps: 0, measureSteps: 2, refitSteps: 2, paceWindowSteps: 4 }, 1000, 0);
  assert.equal(planner.afterStep(1, 1), undefined);
  assert.deepEqual(planner.afterStep(2, 2), { totalSteps: 100, secondsPerStep: 1 });
  assert.equal(planner.afterStep(3, 3), undefined);
  assert.equal(planner.afterStep(4, 4), undefined, 'still 1 s each: the same total');
  // From here each update takes 3 s.
  assert.equal(planner.afterStep(5, 7), undefined);
  // updates 3..6 took 10 − 2 = 8 s, 2 s each; 90 s left hold 45 more
  assert.deepEqual(planner.afterStep(6, 10), { totalSteps: 51, secondsPerStep: 2 });
  assert.equal(planner.afterStep(7, 13), undefined);
  // updates 5..8 took 16 − 4 = 12 s, 3 s each (the pace of all 8 would be 2 s, and 50 the total); 84 s left hold 28 more
  assert.deepEqual(planner.afterStep(8, 16), { totalSteps: 36, secondsPerStep: 3 });
  assert.throws(() => new TimeBudgetPlanner({ seconds: 60, paceWindowSteps: 0 }, 10, 0), /paceWindowSteps must be an integer ≥ 1, got 0/);
});

test('a resumed run keeps the recorded total until it has timed updates of its own, then fits it to what is left', () => {
  const resumed = new TimeBudgetPlanner({ seconds: 100, warmupSteps: 1, measureSteps: 2 }, 1000, 50, { [BUDGET_TOTAL_STEPS]: 90, [BUDGET_USED_SECONDS]: 60 });
  assert.equal(resumed.afterStep(51, 3), undefined);
  assert.equal(resumed.afterStep(52, 4), undefined);
  assert.equal(resumed.totalSteps, 90);
  // updates 52 and 53 took 6 − 3 = 3 s, 1.5 s each; 100 − 60 − 6 = 34 s left hold 22 more
  assert.deepEqual(resumed.afterStep(53, 6), { totalSteps: 75, secondsPerStep: 1.5 });
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
  // Warm-up–stable–decay: the cool-down is a share of the total, so it moves with the fitted end.
  assert.deepEqual(scheduleEndingAt({ kind: 'warmup-stable-decay', peak: 1e-3, warmupSteps: 10, totalSteps: 100_000_000 }, 500),
    { kind: 'warmup-stable-decay', peak: 1e-3, warmupSteps: 10, totalSteps: 500 });
});

test('with a warm-up ratio the warm-up is that share of the fitted total (a shortened fine-tune still warms up for a tenth of it)', () => {
  assert.deepEqual(scheduleEndingAt({ kind: 'linear', peak: 1e-3, warmupSteps: 200, totalSteps: 2000 }, 130, 0.1), { kind: 'linear', peak: 1e-3, warmupSteps: 13, totalSteps: 130 });
  assert.deepEqual(scheduleEndingAt({ kind: 'constant', peak: 1e-3, warmupSteps: 200 }, 130, 0.1), { kind: 'constant', peak: 1e-3, warmupSteps: 13 });
  assert.deepEqual(scheduleEndingAt({ kind: 'inverse-sqrt', peak: 1e-3, warmupSteps: 200 }, 130, 0.1), { kind: 'inverse-sqrt', peak: 1e-3, warmupSteps: 200 });
  assert.throws(() => new TimeBudgetPlanner({ seconds: 10, warmupRatio: 1.5 }, 10, 0), /warmupRatio must be in \[0, 1\], got 1.5/);
});
