// Batches of token rows, padded only to their own longest row (dynamic padding). For corpus-scale
// inference and dev-set scoring the rows are sorted by length first, so that each batch wastes
// little compute on padding; results are put back in input order by the caller through the indices
// each batch carries. Fine-tuning pads its shuffled batches with the same padRows.
import type { BertBatch } from './runner.js';

/**
 * What one ONNX Runtime run costs beyond its padded tokens, in tokens: measured on this project's
 * 2-core machine as run time ≈ a + b × rows × longest, a/b ≈ 15 tokens for BERT-base fp32
 * (18 ms + 1.2 ms per token) and ≈ 30 for bert-tiny (0.35 ms + 0.012 ms per token), before the
 * per-run feeds and worker round trip, which weigh more on small models.
 */
export const RUN_OVERHEAD_TOKENS = 32;

/**
 * Groups input indices into batches of at most `batchSize`. With `sortByLength`, longest first
 * (the largest batch runs, and fails for memory, first), cut where it costs least: a batch of 16
 * texts mixing 10- and 50-token ones pads 5× the tokens of its short ones, so the sorted rows are
 * split into runs that minimise Σ (RUN_OVERHEAD_TOKENS + rows × longest), by dynamic programming.
 * Without sorting, input order in batches of `batchSize`.
 */
export function planBatches(lengths: readonly number[], batchSize: number, sortByLength: boolean): number[][] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  const order = lengths.map((_, index) => index);
  if (!sortByLength) {
    const batches: number[][] = [];
    for (let start = 0; start < order.length; start += batchSize) batches.push(order.slice(start, start + batchSize));
    return batches;
  }
  order.sort((a, b) => lengths[b]! - lengths[a]! || a - b);
  return cheapestRuns(order.map((index) => lengths[index]!), batchSize).map(([start, end]) => order.slice(start, end));
}

/**
 * [start, end) runs over lengths sorted longest first, at most `maxRows` each, minimising the
 * padded tokens plus RUN_OVERHEAD_TOKENS per run: cost[end] = min over start of
 * cost[start] + overhead + (end − start) × sorted[start]. O(rows × maxRows).
 */
function cheapestRuns(sorted: readonly number[], maxRows: number): Array<[number, number]> {
  const n = sorted.length;
  const cost = new Float64Array(n + 1).fill(Infinity);
  const cut = new Int32Array(n + 1);
  cost[0] = 0;
  for (let end = 1; end <= n; end++) {
    for (let start = Math.max(0, end - maxRows); start < end; start++) {
      const total = cost[start]! + RUN_OVERHEAD_TOKENS + (end - start) * sorted[start]!;
      if (total <= cost[end]!) { // on a tie the later start: earlier runs full, as fixed batches are
        cost[end] = total;
        cut[end] = start;
      }
    }
  }
  const runs: Array<[number, number]> = [];
  for (let end = n; end > 0; end = cut[end]!) runs.push([cut[end]!, end]);
  return runs.reverse();
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
