// Measuring helpers shared by the benchmarks.
import { Graph } from '../src/graph/graph.js';
import { matmul } from '../src/graph/ops.js';
import { Rng } from '../src/runtime/rng.js';
import { Session } from '../src/runtime/session.js';

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
