// The model a fine-tuning task trains: the HF class for the task, a config carrying the task's labels
// (id2label / label2id / problem_type, as HF's from_pretrained(num_labels=…) writes them), and its
// weights: the pretrained encoder from a model directory plus a freshly initialised head (HF's
// _init_weights), or the whole model when the directory already holds this task's head and labels.
import { join } from 'node:path';
import type { TaskData, TaskKind } from '../data/tasks/task.js';
import { type BertHeads, architectureOf, basePrefixOf, headsFor } from '../model/architecture.js';
import { type BertModelState, loadBert } from '../model/checkpoint.js';
import { type BertConfig, type ModelType, readBertConfig } from '../model/config.js';
import { initialParameters } from '../model/initial-parameters.js';

/** The HF class each task trains (BERT's, or ELECTRA's for an ELECTRA model); a sentence-embedding model is the bare encoder. */
export function headsForTask(kind: TaskKind, modelType: ModelType = 'bert'): BertHeads {
  switch (kind) {
    case 'classification':
    case 'regression':
      return headsFor('BertForSequenceClassification', modelType);
    case 'ner':
    case 'srl':
      return headsFor('BertForTokenClassification', modelType);
    case 'qa':
      return headsFor('BertForQuestionAnswering', modelType);
    case 'similarity':
      return headsFor('BertModel', modelType);
  }
}

/** What a task needs of the config: its label names and problem type. */
export interface TaskLabels {
  readonly kind: TaskKind;
  readonly labels: readonly string[];
  readonly multiLabel?: boolean;
}

export function taskLabelsOf(data: TaskData): TaskLabels {
  return { kind: data.kind, labels: data.labels, ...(data.multiLabel ? { multiLabel: true } : {}) };
}

/** `base` with the task's labels: regression has one output, QA and similarity no labels (HF's num_labels default). */
export function finetuneConfig(base: BertConfig, task: TaskLabels): BertConfig {
  const { id2label: _id2label, label2id: _label2id, problem_type: _problemType, architectures: _architectures, ...rest } = base;
  const config: BertConfig = { ...rest };
  const withLabels = (names: readonly string[]): void => {
    if (names.length === 0) throw new Error(`fine-tuning a ${task.kind} task needs at least one label; the training data has none`);
    config.id2label = Object.fromEntries(names.map((name, id) => [String(id), name]));
    config.label2id = Object.fromEntries(names.map((name, id) => [name, id]));
  };
  switch (task.kind) {
    case 'classification':
      withLabels(task.labels);
      config.problem_type = task.multiLabel ? 'multi_label_classification' : 'single_label_classification';
      break;
    case 'regression':
      withLabels(['LABEL_0']);
      config.problem_type = 'regression';
      break;
    case 'ner':
    case 'srl':
      withLabels(task.labels);
      break;
    case 'qa':
    case 'similarity':
      break;
  }
  return config;
}

/** The label names a fine-tuned config carries, in id order ([] for regression, similarity and QA). */
export function labelsOfConfig(config: BertConfig, kind: TaskKind): string[] {
  if (kind === 'regression' || kind === 'similarity' || kind === 'qa' || config.id2label === undefined) return [];
  return Object.keys(config.id2label).map(Number).sort((a, b) => a - b).map((id) => config.id2label![String(id)]!);
}

export interface PreparedModel extends BertModelState {
  /** Parameters initialised here rather than loaded (the new head; none when the directory had it). */
  readonly initialised: readonly string[];
  /** Checkpoint tensors the task model does not use (e.g. the pretraining heads). */
  readonly unused: readonly string[];
}

/**
 * Loads `dir` for fine-tuning `task`. The directory's own head is kept only when it is this task's
 * class with the same labels; otherwise the encoder is taken and the head initialised from `seed`.
 */
export async function prepareFinetuneModel(dir: string, task: TaskLabels, seed: number): Promise<PreparedModel> {
  const source = readBertConfig(join(dir, 'config.json'));
  const config = finetuneConfig(source, task);
  const heads = headsForTask(task.kind, source.model_type);
  const sameHead = source.architectures?.[0] === architectureOf(heads, source.model_type)
    && JSON.stringify(source.id2label ?? null) === JSON.stringify(config.id2label ?? null)
    && (source.problem_type ?? null) === (config.problem_type ?? null);
  if (sameHead) {
    const loaded = await loadBert(dir, { heads, seed, warn: () => {} });
    return { config, heads, parameters: loaded.parameters, initialised: loaded.report.missing, unused: loaded.report.unexpected };
  }
  const encoderHeads = headsFor('BertModel', source.model_type);
  const encoder = await loadBert(dir, { heads: encoderHeads, seed, warn: () => {} });
  if (encoder.report.missing.some((name) => !name.startsWith('pooler.'))) {
    throw new Error(`${dir}: the checkpoint lacks encoder weights (${encoder.report.missing.slice(0, 5).join(', ')}…); fine-tuning needs a pretrained BERT`);
  }
  // The encoder's weights under the task model's names (bert.… or electra.…); the head and anything the checkpoint lacked start fresh.
  const prefix = basePrefixOf(heads, source.model_type);
  const loaded = (name: string): Float32Array | undefined => {
    const encoderName = name.slice(prefix.length);
    return name.startsWith(prefix) && encoder.parameters.has(encoderName) && !encoder.report.missing.includes(encoderName) ? encoder.parameters.get(encoderName) : undefined;
  };
  const { parameters, initialised } = initialParameters(config, heads, seed, loaded);
  return { config, heads, parameters, initialised, unused: encoder.report.unexpected };
}
