// The WebAssembly SIMD kernels for the runtime's per-element loops outside ORT: the optimizer updates,
// gradient accumulation and the uniform draws for dropout. Each works on float32 (or uint32) lanes in
// linear memory, four elements per f32x4 step; byte offsets and counts come from ./operations.ts.
// Measured on the 2-core dev machine, 110.9 M parameters:
// - AdamW: plain JS runs at ~5.4 ns per element, bound by scalar sqrt and division; f32x4 lanes do
//   four at once, leaving memory bandwidth as the limit. JS 0.60 s, this kernel 0.22 s staged,
//   0.09 s in place.
// - LAMB: the same arithmetic in two passes (moments + norms, then the trust-scaled step): 0.21 s in
//   place, plain JS 1.7 s.
// - Accumulation: dst += src with Σdst² in the same pass, 0.07 s per micro-batch (JS add 0.155 s,
//   plus ~0.08 s for a separate norm pass).
// - Uniforms: four xoshiro128** generators in the i32x4 lanes (see Rng.fillUniform).
import {
  type AssembledFunction, type Locals, F32X4_ADD, F32X4_CONVERT_I32X4_S, F32X4_DIV, F32X4_MUL, F32X4_SPLAT,
  F32X4_SQRT, F32X4_SUB, I32X4_MUL, I32X4_SHL, I32X4_SHR_U, I32X4_SPLAT, V128_LOAD, V128_OR, V128_STORE, V128_XOR,
  assembleModule, elementKernel, f32Const, get, i32Const, loadAt, set, storeAt,
} from './assembler.js';

/** Where the reducing kernels (lambMoments, accumulate) leave their f32x4 lane sums: 32 bytes. */
export const SUMS_AT = 0;

type At = (pointer: number) => number[];

/** g' = g·gradScale; m = β1·m + (1−β1)·g'; v = β2·v + (1−β2)·g'². Stores m and v, and keeps them in mi and vi. */
function updateMoments(
  { g, m, v, gradScale, beta1, beta2, keep1, keep2, gi, mi, vi }: Locals<'g' | 'm' | 'v' | 'gradScale' | 'beta1' | 'beta2' | 'keep1' | 'keep2' | 'gi' | 'mi' | 'vi'>,
  at: At,
): number[] {
  return [
    ...at(g), ...V128_LOAD, ...get(gradScale), ...F32X4_MUL, ...set(gi),
    ...at(m), ...V128_LOAD, ...get(beta1), ...F32X4_MUL, ...get(keep1), ...get(gi), ...F32X4_MUL, ...F32X4_ADD, ...set(mi),
    ...at(m), ...get(mi), ...V128_STORE,
    ...at(v), ...V128_LOAD, ...get(beta2), ...F32X4_MUL, ...get(keep2), ...get(gi), ...F32X4_MUL, ...get(gi), ...F32X4_MUL, ...F32X4_ADD, ...set(vi),
    ...at(v), ...get(vi), ...V128_STORE,
  ];
}

/** Pushes √v·invSqrtCorrection2 + ε, for the v that `pushV` pushes: Adam's denominator. */
function denominator({ invSqrtCorrection2, epsilon }: Locals<'invSqrtCorrection2' | 'epsilon'>, pushV: number[]): number[] {
  return [...pushV, ...F32X4_SQRT, ...get(invSqrtCorrection2), ...F32X4_MUL, ...get(epsilon), ...F32X4_ADD];
}

/** Pushes LAMB's update direction r = m·invCorrection1 / (√v·invSqrtCorrection2 + ε) + decay·w, w in local wi. */
function lambDirection(
  local: Locals<'invCorrection1' | 'invSqrtCorrection2' | 'epsilon' | 'decay' | 'wi'>, pushM: number[], pushV: number[],
): number[] {
  return [
    ...pushM, ...get(local.invCorrection1), ...F32X4_MUL, ...denominator(local, pushV),
    ...F32X4_DIV, ...get(local.decay), ...get(local.wi), ...F32X4_MUL, ...F32X4_ADD,
  ];
}

/** sum += x·x, lane by lane. */
const addSquare = (sum: number, x: number): number[] => [...get(sum), ...get(x), ...get(x), ...F32X4_MUL, ...F32X4_ADD, ...set(sum)];

/**
 * adamw(p, g, m, v: byte offsets, n, gradScale, beta1, beta2, keep1 = 1−β1, keep2 = 1−β2, decayFactor,
 *       stepSize, invSqrtCorrection2, epsilon)
 *   moments as in updateMoments; p = p·decayFactor − stepSize·m / (√v·invSqrtCorrection2 + ε)
 */
const adamw = elementKernel({
  name: 'adamw',
  i32: ['p', 'g', 'm', 'v', 'n'],
  f32: ['gradScale', 'beta1', 'beta2', 'keep1', 'keep2', 'decayFactor', 'stepSize', 'invSqrtCorrection2', 'epsilon'],
  v128: ['gi', 'mi', 'vi'],
  body: (local, at) => [
    ...updateMoments(local, at),
    ...at(local.p), // where p goes
    ...at(local.p), ...V128_LOAD, ...get(local.decayFactor), ...F32X4_MUL, // p·decayFactor
    ...get(local.stepSize), ...get(local.mi), ...F32X4_MUL, ...denominator(local, get(local.vi)), ...F32X4_DIV, // stepSize·m / (…)
    ...F32X4_SUB, ...V128_STORE,
  ],
});

/**
 * uniform(out: byte offset, n, state: byte offset of s0..s3, four i32x4)
 *   Four xoshiro128** generators, one per lane: out[4j + lane] = (lane's j-th output >>> 8)·2⁻²⁴; the
 *   advanced state is stored back.
 */
const uniform = elementKernel({
  name: 'uniform',
  i32: ['out', 'n', 'state'],
  f32: [],
  v128: ['s0', 's1', 's2', 's3', 't', 'r', 'five', 'nine', 'scale'],
  prologue: ({ state, s0, s1, s2, s3, five, nine, scale }) => [
    ...[s0, s1, s2, s3].flatMap((word, k) => [...get(state), ...loadAt(16 * k), ...set(word)]),
    ...i32Const(5), ...I32X4_SPLAT, ...set(five),
    ...i32Const(9), ...I32X4_SPLAT, ...set(nine),
    ...f32Const(2 ** -24), ...F32X4_SPLAT, ...set(scale),
  ],
  body: ({ out, s0, s1, s2, s3, t, r, five, nine, scale }, at) => {
    const xorInto = (target: number, other: number): number[] => [...get(target), ...get(other), ...V128_XOR, ...set(target)];
    const rotl = (word: number, k: number): number[] => [...get(word), ...i32Const(k), ...I32X4_SHL, ...get(word), ...i32Const(32 - k), ...I32X4_SHR_U, ...V128_OR];
    return [
      ...get(s1), ...get(five), ...I32X4_MUL, ...set(r), ...rotl(r, 7), ...get(nine), ...I32X4_MUL, ...set(r), // r = rotl(s1·5, 7)·9
      ...at(out), ...get(r), ...i32Const(8), ...I32X4_SHR_U, ...F32X4_CONVERT_I32X4_S, ...get(scale), ...F32X4_MUL, ...V128_STORE,
      ...get(s1), ...i32Const(9), ...I32X4_SHL, ...set(t),
      ...xorInto(s2, s0), ...xorInto(s3, s1), ...xorInto(s1, s2), ...xorInto(s0, s3), ...xorInto(s2, t),
      ...rotl(s3, 11), ...set(s3),
    ];
  },
  epilogue: ({ state, s0, s1, s2, s3 }) => [s0, s1, s2, s3].flatMap((word, k) => [...get(state), ...get(word), ...storeAt(16 * k)]),
});

/**
 * lambMoments(p, g, m, v, n, gradScale, beta1, beta2, keep1, keep2, invCorrection1, invSqrtCorrection2, epsilon, decay)
 *   updates m and v as adamw does and writes Σw² (4 lanes) at SUMS_AT and Σr² at SUMS_AT + 16, r as in
 *   lambDirection.
 */
const lambMoments = elementKernel({
  name: 'lambMoments',
  i32: ['p', 'g', 'm', 'v', 'n'],
  f32: ['gradScale', 'beta1', 'beta2', 'keep1', 'keep2', 'invCorrection1', 'invSqrtCorrection2', 'epsilon', 'decay'],
  v128: ['gi', 'mi', 'vi', 'wi', 'ri', 'w2', 'r2'],
  body: (local, at) => [
    ...updateMoments(local, at),
    ...at(local.p), ...V128_LOAD, ...set(local.wi),
    ...lambDirection(local, get(local.mi), get(local.vi)), ...set(local.ri),
    ...addSquare(local.w2, local.wi),
    ...addSquare(local.r2, local.ri),
  ],
  epilogue: ({ w2, r2 }) => [...i32Const(SUMS_AT), ...get(w2), ...storeAt(0), ...i32Const(SUMS_AT), ...get(r2), ...storeAt(16)],
});

/** lambApply(p, m, v, n, stepSize, invCorrection1, invSqrtCorrection2, epsilon, decay): p −= stepSize·r (r as in lambDirection). */
const lambApply = elementKernel({
  name: 'lambApply',
  i32: ['p', 'm', 'v', 'n'],
  f32: ['stepSize', 'invCorrection1', 'invSqrtCorrection2', 'epsilon', 'decay'],
  v128: ['wi'],
  body: (local, at) => [
    ...at(local.p), ...V128_LOAD, ...set(local.wi),
    ...at(local.p), ...get(local.wi), // where p goes, and w
    ...get(local.stepSize), ...lambDirection(local, [...at(local.m), ...V128_LOAD], [...at(local.v), ...V128_LOAD]), ...F32X4_MUL, // stepSize·r
    ...F32X4_SUB, ...V128_STORE,
  ],
});

/** accumulate(dst, src, n): dst += src, and Σdst² (4 lanes, after the add) at SUMS_AT. */
const accumulate = elementKernel({
  name: 'accumulate',
  i32: ['dst', 'src', 'n'],
  f32: [],
  v128: ['sum', 'squares'],
  body: ({ dst, src, sum, squares }, at) => [
    ...at(dst), ...V128_LOAD, ...at(src), ...V128_LOAD, ...F32X4_ADD, ...set(sum),
    ...at(dst), ...get(sum), ...V128_STORE,
    ...addSquare(squares, sum),
  ],
  epilogue: ({ squares }) => [...i32Const(SUMS_AT), ...get(squares), ...storeAt(0)],
});

const KERNELS: readonly AssembledFunction[] = [adamw, uniform, lambMoments, lambApply, accumulate];

/** The kernels' module, importing a memory of at least `memoryPages` pages. */
export function kernelModule(memoryPages: number): Uint8Array {
  return assembleModule(KERNELS, memoryPages);
}

/** The kernels as a module instance exports them (arguments as in the comments above). */
export interface KernelExports {
  adamw(p: number, g: number, m: number, v: number, n: number, ...scalars: number[]): void;
  uniform(out: number, n: number, state: number): void;
  lambMoments(p: number, g: number, m: number, v: number, n: number, ...scalars: number[]): void;
  lambApply(p: number, m: number, v: number, n: number, ...scalars: number[]): void;
  accumulate(dst: number, src: number, n: number): void;
}
