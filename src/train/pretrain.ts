// The pretraining loop: masked-LM (+ next-sentence) training of a BERT in the training worker, fed
// micro-batches prepared in this thread while the worker runs the previous step; held-out
// evaluation, atomic checkpoints every N steps, exact resumption, a JSONL log and a curve picture.
//
// Exact resumption: the worker's TrainStep state (weights, AdamW moments, update count, dropout Rng)
// and the data source's position taken right after the checkpointed step's batches were drawn
// together determine every later step, so a resumed run recomputes the interrupted run's losses bit
// for bit (ORT's kernels are deterministic for a fixed thread count).
import type { PretrainingBatch } from '../data/pretraining-dataset.js';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Graph } from '../graph/graph.js';
import { type BertHeads, headsOf } from '../model/architecture.js';
import { bertForward } from '../model/bert.js';
import { saveBert } from '../model/checkpoint.js';
import type { BertConfig } from '../model/config.js';
import { bertLoss } from '../model/losses.js';
import { ParameterStore } from '../runtime/parameters.js';
import type { HostTensor } from '../runtime/session.js';
import { type TrainProgram, buildTrainProgram } from '../runtime/train-program.js';
import type { StepResult } from '../runtime/train-step.js';
import { TrainWorker } from '../runtime/worker-client.js';
import type { BertTokenizer } from '../tokenizer/bert-tokenizer.js';
import { latestCheckpoint, readTrainStepState, saveCheckpoint } from './checkpoint-dir.js';
import { writeTrainingCurve } from './curve-svg.js';
import { type MlmEvaluation, MlmEvaluator } from './evaluate-mlm.js';
import type { UpdateConfig } from './optim/update.js';
import { trainingFeeds } from './pretraining-feeds.js';
import { type EvalLogEntry, type TrainLogEntry, TrainingLog } from './training-log.js';

/** Where micro-batches come from: PretrainingDataset, or one fixed batch. */
export interface PretrainingBatchSource {
  nextBatch(batchSize: number): PretrainingBatch;
  /** JSON-serialisable position; restore(state()) makes nextBatch continue identically. */
  state(): unknown;
  restore(state: unknown): void;
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

export interface PretrainOptions {
  readonly model: PretrainModel;
  readonly data: PretrainingBatchSource;
  /** Fixed held-out batches, scored at every evalSteps and at the end. */
  readonly evalBatches?: readonly PretrainingBatch[];
  readonly batchSize: number;
  readonly gradientAccumulationSteps?: number;
  readonly maxSteps: number;
  readonly update: UpdateConfig;
  /** Seeds the dropout Rng. */
  readonly seed: number;
  readonly threads?: number;
  /** Checkpoints, log.jsonl, the final model and training_curve.svg go here. */
  readonly outputDir: string;
  /** Checkpoint every N updates (0 or absent: only the final model). */
  readonly saveSteps?: number;
  readonly evalSteps?: number;
  /** A checkpoint directory, or true for the latest checkpoint in outputDir. */
  readonly resume?: string | true;
  /** Recorded in bertkit_trainer_state.json. */
  readonly settings?: Readonly<Record<string, unknown>>;
  /** Stops after the current update (a checkpoint is written first when saveSteps is set). */
  readonly signal?: AbortSignal;
  readonly onStep?: (entry: TrainLogEntry) => void;
  readonly onEval?: (entry: EvalLogEntry) => void;
  readonly onCheckpoint?: (dir: string) => void;
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

/** The training program of a pretraining model: MLM logits at masked_lm_positions only. */
export function buildPretrainingProgram(config: BertConfig, heads: BertHeads): TrainProgram {
  const graph = new Graph();
  const forward = bertForward(graph, config, { heads, maskedPositions: true, training: true });
  return buildTrainProgram(bertLoss(forward, config).loss);
}

export async function pretrain(options: PretrainOptions): Promise<PretrainResult> {
  const { model, data, batchSize, maxSteps, outputDir } = options;
  const accumulation = options.gradientAccumulationSteps ?? 1;
  checkPositiveInteger('batchSize', batchSize);
  checkPositiveInteger('gradientAccumulationSteps', accumulation);
  checkPositiveInteger('maxSteps', maxSteps);
  const nsp = model.heads.nextSentence;
  mkdirSync(outputDir, { recursive: true });
  const program = buildPretrainingProgram(model.config, model.heads);
  const latest = latestCheckpoint(outputDir);
  const resumeDir = options.resume === true ? latest : options.resume;
  if (options.resume === true && resumeDir === undefined) throw new Error(`--resume: ${outputDir} holds no checkpoint-STEP directory with a bertkit_trainer_state.json`);
  if (resumeDir !== undefined && !existsSync(resumeDir)) throw new Error(`--resume: ${resumeDir} does not exist`);
  const saved = resumeDir === undefined ? undefined : readTrainStepState(resumeDir, program.parameters);
  if (resumeDir === undefined && latest !== undefined) {
    throw new Error(`${outputDir} holds checkpoints of an earlier run (${latest}): continue it with --resume, or choose another output directory`);
  }

  const log = new TrainingLog(join(outputDir, 'log.jsonl'));
  const worker = await TrainWorker.create(program, model.parameters, { update: options.update, seed: options.seed, ...(options.threads === undefined ? {} : { threads: options.threads }) });
  const evaluator = options.evalBatches?.length ? await MlmEvaluator.create(model.config, model.heads, options.threads === undefined ? {} : { threads: options.threads }) : undefined;
  try {
    let step = 0;
    if (saved !== undefined) {
      if (saved.trainer.global_step > maxSteps) throw new Error(`--resume: ${resumeDir} is at step ${saved.trainer.global_step}, past --max-steps ${maxSteps}`);
      await worker.restore(saved.train);
      data.restore(saved.trainer.data);
      step = saved.trainer.global_step;
      log.truncateAfter(step);
    } else {
      log.truncateAfter(-1);
    }
    const startStep = step;
    const saveCheckpointNow = async (dataState: unknown): Promise<void> => {
      const dir = saveCheckpoint(outputDir, {
        config: model.config, heads: model.heads, parameters: program.parameters, train: await worker.state(), data: dataState,
        settings: options.settings ?? {}, ...(model.tokenizer ? { tokenizer: model.tokenizer } : {}),
      });
      options.onCheckpoint?.(dir);
    };
    const evaluate = async (): Promise<MlmEvaluation | undefined> => {
      if (evaluator === undefined) return undefined;
      const result = await evaluator.evaluate(await worker.parameters(), options.evalBatches!);
      const entry: EvalLogEntry = {
        kind: 'eval', step, mlm_loss: result.mlmLoss, mlm_perplexity: result.mlmPerplexity, mlm_accuracy: result.mlmAccuracy,
        ...(result.nspAccuracy === undefined ? {} : { nsp_accuracy: result.nspAccuracy, nsp_loss: result.nspLoss }),
        masked_tokens: result.maskedTokens, sequences: result.sequences,
      };
      log.append(entry);
      options.onEval?.(entry);
      return result;
    };

    const draw = (): { feeds: Record<string, HostTensor>[]; dataAfter: unknown; tokens: number } => {
      const feeds: Record<string, HostTensor>[] = [];
      let tokens = 0;
      for (let i = 0; i < accumulation; i++) {
        const batch = data.nextBatch(batchSize);
        tokens += batch.batchSize * batch.seqLength;
        feeds.push(trainingFeeds(batch, nsp));
      }
      return { feeds, dataAfter: data.state(), tokens };
    };

    const losses: number[] = [];
    const started = performance.now();
    let tokensDone = 0, lastEvaluation: MlmEvaluation | undefined, evaluatedAt = -1, interrupted = false;
    let next = step < maxSteps ? draw() : undefined;
    while (next !== undefined) {
      const current = next;
      const running: Promise<StepResult> = worker.step(current.feeds);
      // Prepare the next batches while the worker computes this step.
      try {
        next = step + 1 < maxSteps && !options.signal?.aborted ? draw() : undefined;
      } catch (error) {
        await running.catch(() => {}); // the step's own failure would otherwise be an unhandled rejection
        throw error;
      }
      const result = await running;
      step = result.step;
      tokensDone += current.tokens;
      losses.push(result.loss);
      const elapsed = (performance.now() - started) / 1000;
      const entry: TrainLogEntry = {
        kind: 'train', step, loss: result.loss, learning_rate: result.learningRate, grad_norm: result.gradNorm,
        tokens_per_second: tokensDone / elapsed, elapsed_s: elapsed,
      };
      log.append(entry);
      options.onStep?.(entry);
      if (options.evalSteps && step % options.evalSteps === 0) {
        lastEvaluation = await evaluate();
        evaluatedAt = step;
      }
      const stopping = options.signal?.aborted === true;
      if (options.saveSteps && (step % options.saveSteps === 0 || (stopping && step < maxSteps))) await saveCheckpointNow(current.dataAfter);
      if (stopping) {
        interrupted = step < maxSteps;
        next = undefined;
      }
    }
    if (!interrupted) {
      if (evaluatedAt !== step) lastEvaluation = await evaluate();
      const weights = await worker.parameters();
      const store = new ParameterStore();
      for (const { name, shape } of program.parameters) store.add(name, shape, weights[name]);
      saveBert(outputDir, { config: model.config, heads: model.heads, parameters: store }, model.tokenizer ? { tokenizer: model.tokenizer } : {});
    }
    // An interrupted run draws its curve too: that is when one wants to look at it.
    writeTrainingCurve(join(outputDir, 'training_curve.svg'), log.read());
    const elapsed = (performance.now() - started) / 1000;
    return { step, startStep, losses, ...(lastEvaluation ? { evaluation: lastEvaluation } : {}), tokensPerSecond: tokensDone / Math.max(elapsed, 1e-9), interrupted };
  } finally {
    await evaluator?.dispose();
    await worker.close();
  }
}

function checkPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new Error(`pretrain: ${name} must be a positive integer, got ${value}`);
}
