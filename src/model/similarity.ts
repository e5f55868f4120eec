// The training losses of sentence embeddings (a bi-encoder: each text is encoded alone, and the
// cosine of the two embeddings compares them): CoSENT on scored pairs, as sentence-transformers
// trains one, and SimCSE's in-batch contrastive loss on two views of each text, a pretraining term.
// Both texts of every pair go through one encoder pass: the batch holds the pairs' first texts, then
// their second texts, so rows i and pairs + i are pair i.
import { add, arange, cosentLoss, div, gatherElements, logSoftmax, matmul, maximum, mul, neg, reduceMean, reduceSum, reshape, slice, sqrt, squeeze, transpose, unsqueeze } from '../graph/ops.js';
import type { Tensor } from '../graph/tensor.js';
import { type Pooling, meanPool, pool } from './pooling.js';

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
  const [first, second] = pairHalves(pool(hidden, attentionMask, pooling), labels);
  return { loss: cosentLoss(cosineSimilarity(first, second), labels), labels };
}

/**
 * SimCSE's contrastive loss (Gao et al. 2021; sentence-transformers' MultipleNegativesRankingLoss,
 * both directions) on the last hidden state [2·pairs, seq, hidden] of two views of each text (rows
 * i and pairs + i): each view must pick its partner among all the other half's rows.
 *   z = meanPool(h_L) / ‖meanPool(h_L)‖              [2·pairs, hidden]
 *   S = z[0 : pairs] · z[pairs : 2·pairs]ᵀ / τ        [pairs, pairs]   (cosines over the temperature τ)
 *   loss = ½ (CE(S, diagonal) + CE(Sᵀ, diagonal))
 * Pulls two views of a text together and pushes the batch's texts apart, which keeps the pooled
 * states spread out rather than crowded in one direction (what masked LM alone leaves them).
 */
export function contrastiveLoss(hidden: Tensor, attentionMask: Tensor, temperature: number): Tensor {
  if (!(temperature > 0)) throw new Error(`contrastiveLoss: the temperature must be positive, got ${temperature}`);
  const embeddings = meanPool(hidden, attentionMask);
  const unit = div(embeddings, maximum(sqrt(reduceSum(mul(embeddings, embeddings), [1], { keepDims: true })), 1e-12));
  const [first, second] = pairHalves(unit);
  const scores = div(matmul(first, transpose(second)), temperature); // [pairs, pairs]
  // Cross-entropy with a symbolic class axis, written out (see losses.ts' spanCrossEntropy): row i's target is column i.
  const diagonalLogProbabilities = (logits: Tensor): Tensor => gatherElements(logSoftmax(logits, -1), unsqueeze(arange(logits, 0), [-1]), -1); // [pairs, 1]
  const crossEntropy = (logits: Tensor): Tensor => neg(reduceMean(diagonalLogProbabilities(logits)));
  return mul(add(crossEntropy(scores), crossEntropy(transpose(scores))), 0.5);
}

/** Rows [0, pairs) and [pairs, 2·pairs) of x [2·pairs, width]; `labels` [pairs], where there are any, names the dim. */
function pairHalves(x: Tensor, labels?: Tensor): [Tensor, Tensor] {
  const halves = reshape(x, [2, labels ? 'pairs' : -1, x.shape[1]!], labels ?? x); // [2, pairs, width]
  const half = (index: number): Tensor => squeeze(slice(halves, [index], [index + 1], { axes: [0] }), [0]);
  return [half(0), half(1)];
}
