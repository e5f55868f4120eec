// The one training run. Pretraining, fine-tuning and every later objective are an Objective
// plugged into it; the run owns what they have in common:
//   resume      OUTPUT/checkpoint-STEP (latest, or the one named), refused when the run's identity
//               (what fixes the data order and the schedule) differs from the checkpoint's
//   worker      one TrainStep in a worker thread (weights, moments, dropout Rng), restored on resume
//   the loop    update k runs in the worker while this thread draws update k + 1's micro-batches
//   log         OUTPUT/log.jsonl, one JSON object per update or evaluation, cut back on resume
//   checkpoints every saveSteps updates and when interrupted, written atomically
//   lifetime    the objective's evaluators are created after the worker and disposed with it
//   budget      with a time budget, the total of updates (and the schedule's end) is fixed from measured
//               step times and kept in checkpoints (time-budget.ts)
//   output      an OUTPUT that holds a model is replaced only when asked (overwriteOutputDir) or when
//               resuming; temporaries of killed runs there are removed at the start (output-dir.ts)
//
// Exact resumption: the TrainStep state and the data position recorded right after the
// checkpointed update's batches were drawn together determine every later update, so a resumed
// run recomputes an uninterrupted run's losses bit for bit (ORT's kernels are deterministic for a
// fixed thread count).
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BertHeads } from '../../model/architecture.js';
import { removeStaleTemporaries } from '../../io/atomic-directory.js';
import { saveBert } from '../../model/checkpoint.js';
import type { BertConfig } from '../../model/config.js';
import type { SentenceEmbeddingLayout } from '../../model/sentence-transformers.js';
import { ParameterStore } from '../../runtime/parameters.js';
import type { TrainProgram } from '../../runtime/train-program.js';
import type { BertTokenizer } from '../../tokenizer/bert-tokenizer.js';
import type { UpdateConfig } from '../optim/update.js';
import { type TrainerState, latestCheckpoint, readTrainStepState, readTrainerState, saveCheckpoint } from './checkpoint-dir.js';
import { checkOutputDir } from './output-dir.js';
import type { Batch, StepResult } from './train-step.js';
import { type EvalLogEntry, type LogEntry, type TrainLogEntry, TrainingLog } from './training-log.js';
import { TrainWorker } from './worker-client.js';
import { type TimeBudget, TimeBudgetPlanner, scheduleEndingAt } from './time-budget.js';
import type { ScheduleConfig } from '../optim/schedules.js';

export type Weights = Readonly<Record<string, Float32Array>>;

/** One update's micro-batches, drawn ahead of time. */
export interface DrawnUpdate {
  readonly batches: Batch[];
  /** Sequences (or task features) and tokens (padding included) in the batches. */
  readonly examples: number;
  readonly tokens: number;
  /** The data position after drawing, saved with a checkpoint of this update (JSON). */
  readonly position?: unknown;
  /** Fields the objective adds to the update's log entry (e.g. epoch). */
  readonly logFields?: Readonly<Record<string, number>>;
}

/** What the run hands the objective after each update. */
export interface RunContext {
  /** Updates done, this one included. */
  readonly step: number;
  /** The run's total of updates: the objective's, or what a time budget fitted (it may change after any update). */
  readonly totalSteps: number;
  /** A copy of the current weights. */
  weights(): Promise<Weights>;
  /** Writes the model directory (config, weights, tokenizer) into OUTPUT. */
  saveModel(weights: Weights): void;
  /** Appends an evaluation to the log. */
  logEval(entry: EvalLogEntry): void;
  /** The log so far (a resumed run's earlier entries included). */
  readLog(): LogEntry[];
}

export interface Objective {
  /** The loss to minimise and its gradients. */
  readonly program: TrainProgram;
  readonly totalSteps: number;
  /** What must not change for a resumed run to continue the same data and schedule (snake_case keys, as the flags). */
  readonly identity: Readonly<Record<string, unknown>>;
  /** Creates evaluators (called once the worker runs, so both never start unless both can). */
  open?(threads: number | undefined): Promise<void>;
  /** Continues from a checkpoint's run state (what checkpointState returned then). */
  resume(state: unknown, dir: string): void;
  /** Update `index`'s micro-batches (0-based; called in order, one update ahead, while the previous update trains). */
  draw(index: number): DrawnUpdate | Promise<DrawnUpdate>;
  /** After each update: evaluate, keep the best, decide to stop early (returns true to stop). */
  afterStep(context: RunContext, update: DrawnUpdate): Promise<boolean>;
  /** The run state a checkpoint taken after `update` records. */
  checkpointState(update: DrawnUpdate): unknown;
  /**
   * Writes a checkpoint's model when the program trains more than the run's model holds (ELECTRA's
   * generator beside its discriminator): config.json and a model.safetensors with every parameter.
   */
  writeCheckpointModel?(dir: string, parameters: ParameterStore): void;
  /** After the last update, or after an interruption: final evaluation, saves, the curve picture of the log. */
  finish(context: RunContext, interrupted: boolean): Promise<void>;
  dispose?(): Promise<void>;
}

export interface TrainingRunOptions {
  readonly objective: Objective;
  /**
   * Changes the objective before the run starts: distillation (compress/distill-objective.ts) keeps
   * the fine-tuning or pretraining objective's data, evaluation and saves, swaps in its own loss and
   * adds the teacher's outputs to every batch.
   */
  readonly transformObjective?: (objective: Objective) => Objective;
  /** Saved with the weights in every checkpoint and model directory. */
  readonly model: { readonly config: BertConfig; readonly heads: BertHeads; readonly tokenizer?: BertTokenizer; readonly sentenceEmbedding?: SentenceEmbeddingLayout };
  /** Initial weights (ignored when resuming); their buffers move to the training worker. */
  readonly parameters: ParameterStore;
  readonly update: UpdateConfig;
  /** Seeds the dropout Rng. */
  readonly seed: number;
  readonly threads?: number;
  /** Checkpoints, log.jsonl and the model go here. */
  readonly outputDir: string;
  /** Checkpoint every N updates, and when interrupted (0 or absent: never). */
  readonly saveSteps?: number;
  /** Delete older checkpoints when a new one is written (fine-tuning keeps only the latest). */
  readonly keepLatestCheckpointOnly?: boolean;
  /** A checkpoint directory, or true for the latest in outputDir. */
  readonly resume?: string | true;
  /** Train into an outputDir that already holds a model, replacing it (transformers' overwrite_output_dir). */
  readonly overwriteOutputDir?: boolean;
  /** Recorded in the checkpoint's trainer state. */
  readonly settings?: Readonly<Record<string, unknown>>;
  /** Fit the number of updates (objective.totalSteps is then the upper bound) and the schedule to this much training time. */
  readonly timeBudget?: TimeBudget;
  /** The time budget fixed the run's total of updates. */
  readonly onTimeBudget?: (plan: { totalSteps: number; secondsPerStep: number }) => void;
  /** Stops after the current update (with a checkpoint when saveSteps is set). */
  readonly signal?: AbortSignal;
  /** After each update, with the run's total of updates (a time budget may change it). */
  readonly onStep?: (entry: TrainLogEntry, totalSteps: number) => void;
  readonly onCheckpoint?: (dir: string) => void;
}

export interface TrainingRunResult {
  /** The update count reached, and the one the run started from (0, or the resumed checkpoint's). */
  readonly step: number;
  readonly startStep: number;
  /** This run's training losses, one per update. */
  readonly losses: readonly number[];
  readonly interrupted: boolean;
  /** The objective asked to stop (early stopping). */
  readonly stopped: boolean;
  /** Per second of training time (evaluation excluded). */
  readonly examplesPerSecond: number;
  readonly tokensPerSecond: number;
}

export async function runTraining(options: TrainingRunOptions): Promise<TrainingRunResult> {
  const { model, outputDir } = options;
  const objective = options.transformObjective?.(options.objective) ?? options.objective;
  const { program } = objective;
  let totalSteps = objective.totalSteps;
  mkdirSync(outputDir, { recursive: true });
  // Before looking for checkpoints: a checkpoint moved aside by a killed run is put back first.
  removeStaleTemporaries(outputDir);
  checkOutputDir(outputDir, { resume: options.resume !== undefined, overwrite: options.overwriteOutputDir === true });
  const latest = latestCheckpoint(outputDir);
  const resumeDir = options.resume === true ? latest : options.resume;
  if (options.resume === true && resumeDir === undefined) throw new Error(`--resume: ${outputDir} holds no checkpoint-STEP directory with a bertkit_trainer_state.json`);
  if (resumeDir !== undefined && !existsSync(resumeDir)) throw new Error(`--resume: ${resumeDir} does not exist`);
  // The identity first: a checkpoint of another objective (ELECTRA's, say) is refused by name, not for a missing tensor.
  if (resumeDir !== undefined) checkIdentity(readTrainerState(resumeDir), objective.identity, resumeDir);
  const saved = resumeDir === undefined ? undefined : readTrainStepState(resumeDir, program.parameters);
  const budget = options.timeBudget === undefined ? undefined : new TimeBudgetPlanner(options.timeBudget, totalSteps, saved?.trainer.global_step ?? 0, saved?.trainer.settings);
  totalSteps = budget?.totalSteps ?? totalSteps;
  if (saved !== undefined) {
    if (saved.trainer.global_step > totalSteps) throw new Error(`--resume: ${resumeDir} is at step ${saved.trainer.global_step}, past the run's ${totalSteps} updates`);
    objective.resume(saved.trainer.data, resumeDir!);
  }
  const log = new TrainingLog(join(outputDir, 'log.jsonl'));
  log.truncateAfter(saved?.trainer.global_step ?? -1);

  const threads = options.threads;
  const worker = await TrainWorker.create(program, options.parameters, { update: options.update, seed: options.seed, ...(threads === undefined ? {} : { threads }) });
  try {
    await objective.open?.(threads);
    let step = 0;
    if (saved !== undefined) {
      await worker.restore(saved.train);
      step = saved.trainer.global_step;
    }
    const fittedSchedule = (): ScheduleConfig => scheduleEndingAt(options.update.schedule, totalSteps, options.timeBudget?.warmupRatio);
    if (budget?.fixed) await worker.setSchedule(fittedSchedule());
    const startStep = step;
    const context = (): RunContext => ({
      step, totalSteps,
      weights: () => worker.parameters(),
      saveModel: (weights) => saveModel(outputDir, model, program, weights),
      logEval: (entry) => log.append(entry),
      readLog: () => log.read(),
    });
    const saveCheckpointNow = async (update: DrawnUpdate): Promise<void> => {
      const dir = saveCheckpoint(outputDir, {
        config: model.config, heads: model.heads, parameters: program.parameters, train: await worker.state(),
        data: objective.checkpointState(update), identity: objective.identity,
        settings: { ...options.settings, ...budget?.record(trainingSeconds()) },
        ...(model.tokenizer ? { tokenizer: model.tokenizer } : {}),
        ...(objective.writeCheckpointModel ? { writeModel: (dir: string, parameters: ParameterStore) => objective.writeCheckpointModel!(dir, parameters) } : {}),
      });
      if (options.keepLatestCheckpointOnly) {
        for (const entry of readdirSync(outputDir)) {
          if (/^checkpoint-\d+$/.test(entry) && join(outputDir, entry) !== dir) rmSync(join(outputDir, entry), { recursive: true, force: true });
        }
      }
      options.onCheckpoint?.(dir);
    };

    const losses: number[] = [];
    const started = performance.now();
    let examplesDone = 0, tokensDone = 0, outsideTrainingMs = 0, interrupted = false, stopped = false;
    const trainingSeconds = (): number => Math.max((performance.now() - started - outsideTrainingMs) / 1000, 0);
    let next = step < totalSteps ? await objective.draw(step) : undefined;
    while (next !== undefined) {
      const current = next;
      const running: Promise<StepResult> = worker.step(current.batches);
      try {
        next = step + 1 < totalSteps && !options.signal?.aborted ? await objective.draw(step + 1) : undefined;
      } catch (error) {
        await running.catch(() => {}); // the step's own failure would otherwise be an unhandled rejection
        throw error;
      }
      const result = await running;
      step = result.step;
      losses.push(result.loss);
      examplesDone += current.examples;
      tokensDone += current.tokens;
      const elapsed = (performance.now() - started) / 1000;
      const trainSeconds = Math.max(elapsed - outsideTrainingMs / 1000, 1e-9);
      // The fit comes first, so an update the budget makes the last is the last for the step's
      // listeners and the objective too (fine-tuning evaluates there); the last planned update stays
      // the last (the next update was not drawn).
      const plan = step < totalSteps ? budget?.afterStep(step, trainSeconds) : undefined;
      if (plan !== undefined) {
        totalSteps = plan.totalSteps;
        await worker.setSchedule(fittedSchedule());
        options.onTimeBudget?.(plan);
        if (step >= totalSteps) next = undefined;
      }
      const entry: TrainLogEntry = {
        kind: 'train', step, ...current.logFields, loss: result.loss, ...result.metrics, learning_rate: result.learningRate, grad_norm: result.gradNorm,
        examples_per_second: examplesDone / trainSeconds, tokens_per_second: tokensDone / trainSeconds, elapsed_s: elapsed,
      };
      log.append(entry);
      options.onStep?.(entry, totalSteps);
      const evaluationStarted = performance.now();
      stopped = await objective.afterStep(context(), current);
      outsideTrainingMs += performance.now() - evaluationStarted;
      interrupted = !stopped && options.signal?.aborted === true && step < totalSteps;
      if (options.saveSteps && (step % options.saveSteps === 0 || interrupted)) await saveCheckpointNow(current);
      if (stopped || interrupted) next = undefined;
    }
    await objective.finish(context(), interrupted);
    const trainSeconds = Math.max((performance.now() - started - outsideTrainingMs) / 1000, 1e-9);
    return { step, startStep, losses, interrupted, stopped, examplesPerSecond: examplesDone / trainSeconds, tokensPerSecond: tokensDone / trainSeconds };
  } finally {
    await objective.dispose?.();
    await worker.close();
  }
}

/** Refuses a checkpoint whose run identity differs from this run's, naming the first difference. */
export function checkIdentity(trainer: TrainerState, identity: Readonly<Record<string, unknown>>, dir: string): void {
  const saved = trainer.identity ?? {};
  for (const [key, value] of Object.entries(identity)) {
    if (saved[key] !== undefined && saved[key] !== value) {
      throw new Error(`--resume: ${dir} was trained with ${key} = ${JSON.stringify(saved[key])}, this run asks for ${JSON.stringify(value)} (--${key.replaceAll('_', '-')}); resuming needs the same data and schedule`);
    }
  }
}

function saveModel(outputDir: string, model: TrainingRunOptions['model'], program: TrainProgram, weights: Weights): void {
  const store = new ParameterStore();
  for (const { name, shape } of program.parameters) {
    const data = weights[name];
    if (data === undefined) throw new Error(`runTraining: the trained weights lack parameter '${name}'`);
    store.add(name, shape, data);
  }
  saveBert(outputDir, { config: model.config, heads: model.heads, parameters: store }, {
    ...(model.tokenizer ? { tokenizer: model.tokenizer } : {}),
    ...(model.sentenceEmbedding ? { sentenceEmbedding: model.sentenceEmbedding } : {}),
  });
}
