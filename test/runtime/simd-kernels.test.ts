import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/runtime/rng.js';
import { accumulateSimd, allocateTensorGroups } from '../../src/runtime/simd-kernels.js';

// Sizes around the 16384-element staging chunk and the 1024-element sum span, whole lanes and not.
const SIZES = [1, 7, 1024, 16384 + 5, 3 * 16384];

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

test('tensor groups are zeroed, 16-byte aligned and disjoint', () => {
  const groups = allocateTensorGroups([5, 9, 4], 3);
  const spans = groups.flat().map((a) => [a.byteOffset, a.byteOffset + a.byteLength, a.buffer] as const);
  for (const [start, , ] of spans) assert.equal(start % 16, 0);
  for (const a of groups.flat()) assert.ok(a.every((x) => x === 0));
  for (let i = 0; i < spans.length; i++) for (let j = i + 1; j < spans.length; j++) {
    const [s1, e1, b1] = spans[i]!, [s2, e2, b2] = spans[j]!;
    assert.ok(b1 !== b2 || e1 <= s2 || e2 <= s1, `arrays ${i} and ${j} overlap`);
  }
});
