// Fine-tuning as an objective of the one training run (engine/run.ts): a task model trained on
// shuffled, dynamically padded batches of task features, scored on the dev set every epoch (or every
// N updates) with a forward-only graph; the best checkpoint by the chosen dev metric is kept (saved
// as an HF directory in the output folder), and training stops early after `patience` evaluations
// without improvement.
//
// Defaults follow Mosbach et al. 2021 ("On the Stability of Fine-tuning BERT"): bias-corrected AdamW,
// lr 2e-5, linear warmup over the first 10% of updates then linear decay, weight decay 0.01, gradient
// clipping at 1.0, and more epochs on small data sets with early stopping doing the cutting.
import { join } from 'node:path';
import type { TaskData, TaskOutputs, TaskSpec } from '../data/tasks/task.js';
import { taskDataHash } from '../data/tasks/task-data-hash.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import type { BertModelState } from '../model/checkpoint.js';
import type { Pooling } from '../model/pooling.js';
import { withDropout } from '../model/config.js';
import type { BertTokenizer } from '../tokenizer/bert-tokenizer.js';
import { type Objective, type RunContext, type TrainingRunOptions, runTraining } from './engine/run.js';
import type { EvalLogEntry, TrainLogEntry } from './engine/training-log.js';
import { type Feeds, epochBatches, featureTrainingFeeds, lengthGroupedEpochBatches } from './finetune-batches.js';
import { writeFinetuneCurve } from './finetune-curve.js';
import { TaskPredictor, taskLoss } from './finetune-evaluate.js';
import { buildFinetuneProgram } from './finetune-loss.js';
import type { UpdateConfig } from './optim/update.js';
import { type SchedulerKind, scheduleOf } from './optim/schedules.js';
import { chanceLevel, constantOutputs } from './stability/chance.js';
import { layerwiseLearningRateScales } from './stability/layerwise-lr.js';
import { reinitializeTopLayers } from './stability/reinit.js';
import { lowerIsBetter } from './stability/seeds-report.js';

/** Mosbach et al. 2021's recipe; epochs: 20 below SMALL_DATA_SET examples, else 3. */
export const FINETUNE_DEFAULTS = {
  learningRate: 2e-5,
  warmupRatio: 0.1,
  weightDecay: 0.01,
  maxGradNorm: 1.0,
  adamEpsilon: 1e-8,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  batchSize: 32,
  smallDataEpochs: 20,
  largeDataEpochs: 3,
  patience: 5,
} as const;
export const SMALL_DATA_SET = 10_000;

export function defaultEpochs(trainExamples: number): number {
  return trainExamples < SMALL_DATA_SET ? FINETUNE_DEFAULTS.smallDataEpochs : FINETUNE_DEFAULTS.largeDataEpochs;
}

export interface FinetuneOptions {
  readonly task: TaskSpec;
  readonly train: TaskData;
  /** Scored during training; without it the final model is kept. */
  readonly dev?: TaskData;
  /** The task model (see prepareFinetuneModel); its parameter buffers move to the training worker. */
  readonly model: BertModelState;
  /** Saved with the model. */
  readonly tokenizer?: BertTokenizer;
  /** Tokens per text the features were encoded at: a similarity model records it for sentence-transformers (default: the model's positions). */
  readonly maxSeqLength?: number;
  /** similarity: how a text's token states become its embedding (default mean). */
  readonly pooling?: Pooling;
  /** The best model, log.jsonl, training_curve.svg, eval_results.json and finetune_state.json go here. */
  readonly outputDir: string;
  readonly seed: number;
  /** Default: defaultEpochs(train examples). */
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly gradientAccumulationSteps?: number;
  /** Batch features of similar length together (less padding; HF's group_by_length). Default false. */
  readonly groupByLength?: boolean;
  readonly learningRate?: number;
  readonly warmupRatio?: number;
  readonly weightDecay?: number;
  readonly maxGradNorm?: number;
  readonly adamEpsilon?: number;
  readonly adamBeta1?: number;
  readonly adamBeta2?: number;
  readonly scheduler?: SchedulerKind;
  /** Evaluate every N updates; absent or 0: at the end of every epoch. Either way also after the last update (one a time budget ends early too). */
  readonly evalSteps?: number;
  /** Stop after this many evaluations without improvement (absent: never stop early). */
  readonly patience?: number;
  /** Dev metric that picks the best checkpoint (default task.primaryMetric; 'loss' = dev loss, lower is better). */
  readonly metric?: string;
  /** Weighted cross-entropy, one weight per label. */
  readonly classWeights?: readonly number[];
  /** Re-initialise the top k encoder layers and the pooler (seeded by `seed`). */
  readonly reinitLayers?: number;
  /** Layer-wise learning-rate decay factor (1 = none). */
  readonly layerLrDecay?: number;
  readonly evalBatchSize?: number;
  readonly threads?: number;
  /** Write OUTPUT/checkpoint-STEP (weights, AdamW moments, Rng, run state) every N updates, and when interrupted; only the latest is kept. */
  readonly saveSteps?: number;
  /** A checkpoint directory, or true for the latest in outputDir: continues that run exactly. */
  readonly resume?: string | true;
  /** Train into an outputDir that already holds a model (the one being fine-tuned, say), replacing it. */
  readonly overwriteOutputDir?: boolean;
  /** Recorded in finetune_state.json (e.g. the command-line options, for evaluate/predict). */
  readonly settings?: Readonly<Record<string, unknown>>;
  /**
   * Seconds of training (evaluation excluded): the run times its first updates, then fits the number
   * of updates (at most `epochs`' worth) and the schedule's end to the budget (engine/time-budget.ts);
   * the dev set is scored after the last update as after an epoch.
   */
  readonly timeBudget?: number;
  /**
   * Hidden and attention dropout of the run and of the saved model's config (default: the model's):
   * a model pretrained without dropout (Cramming's recipe) is usually fine-tuned with 0.1.
   */
  readonly dropout?: number;
  /** Stops after the current update; the best model so far stays saved. */
  readonly signal?: AbortSignal;
  /** Another loss on the same data, evaluation and saves (distillation; see TrainingRunOptions). */
  readonly transformObjective?: TrainingRunOptions['transformObjective'];
  /** After each update, with the run's total of updates (a time budget may change it). */
  readonly onStep?: (entry: FinetuneTrainEntry, totalSteps: number) => void;
  readonly onEval?: (entry: FinetuneEvalEntry) => void;
}

/** An update in log.jsonl (`epoch`: epochs done, fractional). */
export type FinetuneTrainEntry = TrainLogEntry;

/** A dev-set evaluation in log.jsonl. */
export interface FinetuneEvalEntry extends EvalLogEntry {
  readonly epoch: number;
  /** The dev metrics, `loss` included. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly improved: boolean;
}

export interface FinetuneResult {
  readonly steps: number;
  readonly totalSteps: number;
  readonly metric: string;
  /** Dev metrics of the best checkpoint (absent without a dev set). */
  readonly bestMetrics?: Readonly<Record<string, number>>;
  readonly bestStep: number;
  readonly evaluations: readonly FinetuneEvalEntry[];
  readonly stoppedEarly: boolean;
  readonly interrupted: boolean;
  /** Training features per second of training time (evaluation excluded). */
  readonly examplesPerSecond: number;
  readonly trainLosses: readonly number[];
  /** The metric of a constant predictor on the dev set. */
  readonly chance?: number;
  /** Distinct classes the best checkpoint predicts on the dev set (single-label classification). */
  readonly predictedClasses?: number;
  /** Parameters re-initialised by reinitLayers. */
  readonly reinitialized: readonly string[];
}

export const FINETUNE_STATE_FILE = 'finetune_state.json';

export async function finetune(options: FinetuneOptions): Promise<FinetuneResult> {
  const { task, train, dev, model, outputDir, seed } = options;
  if (train.features.length === 0) throw new Error('finetune: the training data has no examples');
  if (dev !== undefined && dev.features.length === 0) throw new Error('finetune: the dev data has no examples');
  if (train.kind !== task.kind || (dev !== undefined && dev.kind !== task.kind)) throw new Error(`finetune: the data's task (${train.kind}) is not the task being trained (${task.kind})`);
  const batchSize = options.batchSize ?? FINETUNE_DEFAULTS.batchSize;
  const accumulation = options.gradientAccumulationSteps ?? 1;
  const epochs = options.epochs ?? defaultEpochs(train.examples.length);
  for (const [name, value] of [['batchSize', batchSize], ['gradientAccumulationSteps', accumulation], ['epochs', epochs]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`finetune: ${name} must be a positive integer, got ${value}`);
  }
  if (options.patience !== undefined && (!Number.isInteger(options.patience) || options.patience < 1)) throw new Error(`finetune: patience must be a positive integer, got ${options.patience}`);
  const metric = options.metric ?? task.primaryMetric;
  const lowerBetter = lowerIsBetter(metric);
  const config = withDropout(model.config, options.dropout);

  const reinitialized = options.reinitLayers
    ? reinitializeTopLayers(model.parameters, { numLayers: config.num_hidden_layers, k: options.reinitLayers, seed, initializerRange: config.initializer_range })
    : [];
  const similarity = task.kind === 'similarity' ? options.pooling ?? 'mean' : undefined;
  const program = buildFinetuneProgram(config, model.heads, { ...(options.classWeights ? { classWeights: options.classWeights } : {}), ...(similarity ? { similarity } : {}) });
  const batchesPerEpoch = Math.ceil(train.features.length / batchSize);
  const updatesPerEpoch = Math.ceil(batchesPerEpoch / accumulation);
  const totalSteps = epochs * updatesPerEpoch;
  /** The updates the run makes: totalSteps, or what a time budget fitted (the run's context says). */
  let plannedSteps = totalSteps;
  const peak = options.learningRate ?? FINETUNE_DEFAULTS.learningRate;
  const warmupRatio = options.warmupRatio ?? FINETUNE_DEFAULTS.warmupRatio;
  const warmupSteps = Math.round(warmupRatio * totalSteps);
  const update: UpdateConfig = {
    optimizer: {
      kind: 'adamw',
      weightDecay: options.weightDecay ?? FINETUNE_DEFAULTS.weightDecay,
      epsilon: options.adamEpsilon ?? FINETUNE_DEFAULTS.adamEpsilon,
      beta1: options.adamBeta1 ?? FINETUNE_DEFAULTS.adamBeta1,
      beta2: options.adamBeta2 ?? FINETUNE_DEFAULTS.adamBeta2,
    },
    schedule: scheduleOf(options.scheduler ?? 'linear', peak, warmupSteps, totalSteps),
    maxGradNorm: options.maxGradNorm ?? FINETUNE_DEFAULTS.maxGradNorm,
    ...(options.layerLrDecay !== undefined && options.layerLrDecay !== 1
      ? { learningRateScales: layerwiseLearningRateScales(model.parameters.names, config.num_hidden_layers, options.layerLrDecay) }
      : {}),
  };
  if (dev !== undefined) {
    // Fail now rather than after the first epoch: the metrics the task reports, on constant outputs.
    const available = [...Object.keys(task.evaluate(dev, constantOutputs(train, dev))), 'loss'];
    if (!available.includes(metric)) throw new Error(`finetune: the ${task.kind} task has no metric '${metric}' (it reports ${available.join(', ')})`);
  }
  const chance = dev === undefined ? undefined : chanceLevel(task, train, dev, metric);

  // The updates in order: each is `accumulation` micro-batches of one epoch's shuffled order.
  const groupByLength = options.groupByLength === true;
  const plan: { epoch: number; update: number; micro: number[][] }[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const batches = groupByLength
      ? lengthGroupedEpochBatches(train.features.map((feature) => feature.inputIds.length), batchSize, seed, epoch)
      : epochBatches(train.features.length, batchSize, seed, epoch);
    for (let u = 0; u < updatesPerEpoch; u++) plan.push({ epoch, update: u, micro: batches.slice(u * accumulation, (u + 1) * accumulation) });
  }
  const padId = config.pad_token_id;

  let predictor: TaskPredictor | undefined;
  // The run state a checkpoint carries; `steps`, `stoppedEarly` and `finished` are for finetune_state.json.
  const state: ResumeState & { steps: number; stoppedEarly: boolean; finished: boolean } = { best: undefined, sinceImprovement: 0, evaluations: [], steps: 0, stoppedEarly: false, finished: false };
  const writeState = (): void => {
    const { best, steps } = state;
    const written = {
      task: task.kind, metric, best_step: best?.step ?? steps, best_metrics: best?.metrics ?? null, steps, total_steps: plannedSteps,
      stopped_early: state.stoppedEarly, finished: state.finished, chance: chance ?? null, predicted_classes: best?.predictedClasses ?? null,
      seed, labels: train.labels, evaluations: state.evaluations, settings: options.settings ?? {},
    };
    writeFileAtomic(join(outputDir, FINETUNE_STATE_FILE), Buffer.from(`${JSON.stringify(written, null, 2)}\n`, 'utf8'));
  };
  const evaluate = async (context: RunContext, epoch: number): Promise<void> => {
    const weights = await context.weights();
    const outputs = await predictor!.predict(weights, dev!.features, options.evalBatchSize === undefined ? {} : { batchSize: options.evalBatchSize });
    const metrics: Record<string, number> = { ...task.evaluate(dev!, outputs), loss: taskLoss(dev!, outputs) };
    const improved = state.best === undefined || isBetter(metrics, state.best.metrics, metric, lowerBetter);
    const entry: FinetuneEvalEntry = { kind: 'eval', step: context.step, epoch, metrics, improved };
    state.evaluations.push(entry);
    context.logEval(entry);
    if (improved) {
      const predictedClasses = distinctPredictions(dev!, outputs);
      state.best = { metrics, step: context.step, ...(predictedClasses === undefined ? {} : { predictedClasses }) };
      state.sinceImprovement = 0;
      context.saveModel(weights);
    } else {
      state.sinceImprovement++;
      if (options.patience !== undefined && state.sinceImprovement >= options.patience) state.stoppedEarly = true;
    }
    writeState();
    options.onEval?.(entry);
  };

  const objective: Objective = {
    program,
    totalSteps,
    identity: {
      epochs, batch_size: batchSize, gradient_accumulation_steps: accumulation, seed, train_features: train.features.length,
      // Named after --train, which checkIdentity's message names: the content, not only the count, must match.
      train: `sha256:${taskDataHash(train).slice(0, 16)}`,
      total_steps: totalSteps, metric, group_by_length: groupByLength,
    },
    open: async (threads) => {
      if (dev !== undefined) predictor = await TaskPredictor.create(config, model.heads, { ...(threads === undefined ? {} : { threads }), ...(similarity ? { similarity } : {}) });
    },
    resume: (saved, dir) => Object.assign(state, resumedRun(saved, dir)),
    draw: (index) => {
      const { epoch, update, micro } = plan[index]!;
      const batches = micro.map((indices): Feeds => featureTrainingFeeds(train, indices, padId));
      const examples = micro.reduce((sum, indices) => sum + indices.length, 0);
      const tokens = batches.reduce((sum, feeds) => sum + feeds.input_ids!.data.length, 0);
      return { batches, examples, tokens, logFields: { epoch: epoch + (update + 1) / updatesPerEpoch } };
    },
    afterStep: async (context) => {
      state.steps = context.step;
      plannedSteps = context.totalSteps;
      const { epoch, update } = plan[context.step - 1]!;
      const last = context.step === context.totalSteps;
      const evalNow = options.evalSteps ? context.step % options.evalSteps === 0 || last : update === updatesPerEpoch - 1 || last;
      if (dev !== undefined && evalNow) await evaluate(context, epoch + 1);
      return state.stoppedEarly;
    },
    checkpointState: (): ResumeState => ({ best: state.best, sinceImprovement: state.sinceImprovement, evaluations: state.evaluations }),
    finish: async (context, interrupted) => {
      state.steps = context.step;
      state.finished = !interrupted;
      plannedSteps = context.totalSteps;
      if (dev === undefined) context.saveModel(await context.weights());
      writeState();
      const { best } = state;
      if (best !== undefined) writeFileAtomic(join(outputDir, 'eval_results.json'), Buffer.from(`${JSON.stringify({ step: best.step, ...best.metrics }, null, 2)}\n`, 'utf8'));
      const trainPoints = context.readLog().filter((entry) => entry.kind === 'train').map(({ step, loss }) => ({ step, loss }));
      writeFinetuneCurve(join(outputDir, 'training_curve.svg'), metric, trainPoints, state.evaluations);
    },
    dispose: async () => predictor?.dispose(),
  };
  const run = await runTraining({
    objective,
    model: {
      config, heads: model.heads, ...(options.tokenizer ? { tokenizer: options.tokenizer } : {}),
      // A sentence-embedding model is saved in the sentence-transformers layout, with the pooling it was trained with.
      ...(similarity ? { sentenceEmbedding: { pooling: similarity, width: config.hidden_size, maxSeqLength: options.maxSeqLength ?? config.max_position_embeddings } } : {}),
    },
    parameters: model.parameters,
    update,
    seed,
    threads: options.threads,
    outputDir,
    keepLatestCheckpointOnly: true,
    saveSteps: options.saveSteps,
    resume: options.resume,
    overwriteOutputDir: options.overwriteOutputDir,
    settings: options.settings,
    signal: options.signal,
    transformObjective: options.transformObjective,
    ...(options.timeBudget === undefined ? {} : { timeBudget: { seconds: options.timeBudget, warmupRatio } }),
    onStep: options.onStep,
  });
  const { best } = state;
  return {
    steps: run.step, totalSteps: plannedSteps, metric,
    ...(best ? { bestMetrics: best.metrics } : {}),
    bestStep: best?.step ?? run.step,
    evaluations: state.evaluations, stoppedEarly: state.stoppedEarly, interrupted: run.interrupted,
    examplesPerSecond: run.examplesPerSecond,
    trainLosses: run.losses,
    ...(chance === undefined ? {} : { chance }),
    ...(best?.predictedClasses === undefined ? {} : { predictedClasses: best.predictedClasses }),
    reinitialized,
  };
}

interface BestCheckpoint {
  readonly metrics: Record<string, number>;
  readonly step: number;
  readonly predictedClasses?: number;
}

/** The run state a checkpoint carries beside the TrainStep state (bertkit_trainer_state.json's `data`). */
interface ResumeState {
  best: BestCheckpoint | undefined;
  sinceImprovement: number;
  evaluations: FinetuneEvalEntry[];
}

function resumedRun(data: unknown, dir: string): ResumeState {
  const state = data as Partial<ResumeState> | null;
  if (state === null || typeof state !== 'object' || !Array.isArray(state.evaluations)) {
    throw new Error(`--resume: ${dir} is not a fine-tuning checkpoint (its bertkit_trainer_state.json has no fine-tuning run state)`);
  }
  // JSON turns NaN metrics into null; they compare as non-finite again.
  const revive = (metrics: Record<string, number | null>): Record<string, number> => Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, v ?? NaN]));
  return {
    best: state.best ? { ...state.best, metrics: revive(state.best.metrics) } : undefined,
    sinceImprovement: state.sinceImprovement ?? 0,
    evaluations: state.evaluations.map((entry) => ({ ...entry, metrics: revive(entry.metrics) })),
  };
}

/**
 * Whether `candidate` beats `incumbent` on `metric`; on a tie (common on small dev sets, where
 * accuracy moves in steps) the lower dev loss wins.
 */
export function isBetter(candidate: Readonly<Record<string, number>>, incumbent: Readonly<Record<string, number>>, metric: string, lowerBetter: boolean): boolean {
  const value = candidate[metric]!, previous = incumbent[metric]!;
  if (!Number.isFinite(value)) return false;
  if (!Number.isFinite(previous)) return true;
  if (value !== previous) return lowerBetter ? value < previous : value > previous;
  return metric !== 'loss' && candidate.loss! < incumbent.loss!;
}

/** Distinct argmax classes over the dev features (single-label classification only). */
function distinctPredictions(data: TaskData, outputs: TaskOutputs): number | undefined {
  if (data.kind !== 'classification' || data.multiLabel || outputs.logits === undefined) return undefined;
  const classes = new Set<number>();
  for (const logits of outputs.logits) classes.add(logits.indexOf(Math.max(...logits)));
  return classes.size;
}
