import type { GradientRule } from '../gradient-rule.js';
import { intAttr } from '../attributes.js';
import { normalizeAxis } from '../shape.js';
import { type Tensor, formatShape } from '../tensor.js';
import { exp, mul, sub } from './elementwise.js';
import { reduceSum } from './reduce.js';

function softmaxLike(op: string, x: Tensor, axis: number): Tensor {
  const name = op[0]!.toLowerCase() + op.slice(1);
  if (x.dtype !== 'float32') throw new Error(`${name}: needs float32, got ${x.dtype}${formatShape(x.shape)}`);
  const along = normalizeAxis(name, axis, x.shape.length);
  return x.graph.addNode(op, [x], [{ dtype: 'float32', shape: x.shape }], { axis: { int: along } })[0]!;
}

export const softmax = (x: Tensor, axis = -1): Tensor => softmaxLike('Softmax', x, axis);
export const logSoftmax = (x: Tensor, axis = -1): Tensor => softmaxLike('LogSoftmax', x, axis);

export const gradients: Record<string, GradientRule> = {
  // dx = y·(dy − Σ dy·y)
  Softmax: (_inputs, [dy], [y], node) => {
    const axis = intAttr(node.attributes, 'axis', -1);
    return [mul(y!, sub(dy!, reduceSum(mul(dy!, y!), axis, { keepDims: true })))];
  },
  // dx = dy − softmax·Σ dy
  LogSoftmax: (_inputs, [dy], [y], node) => {
    const axis = intAttr(node.attributes, 'axis', -1);
    return [sub(dy!, mul(exp(y!), reduceSum(dy!, axis, { keepDims: true })))];
  },
};
