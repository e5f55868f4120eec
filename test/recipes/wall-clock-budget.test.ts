import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WallClockBudget } from '../../src/recipes/wall-clock-budget.js';

test('a wall-clock budget gives pretraining 65 % of what is left beside the final steps, and each fine-tuning run an equal part of the rest less its overhead', () => {
  const budget = new WallClockBudget(845);
  // 845 s − 45 s reserved for the steps after fine-tuning = 800 s to share (the few ms since construction aside).
  assert.ok(Math.abs(budget.pretrainingSeconds() - 0.65 * 800) < 0.5, `${budget.pretrainingSeconds()}`);
  assert.ok(Math.abs(budget.finetuningSeconds(0, 4) - (800 / 4 - 8)) < 0.5, `${budget.finetuningSeconds(0, 4)}`);
  assert.ok(Math.abs(budget.finetuningSeconds(3, 4) - (800 - 8)) < 0.5, 'the last run gets all that is left');
  assert.ok(budget.left() <= 845 && budget.left() > 844);
});

test('a spent budget still gives each phase its least seconds, and a budget must be a finite positive number', () => {
  const spent = new WallClockBudget(1);
  assert.equal(spent.pretrainingSeconds(), 10);
  assert.equal(spent.finetuningSeconds(0, 3), 10);
  for (const seconds of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => new WallClockBudget(seconds), /seconds must be a finite number > 0/);
});
