import type { GradientRule } from '../gradient-rule.js';
import { intAttr } from '../attributes.js';
import { dimProduct, normalizeAxes } from '../shape.js';
import { type Dim, type Tensor, formatShape, isStaticShape } from '../tensor.js';
import { div, equal } from './elementwise.js';
import { gemm } from './matmul.js';
import { dimCount, expandLike, onesColumn, reshape, unsqueeze } from './shape-ops.js';
import { where } from './where.js';

export interface ReduceOptions {
  keepDims?: boolean;
}

function reduce(op: string, x: Tensor, axes: number | readonly number[] | undefined, options: ReduceOptions): Tensor {
  const name = op[0]!.toLowerCase() + op.slice(1);
  if (x.dtype === 'bool') throw new Error(`${name}: cannot reduce bool${formatShape(x.shape)}`);
  const rank = x.shape.length;
  const normalized = axes === undefined ? [...Array(rank).keys()] : normalizeAxes(name, typeof axes === 'number' ? [axes] : axes, rank);
  const keepDims = options.keepDims ?? false;
  const shape: Dim[] = [];
  x.shape.forEach((dim, axis) => {
    if (!normalized.includes(axis)) shape.push(dim);
    else if (keepDims) shape.push(1);
  });
  if (normalized.length === 0) return x;
  const axesTensor = x.graph.constant(normalized, [normalized.length], 'int64');
  return x.graph.addNode(op, [x, axesTensor], [{ dtype: x.dtype, shape }], { keepdims: { int: keepDims ? 1 : 0 } })[0]!;
}

/** Sums over `axes` (all axes when omitted). */
export const reduceSum = (x: Tensor, axes?: number | readonly number[], options: ReduceOptions = {}): Tensor => reduce('ReduceSum', x, axes, options);
export const reduceMean = (x: Tensor, axes?: number | readonly number[], options: ReduceOptions = {}): Tensor => reduce('ReduceMean', x, axes, options);
export const reduceMax = (x: Tensor, axes?: number | readonly number[], options: ReduceOptions = {}): Tensor => reduce('ReduceMax', x, axes, options);

/** Sums a broadcast result's gradient back to the shape of the operand `like`. */
export function sumToShape(grad: Tensor, like: Tensor): Tensor {
  const leading = grad.shape.length - like.shape.length;
  const leadingAxes = [...Array(leading).keys()];
  const innerAxes = like.shape.flatMap((dim, axis) => (dim === 1 && grad.shape[axis + leading] !== 1 ? [axis] : []));
  if (leading > 0 && like.shape.length > 0 && innerAxes.length === 0 && isStaticShape(like.shape) && grad.dtype === 'float32') return sumLeadingAxes(grad, like);
  let result = reduceSum(grad, leadingAxes);
  result = reduceSum(result, innerAxes, { keepDims: true });
  return result;
}

/**
 * grad [..., like] summed over its leading axes as one Gemm, 1ᵀ·rows: a bias's gradient. ONNX Runtime's
 * ReduceSum over leading axes is slower than that Gemm on the CPU (2 threads, Zen 5, alone: the tiny
 * masked LM's decoder bias, [549,16000] → [16000], 2.2 ms against 1.0; an FFN bias, [4096,512] → [512],
 * 0.33 against 0.20; in the (c) recipe's training step, about 2 % of the step: README, "Bias gradients").
 */
function sumLeadingAxes(grad: Tensor, like: Tensor): Tensor {
  const width = dimProduct(like.shape) as number;
  const rows = reshape(grad, [-1, width]); // [R,P]
  return reshape(gemm(onesColumn(rows), rows, undefined, { transA: true }), like.shape); // [1,R]·[R,P] → [1,P] → like
}

/** dy with the reduced axes restored as 1s, ready to broadcast against the reduce's input. */
function keptGrad(inputs: readonly Tensor[], dy: Tensor, keepDims: boolean): Tensor {
  if (keepDims) return dy;
  return unsqueeze(dy, reducedAxes(inputs));
}

function reducedAxes(inputs: readonly Tensor[]): number[] {
  const graph = inputs[0]!.graph;
  const axes = graph.constants.get(inputs[1]!.name);
  if (axes === undefined) throw new Error(`reduce gradient: axes of ${inputs[0]!.name} must be a constant`);
  return Array.from(axes.data as BigInt64Array, Number);
}

export const gradients: Record<string, GradientRule> = {
  ReduceSum: (inputs, [dy], _outputs, node) => [expandLike(keptGrad(inputs, dy!, intAttr(node.attributes, 'keepdims', 1) === 1), inputs[0]!)],
  ReduceMean: (inputs, [dy], _outputs, node) => {
    const x = inputs[0]!;
    const spread = expandLike(keptGrad(inputs, dy!, intAttr(node.attributes, 'keepdims', 1) === 1), x);
    return [div(spread, dimCount(x, reducedAxes(inputs)))];
  },
  // Ties share the gradient: each maximal element receives all of it (a subgradient).
  ReduceMax: (inputs, [dy], [y], node) => {
    const keepDims = intAttr(node.attributes, 'keepdims', 1) === 1;
    const x = inputs[0]!;
    const isMax = equal(x, keptGrad(inputs, y!, keepDims));
    return [where(isMax, keptGrad(inputs, dy!, keepDims), 0)];
  },
};
