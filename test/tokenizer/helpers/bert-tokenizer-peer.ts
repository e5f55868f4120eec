// The independent reference for BertTokenizer tests: transformers.js (@huggingface/transformers v4)
// loading a model directory, and real sentence pairs (GLUE RTE) and sentences (SST-2) from ../shared.
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import { sharedPath } from '../../helpers/shared.js';

export const UNCASED_DIR = 'data/vocab/bert-base-uncased';

/** transformers.js's tokenizer for a local model directory (it reads tokenizer.json + tokenizer_config.json). */
export async function loadPeer(dir: string): Promise<PreTrainedTokenizer> {
  const absolute = resolve(dir);
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${dirname(absolute)}/`;
  return AutoTokenizer.from_pretrained(basename(absolute));
}

export interface PeerEncoding {
  input_ids: number[];
  attention_mask: number[];
  token_type_ids: number[];
}

/** The peer's encoding of a text or pair, as plain arrays. */
export function peerEncode(peer: PreTrainedTokenizer, text: string, pair: string | null, options: Record<string, unknown> = {}): PeerEncoding {
  return peer(text, { text_pair: pair, return_tensor: false, return_token_type_ids: true, ...options }) as unknown as PeerEncoding;
}

/**
 * `count` RTE pairs spread over the file (every k-th row), read as GLUE says: split on tabs,
 * no quote handling. Columns: sentence1, sentence2, label, idx.
 */
export function rtePairs(count: number): [string, string][] {
  const rows = readFileSync(sharedPath('data/rte/train.tsv'), 'utf8').split('\n').slice(1).filter((line) => line !== '');
  const step = Math.max(1, Math.floor(rows.length / count));
  const pairs: [string, string][] = [];
  for (let i = 0; i < rows.length && pairs.length < count; i += step) {
    const [first, second] = rows[i]!.split('\t');
    pairs.push([first!, second!]);
  }
  return pairs;
}

/** `count` SST-2 sentences spread over the file (column `sentence`). */
export function sst2Sentences(count: number): string[] {
  const rows = readFileSync(sharedPath('data/sst2/train.tsv'), 'utf8').split('\n').slice(1).filter((line) => line !== '');
  const step = Math.max(1, Math.floor(rows.length / count));
  const sentences: string[] = [];
  for (let i = 0; i < rows.length && sentences.length < count; i += step) sentences.push(rows[i]!.split('\t')[0]!);
  return sentences;
}
