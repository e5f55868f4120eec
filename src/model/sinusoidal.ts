// The fixed position encoding of the original Transformer (Vaswani et al. 2017, §3.5), a bertkit
// option (position_embedding_type 'sinusoidal'): a constant of the graph, not a parameter.
//   PE[pos, 2i]   = sin(pos / 10000^(2i/d))
//   PE[pos, 2i+1] = cos(pos / 10000^(2i/d))

/** The [positions, hidden] table, row-major, computed in float64 and rounded once to float32. */
export function sinusoidalTable(positions: number, hidden: number): Float32Array {
  if (!Number.isInteger(positions) || positions < 1) throw new Error(`sinusoidalTable: positions must be a positive integer, got ${positions}`);
  if (!Number.isInteger(hidden) || hidden < 2 || hidden % 2 !== 0) throw new Error(`sinusoidalTable: hidden size must be a positive even integer, got ${hidden}`);
  const table = new Float32Array(positions * hidden);
  for (let pos = 0; pos < positions; pos++) {
    for (let i = 0; i < hidden / 2; i++) {
      const angle = pos / Math.pow(10000, (2 * i) / hidden);
      table[pos * hidden + 2 * i] = Math.sin(angle);
      table[pos * hidden + 2 * i + 1] = Math.cos(angle);
    }
  }
  return table;
}
