// Batches of token rows, padded only to their own longest row (dynamic padding). For corpus-scale
// inference and dev-set scoring the rows are sorted by length first, so that each batch wastes
// little compute on padding; results are put back in input order by the caller through the indices
// each batch carries. Fine-tuning pads its shuffled batches with the same padRows.
import type { BertBatch } from './runner.js';

/**
 * Groups input indices into batches of at most `batchSize`. With `sortByLength`, longest first
 * (the largest batch runs, and fails for memory, first); otherwise in input order.
 */
export function planBatches(lengths: readonly number[], batchSize: number, sortByLength: boolean): number[][] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  const order = lengths.map((_, index) => index);
  if (sortByLength) order.sort((a, b) => lengths[b]! - lengths[a]! || a - b);
  const batches: number[][] = [];
  for (let start = 0; start < order.length; start += batchSize) batches.push(order.slice(start, start + batchSize));
  return batches;
}

/** One row of token ids before padding (a tokenizer Encoding, or a task feature's ids). */
export interface TokenRow {
  readonly ids: ArrayLike<number>;
  readonly typeIds: ArrayLike<number>;
}

/** Pads rows to the longest of them: ids with `padId`, segment 0, attention mask 0. */
export function padRows(rows: readonly TokenRow[], padId: number): BertBatch {
  const seqLength = Math.max(...rows.map((row) => row.ids.length));
  const size = rows.length * seqLength;
  const inputIds = new BigInt64Array(size).fill(BigInt(padId));
  const tokenTypeIds = new BigInt64Array(size);
  const attentionMask = new BigInt64Array(size);
  rows.forEach((row, r) => {
    const offset = r * seqLength;
    for (let t = 0; t < row.ids.length; t++) {
      inputIds[offset + t] = BigInt(row.ids[t]!);
      tokenTypeIds[offset + t] = BigInt(row.typeIds[t]!);
      attentionMask[offset + t] = 1n;
    }
  });
  return { batchSize: rows.length, seqLength, inputIds, tokenTypeIds, attentionMask };
}
