// Vocabulary extension for domain-adaptive pretraining, as transformers does it:
//   tokenizer.add_tokens(new_tokens)       new tokens become added tokens (matched whole, normalized
//                                          like the text) with ids after the vocabulary
//   model.resize_token_embeddings(len(tok)) new word-embedding rows drawn from N(μ, 1e-9·Σ), μ and Σ
//                                          the old rows' mean and covariance (mean_resizing=True;
//                                          the mean itself when 1e-9·Σ is not positive definite);
//                                          the tied decoder's bias is padded with zeros
// An untied decoder (tie_word_embeddings: false) gets its new rows the same way.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Graph } from '../graph/graph.js';
import { matmul, transpose } from '../graph/ops.js';
import type { BertHeads } from '../model/architecture.js';
import { basePrefixOf } from '../model/architecture.js';
import { type BertConfig, embeddingSizeOf } from '../model/config.js';
import { ParameterStore } from '../runtime/parameters.js';
import { Rng } from '../runtime/rng.js';
import { Session } from '../runtime/session.js';
import { addedToken } from '../tokenizer/added-tokens.js';
import { BertTokenizer } from '../tokenizer/bert-tokenizer.js';
import { BERT_DECODER } from '../tokenizer/decoder.js';
import { writeTokenizerFiles } from '../tokenizer/tokenizer-files.js';
import { Vocab } from '../tokenizer/vocab.js';

/** One token per line; blank lines and lines starting with '#' are skipped. */
export function readTokenList(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${path}: cannot read the token list (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const tokens: string[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const token = line.trim();
    if (token === '' || token.startsWith('#')) return;
    if (/\s/.test(token)) throw new Error(`${path}:${index + 1}: a token must not contain whitespace, got ${JSON.stringify(token)}`);
    tokens.push(token);
  });
  return tokens;
}

/**
 * The tokenizer with `tokens` added (HF add_tokens: tokens already in the vocabulary and repeats are
 * skipped) and the tokens actually added, in id order.
 */
export function addTokens(tokenizer: BertTokenizer, tokens: readonly string[]): { tokenizer: BertTokenizer; added: string[] } {
  const added: string[] = [];
  for (const token of tokens) if (tokenizer.vocab.id(token) === undefined && !added.includes(token)) added.push(token);
  if (added.length === 0) return { tokenizer, added };
  const base = tokenizer.vocab.size;
  const vocab = Vocab.fromTokens([...tokenizer.vocab.tokens, ...added], tokenizer.vocab.source);
  const addedTokens = [...tokenizer.addedTokens, ...added.map((content, i) => ({ ...addedToken(content), id: base + i }))];
  // BertTokenizer is built from files: write the extended definition and read it back.
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-added-tokens-'));
  try {
    writeTokenizerFiles(dir, {
      vocab, config: { ...tokenizer.config }, addedTokens, template: tokenizer.postProcessor,
      decoder: { ...BERT_DECODER, prefix: tokenizer.config.continuingSubwordPrefix },
    });
    return { tokenizer: BertTokenizer.fromPretrained(dir), added };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ResizableModel {
  readonly config: BertConfig;
  readonly heads: BertHeads;
  readonly parameters: ParameterStore;
}

/** The model with vocab_size `size` (≥ the current one): new embedding rows and bias entries as transformers initialises them. */
export async function resizeTokenEmbeddings<M extends ResizableModel>(model: M, size: number, seed: number): Promise<M> {
  const old = model.config.vocab_size;
  if (!Number.isInteger(size) || size < old) throw new Error(`resizeTokenEmbeddings: new size ${size} must be an integer ≥ the current vocab_size ${old}`);
  if (size === old) return model;
  const prefix = basePrefixOf(model.heads, model.config.model_type);
  const hidden = embeddingSizeOf(model.config);
  const rng = new Rng(seed, Rng.streamOf('resize_token_embeddings'));
  const parameters = new ParameterStore();
  for (const { name, shape, data } of model.parameters.entries()) {
    if (name === `${prefix}embeddings.word_embeddings.weight` || name === 'cls.predictions.decoder.weight') {
      parameters.add(name, [size, hidden], await growEmbeddingRows(data, old, hidden, size - old, rng));
    } else if (name === 'cls.predictions.bias' || name === 'cls.predictions.decoder.bias') {
      const bias = new Float32Array(size);
      bias.set(data);
      parameters.add(name, [size], bias);
    } else {
      parameters.add(name, shape, data);
    }
  }
  return { ...model, config: { ...model.config, vocab_size: size }, parameters };
}

/** table [rows, hidden] followed by `extra` rows ~ N(μ, 1e-9·Σ) of the old rows. */
async function growEmbeddingRows(table: Float32Array, rows: number, hidden: number, extra: number, rng: Rng): Promise<Float32Array> {
  const mean = new Float64Array(hidden);
  for (let r = 0; r < rows; r++) for (let h = 0; h < hidden; h++) mean[h] += table[r * hidden + h]!;
  for (let h = 0; h < hidden; h++) mean[h] /= rows;
  const centered = new Float32Array(rows * hidden);
  for (let i = 0; i < centered.length; i++) centered[i] = table[i]! - mean[i % hidden]!;
  const covariance = await gram(centered, rows, hidden); // Σ·rows, [hidden, hidden]
  const scaled = Float64Array.from(covariance, (value) => (value / rows) * 1e-9);
  const factor = cholesky(scaled, hidden);
  const out = new Float32Array((rows + extra) * hidden);
  out.set(table.subarray(0, rows * hidden));
  const z = new Float64Array(hidden);
  for (let r = 0; r < extra; r++) {
    const row = out.subarray((rows + r) * hidden, (rows + r + 1) * hidden);
    if (factor === undefined) {
      row.set(mean);
      continue;
    }
    for (let h = 0; h < hidden; h++) z[h] = rng.normal();
    for (let i = 0; i < hidden; i++) {
      let sum = mean[i]!;
      for (let j = 0; j <= i; j++) sum += factor[i * hidden + j]! * z[j]!;
      row[i] = sum;
    }
  }
  return out;
}

/** cᵀc for c [rows, hidden], by ONNX Runtime's MatMul (a JS loop would take seconds for BERT-base's 30522 × 768). */
async function gram(centered: Float32Array, rows: number, hidden: number): Promise<Float32Array> {
  const graph = new Graph();
  const c = graph.input('c', 'float32', [rows, hidden]);
  graph.output('gram', matmul(transpose(c, [1, 0]), c));
  const session = await Session.create(graph);
  try {
    return (await session.run({ c: { data: centered, dims: [rows, hidden] } })).gram!.data as Float32Array;
  } finally {
    await session.dispose();
  }
}

/** Lower-triangular L with L·Lᵀ = a [n, n]; undefined when `a` is not positive definite (torch's check). */
function cholesky(a: Float64Array, n: number): Float64Array | undefined {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (!(sum > 0)) return undefined;
        l[i * n + i] = Math.sqrt(sum);
      } else {
        l[i * n + j] = sum / l[j * n + j]!;
      }
    }
  }
  return l;
}
