import type { GradientRule } from '../gradient-rule.js';
import { intAttr } from '../attributes.js';
import { broadcastShapes } from '../shape.js';
import { type Dim, type Tensor, formatShape } from '../tensor.js';
import { sumToShape } from './reduce.js';
import { reshape, transpose } from './shape-ops.js';

function checkFloat(op: string, ...tensors: Tensor[]): void {
  for (const tensor of tensors) {
    if (tensor.dtype !== 'float32') throw new Error(`${op}: needs float32, got ${tensor.dtype}${formatShape(tensor.shape)}`);
  }
}

/** Batched matrix product a [...,m,k] × b [...,k,n] → [...,m,n]; batch dims broadcast. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkFloat('matmul', a, b);
  if (a.shape.length < 2 || b.shape.length < 2) throw new Error(`matmul: needs rank ≥ 2: ${formatShape(a.shape)} × ${formatShape(b.shape)}`);
  const [m, k] = a.shape.slice(-2) as [Dim, Dim];
  const [k2, n] = b.shape.slice(-2) as [Dim, Dim];
  if (k !== k2) throw new Error(`matmul: inner dimensions differ: ${formatShape(a.shape)} × ${formatShape(b.shape)}`);
  const batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  return a.graph.addNode('MatMul', [a, b], [{ dtype: 'float32', shape: [...batch, m, n] }])[0]!;
}

export interface GemmOptions {
  transA?: boolean;
  transB?: boolean;
}

/** 2-D op(a) × op(b) (+ c), where op transposes on request without copying. */
export function gemm(a: Tensor, b: Tensor, c?: Tensor, options: GemmOptions = {}): Tensor {
  checkFloat('gemm', a, b, ...(c ? [c] : []));
  if (a.shape.length !== 2 || b.shape.length !== 2) throw new Error(`gemm: needs rank 2: ${formatShape(a.shape)} × ${formatShape(b.shape)}`);
  const [m, k] = options.transA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const [k2, n] = options.transB ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
  const described = `${options.transA ? 'transposed ' : ''}${formatShape(a.shape)} × ${options.transB ? 'transposed ' : ''}${formatShape(b.shape)}`;
  if (k !== k2) throw new Error(`gemm: inner dimensions differ: ${described}`);
  if (c) broadcastShapes('gemm', c.shape, [m, n]);
  const attributes = { transA: { int: options.transA ? 1 : 0 }, transB: { int: options.transB ? 1 : 0 } };
  return a.graph.addNode('Gemm', c ? [a, b, c] : [a, b], [{ dtype: 'float32', shape: [m, n] }], attributes)[0]!;
}

/**
 * The Hugging Face Linear: x [...,in] × weight [out,in]ᵀ + bias [out] → [...,out].
 * Emitted as one Gemm on rows [N,in] (transB reads the weight in place, the bias add is fused, and
 * the weight gradient comes out as [out,in] without a Transpose). Measured against
 * MatMul(x, Transpose(weight)) + Add on the 2-core dev machine: a 768→3072 linear forward+backward
 * 2–7 % faster, a BERT-base layer forward+backward the same within noise, and BERT's FFN block at
 * inference ~1–2 % faster (ORT still fuses Gelu and SkipLayerNormalization, given toOnnx's value_info).
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  checkFloat('linear', x, weight, ...(bias ? [bias] : []));
  if (weight.shape.length !== 2) throw new Error(`linear: weight must be [out,in], got ${formatShape(weight.shape)}`);
  const [out, inFeatures] = weight.shape as [Dim, Dim];
  if (x.shape.length < 1 || x.shape[x.shape.length - 1] !== inFeatures) {
    throw new Error(`linear: input ${formatShape(x.shape)} does not end in the weight's in-features: weight ${formatShape(weight.shape)}`);
  }
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== out)) throw new Error(`linear: bias ${formatShape(bias.shape)} must be [${out}] for weight ${formatShape(weight.shape)}`);
  if (x.shape.length === 2) return gemm(x, weight, bias, { transB: true });
  const rows = reshape(x, [-1, inFeatures]); // [N,in]
  const product = gemm(rows, weight, bias, { transB: true }); // [N,out]
  return reshape(product, [...x.shape.slice(0, -1), out], x);
}

/** Swaps the last two axes. */
function transposeLast(x: Tensor): Tensor {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [rank - 1, rank - 2];
  return transpose(x, perm);
}

export const gradients: Record<string, GradientRule> = {
  MatMul: ([a, b], [dy]) => {
    const da = sumToShape(matmul(dy!, transposeLast(b!)), a!);
    if (b!.shape.length === 2 && a!.shape.length > 2) {
      // A shared weight: fold the batch into rows so one Gemm (no copy of a) gives aᵀ·dy.
      const k = a!.shape[a!.shape.length - 1]!;
      const n = dy!.shape[dy!.shape.length - 1]!;
      return [da, gemm(reshape(a!, [-1, k]), reshape(dy!, [-1, n]), undefined, { transA: true })];
    }
    return [da, sumToShape(matmul(transposeLast(a!), dy!), b!)];
  },
  Gemm: ([a, b, c], [dy], _outputs, node) => {
    const transA = intAttr(node.attributes, 'transA', 0) === 1;
    const transB = intAttr(node.attributes, 'transB', 0) === 1;
    // y = op(a)·op(b): d op(a) = dy·op(b)ᵀ and d op(b) = op(a)ᵀ·dy, each written as one Gemm
    const da = transA ? gemm(b!, dy!, undefined, { transA: transB, transB: true }) : gemm(dy!, b!, undefined, { transB: !transB });
    const db = transB ? gemm(dy!, a!, undefined, { transA: true, transB: transA }) : gemm(a!, dy!, undefined, { transA: !transA });
    return [da, db, c === undefined ? undefined : sumToShape(dy!, c)];
  },
};

