// Training checkpoints: OUTPUT/checkpoint-STEP/, a Hugging Face model directory (config.json,
// model.safetensors, tokenizer files) plus what resuming needs:
//   optimizer.safetensors        NAME.exp_avg / NAME.exp_avg_sq (torch's AdamW state names), float32
//   bertkit_trainer_state.json   global_step, optimizer kind, the dropout Rng, the data position, the run's settings
// The state file is not named trainer_state.json: HF Trainer reads that name into TrainerState(**json),
// which raises on our keys when someone resumes the directory under transformers.
// The directory is written under a temporary name and renamed into place (io/atomic-directory.ts), so a
// crash leaves either the complete checkpoint or none (an earlier one of the same step waits under
// .checkpoint-STEP.PID.old, which the next run puts back).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeDirectoryAtomic } from '../../io/atomic-directory.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { readSafetensors, writeSafetensors } from '../../io/safetensors.js';
import type { BertHeads } from '../../model/architecture.js';
import { saveBert } from '../../model/checkpoint.js';
import type { BertConfig } from '../../model/config.js';
import { type ParameterInfo, ParameterStore } from '../../runtime/parameters.js';
import type { RngState } from '../../runtime/rng.js';
import type { TrainStepState } from './train-step.js';
import type { BertTokenizer } from '../../tokenizer/bert-tokenizer.js';
import type { MomentState, OptimizerKind } from '../optim/optimizer.js';
import { readJsonFile } from '../../io/json-file.js';

const TRAINER_STATE_FILE = 'bertkit_trainer_state.json';
const OPTIMIZER_FILE = 'optimizer.safetensors';
const FORMAT = 'bertkit-trainer-state-1';

export interface TrainerState {
  readonly format: typeof FORMAT;
  readonly global_step: number;
  readonly optimizer: OptimizerKind;
  readonly rng: RngState;
  /** The objective's run state (data position, evaluations so far), opaque here. */
  readonly data: unknown;
  /** What a resumed run must repeat (data order, schedule); absent in checkpoints of older versions. */
  readonly identity?: Readonly<Record<string, unknown>>;
  /** The run's settings, for the record. */
  readonly settings: Readonly<Record<string, unknown>>;
}

export interface CheckpointContents {
  readonly config: BertConfig;
  readonly heads: BertHeads;
  readonly parameters: readonly ParameterInfo[];
  readonly train: TrainStepState;
  readonly data: unknown;
  readonly identity: Readonly<Record<string, unknown>>;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly tokenizer?: BertTokenizer;
  /**
   * Writes the weights as the checkpoint's model (config.json, model.safetensors holding every
   * parameter, which resuming reads back); default saveBert of config and heads.
   */
  readonly writeModel?: (dir: string, parameters: ParameterStore) => void;
}

export function checkpointDirName(step: number): string {
  return `checkpoint-${step}`;
}

/** Writes OUTPUT/checkpoint-STEP atomically (replacing one of the same step); returns its path. */
export function saveCheckpoint(outputDir: string, contents: CheckpointContents): string {
  const { train } = contents;
  const final = join(outputDir, checkpointDirName(train.step));
  const store = new ParameterStore();
  for (const { name, shape } of contents.parameters) {
    const data = train.parameters[name];
    if (data === undefined) throw new Error(`saveCheckpoint: the training state lacks parameter '${name}'`);
    store.add(name, shape, data);
  }
  writeDirectoryAtomic(final, (staging) => {
    if (contents.writeModel) contents.writeModel(staging, store);
    else saveBert(staging, { config: contents.config, heads: contents.heads, parameters: store }, contents.tokenizer ? { tokenizer: contents.tokenizer } : {});
    // In the parameter's shape, as torch's optimizer state holds them.
    const moments = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const { name, shape } of contents.parameters) {
      const moment = train.optimizer.moments[name];
      if (moment === undefined) continue; // none before the first update
      moments.set(`${name}.exp_avg`, { shape: [...shape], data: moment.m });
      moments.set(`${name}.exp_avg_sq`, { shape: [...shape], data: moment.v });
    }
    writeSafetensors(join(staging, OPTIMIZER_FILE), moments, { step: String(train.optimizer.step) });
    const state: TrainerState = { format: FORMAT, global_step: train.step, optimizer: train.optimizer.kind, rng: train.rng, data: contents.data, identity: contents.identity, settings: contents.settings };
    writeFileAtomic(join(staging, TRAINER_STATE_FILE), Buffer.from(`${JSON.stringify(state, null, 2)}\n`, 'utf8'));
  }, { replace: 'directory' });
  return final;
}

/** The checkpoint-STEP directory of `outputDir` with the highest step that holds a trainer state; undefined when none. */
export function latestCheckpoint(outputDir: string): string | undefined {
  if (!existsSync(outputDir)) return undefined;
  let best: { step: number; dir: string } | undefined;
  for (const entry of readdirSync(outputDir, { withFileTypes: true })) {
    const match = /^checkpoint-(\d+)$/.exec(entry.name);
    if (!entry.isDirectory() || match === null) continue;
    const dir = join(outputDir, entry.name);
    if (!existsSync(join(dir, TRAINER_STATE_FILE))) continue;
    const step = Number(match[1]);
    if (best === undefined || step > best.step) best = { step, dir };
  }
  return best?.dir;
}

export function readTrainerState(dir: string): TrainerState {
  const path = join(dir, TRAINER_STATE_FILE);
  const raw = readJsonFile(path);
  const state = raw as Partial<TrainerState>;
  if (typeof raw !== 'object' || raw === null || state.format !== FORMAT) throw new Error(`${path}: not a bertkit trainer state (format must be "${FORMAT}")`);
  if (!Number.isInteger(state.global_step) || state.global_step! < 0) throw new Error(`${path}: global_step must be a non-negative integer, got ${JSON.stringify(state.global_step)}`);
  if (state.optimizer !== 'adamw' && state.optimizer !== 'lamb') throw new Error(`${path}: optimizer must be "adamw" or "lamb", got ${JSON.stringify(state.optimizer)}`);
  if (typeof state.rng !== 'object' || state.rng === null) throw new Error(`${path}: rng is missing`);
  if (typeof state.settings !== 'object' || state.settings === null) throw new Error(`${path}: settings is missing`);
  if (state.identity !== undefined && (typeof state.identity !== 'object' || state.identity === null)) throw new Error(`${path}: identity must be an object`);
  return state as TrainerState;
}

/** The object a checkpoint's settings record under `key` (a run's options, which --resume takes up); {} when absent (older checkpoints). */
export function recordedSettingsObject(dir: string, key: string): Record<string, unknown> {
  const recorded = readTrainerState(dir).settings[key];
  if (recorded === undefined) return {};
  if (typeof recorded !== 'object' || recorded === null || Array.isArray(recorded)) throw new Error(`${join(dir, TRAINER_STATE_FILE)}: settings.${key} must be an object`);
  return recorded as Record<string, unknown>;
}

/**
 * The TrainStepState saved in `dir`: parameters from model.safetensors (exactly the float32 values
 * trained), moments from optimizer.safetensors, step and Rng from bertkit_trainer_state.json.
 */
export function readTrainStepState(dir: string, parameters: readonly ParameterInfo[]): { train: TrainStepState; trainer: TrainerState } {
  const trainer = readTrainerState(dir);
  const modelFile = join(dir, 'model.safetensors');
  const weights = readSafetensors(modelFile).tensors;
  const optimizerFile = join(dir, OPTIMIZER_FILE);
  const optimizerState = readSafetensors(optimizerFile);
  const saved = optimizerState.tensors;
  // The optimizer file records its own step: one from another checkpoint is refused, not mixed in.
  const savedStep = optimizerState.metadata.step;
  if (savedStep !== undefined && savedStep !== String(trainer.global_step)) {
    throw new Error(`${optimizerFile}: holds the optimizer state of step ${savedStep}, but ${join(dir, TRAINER_STATE_FILE)} is at global_step ${trainer.global_step}`);
  }
  const values: Record<string, Float32Array> = {};
  const moments: Record<string, MomentState> = {};
  for (const { name, shape } of parameters) {
    const tensor = weights.get(name);
    if (tensor === undefined) throw new Error(`${modelFile}: parameter ${name} is missing`);
    if (!(tensor.data instanceof Float32Array) || tensor.shape.join(',') !== shape.join(',')) {
      throw new Error(`${modelFile}: ${name} must be float32 [${shape.join(', ')}], got ${tensor.dtype} [${tensor.shape.join(', ')}]`);
    }
    values[name] = tensor.data;
    const m = saved.get(`${name}.exp_avg`), v = saved.get(`${name}.exp_avg_sq`);
    if (m === undefined || v === undefined) {
      // An optimizer that has not stepped yet has no moments.
      if (trainer.global_step === 0) continue;
      throw new Error(`${optimizerFile}: the moments of ${name} (${name}.exp_avg, ${name}.exp_avg_sq) are missing`);
    }
    if (!(m.data instanceof Float32Array) || !(v.data instanceof Float32Array) || m.shape.join(',') !== shape.join(',') || v.shape.join(',') !== shape.join(',')) {
      throw new Error(`${optimizerFile}: the moments of ${name} must be float32 [${shape.join(', ')}], got ${m.dtype} [${m.shape.join(', ')}] and ${v.dtype} [${v.shape.join(', ')}]`);
    }
    moments[name] = { m: m.data, v: v.data };
  }
  const train: TrainStepState = {
    step: trainer.global_step,
    parameters: values,
    optimizer: { kind: trainer.optimizer, step: trainer.global_step, moments },
    rng: trainer.rng,
  };
  return { train, trainer };
}
