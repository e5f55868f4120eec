// BertConfig as Hugging Face writes it in config.json. Field names stay snake_case, exactly as in
// the file, so that a config read from the hub and one written here are the same object.
// An ElectraConfig (model_type "electra") is the same encoder with its own defaults and one more
// field, embedding_size: the embeddings' width, projected to hidden_size when the two differ.
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomic-write.js';
import { parseJson } from '../io/json-file.js';

export type HiddenAct = 'gelu' | 'gelu_new' | 'relu';
/** 'sinusoidal' (the fixed sin/cos table of the original Transformer) is a bertkit option. */
export type PositionEmbeddingType = 'absolute' | 'sinusoidal';
export type ProblemType = 'regression' | 'single_label_classification' | 'multi_label_classification';

export type ModelType = 'bert' | 'electra';

export interface BertConfig {
  model_type: ModelType;
  /** ELECTRA only: the width of the embeddings (HF ElectraConfig); BERT's is hidden_size. */
  embedding_size?: number;
  architectures?: string[];
  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  hidden_act: HiddenAct;
  hidden_dropout_prob: number;
  attention_probs_dropout_prob: number;
  max_position_embeddings: number;
  type_vocab_size: number;
  initializer_range: number;
  layer_norm_eps: number;
  pad_token_id: number;
  position_embedding_type: PositionEmbeddingType;
  use_cache?: boolean;
  classifier_dropout?: number | null;
  id2label?: Record<string, string>;
  label2id?: Record<string, number>;
  problem_type?: ProblemType;
  /** Fields this version does not interpret, kept so that a round trip loses nothing. */
  [extra: string]: unknown;
}

/** Hugging Face's BertConfig defaults (bert-base-uncased). */
export const BERT_DEFAULTS: BertConfig = {
  model_type: 'bert',
  vocab_size: 30522,
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  max_position_embeddings: 512,
  type_vocab_size: 2,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
  pad_token_id: 0,
  position_embedding_type: 'absolute',
};

/** Hugging Face's ElectraConfig defaults (google/electra-small-discriminator). */
export const ELECTRA_DEFAULTS: BertConfig = {
  ...BERT_DEFAULTS,
  model_type: 'electra',
  embedding_size: 128,
  hidden_size: 256,
  num_attention_heads: 4,
  intermediate_size: 1024,
};

/** The config with hidden and attention dropout `dropout` (HF's hidden_dropout_prob and attention_probs_dropout_prob); unchanged when undefined. */
export function withDropout(config: BertConfig, dropout: number | undefined): BertConfig {
  if (dropout === undefined) return config;
  if (!(dropout >= 0 && dropout < 1)) throw new Error(`dropout must be in [0, 1), got ${dropout}`);
  return { ...config, hidden_dropout_prob: dropout, attention_probs_dropout_prob: dropout };
}

/** The width of the embedding tables: embedding_size for ELECTRA, hidden_size for BERT. */
export function embeddingSizeOf(config: BertConfig): number {
  return config.model_type === 'electra' ? config.embedding_size ?? config.hidden_size : config.hidden_size;
}

const HIDDEN_ACTS: readonly string[] = ['gelu', 'gelu_new', 'relu'];
const POSITION_TYPES: readonly string[] = ['absolute', 'sinusoidal'];
const PROBLEM_TYPES: readonly string[] = ['regression', 'single_label_classification', 'multi_label_classification'];

/** Number of labels as HF derives it: from id2label when present. */
export function numLabels(config: BertConfig): number {
  return config.id2label ? Object.keys(config.id2label).length : 2;
}

/** Fills defaults and validates; `source` names the file in errors. */
export function parseBertConfig(raw: unknown, source = 'config.json'): BertConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${source}: must be a JSON object`);
  const fields = raw as Record<string, unknown>;
  if (fields.model_type !== undefined && fields.model_type !== 'bert' && fields.model_type !== 'electra') {
    throw new Error(`${source}: model_type is ${JSON.stringify(fields.model_type)}; bertkit reads BERT and ELECTRA models ("bert", "electra")`);
  }
  const electra = fields.model_type === 'electra';
  const config = { ...(electra ? ELECTRA_DEFAULTS : BERT_DEFAULTS), ...fields, model_type: electra ? 'electra' : 'bert' } as BertConfig;
  const fail = (field: string, wanted: string): never => {
    throw new Error(`${source}: ${field} must be ${wanted}, got ${JSON.stringify(config[field])}`);
  };
  for (const field of ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size', 'max_position_embeddings', 'type_vocab_size'] as const) {
    if (!Number.isInteger(config[field]) || (config[field] as number) < 1) fail(field, 'a positive integer');
  }
  if (electra && (!Number.isInteger(config.embedding_size) || config.embedding_size! < 1)) fail('embedding_size', 'a positive integer');
  if (!Number.isInteger(config.pad_token_id) || config.pad_token_id < 0 || config.pad_token_id >= config.vocab_size) {
    fail('pad_token_id', `an integer in [0, vocab_size=${config.vocab_size})`);
  }
  for (const field of ['hidden_dropout_prob', 'attention_probs_dropout_prob'] as const) {
    if (typeof config[field] !== 'number' || config[field] < 0 || config[field] >= 1) fail(field, 'a probability in [0, 1)');
  }
  for (const field of ['initializer_range', 'layer_norm_eps'] as const) {
    if (typeof config[field] !== 'number' || !(config[field] > 0)) fail(field, 'a positive number');
  }
  if (config.hidden_size % config.num_attention_heads !== 0) {
    throw new Error(`${source}: hidden_size ${config.hidden_size} is not a multiple of num_attention_heads ${config.num_attention_heads}`);
  }
  if (!HIDDEN_ACTS.includes(config.hidden_act)) fail('hidden_act', `one of ${HIDDEN_ACTS.join(', ')}`);
  if (!POSITION_TYPES.includes(config.position_embedding_type)) fail('position_embedding_type', `one of ${POSITION_TYPES.join(', ')}`);
  if (config.problem_type !== undefined && config.problem_type !== null && !PROBLEM_TYPES.includes(config.problem_type)) {
    fail('problem_type', `one of ${PROBLEM_TYPES.join(', ')}`);
  }
  normaliseLabels(config, source);
  return config;
}

/** id2label keys are strings in JSON; label2id is derived when absent and must agree when present. */
function normaliseLabels(config: BertConfig, source: string): void {
  if (config.id2label === undefined && config.label2id === undefined) return;
  if (config.id2label === undefined) {
    config.id2label = Object.fromEntries(Object.entries(config.label2id!).map(([label, id]) => [String(id), label]));
  }
  const ids = Object.keys(config.id2label).map(Number).sort((a, b) => a - b);
  if (!ids.every((id, i) => id === i)) throw new Error(`${source}: id2label keys must be 0..${ids.length - 1}, got ${Object.keys(config.id2label).join(', ')}`);
  const derived = Object.fromEntries(Object.entries(config.id2label).map(([id, label]) => [label, Number(id)]));
  if (config.label2id !== undefined) {
    for (const [label, id] of Object.entries(derived)) {
      if (config.label2id[label] !== id) throw new Error(`${source}: label2id[${JSON.stringify(label)}] is ${config.label2id[label]}, id2label says ${id}`);
    }
  }
  config.label2id = derived;
}

/**
 * The sequence length to run at: `requested` (what the user asked for) when the model's position table
 * holds it, else an error that says why not; without a request, `fallback` (a command's default)
 * capped by the table, so that a model with 64 positions runs at 64 where the default is 128.
 * Every command checks here, before any data is read or any ONNX graph is built.
 */
export function sequenceLengthFor(config: Pick<BertConfig, 'max_position_embeddings'>, requested: number | undefined, fallback: number, what = 'max sequence length'): number {
  const positions = config.max_position_embeddings;
  if (requested === undefined) return Math.min(fallback, positions);
  if (requested > positions) {
    throw new Error(`${what} ${requested} is more than the model's max_position_embeddings ${positions}: it has no position embedding beyond token ${positions}; use ${positions} or less`);
  }
  return requested;
}

export function readBertConfig(path: string): BertConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${path}: cannot read the model config (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseBertConfig(parseJson(text, path), path);
}

export function writeBertConfig(path: string, config: BertConfig): void {
  writeFileAtomic(path, new TextEncoder().encode(JSON.stringify(config, null, 2) + '\n'));
}
