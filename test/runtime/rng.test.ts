import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/runtime/rng.js';
import { setSimdEnabled } from '../../src/runtime/simd/index.js';

// Outputs of the C reference implementation (prng.di.unimi.it/xoshiro128starstar.c) compiled with gcc,
// from the state {0x12345678, 0x9abcdef0, 0xdeadbeef, 0x0badf00d}.
const REFERENCE_STATE = [0x12345678, 0x9abcdef0, 0xdeadbeef, 0x0badf00d] as const;
const REFERENCE_FIRST = [2576881682, 1162350735, 808537200, 2062165408, 3804998253, 141604735];
const REFERENCE_1000TH = 3215928693;
const REFERENCE_STATE_AFTER_1000 = [571682576, 3990266688, 1105408322, 4073720152];

test('xoshiro128** matches the C reference implementation', () => {
  const rng = Rng.fromState({ algorithm: 'xoshiro128**', words: REFERENCE_STATE });
  const drawn = Array.from({ length: 1000 }, () => rng.nextUint32());
  assert.deepEqual(drawn.slice(0, 6), REFERENCE_FIRST);
  assert.equal(drawn[999], REFERENCE_1000TH);
  assert.deepEqual(rng.state().words, REFERENCE_STATE_AFTER_1000);
});

/** Reference xoshiro128** step on a [s0, s1, s2, s3] array, in plain uint32 arithmetic. */
function referenceNext(s: number[]): number {
  const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;
  const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
  const t = (s[1]! << 9) >>> 0;
  s[2] = (s[2]! ^ s[0]!) >>> 0; s[3] = (s[3]! ^ s[1]!) >>> 0; s[1] = (s[1]! ^ s[2]!) >>> 0; s[0] = (s[0]! ^ s[3]!) >>> 0;
  s[2] = (s[2]! ^ t) >>> 0; s[3] = rotl(s[3]!, 11);
  return result;
}

for (const simd of [true, false]) {
  test(`fillUniform (${simd ? 'SIMD' : 'plain JS'}) interleaves four lanes seeded by the next 16 draws, for any length`, () => {
    setSimdEnabled(simd);
    try {
      for (const length of [3, 8, 2 * 16384 + 7]) {
        const rng = Rng.fromState({ algorithm: 'xoshiro128**', words: REFERENCE_STATE });
        const filled = rng.fillUniform(new Float32Array(length));
        // Lane l starts from draws 4l … 4l+3 of the generator (its s0 … s3).
        const scalar = Rng.fromState({ algorithm: 'xoshiro128**', words: REFERENCE_STATE });
        const seeds = Array.from({ length: 16 }, () => scalar.nextUint32());
        const states = [0, 1, 2, 3].map((lane) => seeds.slice(4 * lane, 4 * lane + 4));
        const expected = Float32Array.from({ length }, (_, i) => (referenceNext(states[i % 4]!) >>> 8) / 2 ** 24);
        assert.deepEqual(filled, expected, `length ${length}`);
        assert.deepEqual(rng.state(), scalar.state(), 'afterwards only the 16 seed draws have advanced the generator');
        for (const x of filled) assert.ok(x >= 0 && x < 1);
      }
    } finally {
      setSimdEnabled(true);
    }
  });
}

test('a saved state resumes the exact sequence', () => {
  const rng = new Rng(42);
  rng.fillUniform(new Float32Array(37));
  const saved = JSON.parse(JSON.stringify(rng.state()));
  const continued = rng.fillUniform(new Float32Array(100));
  const resumed = Rng.fromState(saved).fillUniform(new Float32Array(100));
  assert.deepEqual(resumed, continued);
});

test('uniforms are uniform and normals are standard (moments within sampling error)', () => {
  const rng = new Rng(7);
  const u = rng.fillUniform(new Float32Array(200_000));
  const mean = u.reduce((s, x) => s + x, 0) / u.length;
  assert.ok(Math.abs(mean - 0.5) < 0.005, `uniform mean ${mean}`);
  const below = u.filter((x) => x < 0.1).length / u.length;
  assert.ok(Math.abs(below - 0.1) < 0.005, `P(u < 0.1) = ${below}`);
  const n = rng.fillNormal(new Float32Array(200_000), 0, 0.02);
  const nm = n.reduce((s, x) => s + x, 0) / n.length;
  const sd = Math.sqrt(n.reduce((s, x) => s + (x - nm) ** 2, 0) / n.length);
  assert.ok(Math.abs(nm) < 0.0005 && Math.abs(sd - 0.02) < 0.0005, `normal mean ${nm} sd ${sd}`);
});

test('different seeds and streams give different sequences; bad states are refused', () => {
  assert.notEqual(new Rng(1).nextUint32(), new Rng(2).nextUint32());
  assert.notEqual(new Rng(1, Rng.streamOf('a.weight')).nextUint32(), new Rng(1, Rng.streamOf('b.weight')).nextUint32());
  assert.throws(() => Rng.fromState({ algorithm: 'xoshiro128**', words: [0, 0, 0, 0] }), /all zero/);
  assert.throws(() => Rng.fromState({ algorithm: 'xoshiro128**', words: [1, 2, 3, -4] as never }), /uint32/);
  assert.throws(() => new Rng(1.5), /safe integer/);
});
