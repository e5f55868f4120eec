// Learning-rate schedules as in Hugging Face transformers' get_*_schedule_with_warmup. `step` is the
// 0-based index of the update about to be applied (HF calls scheduler.step() after optimizer.step(),
// so the first update uses step 0: with warmup its learning rate is 0).
// Schedules are plain data so they cross the worker boundary and go into checkpoints.

export type ScheduleConfig =
  | { readonly kind: 'constant'; readonly peak: number; readonly warmupSteps?: number }
  | { readonly kind: 'linear'; readonly peak: number; readonly warmupSteps: number; readonly totalSteps: number }
  | { readonly kind: 'cosine'; readonly peak: number; readonly warmupSteps: number; readonly totalSteps: number; readonly cycles?: number }
  | { readonly kind: 'inverse-sqrt'; readonly peak: number; readonly warmupSteps: number; readonly timescale?: number };

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
  }
}

export function checkSchedule(config: ScheduleConfig): void {
  const where = `schedule '${(config as { kind: string }).kind}'`;
  if (!['constant', 'linear', 'cosine', 'inverse-sqrt'].includes(config.kind)) {
    throw new Error(`unknown schedule kind '${(config as { kind: string }).kind}' (expected constant, linear, cosine or inverse-sqrt)`);
  }
  if (!(config.peak >= 0)) throw new Error(`${where}: peak learning rate must be >= 0, got ${config.peak}`);
  const warmup = config.warmupSteps ?? 0;
  if (!Number.isInteger(warmup) || warmup < 0) throw new Error(`${where}: warmupSteps must be a non-negative integer, got ${warmup}`);
  if ((config.kind === 'linear' || config.kind === 'cosine') && !(Number.isInteger(config.totalSteps) && config.totalSteps >= warmup)) {
    throw new Error(`${where}: totalSteps must be an integer >= warmupSteps, got ${config.totalSteps}`);
  }
}
