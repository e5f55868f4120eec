// The wall clock of a recipe with a deadline (`npm start` promises 15 minutes): pretraining and each
// fine-tuning run get training seconds out of what is left when they start, so a slower machine
// trains fewer updates (the time budgets of train/engine/time-budget.ts) instead of overrunning.
// The shares follow the idle 2-core machine the plan was sized on (2026-11-25: pretraining 346 s,
// three seeds of fine-tuning 424 s), where the budget should cut little or nothing (estimated from
// those timings); a 2× slower machine (753 s and 795 s; 2026-12-03 with the budget: 719 of 1,200
// pretraining steps, 691–758 of 1,245 updates per seed, 806 s in all) trains about half of each.

/** What the steps after fine-tuning (export, demo, explanations, the int8 comparison) take: 26 s measured on the slower machine. */
const RESERVED_AFTER_FINETUNING_SECONDS = 45;
/** Pretraining's part of the training time; fine-tuning gets the rest. */
const PRETRAINING_SHARE = 0.45;
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
