// A float64 interpreter of bertkit's graph IR, written from the ONNX operator spec: the independent
// reference the gradient checks differentiate numerically (ORT has no float64 Erf).
import type { Graph, Node } from '../../src/graph/graph.js';
import type { DType, Tensor } from '../../src/graph/tensor.js';

export interface Value {
  readonly data: Float64Array;
  readonly dims: readonly number[];
  readonly dtype: DType;
}

const size = (dims: readonly number[]): number => dims.reduce((product, dim) => product * dim, 1);

function unravel(index: number, dims: readonly number[]): number[] {
  const coords = Array<number>(dims.length).fill(0);
  for (let axis = dims.length - 1; axis >= 0; axis--) {
    coords[axis] = index % dims[axis]!;
    index = Math.floor(index / dims[axis]!);
  }
  return coords;
}

function ravel(coords: readonly number[], dims: readonly number[]): number {
  let index = 0;
  for (let axis = 0; axis < dims.length; axis++) index = index * dims[axis]! + coords[axis]!;
  return index;
}

function broadcastDims(...all: (readonly number[])[]): number[] {
  const rank = Math.max(...all.map((dims) => dims.length));
  return Array.from({ length: rank }, (_, axis) => {
    let dim = 1;
    for (const dims of all) {
      const other = dims[axis - (rank - dims.length)] ?? 1;
      if (other !== 1) {
        if (dim !== 1 && dim !== other) throw new Error(`reference: cannot broadcast ${all.map((d) => `[${d}]`).join(' ')}`);
        dim = other;
      }
    }
    return dim;
  });
}

/** Reads `value` at the output coordinates `coords`, broadcasting. */
function at(value: Value, coords: readonly number[]): number {
  const offset = coords.length - value.dims.length;
  let index = 0;
  for (let axis = 0; axis < value.dims.length; axis++) {
    const dim = value.dims[axis]!;
    index = index * dim + (dim === 1 ? 0 : coords[axis + offset]!);
  }
  return value.data[index]!;
}

function elementwise(inputs: readonly Value[], dtype: DType, fn: (...args: number[]) => number): Value {
  const dims = broadcastDims(...inputs.map((input) => input.dims));
  const data = new Float64Array(size(dims));
  for (let index = 0; index < data.length; index++) {
    const coords = unravel(index, dims);
    data[index] = fn(...inputs.map((input) => at(input, coords)));
  }
  return { data, dims, dtype };
}

/** erf to ~1e-15: Taylor series near 0, Lentz continued fraction for erfc further out. */
export function erf64(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 200 && Math.abs(term) > 1e-18 * Math.abs(sum); n++) {
      term *= (-ax * ax) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * sum * (2 / Math.sqrt(Math.PI));
  }
  // erfc(x) = exp(-x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...))))
  let fraction = ax;
  for (let k = 60; k >= 1; k--) fraction = ax + k / 2 / fraction;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / fraction;
  return Math.sign(x) * (1 - erfc);
}

const ints = (value: Value): number[] => Array.from(value.data);

function normalizeAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

function reduce(x: Value, axesValue: Value | undefined, keepDims: boolean, init: number, combine: (a: number, b: number) => number, finish: (total: number, count: number) => number): Value {
  const rank = x.dims.length;
  const axes = axesValue === undefined || axesValue.data.length === 0 ? [...Array(rank).keys()] : ints(axesValue).map((axis) => normalizeAxis(axis, rank));
  const keptDims = x.dims.map((dim, axis) => (axes.includes(axis) ? 1 : dim));
  const totals = new Float64Array(size(keptDims)).fill(init);
  const counts = size(x.dims) / totals.length;
  for (let index = 0; index < x.data.length; index++) {
    const coords = unravel(index, x.dims).map((coord, axis) => (axes.includes(axis) ? 0 : coord));
    const target = ravel(coords, keptDims);
    totals[target] = combine(totals[target]!, x.data[index]!);
  }
  const data = totals.map((total) => finish(total, counts));
  const dims = keepDims ? keptDims : x.dims.filter((_, axis) => !axes.includes(axis));
  return { data, dims, dtype: x.dtype };
}

function matmul(a: Value, b: Value, transA = false, transB = false): Value {
  const [m, k] = transA ? [a.dims.at(-1)!, a.dims.at(-2)!] : [a.dims.at(-2)!, a.dims.at(-1)!];
  const n = transB ? b.dims.at(-2)! : b.dims.at(-1)!;
  const batch = broadcastDims(a.dims.slice(0, -2), b.dims.slice(0, -2));
  const dims = [...batch, m, n];
  const data = new Float64Array(size(dims));
  const aBatch = a.dims.slice(0, -2);
  const bBatch = b.dims.slice(0, -2);
  for (let index = 0; index < data.length; index++) {
    const coords = unravel(index, dims);
    const [i, j] = coords.slice(-2) as [number, number];
    const batchCoords = coords.slice(0, -2);
    const aBase = ravel(batchCoords.slice(batchCoords.length - aBatch.length).map((c, axis) => (aBatch[axis] === 1 ? 0 : c)), aBatch) * m * k;
    const bBase = ravel(batchCoords.slice(batchCoords.length - bBatch.length).map((c, axis) => (bBatch[axis] === 1 ? 0 : c)), bBatch) * k * n;
    let sum = 0;
    for (let p = 0; p < k; p++) {
      const av = a.data[aBase + (transA ? p * m + i : i * k + p)]!;
      const bv = b.data[bBase + (transB ? j * k + p : p * n + j)]!;
      sum += av * bv;
    }
    data[index] = sum;
  }
  return { data, dims, dtype: 'float32' };
}

function transpose(x: Value, perm: readonly number[]): Value {
  const dims = perm.map((axis) => x.dims[axis]!);
  const data = new Float64Array(x.data.length);
  for (let index = 0; index < data.length; index++) {
    const coords = unravel(index, dims);
    const source = Array<number>(x.dims.length);
    perm.forEach((axis, position) => (source[axis] = coords[position]!));
    data[index] = x.data[ravel(source, x.dims)]!;
  }
  return { data, dims, dtype: x.dtype };
}

function softmaxAlong(x: Value, axis: number, log: boolean): Value {
  const along = normalizeAxis(axis, x.dims.length);
  const axesValue: Value = { data: Float64Array.of(along), dims: [1], dtype: 'int64' };
  const max = reduce(x, axesValue, true, -Infinity, Math.max, (total) => total);
  const shifted = elementwise([x, max], 'float32', (a, b) => a - b);
  const sum = reduce(elementwise([shifted], 'float32', Math.exp), axesValue, true, 0, (a, b) => a + b, (total) => total);
  return elementwise([shifted, sum], 'float32', log ? (s, total) => s - Math.log(total) : (s, total) => Math.exp(s) / total);
}

type Kernel = (inputs: readonly (Value | undefined)[], node: Node) => Value[];

const attr = (node: Node, name: string): number | undefined => {
  const attribute = node.attributes[name];
  if (attribute === undefined) return undefined;
  if ('int' in attribute) return attribute.int;
  if ('float' in attribute) return attribute.float;
  return undefined;
};
const attrInts = (node: Node, name: string): readonly number[] | undefined => {
  const attribute = node.attributes[name];
  return attribute !== undefined && 'ints' in attribute ? attribute.ints : undefined;
};

const binary = (fn: (a: number, b: number) => number, dtype?: DType): Kernel => ([a, b]) => [elementwise([a!, b!], dtype ?? a!.dtype, fn)];
const unary = (fn: (a: number) => number): Kernel => ([a]) => [elementwise([a!], a!.dtype, fn)];

const KERNELS: Record<string, Kernel> = {
  Add: binary((a, b) => a + b),
  Sub: binary((a, b) => a - b),
  Mul: binary((a, b) => a * b),
  Div: ([a, b]) => [elementwise([a!, b!], a!.dtype, a!.dtype === 'float32' ? (x, y) => x / y : (x, y) => Math.trunc(x / y))],
  Pow: binary((a, b) => a ** b),
  Max: binary(Math.max),
  Equal: binary((a, b) => Number(a === b), 'bool'),
  Less: binary((a, b) => Number(a < b), 'bool'),
  Greater: binary((a, b) => Number(a > b), 'bool'),
  Not: unary((a) => Number(!a)),
  Neg: unary((a) => -a),
  Sqrt: unary(Math.sqrt),
  Exp: unary(Math.exp),
  Log: unary(Math.log),
  Tanh: unary(Math.tanh),
  Erf: unary(erf64),
  Sigmoid: unary((a) => 1 / (1 + Math.exp(-a))),
  Relu: unary((a) => Math.max(a, 0)),
  Abs: unary(Math.abs),
  Floor: unary(Math.floor),
  Sign: unary(Math.sign),
  Identity: ([a]) => [a!],
  Where: ([cond, a, b]) => [elementwise([cond!, a!, b!], a!.dtype, (c, x, y) => (c ? x : y))],
  Cast: ([x], node) => {
    const dtype = ({ 1: 'float32', 6: 'int32', 7: 'int64', 9: 'bool' } as Record<number, DType>)[attr(node, 'to')!]!;
    const convert = dtype === 'bool' ? (v: number) => Number(v !== 0) : dtype === 'float32' ? (v: number) => v : Math.trunc;
    return [{ data: x!.data.map(convert), dims: x!.dims, dtype }];
  },
  MatMul: ([a, b]) => [matmul(a!, b!)],
  Gemm: ([a, b, c], node) => {
    const product = matmul(a!, b!, attr(node, 'transA') === 1, attr(node, 'transB') === 1);
    return [c ? elementwise([product, c], 'float32', (x, y) => x + y) : product];
  },
  Transpose: ([x], node) => [transpose(x!, attrInts(node, 'perm') ?? [...x!.dims.keys()].reverse())],
  Reshape: ([x, shape]) => {
    const target = ints(shape!).map((dim, axis) => (dim === 0 ? x!.dims[axis]! : dim));
    const known = target.filter((dim) => dim !== -1).reduce((p, d) => p * d, 1);
    const dims = target.map((dim) => (dim === -1 ? x!.data.length / known : dim));
    if (size(dims) !== x!.data.length) throw new Error(`reference Reshape: [${x!.dims}] to [${dims}]`);
    return [{ data: x!.data, dims, dtype: x!.dtype }];
  },
  Range: ([start, limit, delta]) => {
    const count = Math.max(0, Math.ceil((limit!.data[0]! - start!.data[0]!) / delta!.data[0]!));
    return [{ data: Float64Array.from({ length: count }, (_, index) => start!.data[0]! + index * delta!.data[0]!), dims: [count], dtype: start!.dtype }];
  },
  Shape: ([x]) => [{ data: Float64Array.from(x!.dims), dims: [x!.dims.length], dtype: 'int64' }],
  Expand: ([x, shape]) => {
    const dims = broadcastDims(x!.dims, ints(shape!));
    return [elementwise([x!, { data: new Float64Array(size(dims)), dims, dtype: x!.dtype }], x!.dtype, (a) => a)];
  },
  Unsqueeze: ([x, axes]) => {
    const rank = x!.dims.length + axes!.data.length;
    const normalized = ints(axes!).map((axis) => normalizeAxis(axis, rank));
    const dims: number[] = [];
    let source = 0;
    for (let axis = 0; axis < rank; axis++) dims.push(normalized.includes(axis) ? 1 : x!.dims[source++]!);
    return [{ data: x!.data, dims, dtype: x!.dtype }];
  },
  Squeeze: ([x, axes]) => {
    const normalized = ints(axes!).map((axis) => normalizeAxis(axis, x!.dims.length));
    return [{ data: x!.data, dims: x!.dims.filter((_, axis) => !normalized.includes(axis)), dtype: x!.dtype }];
  },
  Concat: (inputs, node) => {
    const values = inputs as Value[];
    const axis = normalizeAxis(attr(node, 'axis')!, values[0]!.dims.length);
    const dims = [...values[0]!.dims];
    dims[axis] = values.reduce((total, value) => total + value.dims[axis]!, 0);
    const data = new Float64Array(size(dims));
    for (let index = 0; index < data.length; index++) {
      const coords = unravel(index, dims);
      let position = coords[axis]!;
      let part = 0;
      while (position >= values[part]!.dims[axis]!) position -= values[part++]!.dims[axis]!;
      coords[axis] = position;
      data[index] = values[part]!.data[ravel(coords, values[part]!.dims)]!;
    }
    return [{ data, dims, dtype: values[0]!.dtype }];
  },
  Slice: ([x, starts, ends, axes, steps]) => {
    const rank = x!.dims.length;
    const begin = Array<number>(rank).fill(0);
    const step = Array<number>(rank).fill(1);
    const dims = [...x!.dims];
    ints(axes!).forEach((rawAxis, index) => {
      const axis = normalizeAxis(rawAxis, rank);
      const dim = x!.dims[axis]!;
      const stride = steps!.data[index]!;
      const clamp = (value: number, low: number, high: number): number => Math.min(Math.max(value < 0 ? value + dim : value, low), high);
      const from = stride > 0 ? clamp(starts!.data[index]!, 0, dim) : clamp(starts!.data[index]!, -1, dim - 1);
      const to = stride > 0 ? clamp(ends!.data[index]!, 0, dim) : clamp(ends!.data[index]!, -1, dim - 1);
      begin[axis] = from;
      step[axis] = stride;
      dims[axis] = Math.max(0, Math.ceil((to - from) / stride));
    });
    const data = new Float64Array(size(dims));
    for (let index = 0; index < data.length; index++) {
      const coords = unravel(index, dims).map((coord, axis) => begin[axis]! + coord * step[axis]!);
      data[index] = x!.data[ravel(coords, x!.dims)]!;
    }
    return [{ data, dims, dtype: x!.dtype }];
  },
  Pad: ([x, pads]) => {
    const rank = x!.dims.length;
    const amounts = ints(pads!);
    const dims = x!.dims.map((dim, axis) => dim + amounts[axis]! + amounts[axis + rank]!);
    const data = new Float64Array(size(dims));
    for (let index = 0; index < x!.data.length; index++) {
      const coords = unravel(index, x!.dims).map((coord, axis) => coord + amounts[axis]!);
      data[ravel(coords, dims)] = x!.data[index]!;
    }
    return [{ data, dims, dtype: x!.dtype }];
  },
  Gather: ([x, indices], node) => {
    const axis = normalizeAxis(attr(node, 'axis') ?? 0, x!.dims.length);
    const dims = [...x!.dims.slice(0, axis), ...indices!.dims, ...x!.dims.slice(axis + 1)];
    const data = new Float64Array(size(dims));
    for (let index = 0; index < data.length; index++) {
      const coords = unravel(index, dims);
      const picked = coords.slice(axis, axis + indices!.dims.length);
      let row = indices!.data[ravel(picked, indices!.dims)]!;
      if (row < 0) row += x!.dims[axis]!;
      const source = [...coords.slice(0, axis), row, ...coords.slice(axis + indices!.dims.length)];
      data[index] = x!.data[ravel(source, x!.dims)]!;
    }
    return [{ data, dims, dtype: x!.dtype }];
  },
  GatherElements: ([x, indices], node) => {
    const axis = normalizeAxis(attr(node, 'axis') ?? 0, x!.dims.length);
    const data = new Float64Array(indices!.data.length);
    for (let index = 0; index < data.length; index++) {
      const coords = unravel(index, indices!.dims);
      coords[axis] = indices!.data[index]!;
      data[index] = x!.data[ravel(coords, x!.dims)]!;
    }
    return [{ data, dims: indices!.dims, dtype: x!.dtype }];
  },
  ScatterElements: ([x, indices, updates], node) => {
    const axis = normalizeAxis(attr(node, 'axis') ?? 0, x!.dims.length);
    const data = Float64Array.from(x!.data);
    for (let index = 0; index < updates!.data.length; index++) {
      const coords = unravel(index, indices!.dims);
      coords[axis] = indices!.data[index]!;
      data[ravel(coords, x!.dims)]! += updates!.data[index]!;
    }
    return [{ data, dims: x!.dims, dtype: x!.dtype }];
  },
  GatherND: ([x, indices]) => {
    const depth = indices!.dims.at(-1)!;
    const rows = size(indices!.dims.slice(0, -1));
    const block = size(x!.dims.slice(depth));
    const data = new Float64Array(rows * block);
    for (let row = 0; row < rows; row++) {
      const start = ravel(Array.from(indices!.data.subarray(row * depth, (row + 1) * depth)), x!.dims.slice(0, depth)) * block;
      data.set(x!.data.subarray(start, start + block), row * block);
    }
    return [{ data, dims: [...indices!.dims.slice(0, -1), ...x!.dims.slice(depth)], dtype: x!.dtype }];
  },
  ScatterND: ([x, indices, updates]) => {
    const depth = indices!.dims.at(-1)!;
    const rows = size(indices!.dims.slice(0, -1));
    const block = size(x!.dims.slice(depth));
    const data = Float64Array.from(x!.data);
    for (let row = 0; row < rows; row++) {
      const start = ravel(Array.from(indices!.data.subarray(row * depth, (row + 1) * depth)), x!.dims.slice(0, depth)) * block;
      for (let offset = 0; offset < block; offset++) data[start + offset]! += updates!.data[row * block + offset]!;
    }
    return [{ data, dims: x!.dims, dtype: x!.dtype }];
  },
  OneHot: ([indices, depth, values]) => {
    const classes = depth!.data[0]!;
    const dims = [...indices!.dims, classes];
    const data = new Float64Array(size(dims)).fill(values!.data[0]!);
    indices!.data.forEach((label, row) => (data[row * classes + label] = values!.data[1]!));
    return [{ data, dims, dtype: values!.dtype }];
  },
  ReduceSum: ([x, axes], node) => [reduce(x!, axes, attr(node, 'keepdims') !== 0, 0, (a, b) => a + b, (t) => t)],
  ReduceMean: ([x, axes], node) => [reduce(x!, axes, attr(node, 'keepdims') !== 0, 0, (a, b) => a + b, (t, n) => t / n)],
  ReduceMax: ([x, axes], node) => [reduce(x!, axes, attr(node, 'keepdims') !== 0, -Infinity, Math.max, (t) => t)],
  ReduceProd: ([x, axes], node) => [reduce(x!, axes, attr(node, 'keepdims') !== 0, 1, (a, b) => a * b, (t) => t)],
  Softmax: ([x], node) => [softmaxAlong(x!, attr(node, 'axis') ?? -1, false)],
  LogSoftmax: ([x], node) => [softmaxAlong(x!, attr(node, 'axis') ?? -1, true)],
  LayerNormalization: ([x, gamma, beta], node) => {
    const epsilon = attr(node, 'epsilon') ?? 1e-5;
    const last: Value = { data: Float64Array.of(-1), dims: [1], dtype: 'int64' };
    const mean = reduce(x!, last, true, 0, (a, b) => a + b, (t, n) => t / n);
    const centered = elementwise([x!, mean], 'float32', (a, m) => a - m);
    const variance = reduce(elementwise([centered], 'float32', (c) => c * c), last, true, 0, (a, b) => a + b, (t, n) => t / n);
    const invStdDev = elementwise([variance], 'float32', (v) => 1 / Math.sqrt(v + epsilon));
    const y = elementwise([centered, invStdDev, gamma!, beta!], 'float32', (c, r, g, b) => c * r * g + b);
    return [y, mean, invStdDev];
  },
};

/** Evaluates the tensors `targets` of `graph` in float64 given feeds for its inputs. */
export function evaluate(graph: Graph, feeds: Record<string, Value>, targets: readonly Tensor[]): Value[] {
  const values = new Map<string, Value>();
  for (const [name, constant] of graph.constants) {
    values.set(name, { data: Float64Array.from(constant.data as ArrayLike<number | bigint>, Number), dims: constant.dims, dtype: constant.dtype });
  }
  for (const input of graph.inputs) {
    const feed = feeds[input.name];
    if (feed !== undefined) values.set(input.name, feed);
  }
  const valueOf = (tensor: Tensor): Value => {
    const known = values.get(tensor.name);
    if (known !== undefined) return known;
    const node = graph.producer(tensor);
    if (node === undefined) throw new Error(`reference: no feed for ${tensor.name}`);
    const kernel = KERNELS[node.op];
    if (kernel === undefined) throw new Error(`reference: no kernel for ${node.op}`);
    const outputs = kernel(node.inputs.map(valueOf), node);
    node.outputs.forEach((output, index) => values.set(output.name, outputs[index]!));
    return values.get(tensor.name)!;
  };
  return targets.map(valueOf);
}

