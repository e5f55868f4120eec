// Fine-tuning over several seeds (each seed draws its own head initialisation, dropout masks and data
// order): every run trains in OUTPUT/seed-S, the report goes to OUTPUT/seeds-report.{json,md}, and the
// best run's directory becomes OUTPUT/best.
// An interrupted multi-seed run resumes as a whole (`resume`): the seeds that finished are read back
// from their finetune_state.json, the interrupted one continues from its checkpoint (or starts over
// when it left none), the rest run; the report then covers every seed, as an uninterrupted run's would.
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFile } from '../../io/json-file.js';
import type { BertModelState } from '../../model/checkpoint.js';
import { latestCheckpoint } from '../engine/checkpoint-dir.js';
import { refuseToReplaceModel } from '../engine/output-dir.js';
import { FINETUNE_STATE_FILE, type FinetuneOptions, type FinetuneResult, finetune } from '../finetune.js';
import { type SeedRun, type SeedsReport, seedsReport, writeSeedsReport } from './seeds-report.js';

export interface MultiSeedOptions extends Omit<FinetuneOptions, 'model' | 'seed' | 'outputDir' | 'timeBudget' | 'resume'> {
  /** A fresh task model for each seed (its head initialised from that seed). */
  readonly model: (seed: number) => Promise<BertModelState>;
  readonly seeds: readonly number[];
  readonly outputDir: string;
  /**
   * Each run's training seconds (FinetuneOptions.timeBudget), or a function asked as each run starts
   * (run `index` of the seeds): a caller with a wall-clock budget shares out what is left.
   */
  readonly timeBudget?: number | ((index: number) => number);
  /** true: continue the interrupted multi-seed run in outputDir (see the file comment). */
  readonly resume?: boolean | string;
  readonly onRunStart?: (seed: number, index: number) => void;
  readonly onRunEnd?: (seed: number, result: FinetuneResult) => void;
  /** resume: a seed that had finished, read back instead of trained. */
  readonly onRunKept?: (seed: number, run: SeedRun) => void;
}

export type MultiSeedResult = {
  /** The runs trained by this call (a resumed run's earlier seeds are in the report only). */
  readonly results: ReadonlyMap<number, FinetuneResult>;
} & (
  | {
    readonly interrupted: false;
    readonly report: SeedsReport;
    /** OUTPUT/best. */
    readonly bestDir: string;
  }
  | {
    /** Stopped by the signal: no report and no OUTPUT/best yet; every run stays in OUTPUT/seed-S for `resume`. */
    readonly interrupted: true;
    /** Seeds whose runs finished, in order. */
    readonly finishedSeeds: readonly number[];
  }
);

export type CompletedMultiSeedResult = Extract<MultiSeedResult, { readonly interrupted: false }>;

export function seedDir(outputDir: string, seed: number): string {
  return join(outputDir, `seed-${seed}`);
}

export async function finetuneSeeds(options: MultiSeedOptions): Promise<MultiSeedResult> {
  const { seeds, outputDir } = options;
  if (seeds.length === 0 || new Set(seeds).size !== seeds.length) throw new Error(`finetuneSeeds: seeds must be distinct and at least one, got [${seeds.join(', ')}]`);
  if (options.dev === undefined) throw new Error('finetuneSeeds: a multi-seed run compares dev metrics; give it a dev set');
  const bestDir = join(outputDir, 'best');
  if (typeof options.resume === 'string') throw new Error(`finetuneSeeds: resume continues the run in outputDir (true), not the checkpoint ${options.resume}`);
  const resume = options.resume === true;
  // An earlier run's best model is replaced only when asked, and only once this run has its own;
  // a resumed run first puts its own best back among the seeds, to be ranked again.
  if (resume) returnBestToItsSeed(bestDir, outputDir, seeds);
  else if (options.overwriteOutputDir !== true) {
    const earlier = seeds.map((seed) => seedDir(outputDir, seed)).filter((dir) => existsSync(dir));
    if (earlier.length > 0) throw new Error(`${outputDir} holds runs of an earlier multi-seed run (${earlier.join(', ')}): continue it with --resume, or choose another output directory (or --overwrite-output-dir)`);
    refuseToReplaceModel(bestDir);
  }
  const { timeBudget, resume: _resume, ...runOptions } = options;
  const results = new Map<number, FinetuneResult>();
  const runs: SeedRun[] = [];
  for (const [index, seed] of seeds.entries()) {
    const dir = seedDir(outputDir, seed);
    const kept = resume ? finishedRun(dir, seed) : undefined;
    if (kept !== undefined) {
      runs.push(kept);
      options.onRunKept?.(seed, kept);
      continue;
    }
    options.onRunStart?.(seed, index);
    const seconds = typeof timeBudget === 'function' ? timeBudget(index) : timeBudget;
    // Resuming, a seed continues from its checkpoint, or starts over (its partial model is no result).
    const continuation = !resume ? {} : latestCheckpoint(dir) !== undefined ? { resume: true as const } : { overwriteOutputDir: true };
    const result = await finetune({
      ...runOptions, model: await options.model(seed), seed, outputDir: dir, ...continuation, ...(seconds === undefined ? {} : { timeBudget: seconds }),
    });
    results.set(seed, result);
    options.onRunEnd?.(seed, result);
    if (result.interrupted) return { interrupted: true, results, finishedSeeds: runs.map((run) => run.seed) };
    runs.push({
      seed, dir, metrics: result.bestMetrics ?? {}, bestStep: result.bestStep, stoppedEarly: result.stoppedEarly,
      ...(result.chance === undefined ? {} : { chance: result.chance }),
      ...(result.predictedClasses === undefined ? {} : { predictedClasses: result.predictedClasses }),
    });
  }
  const metric = options.metric ?? options.task.primaryMetric;
  const ranked = seedsReport(runs, metric);
  rmSync(bestDir, { recursive: true, force: true });
  renameSync(seedDir(outputDir, ranked.bestSeed), bestDir);
  const report = seedsReport(runs.map((run) => (run.seed === ranked.bestSeed ? { ...run, dir: bestDir } : run)), metric);
  writeSeedsReport(join(outputDir, 'seeds-report'), report);
  return { interrupted: false, report, results, bestDir };
}

/** What finetune_state.json records of a run (the fields a seeds report needs). */
interface RecordedRun {
  readonly seed?: unknown;
  readonly finished?: unknown;
  readonly best_step?: unknown;
  readonly best_metrics?: unknown;
  readonly stopped_early?: unknown;
  readonly chance?: unknown;
  readonly predicted_classes?: unknown;
}

function recordedRun(dir: string): RecordedRun | undefined {
  const path = join(dir, FINETUNE_STATE_FILE);
  if (!existsSync(path)) return undefined;
  const state = readJsonFile(path);
  if (state === null || typeof state !== 'object' || Array.isArray(state)) throw new Error(`${path}: expected a JSON object (bertkit's fine-tuning state)`);
  return state as RecordedRun;
}

/** The run in `dir` as the report needs it, when it finished (undefined when absent or interrupted). */
function finishedRun(dir: string, seed: number): SeedRun | undefined {
  const state = recordedRun(dir);
  if (state?.finished !== true) return undefined;
  const path = join(dir, FINETUNE_STATE_FILE);
  if (state.seed !== seed) throw new Error(`${path}: the run there is seed ${String(state.seed)}, not ${seed}`);
  if (typeof state.best_step !== 'number' || typeof state.best_metrics !== 'object' || state.best_metrics === null) {
    throw new Error(`${path}: a finished run needs best_step and best_metrics`);
  }
  // JSON writes non-finite metrics as null; they are NaN again here, as in the run that wrote them.
  const metrics = Object.fromEntries(Object.entries(state.best_metrics).map(([name, value]) => [name, typeof value === 'number' ? value : NaN]));
  return {
    seed, dir, metrics, bestStep: state.best_step, stoppedEarly: state.stopped_early === true,
    ...(typeof state.chance === 'number' ? { chance: state.chance } : {}),
    ...(typeof state.predicted_classes === 'number' ? { predictedClasses: state.predicted_classes } : {}),
  };
}

/** OUTPUT/best back to OUTPUT/seed-S, S the seed its finetune_state.json names (one of `seeds`). */
function returnBestToItsSeed(bestDir: string, outputDir: string, seeds: readonly number[]): void {
  const state = recordedRun(bestDir);
  if (state === undefined) return;
  const seed = state.seed;
  if (typeof seed !== 'number' || !seeds.includes(seed)) {
    throw new Error(`${bestDir}: its run (seed ${String(seed)}) is not one of this run's seeds [${seeds.join(', ')}]; resume with the seeds it was trained with`);
  }
  const target = seedDir(outputDir, seed);
  if (existsSync(target)) throw new Error(`${bestDir} and ${target} both hold seed ${seed}'s run; remove the one that is not wanted`);
  renameSync(bestDir, target);
}
