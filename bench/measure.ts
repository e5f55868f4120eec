// Measuring helpers shared by the benchmarks.
import { Graph } from '../src/graph/graph.js';
import { toOnnx } from '../src/graph/onnx.js';
import { matmul, slice } from '../src/graph/ops.js';
import type { Tensor } from '../src/graph/tensor.js';
import { Rng } from '../src/runtime/rng.js';
import { type HostTensor, Session } from '../src/runtime/session.js';

/** The upper median (the middle value of an odd count). */
export function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

/**
 * The machine's reference speed: a bare ORT MatMul [1024×768]×[768×3072], warm, median of 7 runs,
 * in GFLOPS. Suites divide by it so that their numbers compare across machines.
 */
export async function bareMatMulGflops(progress: (message: string) => void): Promise<number> {
  const graph = new Graph();
  graph.output('c', matmul(graph.input('a', 'float32', [1024, 768]), graph.input('b', 'float32', [768, 3072])));
  const session = await Session.create(graph);
  const rng = new Rng(3);
  const feeds = { a: { data: rng.fillUniform(new Float32Array(1024 * 768)), dims: [1024, 768] }, b: { data: rng.fillUniform(new Float32Array(768 * 3072)), dims: [768, 3072] } };
  for (let i = 0; i < 3; i++) await session.run(feeds);
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const started = performance.now();
    await session.run(feeds);
    times.push(performance.now() - started);
  }
  await session.dispose();
  const gflops = (2 * 1024 * 768 * 3072) / (median(times) / 1000) / 1e9;
  progress(`MatMul ${gflops.toFixed(1)} GFLOPS`);
  return gflops;
}

/**
 * GFLOPS of the weight MatMuls of one BERT layer as the model runs them: M = the batch's tokens, the
 * six weight shapes (query, key, value, attention output [h×h], FFN [h×f] and [f×h]), prepacked
 * weights (weightMatMuls), warm, median of 7. The reference of a model's own GFLOPS: a bare MatMul with
 * a fed weight and another M runs at half the speed on Zen 5 (79–86 against the model's 161–163 GFLOPS).
 */
export async function layerMatMulGflops(m: number, hidden: number, ffn: number, progress: (message: string) => void): Promise<number> {
  const shapes: [number, number][] = [[hidden, hidden], [hidden, hidden], [hidden, hidden], [hidden, hidden], [hidden, ffn], [ffn, hidden]];
  const matmuls = await weightMatMuls(m, shapes, 1);
  try {
    for (let i = 0; i < 3; i++) await matmuls.run();
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const started = performance.now();
      await matmuls.run();
      times.push(performance.now() - started);
    }
    const gflops = (2 * m * (4 * hidden * hidden + 2 * hidden * ffn)) / (median(times) / 1000) / 1e9;
    progress(`a layer's weight MatMuls at M = ${m}, prepacked: ${gflops.toFixed(1)} GFLOPS`);
    return gflops;
  } finally {
    await matmuls.dispose();
  }
}

/**
 * One ORT session of bare MatMuls [m×k]×[k×n] as an inference graph runs them: for each of
 * `repeat` rounds one product per shape, each with its own [k×n] weight as an initializer (so ORT
 * prepacks it, and no two nodes are alike for ORT to merge), and only the first row of each product
 * copied out, so that the time is the multiplications'.
 */
export async function weightMatMuls(m: number, shapes: ReadonlyArray<readonly [number, number]>, repeat: number): Promise<{ run(): Promise<unknown>; dispose(): Promise<void> }> {
  const graph = new Graph();
  const rng = new Rng(5);
  const inputs = new Map<number, Tensor>(), feeds: Record<string, HostTensor> = {}, weights = new Map<string, Float32Array>();
  for (const [k] of shapes) {
    if (inputs.has(k)) continue;
    inputs.set(k, graph.input(`a${k}`, 'float32', [m, k]));
    feeds[`a${k}`] = { data: rng.fillUniform(new Float32Array(m * k)), dims: [m, k] };
  }
  for (let round = 0; round < repeat; round++) {
    shapes.forEach(([k, n], index) => {
      const name = `w${round}_${index}`;
      weights.set(name, rng.fillUniform(new Float32Array(k * n)));
      graph.output(`row${round}_${index}`, slice(matmul(inputs.get(k)!, graph.parameter(name, [k, n])), [0], [1], { axes: [0] }));
    });
  }
  const session = await Session.create(toOnnx(graph, { initializers: weights }));
  return { run: () => session.run(feeds), dispose: () => session.dispose() };
}
