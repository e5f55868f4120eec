// AdamW (Loshchilov & Hutter) exactly as torch.optim.AdamW: bias-corrected moments and decoupled
// weight decay p ← p·(1 − lr·λ) applied before the Adam step, λ = 0 for the no-decay group.
import type { ParameterStore } from '../../runtime/parameters.js';
import { adamwSimd } from '../../runtime/simd/index.js';
import { AdamFamily, type AdamHyperparameters, type Gradients, type MomentAllocator, type UpdateOptions, decays, gradientOf } from './optimizer.js';

export class AdamW extends AdamFamily {
  readonly kind = 'adamw' as const;

  constructor(hyper: AdamHyperparameters = {}, allocate?: MomentAllocator) {
    super('AdamW', hyper, 1e-8, allocate);
  }

  update(params: ParameterStore, grads: Gradients, options: UpdateOptions): void {
    const t = this.updates + 1;
    const gradScale = options.gradScale ?? 1;
    const correction1 = 1 - this.beta1 ** t;
    const sqrtCorrection2 = Math.sqrt(1 - this.beta2 ** t);
    for (const { name, data } of params.entries()) {
      const gradient = gradientOf('AdamW', grads, name, data.length);
      const { m, v } = this.moments.for(name, data.length);
      const decay = decays(name, this.noDecay) ? this.weightDecay : 0;
      const lr = options.learningRate * (options.learningRateScales?.[name] ?? 1);
      const args = [data, gradient, m, v, gradScale, this.beta1, this.beta2, 1 - lr * decay, lr / correction1, sqrtCorrection2, this.epsilon] as const;
      if (!adamwSimd(...args)) adamwKernel(...args);
    }
    this.updates = t;
  }
}

// The plain-JS fallback where WebAssembly SIMD is missing: one fused pass per tensor, ~5.4 ns per
// element (bound by scalar sqrt and division).
function adamwKernel(
  p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, gradScale: number,
  beta1: number, beta2: number, decayFactor: number, stepSize: number, sqrtCorrection2: number, epsilon: number,
): void {
  const keep1 = 1 - beta1, keep2 = 1 - beta2;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i]! * gradScale;
    const mi = beta1 * m[i]! + keep1 * gi;
    const vi = beta2 * v[i]! + keep2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i]! * decayFactor - (stepSize * mi) / (Math.sqrt(vi) / sqrtCorrection2 + epsilon);
  }
}
