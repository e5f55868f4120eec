// Measuring helpers shared by the benchmarks.
import { Graph } from '../src/graph/graph.js';
import { toOnnx } from '../src/graph/onnx.js';
import { matmul, slice } from '../src/graph/ops.js';
import { Rng } from '../src/runtime/rng.js';
import { Session } from '../src/runtime/session.js';

/** The upper median (the middle value of an odd count). */
export function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

/** Median wall seconds of `runs` calls of `call`, after `warmup` untimed calls. */
export async function medianSeconds(call: () => Promise<unknown>, warmup: number, runs: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await call();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await call();
    times.push((performance.now() - started) / 1000);
  }
  return median(times);
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
  const seconds = await medianSeconds(() => session.run(feeds), 3, 7);
  await session.dispose();
  const gflops = (2 * 1024 * 768 * 3072) / seconds / 1e9;
  progress(`MatMul ${gflops.toFixed(1)} GFLOPS`);
  return gflops;
}

/**
 * Median seconds of one ORT MatMul [m×k]×[k×n] as an inference graph runs it: the [k×n] weight an
 * initializer (so ORT prepacks it), and only the first output row copied out, so that the time is
 * the multiplication's alone. Median of 7 warm runs.
 */
export async function weightMatMulSeconds(m: number, k: number, n: number): Promise<number> {
  const graph = new Graph();
  const product = matmul(graph.input('a', 'float32', [m, k]), graph.parameter('w', [k, n]));
  graph.output('first_row', slice(product, [0], [1], { axes: [0] }));
  const rng = new Rng(5);
  const session = await Session.create(toOnnx(graph, { initializers: new Map([['w', rng.fillUniform(new Float32Array(k * n))]]) }));
  const feeds = { a: { data: rng.fillUniform(new Float32Array(m * k)), dims: [m, k] } };
  const seconds = await medianSeconds(() => session.run(feeds), 2, 7);
  await session.dispose();
  return seconds;
}
