import assert from 'node:assert/strict';
import { test } from 'node:test';
import { elementKernel, f32Const, i32Const, uleb } from '../../../src/runtime/simd/assembler.js';

test('immediates are encoded as the WebAssembly spec says: unsigned/signed LEB128, little-endian f32', () => {
  assert.deepEqual(uleb(0), [0x00]);
  assert.deepEqual(uleb(127), [0x7f]);
  assert.deepEqual(uleb(128), [0x80, 0x01]);
  assert.deepEqual(uleb(624485), [0xe5, 0x8e, 0x26]); // the LEB128 example of the DWARF spec
  assert.deepEqual(i32Const(63), [0x41, 0x3f]);
  assert.deepEqual(i32Const(-1), [0x41, 0x7f]);
  assert.throws(() => i32Const(64), /needs more than one LEB128 byte/);
  assert.deepEqual(f32Const(1), [0x43, 0x00, 0x00, 0x80, 0x3f]); // 1.0f = 0x3f800000
  assert.deepEqual(f32Const(2 ** -24), [0x43, 0x00, 0x00, 0x80, 0x33]);
});

test('an element kernel needs its element count n', () => {
  assert.throws(() => elementKernel({ name: 'broken', i32: ['p'], f32: [], v128: [], body: () => [] }), /no i32 parameter 'n'/);
});
