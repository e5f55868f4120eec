// Global-norm gradient clipping as torch.nn.utils.clip_grad_norm_: one norm over every gradient,
// and a factor maxNorm / (norm + 1e-6) when it exceeds maxNorm. The factor is not applied here:
// the optimizer folds it into its single pass over each gradient (UpdateOptions.gradScale).

/** √(Σ (scale·g)²) over all gradients, accumulated in float64. */
export function globalNorm(gradients: Iterable<Float32Array>, scale = 1): number {
  let sum = 0;
  for (const g of gradients) {
    // Four partial sums break the add dependency chain (~1.5× faster than one accumulator).
    let a = 0, b = 0, c = 0, d = 0;
    const whole = g.length - (g.length % 4);
    let i = 0;
    for (; i < whole; i += 4) {
      const x0 = g[i]!, x1 = g[i + 1]!, x2 = g[i + 2]!, x3 = g[i + 3]!;
      a += x0 * x0; b += x1 * x1; c += x2 * x2; d += x3 * x3;
    }
    for (; i < g.length; i++) a += g[i]! * g[i]!;
    sum += a + b + c + d;
  }
  return Math.sqrt(sum) * Math.abs(scale);
}

/** The factor that brings a gradient of norm `norm` down to `maxNorm` (1 when already below). */
export function clipFactor(norm: number, maxNorm: number): number {
  if (!(maxNorm > 0)) throw new Error(`clipFactor: maxNorm must be > 0, got ${maxNorm}`);
  if (!Number.isFinite(norm)) throw new Error(`clipFactor: gradient norm is ${norm}; the loss diverged or the gradients overflowed`);
  const factor = maxNorm / (norm + 1e-6);
  return factor < 1 ? factor : 1;
}
