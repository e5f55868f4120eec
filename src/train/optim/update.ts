// One optimizer update from accumulated gradients: average over micro-batches, clip by global norm,
// take the scheduled learning rate, update in place. Configs are plain data so they cross the
// worker boundary and are stored in checkpoints.
import type { ParameterStore } from '../../runtime/parameters.js';
import { AdamW } from './adamw.js';
import { clipFactor, globalNorm } from './clip.js';
import { Lamb } from './lamb.js';
import type { AdamHyperparameters, MomentAllocator, Optimizer } from './optimizer.js';
import { type ScheduleConfig, checkSchedule, learningRateAt } from './schedules.js';

export type OptimizerConfig = ({ readonly kind: 'adamw' } | { readonly kind: 'lamb' }) & AdamHyperparameters;

export interface UpdateConfig {
  readonly optimizer: OptimizerConfig;
  readonly schedule: ScheduleConfig;
  /** Global gradient-norm limit (HF Trainer default 1.0); absent: no clipping. */
  readonly maxGradNorm?: number;
  /** Per-parameter learning-rate multipliers, e.g. layer-wise decay; absent names train at 1×. */
  readonly learningRateScales?: Readonly<Record<string, number>>;
}

export interface UpdateReport {
  readonly learningRate: number;
  /** Global norm of the averaged gradient, before clipping. */
  readonly gradNorm: number;
  readonly clipFactor: number;
}

export function createOptimizer(config: OptimizerConfig, allocate?: MomentAllocator): Optimizer {
  switch (config.kind) {
    case 'adamw': return new AdamW(config, allocate);
    case 'lamb': return new Lamb(config, allocate);
    default: throw new Error(`unknown optimizer kind '${(config as { kind: string }).kind}' (expected adamw or lamb)`);
  }
}

export function checkUpdateConfig(config: UpdateConfig): void {
  checkSchedule(config.schedule);
  if (config.maxGradNorm !== undefined && !(config.maxGradNorm > 0)) {
    throw new Error(`maxGradNorm must be > 0 when given, got ${config.maxGradNorm}`);
  }
  for (const [name, scale] of Object.entries(config.learningRateScales ?? {})) {
    if (!(scale >= 0 && Number.isFinite(scale))) throw new Error(`learningRateScales['${name}'] must be a finite number ≥ 0, got ${scale}`);
  }
}

/**
 * Applies update number `optimizer.step` (0-based) from gradients summed over `microBatches` runs.
 * `sumOfSquares` (of the summed gradients), when the caller already has it, saves a pass over them.
 */
export function applyUpdate(
  config: UpdateConfig, optimizer: Optimizer, params: ParameterStore, gradientSums: ReadonlyMap<string, Float32Array>, microBatches: number,
  sumOfSquares?: number,
): UpdateReport {
  const average = 1 / microBatches;
  const gradNorm = sumOfSquares === undefined ? globalNorm(gradientSums.values(), average) : Math.sqrt(sumOfSquares) * average;
  const factor = config.maxGradNorm === undefined ? 1 : clipFactor(gradNorm, config.maxGradNorm);
  const learningRate = learningRateAt(config.schedule, optimizer.step);
  optimizer.update(params, gradientSums, {
    learningRate, gradScale: average * factor, ...(config.learningRateScales ? { learningRateScales: config.learningRateScales } : {}),
  });
  return { learningRate, gradNorm, clipFactor: factor };
}
