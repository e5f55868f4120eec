import type { GradientRule } from '../gradient-rule.js';
import { broadcastShapes } from '../shape.js';
import { type DType, type Tensor, type TensorLike, formatShape } from '../tensor.js';
import { sumToShape } from './reduce.js';

/** ONNX TensorProto.DataType codes. */
export const ONNX_DTYPE: Record<DType, number> = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9 };

/** Elementwise cond ? a : b, with broadcasting. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  if (cond.dtype !== 'bool') throw new Error(`where: condition must be bool, got ${cond.dtype}${formatShape(cond.shape)}`);
  const dtype = typeof a !== 'number' ? a.dtype : typeof b !== 'number' ? b.dtype : 'float32';
  const left = cond.graph.lift(a, dtype);
  const right = cond.graph.lift(b, dtype);
  if (left.dtype !== right.dtype) throw new Error(`where: branch dtypes differ: ${left.dtype}${formatShape(left.shape)} vs ${right.dtype}${formatShape(right.shape)}`);
  const shape = broadcastShapes('where', cond.shape, left.shape, right.shape);
  return cond.graph.addNode('Where', [cond, left, right], [{ dtype, shape }])[0]!;
}

export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  return x.graph.addNode('Cast', [x], [{ dtype, shape: x.shape }], { to: { int: ONNX_DTYPE[dtype] } })[0]!;
}

export const gradients: Record<string, GradientRule> = {
  Where: ([cond, a, b], [dy]) => [undefined, sumToShape(where(cond!, dy!, 0), a!), sumToShape(where(cond!, 0, dy!), b!)],
  Cast: ([x], [dy]) => [x!.dtype === 'float32' && dy!.dtype === 'float32' ? dy : x!.dtype === 'float32' ? cast(dy!, 'float32') : undefined],
};
