import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gaussLegendre } from '../../src/explain/gauss-legendre.js';

// Abramowitz & Stegun, Table 25.4: nodes ±xᵢ and weights wᵢ on [−1, 1].
const TABULATED: Record<number, { x: number[]; w: number[] }> = {
  2: { x: [0.5773502691896257], w: [1] },
  3: { x: [0, 0.7745966692414834], w: [0.8888888888888888, 0.5555555555555556] },
  5: { x: [0, 0.5384693101056831, 0.9061798459386640], w: [0.5688888888888889, 0.4786286704993665, 0.2369268850561891] },
  8: { x: [0.1834346424956498, 0.5255324099163290, 0.7966664774136267, 0.9602898564975363], w: [0.3626837833783620, 0.3137066458778873, 0.2223810344533745, 0.1012285362903763] },
};

test('Gauss–Legendre nodes and weights on [0, 1] are the tabulated ones moved from [−1, 1]', () => {
  for (const [n, { x, w }] of Object.entries(TABULATED)) {
    const expected = x.flatMap((xi, i) => (xi === 0 ? [{ node: 0.5, weight: w[i]! / 2 }] : [{ node: (1 - xi) / 2, weight: w[i]! / 2 }, { node: (1 + xi) / 2, weight: w[i]! / 2 }]))
      .sort((a, b) => a.node - b.node);
    const rule = gaussLegendre(Number(n));
    assert.equal(rule.nodes.length, Number(n));
    expected.forEach(({ node, weight }, i) => {
      assert.ok(Math.abs(rule.nodes[i]! - node) < 1e-14, `n=${n} node ${i}: ${rule.nodes[i]} vs ${node}`);
      assert.ok(Math.abs(rule.weights[i]! - weight) < 1e-14, `n=${n} weight ${i}: ${rule.weights[i]} vs ${weight}`);
    });
  }
  assert.deepEqual(gaussLegendre(1), { nodes: [0.5], weights: [1] });
});

test('the 50-point rule integrates polynomials up to degree 99 exactly, and a smooth function to float64 precision', () => {
  const { nodes, weights } = gaussLegendre(50);
  const integrate = (f: (a: number) => number): number => nodes.reduce((sum, a, i) => sum + weights[i]! * f(a), 0);
  for (const degree of [0, 1, 7, 30, 99]) assert.ok(Math.abs(integrate((a) => a ** degree) - 1 / (degree + 1)) < 1e-13, `degree ${degree}`);
  assert.ok(Math.abs(integrate(Math.exp) - (Math.E - 1)) < 1e-13);
  assert.ok(nodes.every((a, i) => a > 0 && a < 1 && (i === 0 || a > nodes[i - 1]!)));
});

test('a rule of no points is refused', () => {
  assert.throws(() => gaussLegendre(0), /positive integer, got 0/);
  assert.throws(() => gaussLegendre(2.5), /positive integer/);
});
