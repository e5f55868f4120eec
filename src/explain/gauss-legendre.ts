// Gauss–Legendre quadrature on [0, 1], integrated gradients' path rule (Captum's default
// 'gausslegendre', numpy's leggauss moved from [−1, 1]):
//   ∫₀¹ f(α) dα ≈ Σᵢ wᵢ·f(αᵢ),  αᵢ = (1 + xᵢ)/2,  wᵢ = w′ᵢ/2,
// exact for polynomials of degree ≤ 2n − 1. The xᵢ are the roots of the Legendre polynomial Pₙ,
// found in float64 by Newton's method from Tricomi's estimate cos(π(i − ¼)/(n + ½)); the weights
// are w′ᵢ = 2 / ((1 − xᵢ²)·Pₙ′(xᵢ)²).

export interface Quadrature {
  /** αᵢ in (0, 1), ascending. */
  readonly nodes: readonly number[];
  /** wᵢ > 0, summing to 1. */
  readonly weights: readonly number[];
}

/** The n-point Gauss–Legendre rule on [0, 1]. */
export function gaussLegendre(n: number): Quadrature {
  if (!Number.isInteger(n) || n < 1) throw new Error(`gaussLegendre: the number of points must be a positive integer, got ${n}`);
  const nodes: number[] = new Array(n);
  const weights: number[] = new Array(n);
  for (let i = 1; i <= Math.ceil(n / 2); i++) {
    let x = Math.cos((Math.PI * (i - 0.25)) / (n + 0.5));
    for (let iteration = 0; iteration < 100; iteration++) {
      const { value, slope } = legendre(n, x);
      const step = value / slope;
      x -= step;
      if (Math.abs(step) < 1e-16) break;
    }
    const derivative = legendre(n, x).slope;
    const weight = 2 / ((1 - x * x) * derivative * derivative);
    // x is the i-th largest root; its mirror −x is the i-th smallest.
    nodes[n - i] = (1 + x) / 2;
    nodes[i - 1] = (1 - x) / 2;
    weights[n - i] = weight / 2;
    weights[i - 1] = weight / 2;
  }
  return { nodes, weights };
}

/** Pₙ(x) and Pₙ′(x) (n ≥ 1, |x| < 1) by the three-term recurrence (k+1)·Pₖ₊₁ = (2k+1)·x·Pₖ − k·Pₖ₋₁. */
function legendre(n: number, x: number): { value: number; slope: number } {
  let previous = 1, value = x;
  for (let k = 1; k < n; k++) [previous, value] = [value, ((2 * k + 1) * x * value - k * previous) / (k + 1)];
  return { value, slope: (n * (x * value - previous)) / (x * x - 1) };
}
