import type { GradientRule } from '../gradient-rule.js';
import { intAttr, intsAttr } from '../attributes.js';
import { broadcastShapes, dimProduct, dimQuotient, normalizeAxes, normalizeAxis } from '../shape.js';
import { type Dim, type Tensor, formatShape, isStaticShape } from '../tensor.js';
import { sub } from './elementwise.js';
import { sumToShape } from './reduce.js';

/** Past this, a slice end means "to the end of the axis" (ONNX clamps it). */
const TO_END = 2 ** 31 - 1;

/** x's shape as an int64 vector: a constant when static, else a Shape node. */
function shapeOf(x: Tensor): Tensor {
  if (isStaticShape(x.shape)) return x.graph.constant([...x.shape], [x.shape.length], 'int64');
  return x.graph.addNode('Shape', [x], [{ dtype: 'int64', shape: [x.shape.length] }])[0]!;
}

/** One dim of x as an int64 [1] vector, read at run time when symbolic. */
function dimOf(x: Tensor, axis: number): Tensor {
  const dim = x.shape[axis]!;
  if (typeof dim === 'number') return x.graph.constant([dim], [1], 'int64');
  const index = x.graph.constant([axis], [1], 'int64');
  return x.graph.addNode('Gather', [shapeOf(x), index], [{ dtype: 'int64', shape: [1] }], { axis: { int: 0 } })[0]!;
}

/** An int64 vector built from static numbers and run-time [1] pieces. */
function intVector(pieces: readonly (number | Tensor)[], graphOf: Tensor): Tensor {
  const graph = graphOf.graph;
  if (pieces.every((piece) => typeof piece === 'number')) return graph.constant(pieces as number[], [pieces.length], 'int64');
  const parts = pieces.map((piece) => (typeof piece === 'number' ? graph.constant([piece], [1], 'int64') : piece));
  return graph.addNode('Concat', parts, [{ dtype: 'int64', shape: [pieces.length] }], { axis: { int: 0 } })[0]!;
}

/** The number of elements along `axes` of x, as a float32 scalar (a constant when static). */
export function dimCount(x: Tensor, axes: readonly number[]): Tensor {
  const dims = axes.map((axis) => x.shape[axis]!);
  const count = dimProduct(dims);
  if (typeof count === 'number') return x.graph.scalar(count, 'float32');
  const graph = x.graph;
  const indices = graph.constant([...axes], [axes.length], 'int64');
  const sizes = graph.addNode('Gather', [shapeOf(x), indices], [{ dtype: 'int64', shape: [axes.length] }], { axis: { int: 0 } })[0]!;
  const product = graph.addNode('ReduceProd', [sizes], [{ dtype: 'int64', shape: [] }], { keepdims: { int: 0 } })[0]!;
  return graph.addNode('Cast', [product], [{ dtype: 'float32', shape: [] }], { to: { int: 1 } })[0]!;
}

/**
 * Reshapes x. Entries: sizes, one -1 (inferred), or symbolic names of dims of x or of `dimsOf`
 * (e.g. x of [batch,seq,768] to ['batch', 'seq', 12, 64]; flat [batch*seq,768] back with dimsOf).
 */
export function reshape(x: Tensor, shape: readonly Dim[], dimsOf: Tensor = x): Tensor {
  const op = 'reshape';
  const inferred = shape.filter((dim) => dim === -1).length;
  if (inferred > 1) throw new Error(`${op}: at most one -1 in ${formatShape(shape)}`);
  const pieces: (number | Tensor)[] = [];
  shape.forEach((dim, axis) => {
    if (typeof dim === 'number') {
      if (!(Number.isInteger(dim) && (dim > 0 || dim === -1))) throw new Error(`${op}: bad dim ${dim} in ${formatShape(shape)}`);
      pieces.push(dim);
    } else if (x.shape[axis] === dim) {
      pieces.push(0); // ONNX: copy the input's dim at this axis
    } else {
      const source = x.shape.indexOf(dim);
      const other = dimsOf.shape.indexOf(dim);
      if (source < 0 && other < 0) throw new Error(`${op}: symbolic dim '${dim}' in ${formatShape(shape)} is not a dim of the input ${formatShape(x.shape)}${dimsOf === x ? '' : ` nor of ${formatShape(dimsOf.shape)}`}`);
      pieces.push(source >= 0 ? dimOf(x, source) : dimOf(dimsOf, other));
    }
  });
  const total = dimProduct(x.shape);
  const known = shape.filter((dim) => dim !== -1);
  const outShape = shape.map((dim) => (dim === -1 ? dimQuotient(op, total, known) : dim));
  if (inferred === 0 && typeof total === 'number' && isStaticShape(outShape) && dimProduct(outShape) !== total) {
    throw new Error(`${op}: cannot reshape ${formatShape(x.shape)} (${total} elements) to ${formatShape(shape)}`);
  }
  return x.graph.addNode('Reshape', [x, intVector(pieces, x)], [{ dtype: x.dtype, shape: outShape }])[0]!;
}

/** Permutes axes (reverses them when perm is omitted). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const rank = x.shape.length;
  const order = perm ?? [...Array(rank).keys()].reverse();
  const sorted = [...order].sort((a, b) => a - b);
  if (order.length !== rank || sorted.some((axis, index) => axis !== index)) {
    throw new Error(`transpose: perm ${formatShape(order)} is not a permutation of the axes of ${formatShape(x.shape)}`);
  }
  return x.graph.addNode('Transpose', [x], [{ dtype: x.dtype, shape: order.map((axis) => x.shape[axis]!) }], { perm: { ints: [...order] } })[0]!;
}

/** Joins tensors along `axis`; all other dims must agree. */
export function concat(tensors: readonly Tensor[], axis: number): Tensor {
  const first = tensors[0];
  if (first === undefined) throw new Error('concat: needs at least one tensor');
  const rank = first.shape.length;
  const along = normalizeAxis('concat', axis, rank);
  for (const tensor of tensors) {
    const fits = tensor.dtype === first.dtype && tensor.shape.length === rank && tensor.shape.every((dim, index) => index === along || dim === first.shape[index]);
    if (!fits) throw new Error(`concat: along axis ${axis}, ${tensors.map((t) => `${t.dtype}${formatShape(t.shape)}`).join(' + ')} do not fit together`);
  }
  const dims = tensors.map((tensor) => tensor.shape[along]!);
  const size: Dim = dims.every((dim) => typeof dim === 'number') ? (dims as number[]).reduce((a, b) => a + b, 0) : dims.join('+');
  const shape = first.shape.map((dim, index) => (index === along ? size : dim));
  return first.graph.addNode('Concat', tensors, [{ dtype: first.dtype, shape }], { axis: { int: along } })[0]!;
}

export interface SliceSpec {
  /** Axes the starts/ends refer to (default: 0, 1, …). */
  axes?: readonly number[];
  steps?: readonly number[];
}

/** numpy-style x[start:end:step] on the given axes; ends beyond the axis clamp to it. */
export function slice(x: Tensor, starts: readonly number[], ends: readonly number[], spec: SliceSpec = {}): Tensor {
  const rank = x.shape.length;
  const axes = (spec.axes ?? starts.map((_, index) => index)).map((axis) => normalizeAxis('slice', axis, rank));
  const steps = spec.steps ?? starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
    throw new Error(`slice: starts ${formatShape(starts)}, ends ${formatShape(ends)}, axes and steps must have the same length`);
  }
  const shape = [...x.shape];
  axes.forEach((axis, index) => {
    shape[axis] = slicedDim(x.shape[axis]!, starts[index]!, ends[index]!, steps[index]!, x);
  });
  const graph = x.graph;
  const vector = (values: readonly number[]): Tensor => graph.constant([...values], [values.length], 'int64');
  return graph.addNode('Slice', [x, vector(starts), vector(ends), vector(axes), vector(steps)], [{ dtype: x.dtype, shape }])[0]!;
}

function slicedDim(dim: Dim, start: number, end: number, step: number, x: Tensor): Dim {
  if (step === 0 || !Number.isInteger(step)) throw new Error(`slice: step ${step} must be a non-zero integer`);
  if (typeof dim === 'number') {
    const clamp = (index: number, low: number, high: number): number => Math.min(Math.max(index < 0 ? index + dim : index, low), high);
    const [from, to] = step > 0 ? [clamp(start, 0, dim), clamp(end, 0, dim)] : [clamp(start, -1, dim - 1), clamp(end, -1, dim - 1)];
    return Math.max(0, Math.ceil((to - from) / step));
  }
  if (step === 1 && start >= 0 && end >= TO_END) return start === 0 ? dim : `${dim}-${start}`;
  if (step === 1 && start >= 0 && end >= start) return end - start; // the caller promises the axis is at least `end` long
  throw new Error(`slice: cannot infer the size of symbolic axis '${dim}' of ${formatShape(x.shape)} for start ${start}, end ${end}, step ${step}`);
}

/**
 * 0, 1, …, n−1 as int64 [n], where n is dim `axis` of `like` (read at run time when symbolic):
 * BERT's position ids, arange(like [batch,seq], 1), without feeding them.
 */
export function arange(like: Tensor, axis: number): Tensor {
  const along = normalizeAxis('arange', axis, like.shape.length);
  const graph = like.graph;
  return graph.addNode('Range', [graph.scalar(0, 'int64'), dimSize(like, along), graph.scalar(1, 'int64')], [{ dtype: 'int64', shape: [like.shape[along]!] }])[0]!;
}

/** Dim `axis` of x as an int64 scalar: a constant when static, else read at run time. */
export function dimSize(x: Tensor, axis: number): Tensor {
  const dim = x.shape[axis]!;
  if (typeof dim === 'number') return x.graph.scalar(dim, 'int64');
  return x.graph.addNode('Squeeze', [dimOf(x, axis), x.graph.constant([0], [1], 'int64')], [{ dtype: 'int64', shape: [] }])[0]!;
}

/** Broadcasts x to `shape`; symbolic entries must be dims x already has at that (right-aligned) axis. */
export function expand(x: Tensor, shape: readonly Dim[]): Tensor {
  const offset = shape.length - x.shape.length;
  const pieces = shape.map((dim, axis) => {
    if (typeof dim === 'number') return dim;
    if (x.shape[axis - offset] !== dim) throw new Error(`expand: symbolic dim '${dim}' of ${formatShape(shape)} is not a dim of ${formatShape(x.shape)} at that axis`);
    return 1; // Expand broadcasts both ways: 1 keeps x's own dim
  });
  const outShape = broadcastShapes('expand', x.shape, shape);
  return x.graph.addNode('Expand', [x, intVector(pieces, x)], [{ dtype: x.dtype, shape: outShape }])[0]!;
}

/** A float32 [rows of x, 1] of ones, its row count read at run time when symbolic. */
export function onesColumn(x: Tensor): Tensor {
  const one = x.graph.constant([1], [1, 1], 'float32');
  return x.graph.addNode('Expand', [one, intVector([dimOf(x, 0), 1], x)], [{ dtype: 'float32', shape: [x.shape[0]!, 1] }])[0]!;
}

/** Broadcasts x to the shape of `like` (internal: gradients spread over broadcast axes). */
export function expandLike(x: Tensor, like: Tensor): Tensor {
  const outShape = broadcastShapes('expand', x.shape, like.shape);
  return x.graph.addNode('Expand', [x, shapeOf(like)], [{ dtype: x.dtype, shape: outShape }])[0]!;
}

export function unsqueeze(x: Tensor, axes: readonly number[]): Tensor {
  const rank = x.shape.length + axes.length;
  const normalized = normalizeAxes('unsqueeze', axes, rank);
  const shape: Dim[] = [];
  let source = 0;
  for (let axis = 0; axis < rank; axis++) shape.push(normalized.includes(axis) ? 1 : x.shape[source++]!);
  return x.graph.addNode('Unsqueeze', [x, x.graph.constant(normalized, [normalized.length], 'int64')], [{ dtype: x.dtype, shape }])[0]!;
}

export function squeeze(x: Tensor, axes: readonly number[]): Tensor {
  const normalized = normalizeAxes('squeeze', axes, x.shape.length);
  for (const axis of normalized) {
    if (x.shape[axis] !== 1) throw new Error(`squeeze: axis ${axis} of ${formatShape(x.shape)} is not 1`);
  }
  const shape = x.shape.filter((_, axis) => !normalized.includes(axis));
  return x.graph.addNode('Squeeze', [x, x.graph.constant(normalized, [normalized.length], 'int64')], [{ dtype: x.dtype, shape }])[0]!;
}

function constantInts(x: Tensor | undefined, op: string): number[] {
  const value = x === undefined ? undefined : x.graph.constants.get(x.name);
  if (value === undefined) throw new Error(`${op} gradient: needs constant indices`);
  return Array.from(value.data as BigInt64Array, Number);
}

/** Pads dy back to x's shape with zeros: the gradient of a unit-step slice. */
function unslice(x: Tensor, dy: Tensor, inputs: readonly Tensor[]): Tensor {
  const starts = constantInts(inputs[1], 'Slice');
  const ends = constantInts(inputs[2], 'Slice');
  const axes = constantInts(inputs[3], 'Slice');
  const steps = constantInts(inputs[4], 'Slice');
  const rank = x.shape.length;
  const before: (number | Tensor)[] = Array(rank).fill(0);
  const after: (number | Tensor)[] = Array(rank).fill(0);
  axes.forEach((axis, index) => {
    const dim = x.shape[axis]!;
    if (steps[index] !== 1) throw new Error(`Slice gradient: only step 1 is supported, got ${steps[index]} on axis ${axis}`);
    let start = starts[index]!;
    let end = ends[index]!;
    if (typeof dim === 'number') {
      start = Math.min(Math.max(start < 0 ? start + dim : start, 0), dim);
      end = Math.min(Math.max(end < 0 ? end + dim : end, start), dim);
      before[axis] = start;
      after[axis] = dim - end;
    } else {
      if (start < 0 || end < 0) throw new Error(`Slice gradient: negative bounds on symbolic axis '${dim}' are not supported`);
      before[axis] = start;
      after[axis] = end >= TO_END ? 0 : sub(dimOf(x, axis), x.graph.constant([end], [1], 'int64'));
    }
  });
  const pads = intVector([...before, ...after], x);
  return x.graph.addNode('Pad', [dy, pads], [{ dtype: dy.dtype, shape: x.shape }], { mode: { string: 'constant' } })[0]!;
}

export const gradients: Record<string, GradientRule> = {
  Reshape: ([x], [dy]) => [x!.graph.addNode('Reshape', [dy!, shapeOf(x!)], [{ dtype: dy!.dtype, shape: x!.shape }])[0]!],
  Transpose: (_inputs, [dy], _outputs, node) => {
    const perm = intsAttr(node.attributes, 'perm') ?? [...Array(dy!.shape.length).keys()].reverse();
    const inverse = perm.map((_, axis) => perm.indexOf(axis));
    return [transpose(dy!, inverse)];
  },
  Concat: (inputs, [dy], _outputs, node) => {
    const axis = intAttr(node.attributes, 'axis', 0);
    let offset = 0;
    return inputs.map((input) => {
      const size = input.shape[axis]!;
      if (typeof size !== 'number') throw new Error(`Concat gradient: symbolic size '${size}' along the concatenated axis is not supported`);
      const piece = slice(dy!, [offset], [offset + size], { axes: [axis] });
      offset += size;
      return piece;
    });
  },
  Slice: (inputs, [dy]) => [unslice(inputs[0]!, dy!, inputs)],
  Expand: ([x], [dy]) => [sumToShape(dy!, x!)],
  Unsqueeze: (inputs, [dy]) => [squeeze(dy!, constantInts(inputs[1], 'Unsqueeze'))],
  Squeeze: (inputs, [dy]) => [unsqueeze(dy!, constantInts(inputs[1], 'Squeeze'))],
};
