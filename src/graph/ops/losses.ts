import { intAttr } from '../attributes.js';
import { type Tensor, formatShape } from '../tensor.js';
import { abs, add, div, equal, exp, less, log, maximum, mul, neg, not, relu, sigmoid, sub } from './elementwise.js';
import { gather, gatherElements, scatterElementsAdd } from './gather.js';
import { gemm } from './matmul.js';
import { reduceMax, reduceMean, reduceSum } from './reduce.js';
import { dimCount, onesColumn, reshape, squeeze, unsqueeze } from './shape-ops.js';
import { logSoftmax } from './softmax.js';
import { cast, where } from './where.js';

export interface CrossEntropyOptions {
  /** Labels equal to this are left out of the mean (Hugging Face and PyTorch use -100). */
  ignoreIndex?: number;
  /**
   * One weight per class, as torch.nn.CrossEntropyLoss(weight=w) for unbalanced label sets: the
   * mean becomes −Σᵢ w[yᵢ]·log p(yᵢ) / Σᵢ w[yᵢ]. Needs a static class axis.
   */
  classWeights?: readonly number[];
}

/**
 * Mean cross-entropy of logits [...,classes] against int64 labels [...], over labels ≠ ignoreIndex
 * (the class axis may be symbolic, e.g. QA span logits [batch,seq] against start positions [batch])
 * (0 when every label is ignored), each label weighted by its class weight when given. Its gradient,
 * (softmax − onehot)·weight, is written by hand, the one-hot as a scatter: the class axis is the
 * widest tensor in BERT (30522 for MLM) and this is the shortest path.
 */
export function crossEntropy(logits: Tensor, labels: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const ignoreIndex = options.ignoreIndex ?? -100;
  const leading = logits.shape.slice(0, -1);
  const classes = logits.shape[logits.shape.length - 1];
  if (logits.dtype !== 'float32' || labels.dtype !== 'int64') {
    throw new Error(`crossEntropy: needs float32 logits and int64 labels, got ${logits.dtype}${formatShape(logits.shape)} and ${labels.dtype}${formatShape(labels.shape)}`);
  }
  if (classes === undefined || labels.shape.length !== leading.length || labels.shape.some((dim, axis) => dim !== leading[axis])) {
    throw new Error(`crossEntropy: logits ${formatShape(logits.shape)} must be labels ${formatShape(labels.shape)} plus a class axis`);
  }
  const graph = logits.graph;
  const { classWeights } = options;
  if (classWeights !== undefined && classes !== classWeights.length) throw new Error(`crossEntropy: ${classWeights.length} class weights for ${String(classes)} classes`);
  const valid = not(equal(labels, ignoreIndex));
  const safeLabels = where(valid, labels, 0);
  const validWeight = cast(valid, 'float32');
  const weight = classWeights === undefined ? validWeight : mul(gather(graph.constant([...classWeights], [classWeights.length], 'float32'), safeLabels), validWeight); // [...]
  // Unweighted, the count of labels (at least 1); weighted, the sum of their weights, which may be below 1.
  const count = maximum(reduceSum(weight), classWeights === undefined ? 1 : 1e-12);
  const logProbs = logSoftmax(logits, -1);
  const picked = squeeze(gatherElements(logProbs, unsqueeze(safeLabels, [-1]), -1), [-1]);
  const loss = neg(div(reduceSum(mul(picked, weight)), count));
  const rowScale = (dy: Tensor): Tensor => unsqueeze(mul(weight, div(dy, count)), [-1]); // [...,1]: ∂loss/∂logits = (softmax − onehot)·rowScale
  const linear = linearLayerOf(logits);
  if (linear !== undefined) {
    const { rows, weight: table, bias } = linear;
    return graph.defineGradient('LinearCrossEntropy', [rows, table, ...(bias ? [bias] : []), labels], loss, (_inputs, [dy]) => {
      // The row scale goes on the narrow side of each product instead of over the [rows, classes] matrix:
      // the masked LM's decoder, [~550, 16000] against [~550, 128] in the tiny model's step.
      const scale = rowScale(dy!); // [N,1]
      const residual = scatterElementsAdd(exp(logProbs), unsqueeze(safeLabels, [-1]), neg(onesColumn(logits)), -1); // softmax − onehot [N,classes]
      const rowsGrad = mul(gemm(residual, table), scale); // [N,in]
      const tableGrad = gemm(residual, mul(rows, scale), undefined, { transA: true }); // [classes,in]
      const biasGrad = bias && reshape(gemm(scale, residual, undefined, { transA: true }), [...bias.shape]); // [classes]
      return bias ? [rowsGrad, tableGrad, biasGrad, undefined] : [rowsGrad, tableGrad, undefined];
    });
  }
  return graph.defineGradient('CrossEntropy', [logits, labels], loss, (_inputs, [dy]) => {
    const scale = rowScale(dy!);
    // softmax·scale, then −scale added at each label: a scatter of one value per row where a one-hot
    // matrix as wide as the logits took 7 % of a tiny model's MLM step.
    return [scatterElementsAdd(mul(exp(logProbs), scale), unsqueeze(safeLabels, [-1]), neg(scale), -1), undefined];
  });
}

/**
 * The inputs of `logits` when a plain linear layer on rows made them (linear's Gemm: rows [N,in] ×
 * weight [classes,in]ᵀ + bias [classes]), so that crossEntropy can take its gradient through the layer.
 */
function linearLayerOf(logits: Tensor): { rows: Tensor; weight: Tensor; bias: Tensor | undefined } | undefined {
  const node = logits.graph.producer(logits);
  if (node?.op !== 'Gemm' || node.domain !== undefined || logits.shape.length !== 2) return undefined;
  const { attributes } = node;
  if (intAttr(attributes, 'transA', 0) !== 0 || intAttr(attributes, 'transB', 0) !== 1 || 'alpha' in attributes || 'beta' in attributes) return undefined;
  const [rows, weight, bias] = node.inputs as [Tensor, Tensor, Tensor | undefined];
  if (bias !== undefined && (bias.shape.length !== 1 || bias.shape[0] !== logits.shape[1])) return undefined;
  return { rows, weight, bias };
}

function checkPair(op: string, prediction: Tensor, target: Tensor): void {
  const same = prediction.shape.length === target.shape.length && prediction.shape.every((dim, axis) => dim === target.shape[axis]);
  if (!same || prediction.dtype !== 'float32' || target.dtype !== 'float32') {
    throw new Error(`${op}: prediction ${prediction.dtype}${formatShape(prediction.shape)} and target ${target.dtype}${formatShape(target.shape)} must be float32 of one shape`);
  }
}

/** Mean squared error. */
export function mse(prediction: Tensor, target: Tensor): Tensor {
  checkPair('mse', prediction, target);
  const error = sub(prediction, target);
  return reduceMean(mul(error, error));
}

/**
 * Mean binary cross-entropy on logits, in the stable form max(x,0) − x·t + log(1 + e^−|x|);
 * its gradient is (sigmoid(x) − t)/n.
 */
export function bceWithLogits(logits: Tensor, targets: Tensor): Tensor {
  checkPair('bceWithLogits', logits, targets);
  const perElement = add(sub(relu(logits), mul(logits, targets)), log(add(exp(neg(abs(logits))), 1)));
  const loss = reduceMean(perElement);
  return logits.graph.defineGradient('BceWithLogits', [logits, targets], loss, ([x, t], [dy]) => {
    const scale = div(dy!, dimCount(x!, [...x!.shape.keys()]));
    return [mul(sub(sigmoid(x!), t!), scale), mul(neg(x!), scale)];
  });
}

/**
 * CoSENT (Su 2022; sentence-transformers' CoSENTLoss), on the similarities s and gold scores y of a
 * batch of pairs: each two pairs the scores order (yᵢ < yⱼ) should have sᵢ < sⱼ,
 *   loss = log(1 + Σ_{yᵢ < yⱼ} exp(scale·(sᵢ − sⱼ)))          s, y [batch] → scalar
 * Only the scores' order counts, so any scale of scores trains alike. Computed as a log-sum-exp
 * shifted by its largest term m (the 1 is e⁰): m + log(e⁻ᵐ + Σ e^(dᵢⱼ − m)). Its gradient, written by
 * hand so that m needs none: with pᵢⱼ = e^(dᵢⱼ − m) / (e⁻ᵐ + Σ e^(d − m)) on ordered pairs, 0 elsewhere,
 * ∂loss/∂sₖ = scale·(Σⱼ pₖⱼ − Σᵢ pᵢₖ).
 */
export function cosentLoss(similarities: Tensor, scores: Tensor, scale = 20): Tensor {
  checkPair('cosentLoss', similarities, scores);
  if (similarities.shape.length !== 1) throw new Error(`cosentLoss: needs one similarity per pair, [batch], got ${formatShape(similarities.shape)}`);
  const scaled = mul(similarities, scale);
  const differences = sub(unsqueeze(scaled, [1]), unsqueeze(scaled, [0])); // [batch, batch]: dᵢⱼ = scale·(sᵢ − sⱼ)
  const ordered = less(unsqueeze(scores, [1]), unsqueeze(scores, [0])); // yᵢ < yⱼ
  const terms = where(ordered, differences, -1e30);
  const shift = maximum(reduceMax(terms), 0);
  const total = add(exp(neg(shift)), reduceSum(exp(sub(terms, shift))));
  const loss = add(shift, log(total));
  return similarities.graph.defineGradient('CoSENT', [similarities, scores], loss, (_inputs, [dy]) => {
    const weights = mul(exp(sub(terms, shift)), div(dy!, total)); // pᵢⱼ·dy
    return [mul(sub(reduceSum(weights, [1]), reduceSum(weights, [0])), scale), undefined];
  });
}
