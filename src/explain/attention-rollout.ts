// Attention rollout (Abnar & Zuidema 2020, "Quantifying Attention Flow in Transformers"): how much
// of each input token reaches [CLS] through the stack, counting the residual path as half of it:
//   Âₗ = rows renormalised (½·mean_h Aₗ,ₕ + ½·I)       [T, T], l = 1..L
//   R  = Â_L · Â_(L−1) ⋯ Â_1                           multiplied from the last layer down
//   score(j) = R[0, j]                                 the [CLS] row
// Only R's first row is needed: r ← e₀ᵀ·Â_L, then r ← r·Â_l for l = L−1 … 1, O(L·T²), in float64.

/** The [CLS] row of the rollout; `attentions` holds each layer's [heads, T, T] softmax probabilities. */
export function attentionRollout(attentions: readonly Float32Array[], heads: number, tokens: number): number[] {
  if (attentions.length === 0) throw new Error('attentionRollout: no attention layers');
  let row: number[] = Array.from({ length: tokens }, (_, j) => (j === 0 ? 1 : 0));
  for (let layer = attentions.length - 1; layer >= 0; layer--) {
    const probs = attentions[layer]!;
    if (probs.length !== heads * tokens * tokens) throw new Error(`attentionRollout: layer ${layer} has ${probs.length} values, expected ${heads}×${tokens}×${tokens}`);
    const mixed = mixedAttention(probs, heads, tokens);
    const next = new Array<number>(tokens).fill(0);
    for (let i = 0; i < tokens; i++) {
      if (row[i] === 0) continue;
      for (let j = 0; j < tokens; j++) next[j] += row[i]! * mixed[i * tokens + j]!;
    }
    row = next;
  }
  return row;
}

/** ½·mean over heads + ½·I, each row renormalised to sum 1: [T, T] row-major. */
function mixedAttention(probs: Float32Array, heads: number, tokens: number): Float64Array {
  const mixed = new Float64Array(tokens * tokens);
  for (let h = 0; h < heads; h++) {
    const block = h * tokens * tokens;
    for (let k = 0; k < tokens * tokens; k++) mixed[k] += probs[block + k]! / (2 * heads);
  }
  for (let i = 0; i < tokens; i++) {
    mixed[i * tokens + i] += 0.5;
    let sum = 0;
    for (let j = 0; j < tokens; j++) sum += mixed[i * tokens + j]!;
    for (let j = 0; j < tokens; j++) mixed[i * tokens + j] /= sum;
  }
  return mixed;
}
