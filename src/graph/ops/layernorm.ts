import type { GradientRule } from '../gradient-rule.js';
import { type Tensor, formatShape } from '../tensor.js';
import { mul, sub } from './elementwise.js';
import { reduceMean, sumToShape } from './reduce.js';

/**
 * ONNX LayerNormalization over the last axis: (x − mean)/√(var + epsilon)·gamma + beta.
 * gamma and beta: [hidden]. BERT uses epsilon 1e-12.
 */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, epsilon = 1e-12): Tensor {
  const hidden = x.shape[x.shape.length - 1];
  for (const [name, tensor] of [['gamma', gamma], ['beta', beta]] as const) {
    if (tensor.shape.length !== 1 || tensor.shape[0] !== hidden || tensor.dtype !== 'float32') {
      throw new Error(`layerNorm: ${name} ${tensor.dtype}${formatShape(tensor.shape)} must be float32[${hidden}] for input ${formatShape(x.shape)}`);
    }
  }
  if (x.dtype !== 'float32') throw new Error(`layerNorm: needs float32, got ${x.dtype}${formatShape(x.shape)}`);
  const statsShape = [...x.shape.slice(0, -1), 1];
  // Mean and InvStdDev come out too: the gradient needs them and ORT computes them anyway.
  const [y] = x.graph.addNode(
    'LayerNormalization',
    [x, gamma, beta],
    [{ dtype: 'float32', shape: x.shape }, { dtype: 'float32', shape: statsShape }, { dtype: 'float32', shape: statsShape }],
    { axis: { int: -1 }, epsilon: { float: epsilon }, stash_type: { int: 1 } },
  );
  return y!;
}

export const gradients: Record<string, GradientRule> = {
  // With x̂ = (x − μ)·r and g = dy·gamma:  dx = r·(g − mean(g) − x̂·mean(g·x̂)),
  // dgamma = Σ dy·x̂, dbeta = Σ dy over all leading axes.
  LayerNormalization: ([x, gamma, beta], [dy], [_y, mean, invStdDev]) => {
    const normalized = mul(sub(x!, mean!), invStdDev!);
    const scaled = mul(dy!, gamma!);
    const centered = sub(scaled, reduceMean(scaled, -1, { keepDims: true }));
    const dx = mul(sub(centered, mul(normalized, reduceMean(mul(scaled, normalized), -1, { keepDims: true }))), invStdDev!);
    return [dx, sumToShape(mul(dy!, normalized), gamma!), sumToShape(dy!, beta!)];
  },
};
