import type { Graph } from './graph.js';

/** int8 and uint8 hold quantized weights and activations (inference graphs only). */
export type DType = 'float32' | 'int64' | 'int32' | 'bool' | 'int8' | 'uint8';

/** A dimension: a size, or a symbolic name (e.g. 'batch', 'seq') fixed only when the graph runs. */
export type Dim = number | string;

/** A typed handle to a value in a Graph. Create them with Graph methods and ops, never directly. */
export interface Tensor {
  readonly graph: Graph;
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly Dim[];
}

/** What ops accept in place of a tensor: JS numbers become scalar constants of the partner's dtype. */
export type TensorLike = Tensor | number;

export function formatShape(shape: readonly Dim[]): string {
  return `[${shape.join(',')}]`;
}

export function isStaticShape(shape: readonly Dim[]): shape is readonly number[] {
  return shape.every((dim) => typeof dim === 'number');
}
