// The wall clock of a recipe with a deadline (`npm start` promises 15 minutes): pretraining and each
// fine-tuning run get training seconds out of what is left when they start, so a slower machine
// trains fewer updates (the time budgets of train/engine/time-budget.ts) instead of overrunning.
// Since 2026-12-05 pretraining gets 65 % of the training time: fine-tuning's 3 epochs over 3 seeds fit
// in the rest on the idle 2-core machine the plan is sized on (186 s there), and, chosen on a validation
// tenth of the training synsets, 65 % beat 45 % by a point (wordnet-supersenses-plan.ts). There the plan's
// 9,000-step cap ends pretraining (427 s) before its share does. A 2× slower machine (2026-12-03, 45 %:
// 719 of 1,200 pretraining steps, 691–758 of 1,245 updates per seed, 806 s in all) trains about half of each.

/** What the steps after fine-tuning (export, demo, explanations, the int8 comparison) take: 26 s measured on the slower machine. */
const RESERVED_AFTER_FINETUNING_SECONDS = 45;
/** Pretraining's part of the training time; fine-tuning gets the rest. */
const PRETRAINING_SHARE = 0.65;
/** Per fine-tuning run, the seconds outside its training time: building sessions, the final evaluation, saving. */
const RUN_OVERHEAD_SECONDS = 8;
/** No phase is given less (a budget already spent still trains the timed first updates). */
const LEAST_SECONDS = 10;

export class WallClockBudget {
  private readonly started = performance.now();

  constructor(readonly seconds: number) {
    if (!(seconds > 0) || !Number.isFinite(seconds)) throw new Error(`time budget: seconds must be a finite number > 0, got ${seconds}`);
  }

  /** Seconds left of the budget (negative once overrun). */
  left(): number {
    return this.seconds - (performance.now() - this.started) / 1000;
  }

  /** Pretraining's training seconds: its share of what is left beside fine-tuning and the steps after it. */
  pretrainingSeconds(): number {
    return Math.max(LEAST_SECONDS, PRETRAINING_SHARE * (this.left() - RESERVED_AFTER_FINETUNING_SECONDS));
  }

  /** Training seconds of fine-tuning run `index` of `runs`: an equal part of what is left, less a run's overhead. */
  finetuningSeconds(index: number, runs: number): number {
    const share = (this.left() - RESERVED_AFTER_FINETUNING_SECONDS) / Math.max(1, runs - index);
    return Math.max(LEAST_SECONDS, share - RUN_OVERHEAD_SECONDS);
  }
}
