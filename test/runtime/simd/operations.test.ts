import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../../src/runtime/rng.js';
import { accumulateSimd, adamwSimd, allocateTensorGroups, lambApplySimd, lambMomentsSimd } from '../../../src/runtime/simd/index.js';

// Sizes around the 16384-element staging chunk and the 1024-element sum span, whole lanes and not.
const SIZES = [1, 7, 1024, 16384 + 5, 3 * 16384];

// The kernels' arithmetic replayed one element at a time in float32: each operation rounded once
// (Math.fround), scalars rounded to float32 as they enter the kernel. f32x4 lanes round the same way.
const f = Math.fround;
const f32Sqrt = (x: number): number => f(Math.sqrt(x));

/** For each size, (p, g, m, v) both in one tensor memory (updated in place) and as ordinary arrays (staged). */
function operandSets(rng: Rng): Float32Array[][] {
  const groups = allocateTensorGroups(SIZES, 4);
  return SIZES.flatMap((size, index) => [groups[index]!, Array.from({ length: 4 }, () => new Float32Array(size))]).map((arrays) => {
    const [p, g, m, v] = arrays as [Float32Array, Float32Array, Float32Array, Float32Array];
    rng.fillNormal(p);
    rng.fillNormal(g);
    rng.fillNormal(m, 0, 0.1);
    v.set(rng.fillUniform(new Float32Array(v.length)).map((x) => x * 0.01));
    return arrays;
  });
}

test('adamwSimd is bit-identical to a float32 replay of its formula (in place and staged)', () => {
  const [gradScale, beta1, beta2, decayFactor, stepSize, sqrtCorrection2, epsilon] = [0.5, 0.9, 0.999, 0.999, 1e-3, 0.3, 1e-8];
  for (const [p, g, m, v] of operandSets(new Rng(7)) as [Float32Array, Float32Array, Float32Array, Float32Array][]) {
    const expected = { p: p.slice(), m: m.slice(), v: v.slice() };
    for (let j = 0; j < p.length; j++) {
      const gj = f(g[j]! * f(gradScale));
      const mj = (expected.m[j] = f(f(f(beta1) * m[j]!) + f(f(1 - beta1) * gj)));
      const vj = (expected.v[j] = f(f(f(beta2) * v[j]!) + f(f(f(1 - beta2) * gj) * gj)));
      expected.p[j] = f(f(p[j]! * f(decayFactor)) - f(f(f(stepSize) * mj) / f(f(f32Sqrt(vj) * f(1 / sqrtCorrection2)) + f(epsilon))));
    }
    assert.ok(adamwSimd(p, g, m, v, gradScale, beta1, beta2, decayFactor, stepSize, sqrtCorrection2, epsilon), 'SIMD available');
    assert.deepEqual({ p, m, v }, expected, `size ${p.length}`);
  }
});

test('lambMomentsSimd updates m and v as the float32 replay does and returns Σw² and Σr²; lambApplySimd steps p bit-identically', () => {
  const [gradScale, beta1, beta2, correction1, correction2, epsilon, decay, stepSize] = [0.5, 0.9, 0.999, 0.19, 0.002, 1e-6, 0.01, 1e-3];
  const [invCorrection1, invSqrtCorrection2] = [f(1 / correction1), f(1 / Math.sqrt(correction2))];
  for (const [p, g, m, v] of operandSets(new Rng(8)) as [Float32Array, Float32Array, Float32Array, Float32Array][]) {
    const expected = { p: p.slice(), m: m.slice(), v: v.slice() };
    const whole = p.length & ~3;
    let weight2 = 0, update2 = 0;
    for (let j = 0; j < p.length; j++) {
      const w = p[j]!;
      let r: number;
      if (j < whole) {
        const gj = f(g[j]! * f(gradScale));
        const mj = (expected.m[j] = f(f(f(beta1) * m[j]!) + f(f(1 - beta1) * gj)));
        const vj = (expected.v[j] = f(f(f(beta2) * v[j]!) + f(f(f(1 - beta2) * gj) * gj)));
        r = f(f(f(mj * invCorrection1) / f(f(f32Sqrt(vj) * invSqrtCorrection2) + f(epsilon))) + f(f(decay) * w));
      } else {
        // The last 1–3 elements, past whole lanes, are done in float64 and stored once as float32.
        const gj = g[j]! * gradScale;
        expected.m[j] = beta1 * m[j]! + (1 - beta1) * gj;
        expected.v[j] = beta2 * v[j]! + (1 - beta2) * gj * gj;
        r = expected.m[j]! / correction1 / (Math.sqrt(expected.v[j]! / correction2) + epsilon) + decay * w;
      }
      weight2 += w * w;
      update2 += r * r;
    }
    const norms = lambMomentsSimd(p, g, m, v, gradScale, beta1, beta2, correction1, correction2, epsilon, decay);
    assert.ok(norms !== null, 'SIMD available');
    assert.deepEqual({ m, v }, { m: expected.m, v: expected.v }, `size ${p.length}`);
    assert.ok(Math.abs(norms.weight2 / weight2 - 1) < 1e-6, `size ${p.length}: Σw² ${norms.weight2} vs ${weight2}`);
    assert.ok(Math.abs(norms.update2 / update2 - 1) < 1e-6, `size ${p.length}: Σr² ${norms.update2} vs ${update2}`);

    for (let j = 0; j < p.length; j++) {
      const w = p[j]!;
      const r = f(f(f(m[j]! * invCorrection1) / f(f(f32Sqrt(v[j]!) * invSqrtCorrection2) + f(epsilon))) + f(f(decay) * w));
      expected.p[j] = f(w - f(f(stepSize) * r));
    }
    assert.ok(lambApplySimd(p, m, v, stepSize, correction1, correction2, epsilon, decay), 'SIMD available');
    assert.deepEqual(p, expected.p, `size ${p.length}`);
  }
});

test('accumulateSimd adds bit-identically to a scalar float32 loop and returns Σdst² (in place and staged)', () => {
  const rng = new Rng(5);
  const groups = allocateTensorGroups(SIZES, 1);
  SIZES.forEach((size, index) => {
    for (const dst of [groups[index]![0]!, new Float32Array(size)]) {
      rng.fillNormal(dst);
      const src = rng.fillNormal(new Float32Array(size));
      const expected = Float32Array.from(dst, (x, i) => x + src[i]!); // each sum rounded once to float32
      let squares = 0;
      for (const x of expected) squares += x * x;
      const returned = accumulateSimd(dst, src);
      assert.ok(returned !== null, 'SIMD available');
      assert.deepEqual(dst, expected, `size ${size}`);
      assert.ok(Math.abs(returned / squares - 1) < 1e-6, `size ${size}: Σ² ${returned} vs ${squares}`);
    }
  });
});
