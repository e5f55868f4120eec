// Gradient checking: autodiff graphs run on ORT in float32 against central finite differences of
// the float64 reference interpreter.
import assert from 'node:assert/strict';
import { grad } from '../../src/graph/autodiff.js';
import { Graph } from '../../src/graph/graph.js';
import { mul, reduceSum } from '../../src/graph/ops.js';
import type { Tensor } from '../../src/graph/tensor.js';
import { type HostTensor, Session } from '../../src/runtime/session.js';
import { type Value, evaluate } from './reference.js';

/** mulberry32: reproducible test data. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface CheckOptions {
  /** Fixed values for inputs (required for integer inputs), row-major. */
  values?: Record<string, number[]>;
  /** Inputs drawn from [0.5, 2) instead of [-1, 1) (logs, square roots, divisors). */
  positive?: string[];
  /** Sizes of symbolic dims for this run. */
  symbols?: Record<string, number>;
  /** Names of float inputs not to differentiate (default: differentiate them all). */
  constant?: string[];
  rtol?: number;
  atol?: number;
  seed?: number;
}

function concreteDims(tensor: Tensor, symbols: Record<string, number>): number[] {
  return tensor.shape.map((dim) => {
    if (typeof dim === 'number') return dim;
    const value = symbols[dim];
    if (value === undefined) throw new Error(`gradcheck: no size given for symbolic dim '${dim}'`);
    return value;
  });
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, rtol: number, atol: number): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 1;
  for (let index = 0; index < expected.length; index++) scale = Math.max(scale, Math.abs(expected[index]!));
  for (let index = 0; index < expected.length; index++) {
    const error = Math.abs(actual[index]! - expected[index]!);
    if (!(error <= atol * scale + rtol * Math.abs(expected[index]!))) {
      assert.fail(`${what}[${index}]: ORT ${actual[index]} vs reference ${expected[index]} (error ${error.toExponential(2)})`);
    }
  }
}

/**
 * Builds out = build(graph), then f = Σ out·w for random w, differentiates f with autodiff,
 * and checks ORT's forward values and gradients against the float64 reference.
 */
export async function checkGradients(build: (graph: Graph) => Tensor, options: CheckOptions = {}): Promise<void> {
  const rtol = options.rtol ?? 1e-3;
  const atol = options.atol ?? 1e-4;
  const next = random(options.seed ?? 7);
  const graph = new Graph();
  const out = build(graph);
  const symbols = options.symbols ?? {};
  const feeds64: Record<string, Value> = {};
  for (const input of graph.inputs) {
    const dims = concreteDims(input, symbols);
    const count = dims.reduce((product, dim) => product * dim, 1);
    const fixed = options.values?.[input.name];
    let data: number[];
    if (fixed !== undefined) data = fixed;
    else if (input.dtype !== 'float32') throw new Error(`gradcheck: integer input ${input.name} needs values`);
    else if (options.positive?.includes(input.name)) data = Array.from({ length: count }, () => 0.5 + 1.5 * next());
    else data = Array.from({ length: count }, () => 2 * next() - 1);
    // Rounded to float32 so ORT and the reference see identical inputs.
    feeds64[input.name] = { data: Float64Array.from(data, Math.fround), dims, dtype: input.dtype };
  }
  const [outValue] = evaluate(graph, feeds64, [out]);
  const weights = graph.input('gradcheck_weights', 'float32', [...out.shape]);
  feeds64[weights.name] = { data: Float64Array.from(outValue!.data, () => Math.fround(2 * next() - 1)), dims: outValue!.dims, dtype: 'float32' };
  const objective = reduceSum(mul(out, weights));
  const wrt = graph.inputs.filter((input) => input.dtype === 'float32' && input !== weights && !options.constant?.includes(input.name));
  const grads = grad(objective, wrt);
  graph.output('out', out);
  graph.output('objective', objective);
  wrt.forEach((input, index) => graph.output(`grad_${input.name}`, grads[index]!));

  const session = await Session.create(graph);
  const feeds: Record<string, HostTensor> = {};
  for (const [name, value] of Object.entries(feeds64)) {
    const dtype = graph.inputs.find((input) => input.name === name)!.dtype;
    const data = dtype === 'float32' ? Float32Array.from(value.data) : dtype === 'int64' ? BigInt64Array.from(value.data, (v) => BigInt(v)) : dtype === 'int32' ? Int32Array.from(value.data) : Uint8Array.from(value.data);
    feeds[name] = { data, dims: [...value.dims] };
  }
  const results = await session.run(feeds);
  await session.dispose();
  assert.deepEqual(results.out!.dims, [...outValue!.dims], 'forward dims');
  assertClose(results.out!.data as Float32Array, outValue!.data, 'forward', rtol, atol);

  const objectiveAt = (): number => evaluate(graph, feeds64, [objective])[0]!.data[0]!;
  for (const input of wrt) {
    const values = feeds64[input.name]!.data;
    const numeric = new Float64Array(values.length);
    for (let index = 0; index < values.length; index++) {
      const original = values[index]!;
      const step = 1e-5 * Math.max(1, Math.abs(original));
      values[index] = original + step;
      const up = objectiveAt();
      values[index] = original - step;
      const down = objectiveAt();
      values[index] = original;
      numeric[index] = (up - down) / (2 * step);
    }
    const analytic = results[`grad_${input.name}`]!;
    assert.deepEqual(analytic.dims, [...feeds64[input.name]!.dims], `gradient dims of ${input.name}`);
    assertClose(analytic.data as Float32Array, numeric, `d/d${input.name}`, rtol, atol);
  }
}
