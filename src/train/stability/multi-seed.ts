// Fine-tuning over several seeds (each seed draws its own head initialisation, dropout masks and data
// order): every run trains in OUTPUT/seed-S, the report goes to OUTPUT/seeds-report.{json,md}, and the
// best run's directory becomes OUTPUT/best.
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BertModelState } from '../../model/checkpoint.js';
import { refuseToReplaceModel } from '../engine/output-dir.js';
import { type FinetuneOptions, type FinetuneResult, finetune } from '../finetune.js';
import { type SeedRun, type SeedsReport, seedsReport, writeSeedsReport } from './seeds-report.js';

export interface MultiSeedOptions extends Omit<FinetuneOptions, 'model' | 'seed' | 'outputDir' | 'timeBudget'> {
  /** A fresh task model for each seed (its head initialised from that seed). */
  readonly model: (seed: number) => Promise<BertModelState>;
  readonly seeds: readonly number[];
  readonly outputDir: string;
  /**
   * Each run's training seconds (FinetuneOptions.timeBudget), or a function asked as each run starts
   * (run `index` of the seeds): a caller with a wall-clock budget shares out what is left.
   */
  readonly timeBudget?: number | ((index: number) => number);
  readonly onRunStart?: (seed: number, index: number) => void;
  readonly onRunEnd?: (seed: number, result: FinetuneResult) => void;
}

export interface MultiSeedResult {
  readonly report: SeedsReport;
  readonly results: ReadonlyMap<number, FinetuneResult>;
  /** OUTPUT/best. */
  readonly bestDir: string;
}

export function seedDir(outputDir: string, seed: number): string {
  return join(outputDir, `seed-${seed}`);
}

export async function finetuneSeeds(options: MultiSeedOptions): Promise<MultiSeedResult> {
  const { seeds, outputDir } = options;
  if (seeds.length === 0 || new Set(seeds).size !== seeds.length) throw new Error(`finetuneSeeds: seeds must be distinct and at least one, got [${seeds.join(', ')}]`);
  if (options.dev === undefined) throw new Error('finetuneSeeds: a multi-seed run compares dev metrics; give it a dev set');
  const bestDir = join(outputDir, 'best');
  // An earlier run's best model is replaced only when asked, and only once this run has its own.
  if (options.overwriteOutputDir !== true) refuseToReplaceModel(bestDir);
  const { timeBudget, ...runOptions } = options;
  const results = new Map<number, FinetuneResult>();
  const runs: SeedRun[] = [];
  for (const [index, seed] of seeds.entries()) {
    options.onRunStart?.(seed, index);
    const dir = seedDir(outputDir, seed);
    const seconds = typeof timeBudget === 'function' ? timeBudget(index) : timeBudget;
    const result = await finetune({ ...runOptions, model: await options.model(seed), seed, outputDir: dir, ...(seconds === undefined ? {} : { timeBudget: seconds }) });
    results.set(seed, result);
    runs.push({
      seed, dir, metrics: result.bestMetrics ?? {}, bestStep: result.bestStep, stoppedEarly: result.stoppedEarly,
      ...(result.chance === undefined ? {} : { chance: result.chance }),
      ...(result.predictedClasses === undefined ? {} : { predictedClasses: result.predictedClasses }),
    });
    options.onRunEnd?.(seed, result);
    if (result.interrupted) break;
  }
  const metric = options.metric ?? options.task.primaryMetric;
  const ranked = seedsReport(runs, metric);
  const winner = seedDir(outputDir, ranked.bestSeed);
  if (existsSync(winner)) {
    rmSync(bestDir, { recursive: true, force: true });
    renameSync(winner, bestDir);
  }
  const report = seedsReport(runs.map((run) => (run.seed === ranked.bestSeed ? { ...run, dir: bestDir } : run)), metric);
  writeSeedsReport(join(outputDir, 'seeds-report'), report);
  return { report, results, bestDir };
}
