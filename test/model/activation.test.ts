import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Graph } from '../../src/graph/graph.js';
import { hiddenActivation } from '../../src/model/activation.js';
import { Session } from '../../src/runtime/session.js';

// float64 definitions (PyTorch's nn.functional.gelu, HF's NewGELUActivation, ReLU)
const erf = (x: number): number => {
  // Maclaurin series; for |x| ≤ 4.3 (x/√2 of the inputs here) its cancellation costs < 1e-8
  let sum = 0, term = x, n = 0;
  while (Math.abs(term) > 1e-17 * Math.abs(sum) || n < 5) {
    sum += term / (2 * n + 1);
    n++;
    term *= (-x * x) / n;
    if (n > 400) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
};
const REFERENCES = {
  gelu: (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  gelu_new: (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  relu: (x: number) => Math.max(0, x),
} as const;

test('hidden activations match their float64 definitions', async () => {
  const xs = Float32Array.from({ length: 121 }, (_, i) => -6 + i * 0.1);
  for (const [kind, reference] of Object.entries(REFERENCES) as [keyof typeof REFERENCES, (x: number) => number][]) {
    const graph = new Graph();
    graph.output('y', hiddenActivation(kind, graph.input('x', 'float32', [xs.length])));
    const session = await Session.create(graph, { threads: 1 });
    const y = (await session.run({ x: { data: xs, dims: [xs.length] } })).y!.data as Float32Array;
    await session.dispose();
    let worst = 0;
    xs.forEach((x, i) => (worst = Math.max(worst, Math.abs(y[i]! - reference(x)))));
    assert.ok(worst < 2e-6, `${kind}: max |Δ| ${worst}`);
  }
  assert.throws(() => hiddenActivation('swish' as never, new Graph().input('x', 'float32', [1])), /unsupported hidden_act 'swish'/);
});
