// The SIMD operations the optimizers, the gradient accumulator and the Rng call. Each picks where its
// kernel runs (in place in a tensor memory holding its arrays, else the staging memory), derives the
// kernel's scalars, and finishes in JS what the kernel leaves: the last 1–3 elements of a reduction.
// Every one returns false or null, doing nothing, where SIMD is off or missing (callers then run JS).
import { type KernelMemory, forEachChunk, stagingMemory, tensorMemoryHolding } from './memory.js';

/** LAMB's and accumulate's kernels return f32 lane sums; short calls keep their rounding error near 1e-7. */
const SUM_SPAN = 1024;

/** n rounded up to whole f32x4 lanes: the padding lanes of a tensor memory, or staging scratch. */
const wholeLanes = (n: number): number => (n + 3) & ~3;

/**
 * Calls `kernel(byteOffset, span)` over the whole lanes of `length` elements, SUM_SPAN at a time, then
 * `collect(memory.sums)` to add up the lane sums it left (in float64).
 */
function forEachSumSpan(memory: KernelMemory, length: number, kernel: (byteOffset: number, span: number) => void, collect: (sums: Float32Array) => void): void {
  const whole = length & ~3;
  for (let start = 0; start < whole; start += SUM_SPAN) {
    kernel(start * 4, Math.min(SUM_SPAN, whole - start));
    collect(memory.sums);
  }
}

/** sums[from] + … + sums[from + 3]: one f32x4's lanes. */
const laneSum = (sums: Float32Array, from: number): number => sums[from]! + sums[from + 1]! + sums[from + 2]! + sums[from + 3]!;

/** The AdamW update of one tensor in float32 SIMD (see the adamw kernel). */
export function adamwSimd(
  p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, gradScale: number,
  beta1: number, beta2: number, decayFactor: number, stepSize: number, sqrtCorrection2: number, epsilon: number,
): boolean {
  const staging = stagingMemory();
  if (staging === null) return false;
  const memory = tensorMemoryHolding([p, g, m, v]) ?? staging;
  const scalars = [gradScale, beta1, beta2, 1 - beta1, 1 - beta2, decayFactor, stepSize, 1 / sqrtCorrection2, epsilon];
  forEachChunk(memory, [[p, 'update'], [g, 'read'], [m, 'update'], [v, 'update']], ([pAt, gAt, mAt, vAt], length) =>
    memory.kernels.adamw(pAt!, gAt!, mAt!, vAt!, wholeLanes(length), ...scalars));
  return true;
}

/**
 * Fills `out` (length a multiple of 4) from four xoshiro128** generators interleaved lane by lane;
 * `lanes` holds their states as s0 of lanes 0–3, then s1 of lanes 0–3, … (16 uint32) and is advanced
 * in place.
 */
export function uniformSimd(out: Float32Array, lanes: Uint32Array): boolean {
  if (out.length % 4 !== 0) throw new Error(`uniformSimd: length ${out.length} is not a multiple of 4`);
  const staging = stagingMemory();
  if (staging === null) return false;
  staging.state.set(lanes);
  forEachChunk(staging, [[out, 'write']], ([outAt], length) => staging.kernels.uniform(outAt!, length, staging.state.byteOffset));
  lanes.set(staging.state);
  return true;
}

export interface LambNorms {
  /** Σw² and Σr² of the tensor, r being its LAMB update direction. */
  readonly weight2: number;
  readonly update2: number;
}

/**
 * LAMB pass 1 for one tensor in float32 SIMD: updates m and v, returns the squared norms of w and of
 * r = m/c1 / (√(v/c2) + ε) + decay·w (lane sums added up in float64); null without SIMD.
 */
export function lambMomentsSimd(
  p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, gradScale: number,
  beta1: number, beta2: number, correction1: number, correction2: number, epsilon: number, decay: number,
): LambNorms | null {
  const staging = stagingMemory();
  if (staging === null) return null;
  const memory = tensorMemoryHolding([p, g, m, v]) ?? staging;
  const scalars = [gradScale, beta1, beta2, 1 - beta1, 1 - beta2, 1 / correction1, 1 / Math.sqrt(correction2), epsilon, decay];
  let weight2 = 0, update2 = 0;
  // Padding lanes (in place: zeros, staged: stale values) must not reach the sums: whole lanes only,
  // then the last elements in JS.
  forEachChunk(memory, [[p, 'read'], [g, 'read'], [m, 'update'], [v, 'update']], ([pAt, gAt, mAt, vAt], length) =>
    forEachSumSpan(memory, length, (byte, span) => memory.kernels.lambMoments(pAt! + byte, gAt! + byte, mAt! + byte, vAt! + byte, span, ...scalars), (sums) => {
      weight2 += laneSum(sums, 0);
      update2 += laneSum(sums, 4);
    }));
  for (let j = p.length & ~3; j < p.length; j++) {
    const gj = g[j]! * gradScale;
    m[j] = beta1 * m[j]! + (1 - beta1) * gj;
    v[j] = beta2 * v[j]! + (1 - beta2) * gj * gj;
    const w = p[j]!;
    const r = m[j]! / correction1 / (Math.sqrt(v[j]! / correction2) + epsilon) + decay * w;
    weight2 += w * w;
    update2 += r * r;
  }
  return { weight2, update2 };
}

/** LAMB pass 2 for one tensor: p −= stepSize·r. */
export function lambApplySimd(
  p: Float32Array, m: Float32Array, v: Float32Array, stepSize: number, correction1: number, correction2: number, epsilon: number, decay: number,
): boolean {
  const staging = stagingMemory();
  if (staging === null) return false;
  const memory = tensorMemoryHolding([p, m, v]) ?? staging;
  const scalars = [stepSize, 1 / correction1, 1 / Math.sqrt(correction2), epsilon, decay];
  forEachChunk(memory, [[p, 'update'], [m, 'read'], [v, 'read']], ([pAt, mAt, vAt], length) =>
    memory.kernels.lambApply(pAt!, mAt!, vAt!, wholeLanes(length), ...scalars));
  return true;
}

/**
 * dst += src in float32 (bit-identical to the scalar loop: both round each sum once); returns Σdst²
 * after the add (lane sums added up in float64), or null without SIMD. A dst in a tensor memory is
 * updated in place with src staged beside it; any other dst is staged too.
 */
export function accumulateSimd(dst: Float32Array, src: Float32Array): number | null {
  if (dst.length !== src.length) throw new Error(`accumulateSimd: lengths ${dst.length} and ${src.length} differ`);
  const staging = stagingMemory();
  if (staging === null) return null;
  const memory = tensorMemoryHolding([dst]) ?? staging;
  let squares = 0;
  forEachChunk(memory, [[src, 'read'], [dst, 'update']], ([srcAt, dstAt], length) =>
    forEachSumSpan(memory, length, (byte, span) => memory.kernels.accumulate(dstAt! + byte, srcAt! + byte, span), (sums) => {
      squares += laneSum(sums, 0);
    }));
  for (let i = dst.length & ~3; i < dst.length; i++) {
    dst[i] = dst[i]! + src[i]!;
    squares += dst[i]! * dst[i]!;
  }
  return squares;
}
