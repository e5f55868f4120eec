// Sentence embeddings from token states: the [CLS] state, or the mean over real tokens
// (padding excluded, as sentence-transformers and transformers.js's 'mean' pooling do). On the host
// for inference, and as graph ops for training a sentence-embedding model.
import { cast, div, maximum, mul, reduceSum, slice, squeeze, unsqueeze } from '../graph/ops.js';
import type { Tensor } from '../graph/tensor.js';

export type Pooling = 'cls' | 'mean';

/**
 * The mean over each row's real tokens, in the graph (sentence-transformers' Pooling with
 * pooling_mode_mean_tokens):
 *   Σₜ h[b, t]·mask[b, t] / max(Σₜ mask[b, t], 1e-9)    hidden [batch, seq, width], mask int64 [batch, seq] → [batch, width]
 */
export function meanPool(hidden: Tensor, attentionMask: Tensor): Tensor {
  const mask = unsqueeze(cast(attentionMask, 'float32'), [-1]); // [batch, seq, 1]
  return div(reduceSum(mul(hidden, mask), [1]), maximum(reduceSum(mask, [1]), 1e-9));
}

/** `pooling` in the graph: meanPool, or the [CLS] state h[:, 0]. [batch, seq, width] → [batch, width] */
export function pool(hidden: Tensor, attentionMask: Tensor, pooling: Pooling): Tensor {
  return pooling === 'cls' ? squeeze(slice(hidden, [0], [1], { axes: [1] }), [1]) : meanPool(hidden, attentionMask);
}

/**
 * hidden: [batch, seq, width] row-major; mask: [batch, seq] (1 = token). Returns one
 * Float32Array [width] per row, L2-normalised when `normalize` is set.
 */
export function poolRows(hidden: Float32Array, mask: BigInt64Array, dims: readonly number[], pooling: Pooling, normalize: boolean): Float32Array[] {
  const [batch, seq, width] = dims as [number, number, number];
  const rows: Float32Array[] = [];
  for (let b = 0; b < batch; b++) {
    const pooled = new Float32Array(width);
    if (pooling === 'cls') {
      pooled.set(hidden.subarray(b * seq * width, b * seq * width + width));
    } else {
      // Sum in float64: long texts would otherwise lose low bits.
      const sum = new Float64Array(width);
      let count = 0;
      for (let t = 0; t < seq; t++) {
        if (mask[b * seq + t] === 0n) continue;
        count++;
        const offset = (b * seq + t) * width;
        for (let i = 0; i < width; i++) sum[i]! += hidden[offset + i]!;
      }
      for (let i = 0; i < width; i++) pooled[i] = sum[i]! / Math.max(count, 1);
    }
    if (normalize) {
      let norm = 0;
      for (let i = 0; i < width; i++) norm += pooled[i]! * pooled[i]!;
      const scale = 1 / Math.max(Math.sqrt(norm), 1e-12);
      for (let i = 0; i < width; i++) pooled[i]! *= scale;
    }
    rows.push(pooled);
  }
  return rows;
}

/** Σ aᵢ·bᵢ: the cosine of two L2-normalised embeddings. */
export function dotProduct(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}
