// LAMB (You et al. 2019, "Large Batch Optimization for Deep Learning: Training BERT in 76 minutes"),
// the BERT-large recipe as in tensorflow_addons / NVIDIA's reference:
//   r = m̂ / (√v̂ + ε) + λ·w,   m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t)
//   w ← w − lr · φ · r,        φ = ‖w‖ / ‖r‖ per tensor (1 when either norm is 0)
// Parameters in the no-decay group (biases, LayerNorm) get neither weight decay nor the trust ratio
// (tfa's exclude_from_layer_adaptation defaults to exclude_from_weight_decay).
import type { ParameterStore } from '../../runtime/parameters.js';
import { type LambNorms, lambApplySimd, lambMomentsSimd } from '../../runtime/simd/index.js';
import { AdamFamily, type AdamHyperparameters, type Gradients, type MomentAllocator, type UpdateOptions, decays, gradientOf } from './optimizer.js';

export class Lamb extends AdamFamily {
  readonly kind = 'lamb' as const;

  constructor(hyper: AdamHyperparameters = {}, allocate?: MomentAllocator) {
    super('Lamb', hyper, 1e-6, allocate);
  }

  update(params: ParameterStore, grads: Gradients, options: UpdateOptions): void {
    const t = this.updates + 1;
    const gradScale = options.gradScale ?? 1;
    const correction1 = 1 - this.beta1 ** t, correction2 = 1 - this.beta2 ** t;
    for (const { name, data: w } of params.entries()) {
      const g = gradientOf('Lamb', grads, name, w.length);
      const { m, v } = this.moments.for(name, w.length);
      const adapt = decays(name, this.noDecay);
      const decay = adapt ? this.weightDecay : 0;
      const lr = options.learningRate * (options.learningRateScales?.[name] ?? 1);
      const norms = lambMomentsSimd(w, g, m, v, gradScale, this.beta1, this.beta2, correction1, correction2, this.epsilon, decay)
        ?? this.momentsJs(w, g, m, v, gradScale, correction1, correction2, decay);
      const trust = adapt && norms.weight2 > 0 && norms.update2 > 0 ? Math.sqrt(norms.weight2) / Math.sqrt(norms.update2) : 1;
      const stepSize = lr * trust;
      if (!lambApplySimd(w, m, v, stepSize, correction1, correction2, this.epsilon, decay)) {
        for (let i = 0; i < w.length; i++) {
          const wi = w[i]!;
          w[i] = wi - stepSize * (m[i]! / correction1 / (Math.sqrt(v[i]! / correction2) + this.epsilon) + decay * wi);
        }
      }
    }
    this.updates = t;
  }

  /**
   * Pass 1 in plain JS (where SIMD is missing): moments, ‖w‖² and ‖r‖². Pass 2 recomputes r from the
   * stored moments rather than keeping a 4th buffer per tensor; the float32-rounded moments make both
   * passes agree exactly.
   */
  private momentsJs(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, gradScale: number, correction1: number, correction2: number, decay: number): LambNorms {
    const keep1 = 1 - this.beta1, keep2 = 1 - this.beta2;
    let weight2 = 0, update2 = 0;
    for (let i = 0; i < w.length; i++) {
      const gi = g[i]! * gradScale;
      m[i] = this.beta1 * m[i]! + keep1 * gi;
      v[i] = this.beta2 * v[i]! + keep2 * gi * gi;
      const wi = w[i]!;
      const ri = m[i]! / correction1 / (Math.sqrt(v[i]! / correction2) + this.epsilon) + decay * wi;
      weight2 += wi * wi;
      update2 += ri * ri;
    }
    return { weight2, update2 };
  }
}
