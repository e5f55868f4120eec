import type { GradientRule } from '../gradient-rule.js';
import { intAttr, stringAttr } from '../attributes.js';
import { normalizeAxis } from '../shape.js';
import { type Tensor, formatShape } from '../tensor.js';
import { add, equal, less } from './elementwise.js';
import { gemm } from './matmul.js';
import { expandLike, reshape, unsqueeze } from './shape-ops.js';
import { cast, where } from './where.js';

function checkIndices(op: string, indices: Tensor): void {
  if (indices.dtype !== 'int64' && indices.dtype !== 'int32') throw new Error(`${op}: indices must be int64 or int32, got ${indices.dtype}${formatShape(indices.shape)}`);
}

/** Picks slices of data along `axis` (an embedding lookup: gather(table [vocab,hidden], ids [batch,seq])). */
export function gather(data: Tensor, indices: Tensor, axis = 0): Tensor {
  checkIndices('gather', indices);
  const along = normalizeAxis('gather', axis, data.shape.length);
  const shape = [...data.shape.slice(0, along), ...indices.shape, ...data.shape.slice(along + 1)];
  return data.graph.addNode('Gather', [data, indices], [{ dtype: data.dtype, shape }], { axis: { int: along } })[0]!;
}

/**
 * Adds updates into a copy of data at rows `indices` [...,1] (ONNX ScatterND, reduction 'add':
 * duplicate indices sum). updates: indices.shape[:-1] + data.shape[1:].
 */
export function scatterAdd(data: Tensor, indices: Tensor, updates: Tensor): Tensor {
  if (indices.dtype !== 'int64') throw new Error(`scatterAdd: indices must be int64, got ${indices.dtype}${formatShape(indices.shape)}`);
  const depth = indices.shape[indices.shape.length - 1];
  if (typeof depth !== 'number' || depth > data.shape.length) throw new Error(`scatterAdd: the last dim of indices ${formatShape(indices.shape)} must be a static index depth ≤ rank of data ${formatShape(data.shape)}`);
  const expected = [...indices.shape.slice(0, -1), ...data.shape.slice(depth)];
  if (updates.shape.length !== expected.length || updates.shape.some((dim, axis) => dim !== expected[axis]) || updates.dtype !== data.dtype) {
    throw new Error(`scatterAdd: updates ${updates.dtype}${formatShape(updates.shape)} must be ${data.dtype}${formatShape(expected)} for data ${formatShape(data.shape)} and indices ${formatShape(indices.shape)}`);
  }
  return data.graph.addNode('ScatterND', [data, indices, updates], [{ dtype: data.dtype, shape: data.shape }], { reduction: { string: 'add' } })[0]!;
}

/** data[..., index, ...] per element along axis (ONNX GatherElements): indices has data's rank. */
export function gatherElements(data: Tensor, indices: Tensor, axis: number): Tensor {
  checkIndices('gatherElements', indices);
  if (indices.shape.length !== data.shape.length) throw new Error(`gatherElements: indices ${formatShape(indices.shape)} must have the rank of data ${formatShape(data.shape)}`);
  const along = normalizeAxis('gatherElements', axis, data.shape.length);
  return data.graph.addNode('GatherElements', [data, indices], [{ dtype: data.dtype, shape: indices.shape }], { axis: { int: along } })[0]!;
}

/**
 * Adds updates into a copy of data at `indices` along `axis` (ONNX ScatterElements, reduction 'add':
 * duplicate indices sum). indices and updates share a shape of data's rank.
 */
export function scatterElementsAdd(data: Tensor, indices: Tensor, updates: Tensor, axis: number): Tensor {
  checkIndices('scatterElementsAdd', indices);
  const sameShape = indices.shape.length === updates.shape.length && indices.shape.every((dim, index) => dim === updates.shape[index]);
  if (indices.shape.length !== data.shape.length || !sameShape || updates.dtype !== data.dtype) {
    throw new Error(`scatterElementsAdd: indices ${formatShape(indices.shape)} and updates ${updates.dtype}${formatShape(updates.shape)} must share one shape of the rank of data ${data.dtype}${formatShape(data.shape)}`);
  }
  const along = normalizeAxis('scatterElementsAdd', axis, data.shape.length);
  return data.graph.addNode('ScatterElements', [data, indices, updates], [{ dtype: data.dtype, shape: data.shape }], { axis: { int: along }, reduction: { string: 'add' } })[0]!;
}

function gatherND(data: Tensor, indices: Tensor): Tensor {
  const depth = indices.shape[indices.shape.length - 1] as number;
  const shape = [...indices.shape.slice(0, -1), ...data.shape.slice(depth)];
  return data.graph.addNode('GatherND', [data, indices], [{ dtype: data.dtype, shape }])[0]!;
}

/** Tables up to this many rows take their gradient as a one-hot product (oneHotGradient). */
const ONE_HOT_GRADIENT_ROWS = 16;

/**
 * The gradient of a gather from a small table [rows, width] as one Gemm, one-hotᵀ [rows, N] · dy [N, width]:
 * ONNX Runtime's ScatterND adds its updates one row at a time: BERT's token-type table (2 rows, every
 * token of the batch gathering one of them) took 0.70 ms of the tiny masked LM's step that way, 0.26
 * with the product and its one-hot (ORT profile, 2 threads, Zen 5).
 */
function oneHotGradient(table: Tensor, indices: Tensor, dy: Tensor): Tensor {
  const [rows, width] = table.shape as [number, number];
  const classes = table.graph.constant([...Array(rows).keys()], [rows], indices.dtype);
  const wrapped = where(less(indices, 0), add(indices, rows), indices); // Gather counts negative indices from the end
  const oneHot = cast(equal(unsqueeze(wrapped, [-1]), classes), 'float32'); // [..., rows]
  return gemm(reshape(oneHot, [-1, rows]), reshape(dy, [-1, width]), undefined, { transA: true }); // [rows, width]
}

export const gradients: Record<string, GradientRule> = {
  Gather: ([data, indices], [dy], _outputs, node) => {
    if (intAttr(node.attributes, 'axis', 0) !== 0) throw new Error(`Gather gradient: only axis 0 is supported (gathering ${data!.name} ${formatShape(data!.shape)})`);
    const [rows, width] = data!.shape;
    if (data!.shape.length === 2 && typeof rows === 'number' && rows <= ONE_HOT_GRADIENT_ROWS && typeof width === 'number') return [oneHotGradient(data!, indices!, dy!), undefined];
    const zeros = expandLike(data!.graph.scalar(0, 'float32'), data!);
    const rowIndices = indices!.dtype === 'int64' ? indices! : data!.graph.addNode('Cast', [indices!], [{ dtype: 'int64', shape: indices!.shape }], { to: { int: 7 } })[0]!;
    return [scatterAdd(zeros, unsqueeze(rowIndices, [-1]), dy!), undefined];
  },
  GatherElements: ([data, indices], [dy], _outputs, node) => {
    const zeros = expandLike(data!.graph.scalar(0, 'float32'), data!);
    return [scatterElementsAdd(zeros, indices!, dy!, intAttr(node.attributes, 'axis', 0)), undefined];
  },
  ScatterND: ([_data, indices], [dy], _outputs, node) => {
    if (stringAttr(node.attributes, 'reduction', 'none') !== 'add') throw new Error('ScatterND gradient: only reduction "add" is supported');
    return [dy!, undefined, gatherND(dy!, indices!)];
  },
};
