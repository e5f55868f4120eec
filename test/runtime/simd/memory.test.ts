import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allocateTensorGroups, isKernelMemory } from '../../../src/runtime/simd/index.js';

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

test('tensor groups live in kernel memory, which is told apart from ordinary buffers', () => {
  const [[tensor]] = allocateTensorGroups([8], 1) as [[Float32Array]];
  assert.ok(isKernelMemory(tensor.buffer));
  assert.ok(!isKernelMemory(new Float32Array(8).buffer));
});
