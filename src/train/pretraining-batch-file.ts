// An explicit pretraining batch in JSON, as the fixtures' inputs.json: input_ids, token_type_ids,
// attention_mask (2-D), mlm_labels (2-D, −100 = not predicted), nsp_labels (1-D). `bertkit pretrain
// --batch` trains on it, the same batch at every step.
import type { PretrainingBatch } from '../data/pretraining-dataset.js';
import { parseBatch } from '../model/batch-file.js';
import type { BertConfig } from '../model/config.js';
import type { PretrainingBatchSource } from './pretrain.js';
import { readJsonFile } from '../io/json-file.js';

type Limits = Pick<BertConfig, 'vocab_size' | 'type_vocab_size' | 'max_position_embeddings'>;

export function readPretrainingBatchFile(path: string, limits: Limits, nsp: boolean): PretrainingBatch {
  const raw = readJsonFile(path);
  const batch = parseBatch(raw, limits, path);
  const { batchSize, seqLength } = batch;
  const fields = raw as Record<string, unknown>;
  const mlm = fields.mlm_labels;
  if (!Array.isArray(mlm) || mlm.length !== batchSize) throw new Error(`${path}: mlm_labels must be a 2-D array of ${batchSize} rows (as input_ids)`);
  const labels = new BigInt64Array(batchSize * seqLength);
  const positions: bigint[] = [];
  mlm.forEach((row: unknown, b) => {
    if (!Array.isArray(row) || row.length !== seqLength) throw new Error(`${path}: mlm_labels[${b}] must be an array of ${seqLength} integers`);
    row.forEach((label: unknown, t) => {
      if (!Number.isInteger(label) || (label !== -100 && ((label as number) < 0 || (label as number) >= limits.vocab_size))) {
        throw new Error(`${path}: mlm_labels[${b}][${t}] must be -100 or a token id in [0, ${limits.vocab_size}), got ${JSON.stringify(label)}`);
      }
      labels[b * seqLength + t] = BigInt(label as number);
      if (label !== -100) positions.push(BigInt(b * seqLength + t));
    });
  });
  if (positions.length === 0) throw new Error(`${path}: mlm_labels predicts no position (every label is -100)`);
  const nspLabels = fields.nsp_labels;
  if (nsp && (!Array.isArray(nspLabels) || nspLabels.length !== batchSize || !nspLabels.every((l) => l === 0 || l === 1))) {
    throw new Error(`${path}: nsp_labels must be an array of ${batchSize} labels, each 0 (B follows A) or 1 (random B)`);
  }
  return {
    input_ids: batch.inputIds,
    token_type_ids: batch.tokenTypeIds ?? new BigInt64Array(batchSize * seqLength),
    attention_mask: batch.attentionMask ?? new BigInt64Array(batchSize * seqLength).fill(1n),
    labels,
    masked_lm_positions: BigInt64Array.from(positions),
    next_sentence_label: nsp ? BigInt64Array.from(nspLabels as number[], BigInt) : new BigInt64Array(batchSize),
    batchSize,
    seqLength,
  };
}

/** The same batch at every step (copies: the training worker takes ownership of what it is given). */
export class FixedBatchSource implements PretrainingBatchSource {
  private served = 0;

  constructor(private readonly batch: PretrainingBatch) {}

  nextBatch(batchSize: number): PretrainingBatch {
    if (batchSize !== this.batch.batchSize) throw new Error(`the explicit batch has ${this.batch.batchSize} rows; --batch-size asks for ${batchSize}`);
    this.served++;
    const b = this.batch;
    return {
      ...b,
      input_ids: b.input_ids.slice(), token_type_ids: b.token_type_ids.slice(), attention_mask: b.attention_mask.slice(),
      labels: b.labels.slice(), masked_lm_positions: b.masked_lm_positions.slice(), next_sentence_label: b.next_sentence_label.slice(),
    };
  }

  state(): { served: number } {
    return { served: this.served };
  }

  restore(state: unknown): void {
    const served = (state as { served?: unknown } | null)?.served;
    if (!Number.isInteger(served)) throw new Error(`FixedBatchSource.restore: expected {"served": integer}, got ${JSON.stringify(state)}`);
    this.served = served as number;
  }
}
