// Float64 replays of AdamW, LAMB and global-norm clipping, written from the papers' formulas
// (one plain loop per step, no shared code with src/train/optim) for comparison in tests.

export interface ReferenceTensor {
  name: string;
  w: Float64Array;
  m: Float64Array;
  v: Float64Array;
}

export interface ReferenceHyper {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  decays: (name: string) => boolean;
  /** Per-parameter learning-rate multiplier (layer-wise decay); default 1. */
  lrScale?: (name: string) => number;
}

export function referenceTensors(params: Map<string, Float32Array>): ReferenceTensor[] {
  return [...params].map(([name, w]) => ({ name, w: Float64Array.from(w), m: new Float64Array(w.length), v: new Float64Array(w.length) }));
}

/** The averaged, clipped float64 gradients of one step (torch's clip_grad_norm_ rule). */
export function referenceGradients(sums: Map<string, Float32Array>, microBatches: number, maxNorm: number | undefined): Map<string, Float64Array> {
  const averaged = new Map([...sums].map(([name, g]) => [name, Float64Array.from(g, (x) => x / microBatches)]));
  let squares = 0;
  for (const g of averaged.values()) for (const x of g) squares += x * x;
  const norm = Math.sqrt(squares);
  if (maxNorm !== undefined && norm > maxNorm) {
    const factor = maxNorm / (norm + 1e-6);
    for (const g of averaged.values()) for (let i = 0; i < g.length; i++) g[i] *= factor;
  }
  return averaged;
}

export function referenceAdamW(tensors: ReferenceTensor[], grads: Map<string, Float64Array>, t: number, peakLr: number, h: ReferenceHyper): void {
  for (const { name, w, m, v } of tensors) {
    const g = grads.get(name)!;
    const lr = peakLr * (h.lrScale?.(name) ?? 1);
    const wd = h.decays(name) ? h.weightDecay : 0;
    for (let i = 0; i < w.length; i++) {
      w[i] -= lr * wd * w[i]!;
      m[i] = h.beta1 * m[i]! + (1 - h.beta1) * g[i]!;
      v[i] = h.beta2 * v[i]! + (1 - h.beta2) * g[i]! ** 2;
      const mHat = m[i]! / (1 - h.beta1 ** t);
      const vHat = v[i]! / (1 - h.beta2 ** t);
      w[i] -= (lr * mHat) / (Math.sqrt(vHat) + h.eps);
    }
  }
}

export function referenceLamb(tensors: ReferenceTensor[], grads: Map<string, Float64Array>, t: number, peakLr: number, h: ReferenceHyper): void {
  for (const { name, w, m, v } of tensors) {
    const g = grads.get(name)!;
    const lr = peakLr * (h.lrScale?.(name) ?? 1);
    const adapt = h.decays(name);
    const wd = adapt ? h.weightDecay : 0;
    const r = new Float64Array(w.length);
    for (let i = 0; i < w.length; i++) {
      m[i] = h.beta1 * m[i]! + (1 - h.beta1) * g[i]!;
      v[i] = h.beta2 * v[i]! + (1 - h.beta2) * g[i]! ** 2;
      r[i] = m[i]! / (1 - h.beta1 ** t) / (Math.sqrt(v[i]! / (1 - h.beta2 ** t)) + h.eps) + wd * w[i]!;
    }
    const wNorm = Math.sqrt(w.reduce((s, x) => s + x * x, 0));
    const rNorm = Math.sqrt(r.reduce((s, x) => s + x * x, 0));
    const trust = adapt && wNorm > 0 && rNorm > 0 ? wNorm / rNorm : 1;
    for (let i = 0; i < w.length; i++) w[i] -= lr * trust * r[i]!;
  }
}
