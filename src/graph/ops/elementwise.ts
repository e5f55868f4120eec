import type { GradientRule } from '../gradient-rule.js';
import { broadcastShapes } from '../shape.js';
import { type DType, type Tensor, type TensorLike, formatShape } from '../tensor.js';
import { sumToShape } from './reduce.js';
import { where } from './where.js';

function binary(name: string, op: string, a: TensorLike, b: TensorLike, result?: DType): Tensor {
  const anchor = typeof a === 'number' ? b : a;
  if (typeof anchor === 'number') throw new Error(`${name}: at least one operand must be a tensor`);
  const graph = anchor.graph;
  const left = graph.lift(a, anchor.dtype);
  const right = graph.lift(b, anchor.dtype);
  if (left.dtype !== right.dtype) {
    throw new Error(`${name}: dtypes differ: ${left.dtype}${formatShape(left.shape)} vs ${right.dtype}${formatShape(right.shape)}`);
  }
  const shape = broadcastShapes(name, left.shape, right.shape);
  return graph.addNode(op, [left, right], [{ dtype: result ?? left.dtype, shape }])[0]!;
}

function unary(op: string, x: Tensor, floatOnly = true): Tensor {
  if (floatOnly && x.dtype !== 'float32') throw new Error(`${op.toLowerCase()}: needs float32, got ${x.dtype}${formatShape(x.shape)}`);
  return x.graph.addNode(op, [x], [{ dtype: x.dtype, shape: x.shape }])[0]!;
}

export const add = (a: TensorLike, b: TensorLike): Tensor => binary('add', 'Add', a, b);
export const sub = (a: TensorLike, b: TensorLike): Tensor => binary('sub', 'Sub', a, b);
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary('mul', 'Mul', a, b);
export const div = (a: TensorLike, b: TensorLike): Tensor => binary('div', 'Div', a, b);
export const pow = (a: TensorLike, b: TensorLike): Tensor => binary('pow', 'Pow', a, b);
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary('maximum', 'Max', a, b);
export const equal = (a: TensorLike, b: TensorLike): Tensor => binary('equal', 'Equal', a, b, 'bool');
export const less = (a: TensorLike, b: TensorLike): Tensor => binary('less', 'Less', a, b, 'bool');
export const greater = (a: TensorLike, b: TensorLike): Tensor => binary('greater', 'Greater', a, b, 'bool');

export const neg = (x: Tensor): Tensor => unary('Neg', x, false);
export const sqrt = (x: Tensor): Tensor => unary('Sqrt', x);
export const exp = (x: Tensor): Tensor => unary('Exp', x);
export const log = (x: Tensor): Tensor => unary('Log', x);
export const tanh = (x: Tensor): Tensor => unary('Tanh', x);
export const erf = (x: Tensor): Tensor => unary('Erf', x);
export const sigmoid = (x: Tensor): Tensor => unary('Sigmoid', x);
export const relu = (x: Tensor): Tensor => unary('Relu', x);
export const floor = (x: Tensor): Tensor => unary('Floor', x);
export const abs = (x: Tensor): Tensor => unary('Abs', x, false);
export const sign = (x: Tensor): Tensor => unary('Sign', x, false);
export const not = (x: Tensor): Tensor => {
  if (x.dtype !== 'bool') throw new Error(`Not: needs bool, got ${x.dtype}${formatShape(x.shape)}`);
  return unary('Not', x, false);
};

/** Each rule returns input gradients already summed back over broadcast axes. */
export const gradients: Record<string, GradientRule> = {
  Add: ([a, b], [dy]) => [sumToShape(dy!, a!), sumToShape(dy!, b!)],
  Sub: ([a, b], [dy]) => [sumToShape(dy!, a!), sumToShape(neg(dy!), b!)],
  Mul: ([a, b], [dy]) => [sumToShape(mul(dy!, b!), a!), sumToShape(mul(dy!, a!), b!)],
  Div: ([a, b], [dy], [y]) => {
    const da = div(dy!, b!);
    // d(a/b)/db = -y/b, reusing the forward quotient instead of computing a/b² again
    return [sumToShape(da, a!), sumToShape(neg(mul(da, y!)), b!)];
  },
  Pow: ([a, b], [dy], [y]) => {
    // d(a^b)/da = b·a^(b-1); d(a^b)/db = y·ln(a)
    const da = mul(dy!, mul(b!, pow(a!, sub(b!, 1))));
    return [sumToShape(da, a!), sumToShape(mul(dy!, mul(y!, log(a!))), b!)];
  },
  Neg: (_inputs, [dy]) => [neg(dy!)],
  Sqrt: (_inputs, [dy], [y]) => [div(mul(dy!, 0.5), y!)],
  Exp: (_inputs, [dy], [y]) => [mul(dy!, y!)],
  Log: ([x], [dy]) => [div(dy!, x!)],
  Tanh: (_inputs, [dy], [y]) => [mul(dy!, sub(1, mul(y!, y!)))],
  // d erf(x)/dx = 2/√π · exp(-x²)
  Erf: ([x], [dy]) => [mul(dy!, mul(exp(neg(mul(x!, x!))), 2 / Math.sqrt(Math.PI)))],
  Sigmoid: (_inputs, [dy], [y]) => [mul(dy!, mul(y!, sub(1, y!)))],
  Relu: ([x], [dy]) => [where(greater(x!, 0), dy!, 0)],
  Abs: ([x], [dy]) => [mul(dy!, sign(x!))],
  // Piecewise constant: zero almost everywhere.
  Floor: () => [undefined],
  // Ties send the gradient to the first operand.
  Max: ([a, b], [dy]) => {
    const first = less(a!, b!);
    return [sumToShape(where(first, 0, dy!), a!), sumToShape(where(first, dy!, 0), b!)];
  },
};
