// The sentence-transformers layout of a sentence-embedding model: the BertModel directory as it is
// (module 0, the Transformer, at the root), plus the files that name the pooling the embeddings take
// (module 1, 1_Pooling/config.json). sentence-transformers loads such a directory as a
// SentenceTransformer, and TEI and bertkit serve read its pooling from 1_Pooling/config.json.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFile } from '../io/json-file.js';
import type { Pooling } from './pooling.js';

export interface SentenceEmbeddingLayout {
  readonly pooling: Pooling;
  /** The embedding width (hidden_size). */
  readonly width: number;
  /** Tokens per text the model was trained at (sentence_bert_config.json's max_seq_length). */
  readonly maxSeqLength: number;
}

/** Writes modules.json, sentence_bert_config.json, config_sentence_transformers.json and 1_Pooling/config.json into `dir`. */
export function writeSentenceTransformersFiles(dir: string, layout: SentenceEmbeddingLayout): void {
  const json = (path: string, value: unknown): void => writeFileSync(join(dir, path), `${JSON.stringify(value, null, 2)}\n`);
  json('modules.json', [
    { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
    { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
  ]);
  json('sentence_bert_config.json', { max_seq_length: layout.maxSeqLength, do_lower_case: false });
  json('config_sentence_transformers.json', { prompts: {}, default_prompt_name: null, similarity_fn_name: 'cosine' });
  mkdirSync(join(dir, '1_Pooling'), { recursive: true });
  json(join('1_Pooling', 'config.json'), {
    word_embedding_dimension: layout.width,
    pooling_mode_cls_token: layout.pooling === 'cls',
    pooling_mode_mean_tokens: layout.pooling === 'mean',
    pooling_mode_max_tokens: false,
    pooling_mode_mean_sqrt_len_tokens: false,
    pooling_mode_weightedmean_tokens: false,
    pooling_mode_lasttoken: false,
    include_prompt: true,
  });
}

/**
 * The pooling a sentence-transformers directory names in 1_Pooling/config.json (TEI reads it too);
 * cls or mean are what bertkit pools. Without the file: undefined.
 */
export function sentenceTransformersPooling(dir: string): Pooling | undefined {
  const path = join(dir, '1_Pooling', 'config.json');
  if (!existsSync(path)) return undefined;
  const config = readJsonFile(path) as { pooling_mode_cls_token?: unknown; pooling_mode_mean_tokens?: unknown } | null;
  if (config?.pooling_mode_cls_token === true) return 'cls';
  if (config?.pooling_mode_mean_tokens === true) return 'mean';
  throw new Error(`${path}: bertkit pools by cls or mean tokens; this file asks for neither (set --pooling)`);
}
