// The k nearest rows of a set of L2-normalised embeddings to each row, by cosine (a dot product), in
// ONNX Runtime: one [block, d] × [d, n] product per block of rows, then a top-k pass in JS over each
// row of the block. All n² products of 10k sentences take a second this way, a minute in a JS loop.
import { Graph } from '../graph/graph.js';
import { gemm } from '../graph/ops.js';
import { Session, type SessionThreading } from '../runtime/session.js';
import { topIndices } from './top-indices.js';

/** Cosines computed per run: rows × n of them in at most 64 MB, whatever n is. */
const BLOCK_FLOATS = 1 << 24;

export interface Neighbour {
  readonly index: number;
  readonly cosine: number;
}

/**
 * For each embedding, its `k` most similar others (never itself), most similar first; ties go to
 * the lower index. `embeddings` must share one width; they are compared as given (normalise first
 * for cosines).
 */
export async function nearestNeighbours(embeddings: readonly Float32Array[], k: number, threading: SessionThreading = {}): Promise<Neighbour[][]> {
  if (!Number.isInteger(k) || k < 0) throw new Error(`nearestNeighbours: k must be a non-negative integer, got ${k}`);
  const n = embeddings.length;
  if (n === 0 || k === 0) return embeddings.map(() => []);
  const width = embeddings[0]!.length;
  const all = new Float32Array(n * width);
  embeddings.forEach((row, i) => {
    if (row.length !== width) throw new Error(`nearestNeighbours: embedding ${i} has ${row.length} values, embedding 0 has ${width}`);
    all.set(row, i * width);
  });

  const graph = new Graph();
  const queries = graph.input('queries', 'float32', ['rows', width]); // [rows, d]
  const keys = graph.input('keys', 'float32', [n, width]); //             [n, d]
  graph.output('cosines', gemm(queries, keys, undefined, { transB: true })); // [rows, n]
  const session = await Session.create(graph, threading);
  const result: Neighbour[][] = [];
  try {
    const blockRows = Math.max(1, Math.floor(BLOCK_FLOATS / n));
    for (let start = 0; start < n; start += blockRows) {
      const rows = Math.min(blockRows, n - start);
      const { cosines } = await session.run({
        queries: { data: all.subarray(start * width, (start + rows) * width), dims: [rows, width] },
        keys: { data: all, dims: [n, width] },
      });
      const scores = cosines!.data as Float32Array;
      for (let row = 0; row < rows; row++) {
        const similarities = scores.subarray(row * n, (row + 1) * n);
        result.push(topIndices(similarities, k, start + row).map((index) => ({ index, cosine: similarities[index]! })));
      }
    }
  } finally {
    await session.dispose();
  }
  return result;
}
