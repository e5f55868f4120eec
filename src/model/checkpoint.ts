// Hugging Face model directories in and out: config.json + model.safetensors (or a sharded
// model.safetensors.index.json, or a torch.save pytorch_model.bin), matched to the parameters the
// model expects as from_pretrained does; saved back as config.json + model.safetensors (+ tokenizer).
// BERT and ELECTRA classes alike (config.json's model_type says which; architecture.ts lists them).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeDirectoryAtomic } from '../io/atomic-directory.js';
import { containedFile } from '../io/contained-file.js';
import { readPytorchBin } from '../io/pytorch-bin.js';
import { type NamedTensor, readSafetensors, writeSafetensors } from '../io/safetensors.js';
import { type LoadReport, matchStateDict } from '../io/state-dict.js';
import { ParameterStore } from '../runtime/parameters.js';
import type { BertTokenizer } from '../tokenizer/bert-tokenizer.js';
import { type BertHeads, type ModelArchitecture, architectureOf, basePrefixOf, detectArchitecture, headsOf } from './architecture.js';
import { bertParameterShapes } from './bert.js';
import { type BertConfig, embeddingSizeOf, readBertConfig, writeBertConfig } from './config.js';
import { tiesWordEmbeddings } from './heads.js';
import { sinusoidalTable } from './sinusoidal.js';
import { type SentenceEmbeddingLayout, writeSentenceTransformersFiles } from './sentence-transformers.js';
import { initialParameters } from './initial-parameters.js';
import { readJsonFile } from '../io/json-file.js';

/** A model in memory: what the graph builders, the runtime and saveBert need. */
export interface BertModelState {
  readonly config: BertConfig;
  readonly heads: BertHeads;
  /** Every parameter of the model by its HF name (the tied MLM decoder is the word-embedding table). */
  readonly parameters: ParameterStore;
}

export interface LoadedBert extends BertModelState {
  /** The HF class of the loaded model (the checkpoint's, unless `heads` asked for another). */
  readonly architecture: ModelArchitecture;
  /** Missing parameters (initialised as HF does) and checkpoint tensors left unused. */
  readonly report: LoadReport;
  /** The weights file read. */
  readonly weightsFile: string;
}

export interface LoadBertOptions {
  /** Load into a model with these heads (e.g. a pretrained encoder into a classifier); default: the checkpoint's. */
  readonly heads?: BertHeads;
  /** Seed of the initialiser for missing parameters (default 0). */
  readonly seed?: number;
  /** Receives HF's warnings about missing and unused weights; default console.warn. */
  readonly warn?: (message: string) => void;
}

/** The weights files of a model directory, in the order they are looked for. */
export const WEIGHT_FILES = ['model.safetensors', 'model.safetensors.index.json', 'pytorch_model.bin'] as const;

/** Reads every tensor of the directory's weights file, the first of WEIGHT_FILES present. */
export function readCheckpointTensors(dir: string): { tensors: Map<string, NamedTensor>; file: string } {
  const found = WEIGHT_FILES.map((name) => join(dir, name)).find((path) => existsSync(path));
  if (found === undefined) throw new Error(`${dir}: no weights found (looked for ${WEIGHT_FILES.join(', ')})`);
  if (found.endsWith('.bin')) return { tensors: readPytorchBin(found), file: found };
  if (found.endsWith('.safetensors')) return { tensors: readSafetensors(found).tensors, file: found };
  return { tensors: readShardedSafetensors(dir, found), file: found };
}

/** model.safetensors.index.json: {"weight_map": {tensor name: shard file}}. */
function readShardedSafetensors(dir: string, indexPath: string): Map<string, NamedTensor> {
  const weightMap = (readJsonFile(indexPath) as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || !Object.values(weightMap).every((file) => typeof file === 'string')) {
    throw new Error(`${indexPath}: weight_map must be an object of tensor name → shard file name`);
  }
  const wanted = weightMap as Record<string, string>;
  const tensors = new Map<string, NamedTensor>();
  for (const shard of new Set(Object.values(wanted))) {
    // The index is untrusted: its names must not reach files outside the model (../../etc/passwd) or block (a FIFO).
    const shardPath = containedFile(dir, shard, `${indexPath}: weight_map's shard`);
    for (const [name, tensor] of readSafetensors(shardPath).tensors) if (wanted[name] === shard) tensors.set(name, tensor);
  }
  for (const name of Object.keys(wanted)) {
    if (!tensors.has(name)) throw new Error(`${indexPath}: ${name} is not in its shard ${wanted[name]}`);
  }
  return tensors;
}

/**
 * Checkpoint tensors HF's BERT classes consume without reporting them: the tied decoder's own copies
 * (they load into the shared table), the old position_ids buffer, and a pooler where the class has
 * none (its _keys_to_ignore_on_load_unexpected).
 */
function silentlyIgnored(name: string, heads: BertHeads, config: BertConfig): boolean {
  const base = `(${config.model_type}\\.)?`;
  if (new RegExp(`^${base}embeddings\\.position_ids$`).test(name)) return true;
  if (!heads.pooler && new RegExp(`^${base}pooler\\.`).test(name)) return true;
  if (heads.maskedLm && name === 'cls.predictions.decoder.bias') return true;
  if (config.position_embedding_type === 'sinusoidal' && new RegExp(`^${base}embeddings\\.position_embeddings\\.weight$`).test(name)) return true;
  return heads.maskedLm && tiesWordEmbeddings(config) && (name === 'cls.predictions.decoder.weight' || name === 'generator_lm_head.weight');
}

/** Loads a Hugging Face BERT directory (config.json + weights), as from_pretrained does. */
export async function loadBert(dir: string, options: LoadBertOptions = {}): Promise<LoadedBert> {
  const config = readBertConfig(join(dir, 'config.json'));
  const { tensors: checkpoint, file } = readCheckpointTensors(dir);
  const checkpointArchitecture = detectArchitecture(config, checkpoint.keys(), join(dir, 'config.json'));
  const heads = options.heads ?? headsOf(checkpointArchitecture);
  const architecture = architectureOf(heads, config.model_type);
  const expected = bertParameterShapes(config, heads);
  const { tensors, report: matched } = matchStateDict(checkpoint, expected, {
    source: file,
    basePrefix: `${config.model_type}.`,
    aliases: new Map([['cls.predictions.bias', 'cls.predictions.decoder.bias']]),
  });
  const report: LoadReport = { missing: matched.missing, unexpected: matched.unexpected.filter((name) => !silentlyIgnored(name, heads, config)) };

  const { parameters } = initialParameters(config, heads, options.seed ?? 0, (name) => tensors.get(name)?.data as Float32Array | undefined);

  const warn = options.warn ?? ((message: string) => console.warn(message));
  if (report.unexpected.length > 0) {
    warn(`Some weights of the model checkpoint at ${dir} were not used when initializing ${architecture}: [${report.unexpected.join(', ')}]`);
  }
  if (report.missing.length > 0) {
    warn(`Some weights of ${architecture} were not initialized from the model checkpoint at ${dir} and are newly initialized: [${report.missing.join(', ')}]\n`
      + 'You should probably TRAIN this model on a down-stream task to be able to use it for predictions and inference.');
  }
  return { config, heads, parameters, architecture, report, weightsFile: file };
}

export interface SaveBertOptions {
  /** Written beside the model (vocab.txt, tokenizer.json, tokenizer_config.json, special_tokens_map.json). */
  readonly tokenizer?: BertTokenizer;
  /** A sentence-embedding model: also the sentence-transformers files naming its pooling (sentence-transformers.ts). */
  readonly sentenceEmbedding?: SentenceEmbeddingLayout;
}

/**
 * Writes config.json (architectures set from the heads) and model.safetensors with HF names and
 * HF's {"format": "pt"} metadata, which transformers requires; the tied decoder is not a separate
 * tensor, so it is not saved, as in HF. A sinusoidal model also saves its fixed table as learned
 * position embeddings, so that transformers (which knows no sinusoidal option) computes the same. The files are staged
 * beside the target and renamed into place, config.json last (writeDirectoryAtomic).
 */
export function saveBert(dir: string, model: BertModelState, options: SaveBertOptions = {}): void {
  const expected = bertParameterShapes(model.config, model.heads);
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, shape] of expected) {
    if (!model.parameters.has(name)) throw new Error(`saveBert: the model has no value for ${name} [${shape.join(', ')}]`);
    const stored = model.parameters.entry(name);
    if (stored.shape.length !== shape.length || stored.shape.some((dim, axis) => dim !== shape[axis])) {
      throw new Error(`saveBert: ${name} has shape [${stored.shape.join(', ')}], the config expects [${shape.join(', ')}]`);
    }
    tensors.set(name, { shape, data: stored.data });
  }
  if (model.config.position_embedding_type === 'sinusoidal') {
    // transformers has no sinusoidal option and builds learned positions: give them the fixed table.
    const positions = model.config.max_position_embeddings, hidden = embeddingSizeOf(model.config);
    tensors.set(`${basePrefixOf(model.heads, model.config.model_type)}embeddings.position_embeddings.weight`, { shape: [positions, hidden], data: sinusoidalTable(positions, hidden) });
  }
  // Staged, then moved in (io/atomic-directory.ts): a failure while writing leaves `dir` as it was, and
  // only the model's files are replaced, so a training run's OUTPUT keeps its log and checkpoints.
  writeDirectoryAtomic(dir, (staging) => {
    writeSafetensors(join(staging, 'model.safetensors'), tensors, { format: 'pt' });
    options.tokenizer?.save(staging);
    if (options.sentenceEmbedding !== undefined) writeSentenceTransformersFiles(staging, options.sentenceEmbedding);
    writeBertConfig(join(staging, 'config.json'), { ...model.config, architectures: [architectureOf(model.heads, model.config.model_type)] });
  }, { replace: 'files', last: 'config.json' });
}

