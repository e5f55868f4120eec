// Learning-rate schedules as in Hugging Face transformers' get_*_schedule_with_warmup. `step` is the
// 0-based index of the update about to be applied (HF calls scheduler.step() after optimizer.step(),
// so the first update uses step 0: with warmup its learning rate is 0).
// Schedules are plain data so they cross the worker boundary and go into checkpoints.

export type ScheduleConfig =
  | { readonly kind: 'constant'; readonly peak: number; readonly warmupSteps?: number }
  | { readonly kind: 'linear'; readonly peak: number; readonly warmupSteps: number; readonly totalSteps: number }
  | { readonly kind: 'cosine'; readonly peak: number; readonly warmupSteps: number; readonly totalSteps: number; readonly cycles?: number }
  | { readonly kind: 'inverse-sqrt'; readonly peak: number; readonly warmupSteps: number; readonly timescale?: number }
  /**
   * Warm-up, then the peak rate held, then a cool-down over the last `decayRatio` of `totalSteps` (default 0.2) to 0
   * shaped 1 − √progress (Hägele et al. 2024, "Scaling laws and compute-optimal training beyond fixed training
   * durations": a 20 % 1-sqrt cool-down matches cosine). HF: get_wsd_schedule with decay_type "1-sqrt". The decay is a
   * share of the total, not a count, so a time budget that refits the total moves it with the end.
   */
  | { readonly kind: 'warmup-stable-decay'; readonly peak: number; readonly warmupSteps: number; readonly totalSteps: number; readonly decayRatio?: number };

/** The schedules a command line names: every kind that needs only a peak, a warm-up and a total. */
export type SchedulerKind = 'constant' | 'linear' | 'cosine' | 'warmup-stable-decay';
export const SCHEDULER_KINDS: readonly SchedulerKind[] = ['linear', 'constant', 'cosine', 'warmup-stable-decay'];

/** The schedule of this kind (a constant one ignores the total). */
export function scheduleOf(kind: SchedulerKind, peak: number, warmupSteps: number, totalSteps: number): ScheduleConfig {
  return kind === 'constant' ? { kind, peak, warmupSteps } : { kind, peak, warmupSteps, totalSteps };
}

/** The default share of a warm-up–stable–decay schedule's updates that cool down. */
export const DEFAULT_DECAY_RATIO = 0.2;

export function learningRateAt(config: ScheduleConfig, step: number): number {
  if (!Number.isInteger(step) || step < 0) throw new Error(`learningRateAt: step must be a non-negative integer, got ${step}`);
  const warmup = config.warmupSteps ?? 0;
  switch (config.kind) {
    case 'constant':
      return config.peak * (step < warmup ? step / Math.max(1, warmup) : 1);
    case 'linear':
      if (step < warmup) return (config.peak * step) / Math.max(1, warmup);
      return config.peak * Math.max(0, (config.totalSteps - step) / Math.max(1, config.totalSteps - warmup));
    case 'cosine': {
      if (step < warmup) return (config.peak * step) / Math.max(1, warmup);
      const progress = (step - warmup) / Math.max(1, config.totalSteps - warmup);
      const cycles = config.cycles ?? 0.5;
      return config.peak * Math.max(0, 0.5 * (1 + Math.cos(Math.PI * cycles * 2 * progress)));
    }
    case 'inverse-sqrt': {
      if (step < warmup) return (config.peak * step) / Math.max(1, warmup);
      const timescale = config.timescale ?? (warmup > 0 ? warmup : 10_000);
      const shift = timescale - warmup;
      return config.peak / Math.sqrt((step + shift) / timescale);
    }
    case 'warmup-stable-decay': {
      if (step < warmup) return (config.peak * step) / Math.max(1, warmup);
      const decaySteps = Math.min(config.totalSteps - warmup, Math.round((config.decayRatio ?? DEFAULT_DECAY_RATIO) * config.totalSteps));
      const decayStart = config.totalSteps - decaySteps;
      if (step < decayStart) return config.peak;
      const progress = Math.min(1, (step - decayStart) / Math.max(1, decaySteps));
      return config.peak * (1 - Math.sqrt(progress));
    }
  }
}

export function checkSchedule(config: ScheduleConfig): void {
  const where = `schedule '${(config as { kind: string }).kind}'`;
  const kinds: readonly string[] = [...SCHEDULER_KINDS, 'inverse-sqrt'];
  if (!kinds.includes(config.kind)) {
    throw new Error(`unknown schedule kind '${(config as { kind: string }).kind}' (expected ${kinds.join(', ')})`);
  }
  if (!(config.peak >= 0)) throw new Error(`${where}: peak learning rate must be >= 0, got ${config.peak}`);
  const warmup = config.warmupSteps ?? 0;
  if (!Number.isInteger(warmup) || warmup < 0) throw new Error(`${where}: warmupSteps must be a non-negative integer, got ${warmup}`);
  if (config.kind === 'warmup-stable-decay' && config.decayRatio !== undefined && !(config.decayRatio >= 0 && config.decayRatio <= 1)) {
    throw new Error(`${where}: decayRatio must be in [0, 1], got ${config.decayRatio}`);
  }
  if ((config.kind === 'linear' || config.kind === 'cosine' || config.kind === 'warmup-stable-decay') && !(Number.isInteger(config.totalSteps) && config.totalSteps >= warmup)) {
    throw new Error(`${where}: totalSteps must be an integer >= warmupSteps, got ${config.totalSteps}`);
  }
}
