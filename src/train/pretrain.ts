// Pretraining as an objective of the one training run (engine/run.ts): masked-LM (+ next-sentence)
// loss at the masked positions, micro-batches drawn from a resumable data source (its position is
// what a checkpoint records), held-out MLM/NSP scores every evalSteps and at the end, the final
// model and a curve picture of log.jsonl. With `electra`, the same batches train ELECTRA's
// generator and discriminator (electra-program.ts, electra.ts) instead. With `contrastive`, the
// batches hold two views of each text (two maskings, or its two halves) and SimCSE's in-batch loss
// between them joins masked LM.
import { join } from 'node:path';
import type { ContrastiveViews, PretrainingBatch } from '../data/pretraining-dataset.js';
import type { PairTask } from '../data/pretraining-instances.js';
import { Graph } from '../graph/graph.js';
import { add, mul } from '../graph/ops.js';
import { type BertHeads, headsOf } from '../model/architecture.js';
import { bertForward } from '../model/bert.js';
import type { BertConfig } from '../model/config.js';
import { bertLoss } from '../model/losses.js';
import { contrastiveLoss } from '../model/similarity.js';
import type { ParameterStore } from '../runtime/parameters.js';
import { type TrainProgram, buildTrainProgram } from '../runtime/train-program.js';
import type { BertTokenizer } from '../tokenizer/bert-tokenizer.js';
import { type PretrainingLogEntry, writeTrainingCurve } from './curve-svg.js';
import { type Objective, type RunContext, type TrainingRunOptions, runTraining } from './engine/run.js';
import type { EvalLogEntry } from './engine/training-log.js';
import { ElectraEvaluator } from './evaluate-electra.js';
import { type MlmEvaluation, MlmEvaluator } from './evaluate-mlm.js';
import { trainingFeeds } from './pretraining-feeds.js';
import { buildElectraProgram } from './electra-program.js';
import { electraConfigs, saveElectraModels, writeElectraCheckpoint } from './electra.js';

/** Where micro-batches come from: PretrainingDataset, or one fixed batch. */
export interface PretrainingBatchSource {
  nextBatch(batchSize: number): PretrainingBatch;
  /** JSON-serialisable position; restore(state()) makes nextBatch continue identically. */
  state(): unknown;
  restore(state: unknown): void;
}

/** A held-out evaluation in log.jsonl. */
export interface MlmEvalLogEntry extends EvalLogEntry {
  readonly mlm_loss: number;
  readonly mlm_perplexity: number;
  readonly mlm_accuracy: number;
  /** The pair head's score, absent without one: next-sentence prediction's, or with pairTask 'order' sentence order's (ALBERT's log names). */
  readonly nsp_accuracy?: number;
  readonly nsp_loss?: number;
  readonly sentence_order_accuracy?: number;
  readonly sentence_order_loss?: number;
  readonly masked_tokens: number;
  readonly sequences: number;
  /** ELECTRA: the discriminator on the held-out text corrupted by its generator (evaluate-electra.ts; null where undefined). */
  readonly disc_auc?: number;
  readonly disc_accuracy?: number;
  readonly disc_precision?: number;
  readonly disc_recall?: number;
  readonly sampled_mlm_accuracy?: number;
}

/** The heads pretraining trains: BertForPreTraining (MLM + NSP), or BertForMaskedLM without NSP. */
export function pretrainingHeads(nsp: boolean): BertHeads {
  return headsOf(nsp ? 'BertForPreTraining' : 'BertForMaskedLM');
}

export interface PretrainModel {
  readonly config: BertConfig;
  readonly heads: BertHeads;
  /** Initial weights (ignored when resuming); their buffers move to the training worker. */
  readonly parameters: ParameterStore;
  /** Saved with every checkpoint and the final model. */
  readonly tokenizer?: BertTokenizer;
}

/** The run's own settings (seed, output, checkpoints, resume, signal, callbacks) are the training run's (engine/run.ts). */
export interface PretrainOptions extends Omit<TrainingRunOptions, 'objective' | 'model' | 'parameters' | 'keepLatestCheckpointOnly'> {
  readonly model: PretrainModel;
  readonly data: PretrainingBatchSource;
  /** Fixed held-out batches, scored at every evalSteps and at the end. */
  readonly evalBatches?: readonly PretrainingBatch[];
  readonly batchSize: number;
  readonly gradientAccumulationSteps?: number;
  /** A batch-size ramp (Cramming): micro-batches per update grow from 1 to gradientAccumulationSteps over this many updates. */
  readonly batchSizeRampSteps?: number;
  /**
   * A sequence-length curriculum: the first `steps` updates draw from `data` (shorter sequences,
   * cheaper updates), the rest from the main source; checkpoints record both positions.
   */
  readonly curriculum?: { readonly data: PretrainingBatchSource; readonly steps: number };
  readonly maxSteps: number;
  readonly evalSteps?: number;
  /** What the data source's caller fixes for exact resumption (e.g. max_seq_length, whole_word_mask); checked on resume with batch_size, gradient_accumulation_steps, seed and nsp. */
  readonly identity?: Readonly<Record<string, unknown>>;
  readonly onEval?: (entry: MlmEvalLogEntry) => void;
  /**
   * Replaced-token detection: model.config is the discriminator's, model.parameters hold
   * discriminator and generator (electra.ts); the generator is this fraction of its hidden size.
   * Held-out evaluation scores the generator's masked LM and the discriminator (evaluate-electra.ts).
   */
  readonly electra?: { readonly generatorSize: number };
  /**
   * A sentence-level term beside masked LM: `data` serves two views of each text (rows i and
   * batchSize/2 + i of every micro-batch: the text masked twice, or the two halves of its documents),
   * and the loss adds weight × SimCSE's contrastive loss between their mean-pooled last states
   * (model/similarity.ts) at this temperature.
   */
  readonly contrastive?: ContrastiveTerm;
  /** What the data's pair labels ask (default 'next'); it names the pair head's held-out score in the log. */
  readonly pairTask?: PairTask;
}

export interface ContrastiveTerm {
  readonly weight: number;
  readonly temperature: number;
  /** What the data's two views are (default 'maskings'); only recorded here: the data serves them. */
  readonly views?: Exclude<ContrastiveViews, 'none'>;
}

export interface PretrainResult {
  /** The update count reached. */
  readonly step: number;
  /** Step the run started from (0, or the resumed checkpoint's). */
  readonly startStep: number;
  readonly losses: readonly number[];
  readonly evaluation?: MlmEvaluation;
  readonly tokensPerSecond: number;
  readonly interrupted: boolean;
}

/**
 * The training program of a pretraining model: MLM logits at masked_lm_positions only, plus
 * weight × the contrastive loss between each batch's two halves when `contrastive` is given
 * (then reported apart as the metrics mlm_loss and contrastive_loss).
 */
export function buildPretrainingProgram(config: BertConfig, heads: BertHeads, contrastive?: ContrastiveTerm): TrainProgram {
  const graph = new Graph();
  const forward = bertForward(graph, config, { heads, maskedPositions: true, training: true });
  const loss = bertLoss(forward, config).loss;
  if (contrastive === undefined) return buildTrainProgram(loss);
  const sentenceLoss = contrastiveLoss(forward.lastHiddenState, forward.inputs.attentionMask, contrastive.temperature);
  // Both terms go into log.jsonl beside their weighted sum.
  return buildTrainProgram(add(loss, mul(sentenceLoss, contrastive.weight)), { mlm_loss: loss, contrastive_loss: sentenceLoss });
}

/** The pretraining objective in the one training run (engine/run.ts). */
export async function pretrain(options: PretrainOptions): Promise<PretrainResult> {
  const { model, data, evalBatches, batchSize, gradientAccumulationSteps: accumulation = 1, batchSizeRampSteps: rampSteps = 0, curriculum, maxSteps, evalSteps, identity, onEval, electra, contrastive, pairTask = 'next', ...runOptions } = options;
  checkPositiveInteger('batchSize', batchSize);
  checkPositiveInteger('gradientAccumulationSteps', accumulation);
  checkPositiveInteger('maxSteps', maxSteps);
  if (curriculum !== undefined) checkPositiveInteger('curriculum.steps', curriculum.steps);
  if (!Number.isInteger(rampSteps) || rampSteps < 0) throw new Error(`pretrain: batchSizeRampSteps must be a non-negative integer, got ${rampSteps}`);
  if (contrastive !== undefined) {
    if (electra !== undefined) throw new Error('pretrain: the contrastive term is a masked-LM option; ELECTRA does not take it');
    if (!(contrastive.weight > 0)) throw new Error(`pretrain: the contrastive weight must be positive, got ${contrastive.weight}`);
    if (!(contrastive.temperature > 0)) throw new Error(`pretrain: the contrastive temperature must be positive, got ${contrastive.temperature}`);
    if (batchSize % 2 !== 0) throw new Error(`pretrain: the contrastive term needs an even batch size (two views per text), got ${batchSize}`);
  }
  const nsp = model.heads.nextSentence;
  const electraModels = electra === undefined ? undefined : electraConfigs(model.config, electra.generatorSize);
  let evaluator: MlmEvaluator | ElectraEvaluator | undefined;
  let lastEvaluation: MlmEvaluation | undefined, evaluatedAt = -1;
  const evaluate = async (context: RunContext): Promise<void> => {
    if (evaluator === undefined) return;
    const weights = await context.weights();
    const result = evaluator instanceof ElectraEvaluator ? await evaluator.evaluate(weights, evalBatches!) : { generator: await evaluator.evaluate(weights, evalBatches!) };
    const mlm = result.generator;
    const disc = 'discriminator' in result ? result.discriminator : undefined;
    const entry: MlmEvalLogEntry = {
      kind: 'eval', step: context.step, mlm_loss: mlm.mlmLoss, mlm_perplexity: mlm.mlmPerplexity, mlm_accuracy: mlm.mlmAccuracy,
      ...(mlm.nspAccuracy === undefined ? {} : pairTask === 'order'
        ? { sentence_order_accuracy: mlm.nspAccuracy, sentence_order_loss: mlm.nspLoss }
        : { nsp_accuracy: mlm.nspAccuracy, nsp_loss: mlm.nspLoss }),
      masked_tokens: mlm.maskedTokens, sequences: mlm.sequences,
      ...(disc === undefined ? {} : {
        disc_auc: disc.discAuc, disc_accuracy: disc.discAccuracy, disc_precision: disc.discPrecision, disc_recall: disc.discRecall,
        sampled_mlm_accuracy: disc.sampledMlmAccuracy,
      }),
    };
    context.logEval(entry);
    onEval?.(entry);
    lastEvaluation = mlm;
    evaluatedAt = context.step;
  };
  const objective: Objective = {
    program: electraModels ? buildElectraProgram(electraModels) : buildPretrainingProgram(model.config, model.heads, contrastive),
    totalSteps: maxSteps,
    identity: {
      batch_size: batchSize, gradient_accumulation_steps: accumulation, seed: options.seed, nsp, ...identity,
      ...(rampSteps > 0 ? { batch_size_ramp_steps: rampSteps } : {}),
      ...(curriculum ? { curriculum_steps: curriculum.steps } : {}),
      objective: electra ? 'electra' : 'mlm', ...(electra ? { generator_size: electra.generatorSize } : {}),
      ...(contrastive ? contrastiveIdentity(contrastive) : {}),
    },
    open: async (threads) => {
      if (!evalBatches?.length) return;
      const options = threads === undefined ? {} : { threads };
      evaluator = electraModels
        ? await ElectraEvaluator.create(electraModels, options)
        : await MlmEvaluator.create(model.config, model.heads, options);
    },
    resume: (state) => {
      if (curriculum === undefined) return data.restore(state);
      const { main, curriculum: early } = state as { main: unknown; curriculum: unknown };
      data.restore(main);
      curriculum.data.restore(early);
    },
    draw: (index) => {
      const batches = [];
      let tokens = 0, examples = 0;
      for (let i = 0; i < microBatchesAt(index, accumulation, rampSteps); i++) {
        const batch = (curriculum !== undefined && index < curriculum.steps ? curriculum.data : data).nextBatch(batchSize);
        tokens += batch.batchSize * batch.seqLength;
        examples += batch.batchSize;
        batches.push(trainingFeeds(batch, nsp));
      }
      return { batches, examples, tokens, position: curriculum ? { main: data.state(), curriculum: curriculum.data.state() } : data.state() };
    },
    afterStep: async (context) => {
      if (evalSteps && context.step % evalSteps === 0) await evaluate(context);
      return false;
    },
    checkpointState: (update) => update.position,
    ...(electraModels ? { writeCheckpointModel: (dir: string, parameters: ParameterStore) => writeElectraCheckpoint(dir, electraModels, parameters, model.tokenizer) } : {}),
    finish: async (context, interrupted) => {
      if (!interrupted) {
        if (evaluatedAt !== context.step) await evaluate(context);
        const weights = await context.weights();
        if (electraModels) saveElectraModels(options.outputDir, electraModels, weights, { seed: options.seed, ...(model.tokenizer ? { tokenizer: model.tokenizer } : {}) });
        else context.saveModel(weights);
      }
      // An interrupted run draws its curve too: that is when one wants to look at it.
      writeTrainingCurve(join(options.outputDir, 'training_curve.svg'), context.readLog() as PretrainingLogEntry[]);
    },
    dispose: async () => evaluator?.dispose(),
  };
  const run = await runTraining({ ...runOptions, objective, model, parameters: model.parameters });
  return {
    step: run.step, startStep: run.startStep, losses: run.losses, ...(lastEvaluation ? { evaluation: lastEvaluation } : {}),
    tokensPerSecond: run.tokensPerSecond, interrupted: run.interrupted,
  };
}

/**
 * Micro-batches of update `index` (0-based) under a batch-size ramp: 1 at the start, growing
 * linearly to `accumulation` at update `rampSteps` and staying there (no ramp: always `accumulation`).
 */
export function microBatchesAt(index: number, accumulation: number, rampSteps: number): number {
  if (rampSteps <= 0 || index >= rampSteps) return accumulation;
  return 1 + Math.floor((index * (accumulation - 1)) / rampSteps);
}

function checkPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new Error(`pretrain: ${name} must be a positive integer, got ${value}`);
}

/** The contrastive term's settings as checkpoints record them ('maskings', the first kind, unnamed so older runs resume). */
export function contrastiveIdentity(term: ContrastiveTerm): Record<string, number | string> {
  return { contrastive_weight: term.weight, contrastive_temperature: term.temperature, ...(term.views === 'halves' ? { contrastive_views: term.views } : {}) };
}
