// A seeded, resumable random number generator: xoshiro128** (Blackman & Vigna) seeded by splitmix32.
// Its whole state is four uint32 words, so a checkpoint stores it and a resumed run draws the very
// same numbers (ORT's Random*/Dropout nodes advance inside a session and cannot be saved).
//
// Why dropout randomness is drawn here and fed as uniform tensors rather than hashed in-graph from a
// fed seed (measured on the busy 2-core dev machine): a BERT-base step at batch 8 × seq 128 needs
// 8·128·768 uniforms per hidden dropout site (embeddings + 2 per layer) and 8·12·128·128 per
// attention-probs dropout, 38.5 M per step. `fillUniform` draws them in 40 ms (four SIMD lanes;
// 70–100 ms in plain JS); the in-graph alternative (Range → uint32 multiply/xor-shift hash → float,
// 13 ORT nodes, 2 threads) took 270–320 ms, because ORT runs each node as its own full pass.
import { uniformSimd } from './simd/index.js';

/** The serialisable state of an `Rng`: four uint32 words. */
export interface RngState {
  readonly algorithm: 'xoshiro128**';
  readonly words: readonly [number, number, number, number];
}

const TWO_POW_MINUS_24 = 1 / 16777216;

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /**
   * Seeds from any safe integer; equal (seed, stream) pairs give equal sequences. `stream` (a uint32,
   * e.g. a hash of a parameter name) picks an independent sequence for the same seed.
   */
  constructor(seed: number, stream = 0) {
    if (!Number.isSafeInteger(seed)) throw new Error(`Rng: seed must be a safe integer, got ${seed}`);
    if (!Number.isInteger(stream) || stream < 0 || stream > 0xffffffff) throw new Error(`Rng: stream must be a uint32, got ${stream}`);
    // splitmix32 over both halves of the seed and the stream spreads nearby seeds across the state space.
    let x = (seed >>> 0) ^ Math.imul(Math.floor(seed / 4294967296) >>> 0, 0x9e3779b9) ^ Math.imul(stream, 0x632be5ab);
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  static fromState(state: RngState): Rng {
    if (state.algorithm !== 'xoshiro128**') throw new Error(`Rng: unknown algorithm '${String(state.algorithm)}' in saved state`);
    const words = state.words;
    if (words.length !== 4 || words.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new Error(`Rng: saved state words must be four uint32 values, got ${JSON.stringify(words)}`);
    }
    if (words.every((w) => w === 0)) throw new Error('Rng: saved state is all zero, which xoshiro128** cannot leave');
    const rng = new Rng(0);
    [rng.s0, rng.s1, rng.s2, rng.s3] = words;
    return rng;
  }

  /** FNV-1a of a string: a stable `stream` number for a name. */
  static streamOf(label: string): number {
    let hash = 0x811c9dc5;
    for (let i = 0; i < label.length; i++) hash = Math.imul(hash ^ label.charCodeAt(i), 0x01000193);
    return hash >>> 0;
  }

  state(): RngState {
    return { algorithm: 'xoshiro128**', words: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0] };
  }

  /** The next uint32. */
  nextUint32(): number {
    const s0 = this.s0, s1 = this.s1, s2 = this.s2, s3 = this.s3;
    const product = Math.imul(s1, 5);
    const result = Math.imul((product << 7) | (product >>> 25), 9) >>> 0;
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    this.s1 = s1 ^ n2;
    this.s0 = s0 ^ n3;
    this.s2 = n2 ^ t;
    this.s3 = (n3 << 11) | (n3 >>> 21);
    return result;
  }

  /** A float in [0, 1) with 24 random bits, exactly representable in float32. */
  uniform(): number {
    return (this.nextUint32() >>> 8) * TWO_POW_MINUS_24;
  }

  /** An integer in [0, n), n ≤ 2^32, without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296) throw new Error(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** A standard normal sample (Box–Muller; one uniform pair per sample keeps the stream simple to replay). */
  normal(): number {
    const u1 = 1 - this.uniform(); // (0, 1]: log stays finite
    const u2 = this.uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /**
   * Fills `out` with U[0, 1) floats from four generators interleaved lane by lane
   * (out[4j + lane] = lane's j-th draw), seeded by the next 16 outputs of this generator; the state
   * afterwards is this generator's alone, so the result depends only on the state before the call.
   * Four lanes let WebAssembly SIMD draw four at once (JS fallback: the same numbers, ~4× slower).
   */
  fillUniform(out: Float32Array): Float32Array {
    const lanes = new Uint32Array(16); // s0 of lanes 0–3, s1 of lanes 0–3, …
    for (let lane = 0; lane < 4; lane++) {
      for (let word = 0; word < 4; word++) lanes[4 * word + lane] = this.nextUint32();
      if ((lanes[lane]! | lanes[4 + lane]! | lanes[8 + lane]! | lanes[12 + lane]!) === 0) lanes[lane] = 1;
    }
    const whole = out.length - (out.length % 4);
    if (!uniformSimd(out.subarray(0, whole), lanes)) fillLanes(out.subarray(0, whole), lanes);
    fillLanes(out.subarray(whole), lanes);
    return out;
  }

  /** Fills `out` with N(mean, std²) samples. */
  fillNormal(out: Float32Array, mean = 0, std = 1): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.normal();
    return out;
  }
}

/** The scalar form of the lane-interleaved fill (the SIMD kernel's fallback and the tail of odd lengths). */
function fillLanes(out: Float32Array, lanes: Uint32Array): void {
  for (let lane = 0; lane < 4 && lane < out.length; lane++) {
    let s0 = lanes[lane]!, s1 = lanes[4 + lane]!, s2 = lanes[8 + lane]!, s3 = lanes[12 + lane]!;
    for (let i = lane; i < out.length; i += 4) {
      const product = Math.imul(s1, 5);
      const result = Math.imul((product << 7) | (product >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      out[i] = (result >>> 8) * TWO_POW_MINUS_24;
    }
    lanes[lane] = s0; lanes[4 + lane] = s1; lanes[8 + lane] = s2; lanes[12 + lane] = s3;
  }
}
