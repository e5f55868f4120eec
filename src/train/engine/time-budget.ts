// A time budget: "an hour of pretraining" as a run whose learning-rate schedule ends when the hour
// does. The run starts under its upper bound of updates; after `warmupSteps` updates (sessions and
// caches warming up) it times `measureSteps` more, then fixes the total to what the rest of the
// budget holds at that pace,
//   total = step + ⌊(budget − seconds used) / seconds per update⌋    (at most the upper bound)
// and the schedule's totalSteps with it (linear and cosine decay to 0 at the end). Every
// `refitSteps` updates after that it fits the total again at the pace of the latest
// `paceWindowSteps` updates (all timed, while fewer): a pace measured over the first dozen updates
// alone ran a 20-minute budget 25–35 % over when the machine got busier, and the pace of all
// updates lags behind updates that grow dearer: an hour whose batch doubled at update 6,000 of
// 13,700 was still planned at 16,700 updates at update 8,000 and 15,100 at 10,000 (its learning
// rate decayed late, then fast), where the latest 1,000 updates' pace plans 13,000 and 13,700
// (replayed from that run's log.jsonl). The total and the seconds used go into every checkpoint's
// settings, so a resumed run keeps the total it was given until it has timed updates of its own
// (a run resumed before the total was fixed measures with what is left of the budget).
// Training time excludes evaluation, as the run's throughput figures do; evaluations and
// checkpoints come on top of the budget.
import type { ScheduleConfig } from '../optim/schedules.js';

export interface TimeBudget {
  /** Seconds of training. */
  readonly seconds: number;
  /** Updates left untimed first (default 3). */
  readonly warmupSteps?: number;
  /** Updates timed (default 10). */
  readonly measureSteps?: number;
  /** Updates between fits of the total once it is fixed (default 100). */
  readonly refitSteps?: number;
  /** Fits after the first time the latest this many updates, or more (default 1000). */
  readonly paceWindowSteps?: number;
  /**
   * The warm-up as this fraction of the fitted total (fine-tuning's warmupRatio), so that a run the
   * budget shortens still warms up for the same share of it; absent: the schedule's warm-up steps stay.
   */
  readonly warmupRatio?: number;
}

/** Keys of a checkpoint's settings. */
export const BUDGET_TOTAL_STEPS = 'time_budget_total_steps';
export const BUDGET_USED_SECONDS = 'time_budget_used_s';

/** The updates that fit: `step` plus what `remainingSeconds` holds at `secondsPerStep`, within [step, maxSteps]. */
export function stepsWithinBudget(step: number, secondsPerStep: number, remainingSeconds: number, maxSteps: number): number {
  if (!(secondsPerStep > 0)) throw new Error(`time budget: seconds per update must be > 0, got ${secondsPerStep}`);
  const more = Math.max(0, Math.floor(remainingSeconds / secondsPerStep));
  return Math.max(step, Math.min(maxSteps, step + more));
}

/**
 * The schedule ending at `totalSteps` (constant and inverse-sqrt schedules have no end), its warm-up
 * `warmupRatio` of them when given.
 */
export function scheduleEndingAt(schedule: ScheduleConfig, totalSteps: number, warmupRatio?: number): ScheduleConfig {
  const warmed = warmupRatio === undefined || schedule.kind === 'inverse-sqrt' ? schedule : { ...schedule, warmupSteps: Math.round(warmupRatio * totalSteps) };
  if (warmed.kind === 'constant' || warmed.kind === 'inverse-sqrt') return warmed;
  return { ...warmed, totalSteps: Math.max(totalSteps, warmed.warmupSteps) };
}

export function checkTimeBudget(budget: TimeBudget): void {
  if (!(budget.seconds > 0) || !Number.isFinite(budget.seconds)) throw new Error(`time budget: seconds must be a finite number > 0, got ${budget.seconds}`);
  if (budget.warmupRatio !== undefined && !(budget.warmupRatio >= 0 && budget.warmupRatio <= 1)) throw new Error(`time budget: warmupRatio must be in [0, 1], got ${budget.warmupRatio}`);
  for (const field of ['warmupSteps', 'measureSteps', 'refitSteps', 'paceWindowSteps'] as const) {
    const value = budget[field];
    const least = field === 'warmupSteps' ? 0 : 1;
    if (value !== undefined && (!Number.isInteger(value) || value < least)) {
      throw new Error(`time budget: ${field} must be an integer ≥ ${least}, got ${value}`);
    }
  }
}

/** Follows a run's updates: fixes its total once step times are known, then fits it again as they change. */
export class TimeBudgetPlanner {
  /** The total, once fixed (here or by the checkpoint resumed). */
  private planned: number | undefined;
  private readonly usedBefore: number;
  private readonly measureFrom: number;
  private readonly measureTo: number;
  /** (update, training seconds) where timing started and at each fit since: the pace is read from the oldest still inside the window. */
  private readonly marks: { step: number; seconds: number }[] = [];
  /** The update of the last fit in this process. */
  private fittedAt: number | undefined;

  /**
   * `maxSteps` bounds the total; `startStep` is the step this process starts at; `saved` the
   * settings of the checkpoint resumed.
   */
  constructor(private readonly budget: TimeBudget, private readonly maxSteps: number, startStep: number, saved: Readonly<Record<string, unknown>> = {}) {
    checkTimeBudget(budget);
    const total = saved[BUDGET_TOTAL_STEPS], used = saved[BUDGET_USED_SECONDS];
    if (total !== undefined && (!Number.isInteger(total) || (total as number) < 0)) throw new Error(`time budget: the checkpoint's ${BUDGET_TOTAL_STEPS} must be a non-negative integer, got ${JSON.stringify(total)}`);
    if (used !== undefined && !(typeof used === 'number' && used >= 0)) throw new Error(`time budget: the checkpoint's ${BUDGET_USED_SECONDS} must be a number ≥ 0, got ${JSON.stringify(used)}`);
    this.planned = total as number | undefined;
    this.usedBefore = (used as number | undefined) ?? 0;
    this.measureFrom = startStep + (budget.warmupSteps ?? 3);
    this.measureTo = this.measureFrom + (budget.measureSteps ?? 10);
    // No warm-up: timing starts with the process.
    if (this.measureFrom === startStep) this.marks.push({ step: startStep, seconds: 0 });
  }

  /** The total once fixed; until then the upper bound. */
  get totalSteps(): number {
    return this.planned ?? this.maxSteps;
  }

  get fixed(): boolean {
    return this.planned !== undefined;
  }

  /**
   * After update `step`, with `trainSeconds` of training in this process so far; returns the total
   * when this update fixes or changes it (undefined otherwise).
   */
  afterStep(step: number, trainSeconds: number): { totalSteps: number; secondsPerStep: number } | undefined {
    if (step === this.measureFrom) this.marks.push({ step, seconds: trainSeconds });
    if (step < this.measureTo || this.marks.length === 0) return undefined;
    // The first update past the timed ones fits (also over a resumed run's recorded total), then every refitSteps.
    if (this.fittedAt !== undefined && step - this.fittedAt < (this.budget.refitSteps ?? 100)) return undefined;
    this.fittedAt = step;
    const window = this.budget.paceWindowSteps ?? 1000;
    while (this.marks.length > 1 && step - this.marks[1]!.step >= window) this.marks.shift();
    const from = this.marks[0]!;
    const secondsPerStep = (trainSeconds - from.seconds) / (step - from.step);
    this.marks.push({ step, seconds: trainSeconds });
    const total = stepsWithinBudget(step, secondsPerStep, this.budget.seconds - this.usedBefore - trainSeconds, this.maxSteps);
    if (total === this.planned) return undefined;
    this.planned = total;
    return { totalSteps: total, secondsPerStep };
  }

  /** What a checkpoint records, with `trainSeconds` of training in this process so far. */
  record(trainSeconds: number): Record<string, number> {
    return { ...(this.planned === undefined ? {} : { [BUDGET_TOTAL_STEPS]: this.planned }), [BUDGET_USED_SECONDS]: this.usedBefore + trainSeconds };
  }
}
