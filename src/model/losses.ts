// Training losses of each head, as the HF BERT classes compute them from their `labels` arguments.
// Label inputs are declared on the graph under HF's argument names, so a batch reads like a
// transformers call: labels, next_sentence_label, start_positions, end_positions.
import { add, bceWithLogits, cast, crossEntropy, div, gatherElements, less, logSoftmax, maximum, mse, mul, neg, reduceSum, squeeze, unsqueeze, where } from '../graph/ops.js';
import { dimSize } from '../graph/ops/shape-ops.js';
import type { Tensor } from '../graph/tensor.js';
import type { BertForward } from './bert.js';
import { type BertConfig, type ProblemType, numLabels } from './config.js';

export interface BertLoss {
  /** float32 scalar */
  readonly loss: Tensor;
  /** The label inputs declared, by name (to be fed with the batch). */
  readonly labels: Readonly<Record<string, Tensor>>;
}

export interface BertLossOptions {
  /** Sequence classification only; default: config.problem_type, else as HF picks it (see problemTypeOf). */
  readonly problemType?: ProblemType;
}

/**
 * HF picks the problem type from num_labels and the labels' dtype at run time; a graph fixes the
 * labels' dtype when it is built, so multi-label classification must be named (problem_type).
 */
export function problemTypeOf(config: BertConfig, requested?: ProblemType): ProblemType {
  return requested ?? config.problem_type ?? (numLabels(config) === 1 ? 'regression' : 'single_label_classification');
}

/**
 * The loss of the model's heads on labels fed as graph inputs:
 * - pretraining (MLM + NSP): mean MLM cross-entropy over labels ≠ −100 + NSP cross-entropy;
 *   labels int64 [batch, seq] (or [masked], the labels at masked_lm_positions), next_sentence_label int64 [batch]
 * - MLM only: labels int64 [batch, seq]; NSP only: labels int64 [batch]
 * - sequence classification: regression → MSE, labels float32 [batch] (num_labels = 1) or
 *   [batch, num_labels]; single label → cross-entropy, labels int64 [batch]; multi label →
 *   BCE with logits, labels float32 multi-hot [batch, num_labels]
 * - token classification: cross-entropy over labels ≠ −100, labels int64 [batch, seq]
 * - question answering: (CE(start) + CE(end)) / 2, start_positions and end_positions int64 [batch];
 *   positions ≥ seq are ignored and negative ones clamp to 0, as HF clamps to [0, seq] and ignores seq
 */
export function bertLoss(forward: BertForward, config: BertConfig, options: BertLossOptions = {}): BertLoss {
  const graph = forward.lastHiddenState.graph;
  const { mlmLogits, nspLogits, logits, startLogits, endLogits } = forward.heads;
  const intLabels = (name: string, shape: (string | number)[]) => graph.input(name, 'int64', shape);
  // labels follow the MLM logits: [batch, seq], or [masked] at masked_lm_positions
  const mlmLabelShape = mlmLogits ? [...mlmLogits.shape.slice(0, -1)] : [];
  if (mlmLogits && nspLogits) {
    const labels = intLabels('labels', mlmLabelShape);
    const nextSentenceLabel = intLabels('next_sentence_label', ['batch']);
    return { loss: add(crossEntropy(mlmLogits, labels), crossEntropy(nspLogits, nextSentenceLabel)), labels: { labels, next_sentence_label: nextSentenceLabel } };
  }
  if (mlmLogits) {
    const labels = intLabels('labels', mlmLabelShape);
    return { loss: crossEntropy(mlmLogits, labels), labels: { labels } };
  }
  if (nspLogits) {
    const labels = intLabels('labels', ['batch']);
    return { loss: crossEntropy(nspLogits, labels), labels: { labels } };
  }
  if (logits && logits.shape.length === 2) return sequenceClassificationLoss(logits, config, problemTypeOf(config, options.problemType));
  if (logits) {
    const labels = intLabels('labels', ['batch', 'seq']);
    return { loss: crossEntropy(logits, labels), labels: { labels } };
  }
  if (startLogits && endLogits) {
    const startPositions = intLabels('start_positions', ['batch']);
    const endPositions = intLabels('end_positions', ['batch']);
    const loss = mul(add(spanCrossEntropy(startLogits, startPositions), spanCrossEntropy(endLogits, endPositions)), 0.5);
    return { loss, labels: { start_positions: startPositions, end_positions: endPositions } };
  }
  throw new Error('bertLoss: the model has no head to train (BertModel has no loss)');
}

/** logits [batch, num_labels]. */
function sequenceClassificationLoss(logits: Tensor, config: BertConfig, problemType: ProblemType): BertLoss {
  const graph = logits.graph;
  const classes = numLabels(config);
  switch (problemType) {
    case 'regression': {
      if (classes === 1) {
        const labels = graph.input('labels', 'float32', ['batch']);
        return { loss: mse(squeeze(logits, [1]), labels), labels: { labels } };
      }
      const labels = graph.input('labels', 'float32', ['batch', classes]);
      return { loss: mse(logits, labels), labels: { labels } };
    }
    case 'single_label_classification': {
      const labels = graph.input('labels', 'int64', ['batch']);
      return { loss: crossEntropy(logits, labels), labels: { labels } };
    }
    case 'multi_label_classification': {
      const labels = graph.input('labels', 'float32', ['batch', classes]);
      return { loss: bceWithLogits(logits, labels), labels: { labels } };
    }
  }
}

/**
 * HF's span loss: positions clamped to [0, seq], then cross-entropy over the seq axis ignoring seq.
 * So positions ≥ seq are left out and negative ones count as 0. logits [batch, seq], positions [batch].
 * Written out rather than with crossEntropy, whose gradient needs a static class axis (seq is symbolic).
 */
function spanCrossEntropy(logits: Tensor, positions: Tensor): Tensor {
  const valid = less(positions, dimSize(logits, 1));
  const targets = where(valid, maximum(positions, 0), 0);
  const weight = cast(valid, 'float32'); // [batch]
  const picked = squeeze(gatherElements(logSoftmax(logits, -1), unsqueeze(targets, [-1]), -1), [-1]); // [batch]
  return neg(div(reduceSum(mul(picked, weight)), maximum(reduceSum(weight), 1)));
}
