// The fine-tuning task interface shared by the task readers (src/data/tasks) and the trainer
// (src/train/finetune*): a task turns files into encoded features and model outputs into metrics.
// Types only: every task imports them, and registry.ts imports every task.

import type { BertTokenizer } from '../../tokenizer/index.js';

/**
 * similarity: a sentence-embedding model (sentence-transformers' bi-encoder) trained so that the
 * cosine of two texts' mean-pooled embeddings orders pairs as their scores do.
 */
export type TaskKind = 'classification' | 'regression' | 'similarity' | 'ner' | 'srl' | 'qa';

/** One encoded example, or one stride window of it (QA contexts; NER and SRL sentences longer than maxSeqLength). */
export interface TaskFeatures {
  /** With [CLS]/[SEP], unpadded; similarity: the first text alone. */
  inputIds: Int32Array;
  tokenTypeIds: Int32Array;
  /** similarity: the second text, encoded alone ([CLS] text_pair [SEP]; token types 0). */
  pairInputIds?: Int32Array;
  /** classification: class index; multi-label: multi-hot over `labels`; regression and similarity: the score. */
  label?: number | Float32Array;
  /** ner/srl: one label index per token; -100 = ignored (special tokens, word pieces after a word's first). */
  tokenLabels?: Int32Array;
  /** qa: token positions of the answer in this window; both 0 ([CLS]) when the answer is not in it. */
  startPosition?: number;
  endPosition?: number;
  /** Which example of `TaskData.examples` this feature encodes (the windows of one example share it). */
  exampleIndex: number;
}

export interface TaskData {
  kind: TaskKind;
  /** Label names, index = class id (classification, ner, srl); [] for regression, similarity and qa. */
  labels: string[];
  /** The source examples (see each reader's example type), for metrics, predictions and offsets. */
  examples: unknown[];
  features: TaskFeatures[];
  /** classification: true when `label` is multi-hot (sigmoid + binary cross-entropy instead of softmax). */
  multiLabel?: boolean;
}

/**
 * The model's outputs, one entry per feature of `TaskData.features`, in the same order.
 * - classification: `logits[i]` has `labels.length` values; regression: one value; similarity: one
 *   value, the cosine of the two texts' embeddings.
 * - ner/srl: `logits[i]` is [tokens, labels.length] row-major, tokens = features[i].inputIds.length
 *   (positions past that, i.e. padding, must be cut off by the caller).
 * - qa: `startLogits[i]` and `endLogits[i]` have features[i].inputIds.length values.
 */
export interface TaskOutputs {
  logits?: Float32Array[];
  startLogits?: Float32Array[];
  endLogits?: Float32Array[];
}

/** The max sequence length a task's inputs are encoded at unless told otherwise: 384 for qa (HF's run_qa), else 128. */
export function defaultMaxSeqLength(kind: TaskKind): number {
  return kind === 'qa' ? 384 : 128;
}

export type TableFormat = 'tsv' | 'csv' | 'jsonl';
export type TaggingScheme = 'IOB1' | 'IOB2' | 'IOBES';

export interface TaskLoadOptions {
  /** Tokens per feature, special tokens included (default 128; qa 384). */
  maxSeqLength?: number;
  /** Tokens shared by consecutive windows of a long input: qa contexts (default 128, as HF's run_qa and Google's run_squad); ner/srl sentences (default maxSeqLength / 4). */
  stride?: number;
  /** qa: questions are cut to this many tokens (default 64). */
  maxQueryLength?: number;
  /** classification/regression: file format (default from the extension: .csv, .jsonl/.json, else tsv). */
  format?: TableFormat;
  /** tsv/csv: the first row names the columns (default true). Without a header, columns are named by index: '0', '1', … */
  header?: boolean;
  /** tsv: honour double quotes (default false: GLUE files are read with quoting disabled). csv always honours them. */
  quoting?: boolean;
  /**
   * Column (or JSON field) names; header-less files name columns '0', '1', …
   * Defaults: text 'sentence' | 'sentence1' | 'text_a' | 'text' | 'question1' | 'premise'; pair (when present)
   * 'sentence2' | 'text_b' | 'question2' | 'hypothesis'; label 'label' | 'score' | 'labels'.
   * ner chars-tsv: text 'text_a', label 'label'.
   */
  textColumn?: string;
  textPairColumn?: string;
  labelColumn?: string;
  /** Label names to reuse (from training, so ids match); unknown labels in the file are then an error. */
  labels?: string[];
  /** classification: a label cell holds several labels separated by `labelDelimiter` (default ','). */
  multiLabel?: boolean;
  labelDelimiter?: string;
  /** ner: the file's tagging scheme (default: detected; IOBES when E-/S- occur, IOB1 when an I-X starts an entity, else IOB2). IOB1 is trained as IOB2. */
  scheme?: TaggingScheme;
  /** ner: 'conll' (word … tag per line) or 'chars-tsv' (`text_a\tlabel`, space-separated characters and tags); default from the extension. */
  nerFormat?: 'conll' | 'chars-tsv';
  /** Read at most this many examples (sentences for ner and srl; default all). */
  limit?: number;
}

export interface TaskSpecOptions {
  /** ner: 'conlleval' (default; seqeval's default mode: an I-X after O or another type starts an entity) or 'strict' (seqeval mode='strict'). */
  nerMode?: 'conlleval' | 'strict';
  /** qa: candidates per side when searching the best span (default 20). */
  nBest?: number;
  /** qa: longest answer in tokens (default 30). */
  maxAnswerLength?: number;
}

export interface TaskSpec {
  kind: TaskKind;
  load(path: string, tokenizer: BertTokenizer, options?: TaskLoadOptions): Promise<TaskData>;
  /** Metrics from per-feature model outputs. */
  evaluate(data: TaskData, outputs: TaskOutputs): Record<string, number>;
  /** The metric to select checkpoints on (a key of `evaluate`'s result; higher is better). */
  primaryMetric: string;
}
