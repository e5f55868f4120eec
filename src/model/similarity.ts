// The training loss of a sentence-embedding model, as sentence-transformers trains one on scored
// pairs (a bi-encoder: each text is encoded alone, and the cosine of the two embeddings is the
// prediction). Both texts of every pair go through one encoder pass: the batch holds the pairs'
// first texts, then their second texts, so rows i and pairs + i are pair i.
import { cosentLoss, div, maximum, mul, reduceSum, reshape, slice, sqrt, squeeze } from '../graph/ops.js';
import type { Tensor } from '../graph/tensor.js';
import { type Pooling, pool } from './pooling.js';

/** Row-wise cosine similarity (torch's cos_sim of normalised rows): a, b [n, width] → [n]. */
export function cosineSimilarity(a: Tensor, b: Tensor): Tensor {
  const norm = (x: Tensor): Tensor => sqrt(reduceSum(mul(x, x), [1]));
  return div(reduceSum(mul(a, b), [1]), maximum(mul(norm(a), norm(b)), 1e-12));
}

/**
 * The bi-encoder's loss on the encoder's last hidden state [2·pairs, seq, hidden], its int64
 * attention_mask [2·pairs, seq] and the input `labels` float32 [pairs] (the pairs' scores, any scale):
 *   e = pool(h_L, attention_mask)               [2·pairs, hidden]   (mean over tokens, or [CLS])
 *   s = cos(e[0 : pairs], e[pairs : 2·pairs])   [pairs]
 *   loss = CoSENT(s, labels)                    (graph/ops/losses.ts)
 */
export function similarityLoss(hidden: Tensor, attentionMask: Tensor, pooling: Pooling = 'mean'): { loss: Tensor; labels: Tensor } {
  const labels = hidden.graph.input('labels', 'float32', ['pairs']);
  const width = hidden.shape[2]!;
  const halves = reshape(pool(hidden, attentionMask, pooling), [2, 'pairs', width], labels); // [2, pairs, hidden]
  const half = (index: number): Tensor => squeeze(slice(halves, [index], [index + 1], { axes: [0] }), [0]);
  return { loss: cosentLoss(cosineSimilarity(half(0), half(1)), labels), labels };
}
