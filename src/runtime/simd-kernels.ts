// WebAssembly SIMD kernels for the runtime's per-element loops outside ORT (the AdamW update and the
// uniform draws for dropout), assembled here byte by byte (no toolchain dependency).
// - AdamW: plain JS runs at ~5.4 ns per element, bound by scalar sqrt and division; f32x4 lanes do
//   four at once, leaving memory bandwidth as the limit. 110.9 M parameters on the 2-core dev
//   machine: JS 0.60 s, this kernel 0.22 s.
// - LAMB: the same arithmetic in two passes (moments + norms, then the trust-scaled step): 110.9 M
//   parameters in place 0.21 s, plain JS 1.7 s.
// - Uniforms: four xoshiro128** generators in the i32x4 lanes (see Rng.fillUniform).
//
// Where a tensor's p, g, m and v were allocated together in kernel memory (`allocateTensorGroups`,
// which TrainStep uses), AdamW runs on them in place: 110.9 M parameters in ~0.09 s. Other
// Float32Arrays are staged through the kernel's memory in L2-sized chunks (0.22 s): the staging
// copies hit cache, but they cost more than the arithmetic.

// @types/node 20 does not declare the WebAssembly global; these are the members used here.
declare namespace WebAssembly {
  class Memory {
    constructor(descriptor: { initial: number });
    readonly buffer: ArrayBuffer;
  }
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
}

const CHUNK = 16384; // elements per staged chunk: 4 arrays × 64 KiB stay in L2
const BYTES = CHUNK * 4;
// Every kernel memory starts with 64 scratch bytes (partial sums) and one staging chunk; the staging
// memory then holds three more chunks and the generator state, tensor memories their tensors.
const SUMS_AT = 0, FIRST_ARRAY_AT = 64, TENSORS_AT = FIRST_ARRAY_AT + CHUNK * 4;
const [P_AT, G_AT, M_AT, V_AT, STATE_AT] = [0, 1, 2, 3, 4].map((k) => FIRST_ARRAY_AT + k * BYTES) as [number, number, number, number, number];
const PAGES = Math.ceil((STATE_AT + 64) / 65536);
/** LAMB's kernels return f32 lane sums; short calls keep their rounding error near 1e-7. */
const SUM_SPAN = 1024;

// Opcodes (WebAssembly core + SIMD proposal).
const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b;
const LOCAL_GET = 0x20, LOCAL_SET = 0x21, I32_CONST = 0x41, F32_CONST = 0x43, I32_ADD = 0x6a, I32_SHL = 0x74, I32_GE_U = 0x4f;
const BLOCK = 0x02, LOOP = 0x03, BR = 0x0c, BR_IF = 0x0d, END = 0x0b, VOID = 0x40;
const simd = (op: number): number[] => [0xfd, ...uleb(op)];
const V128_LOAD = [...simd(0x00), 4, 0], V128_STORE = [...simd(0x0b), 4, 0]; // align 2^4, offset 0
const loadAt = (offset: number): number[] => [...simd(0x00), 4, ...uleb(offset)];
const storeAt = (offset: number): number[] => [...simd(0x0b), 4, ...uleb(offset)];
const F32X4_SPLAT = simd(0x13), F32X4_SQRT = simd(0xe3), F32X4_ADD = simd(0xe4), F32X4_SUB = simd(0xe5), F32X4_MUL = simd(0xe6), F32X4_DIV = simd(0xe7);
const I32X4_SPLAT = simd(0x11), I32X4_SHL = simd(0xab), I32X4_SHR_U = simd(0xad), I32X4_MUL = simd(0xb5), V128_OR = simd(0x50), V128_XOR = simd(0x51);
const F32X4_CONVERT_I32X4_S = simd(0xfa);

function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

const vector = (bytes: number[]): number[] => [...uleb(bytes.length), ...bytes];
const section = (id: number, bytes: number[]): number[] => [id, ...vector(bytes)];
const name = (text: string): number[] => vector([...new TextEncoder().encode(text)]);

/**
 * adamw(p, g, m, v: byte offsets, n: elements (multiple of 4), gradScale, beta1, beta2, keep1, keep2,
 *       decayFactor, stepSize, invSqrtCorrection2, epsilon: f32)
 *   g' = g·gradScale; m = β1·m + (1−β1)·g'; v = β2·v + (1−β2)·g'²
 *   p = p·decayFactor − stepSize·m / (√v·invSqrtCorrection2 + ε)
 */
function adamwBody(): number[] {
  const [p, g, m, v, n] = [0, 1, 2, 3, 4];
  const scalars = [5, 6, 7, 8, 9, 10, 11, 12, 13]; // gradScale … epsilon
  const i = 14, end = 15;
  const splat = (scalar: number): number => scalar + 11; // locals 16..24 hold the f32x4 splats
  const [gradScale, beta1, beta2, keep1, keep2, decay, step, invSqrtC2, epsilon] = scalars.map(splat) as [number, number, number, number, number, number, number, number, number];
  const gi = 25, mi = 26, vi = 27;
  const get = (local: number): number[] => [LOCAL_GET, local];
  const set = (local: number): number[] => [LOCAL_SET, local];
  const at = (base: number): number[] => [...get(base), ...get(i), I32_ADD];
  const code = [
    ...get(n), I32_CONST, 2, I32_SHL, ...set(end),
    ...scalars.flatMap((scalar) => [...get(scalar), ...F32X4_SPLAT, ...set(splat(scalar))]),
    BLOCK, VOID, LOOP, VOID,
    ...get(i), ...get(end), I32_GE_U, BR_IF, 1,
    ...at(g), ...V128_LOAD, ...get(gradScale), ...F32X4_MUL, ...set(gi),
    ...at(m), ...V128_LOAD, ...get(beta1), ...F32X4_MUL, ...get(keep1), ...get(gi), ...F32X4_MUL, ...F32X4_ADD, ...set(mi),
    ...at(m), ...get(mi), ...V128_STORE,
    ...at(v), ...V128_LOAD, ...get(beta2), ...F32X4_MUL, ...get(keep2), ...get(gi), ...F32X4_MUL, ...get(gi), ...F32X4_MUL, ...F32X4_ADD, ...set(vi),
    ...at(v), ...get(vi), ...V128_STORE,
    ...at(p),
    ...at(p), ...V128_LOAD, ...get(decay), ...F32X4_MUL,
    ...get(step), ...get(mi), ...F32X4_MUL,
    ...get(vi), ...F32X4_SQRT, ...get(invSqrtC2), ...F32X4_MUL, ...get(epsilon), ...F32X4_ADD,
    ...F32X4_DIV, ...F32X4_SUB, ...V128_STORE,
    ...get(i), I32_CONST, 16, I32_ADD, ...set(i),
    BR, 0, END, END, END,
  ];
  const locals = [...uleb(2), ...uleb(2), I32, ...uleb(12), V128]; // 2 × i32, 12 × v128
  return vector([...locals, ...code]);
}

/**
 * uniform(out: byte offset, n: elements (multiple of 4), state: byte offset of s0..s3 as four i32x4)
 * Four xoshiro128** generators, one per lane: out[4j + lane] = (lane's j-th output >>> 8)·2⁻²⁴.
 */
function uniformBody(): number[] {
  const [out, n, state] = [0, 1, 2];
  const i = 3, end = 4;
  const [s0, s1, s2, s3, t, r, five, nine, scale] = [5, 6, 7, 8, 9, 10, 11, 12, 13];
  const get = (local: number): number[] => [LOCAL_GET, local];
  const set = (local: number): number[] => [LOCAL_SET, local];
  const xorInto = (target: number, other: number): number[] => [...get(target), ...get(other), ...V128_XOR, ...set(target)];
  const rotl = (local: number, k: number): number[] => [...get(local), I32_CONST, k, ...I32X4_SHL, ...get(local), I32_CONST, 32 - k, ...I32X4_SHR_U, ...V128_OR];
  const TWO_POW_MINUS_24 = [0x00, 0x00, 0x80, 0x33]; // f32 0x33800000, little-endian
  const code = [
    ...get(n), I32_CONST, 2, I32_SHL, ...set(end),
    ...[s0, s1, s2, s3].flatMap((local, k) => [...get(state), ...loadAt(16 * k), ...set(local)]),
    I32_CONST, 5, ...I32X4_SPLAT, ...set(five),
    I32_CONST, 9, ...I32X4_SPLAT, ...set(nine),
    F32_CONST, ...TWO_POW_MINUS_24, ...F32X4_SPLAT, ...set(scale),
    BLOCK, VOID, LOOP, VOID,
    ...get(i), ...get(end), I32_GE_U, BR_IF, 1,
    ...get(s1), ...get(five), ...I32X4_MUL, ...set(r), ...rotl(r, 7), ...get(nine), ...I32X4_MUL, ...set(r),
    ...get(out), ...get(i), I32_ADD, ...get(r), I32_CONST, 8, ...I32X4_SHR_U, ...F32X4_CONVERT_I32X4_S, ...get(scale), ...F32X4_MUL, ...V128_STORE,
    ...get(s1), I32_CONST, 9, ...I32X4_SHL, ...set(t),
    ...xorInto(s2, s0), ...xorInto(s3, s1), ...xorInto(s1, s2), ...xorInto(s0, s3), ...xorInto(s2, t),
    ...rotl(s3, 11), ...set(s3),
    ...get(i), I32_CONST, 16, I32_ADD, ...set(i),
    BR, 0, END, END,
    ...[s0, s1, s2, s3].flatMap((local, k) => [...get(state), ...get(local), ...storeAt(16 * k)]),
    END,
  ];
  const locals = [...uleb(2), ...uleb(2), I32, ...uleb(9), V128]; // 2 × i32, 9 × v128
  return vector([...locals, ...code]);
}


/** Shared shape of the element loops: `prologue` once, then `body` for each 16-byte step i < n·4. */
function loopBody(iLocal: number, endLocal: number, nLocal: number, prologue: number[], body: number[], epilogue: number[]): number[] {
  return [
    LOCAL_GET, nLocal, I32_CONST, 2, I32_SHL, LOCAL_SET, endLocal,
    ...prologue,
    BLOCK, VOID, LOOP, VOID,
    LOCAL_GET, iLocal, LOCAL_GET, endLocal, I32_GE_U, BR_IF, 1,
    ...body,
    LOCAL_GET, iLocal, I32_CONST, 16, I32_ADD, LOCAL_SET, iLocal,
    BR, 0, END, END,
    ...epilogue,
    END,
  ];
}

/**
 * lambMoments(p, g, m, v, n, gradScale, beta1, beta2, keep1, keep2, invCorrection1, invSqrtCorrection2, epsilon, decay)
 *   updates m and v as adamw does and writes Σw² (4 lanes) at SUMS_AT and Σr² at SUMS_AT + 16, where
 *   r = m·invCorrection1 / (√v·invSqrtCorrection2 + ε) + decay·w.
 */
function lambMomentsBody(): number[] {
  const [p, g, m, v, n] = [0, 1, 2, 3, 4];
  const scalars = [5, 6, 7, 8, 9, 10, 11, 12, 13];
  const i = 14, end = 15;
  const splat = (scalar: number): number => scalar + 11; // 16..24
  const [gradScale, beta1, beta2, keep1, keep2, invC1, invSqrtC2, epsilon, decay] = scalars.map(splat) as [number, number, number, number, number, number, number, number, number];
  const gi = 25, mi = 26, vi = 27, wi = 28, ri = 29, w2 = 30, r2 = 31;
  const get = (local: number): number[] => [LOCAL_GET, local];
  const set = (local: number): number[] => [LOCAL_SET, local];
  const at = (base: number): number[] => [...get(base), ...get(i), I32_ADD];
  const body = [
    ...at(g), ...V128_LOAD, ...get(gradScale), ...F32X4_MUL, ...set(gi),
    ...at(m), ...V128_LOAD, ...get(beta1), ...F32X4_MUL, ...get(keep1), ...get(gi), ...F32X4_MUL, ...F32X4_ADD, ...set(mi),
    ...at(m), ...get(mi), ...V128_STORE,
    ...at(v), ...V128_LOAD, ...get(beta2), ...F32X4_MUL, ...get(keep2), ...get(gi), ...F32X4_MUL, ...get(gi), ...F32X4_MUL, ...F32X4_ADD, ...set(vi),
    ...at(v), ...get(vi), ...V128_STORE,
    ...at(p), ...V128_LOAD, ...set(wi),
    ...get(mi), ...get(invC1), ...F32X4_MUL,
    ...get(vi), ...F32X4_SQRT, ...get(invSqrtC2), ...F32X4_MUL, ...get(epsilon), ...F32X4_ADD,
    ...F32X4_DIV, ...get(decay), ...get(wi), ...F32X4_MUL, ...F32X4_ADD, ...set(ri),
    ...get(w2), ...get(wi), ...get(wi), ...F32X4_MUL, ...F32X4_ADD, ...set(w2),
    ...get(r2), ...get(ri), ...get(ri), ...F32X4_MUL, ...F32X4_ADD, ...set(r2),
  ];
  const epilogue = [I32_CONST, SUMS_AT, ...get(w2), ...storeAt(0), I32_CONST, SUMS_AT, ...get(r2), ...storeAt(16)];
  const prologue = scalars.flatMap((scalar) => [...get(scalar), ...F32X4_SPLAT, ...set(splat(scalar))]);
  const locals = [...uleb(2), ...uleb(2), I32, ...uleb(16), V128]; // 2 × i32, 16 × v128
  return vector([...locals, ...loopBody(i, end, n, prologue, body, epilogue)]);
}

/** lambApply(p, m, v, n, stepSize, invCorrection1, invSqrtCorrection2, epsilon, decay): p −= stepSize·r (r as in lambMoments). */
function lambApplyBody(): number[] {
  const [p, m, v, n] = [0, 1, 2, 3];
  const scalars = [4, 5, 6, 7, 8];
  const i = 9, end = 10;
  const splat = (scalar: number): number => scalar + 7; // 11..15
  const [step, invC1, invSqrtC2, epsilon, decay] = scalars.map(splat) as [number, number, number, number, number];
  const wi = 16;
  const get = (local: number): number[] => [LOCAL_GET, local];
  const set = (local: number): number[] => [LOCAL_SET, local];
  const at = (base: number): number[] => [...get(base), ...get(i), I32_ADD];
  const body = [
    ...at(p), ...V128_LOAD, ...set(wi),
    ...at(p), ...get(wi),
    ...get(step),
    ...at(m), ...V128_LOAD, ...get(invC1), ...F32X4_MUL,
    ...at(v), ...V128_LOAD, ...F32X4_SQRT, ...get(invSqrtC2), ...F32X4_MUL, ...get(epsilon), ...F32X4_ADD,
    ...F32X4_DIV, ...get(decay), ...get(wi), ...F32X4_MUL, ...F32X4_ADD,
    ...F32X4_MUL, ...F32X4_SUB, ...V128_STORE,
  ];
  const prologue = scalars.flatMap((scalar) => [...get(scalar), ...F32X4_SPLAT, ...set(splat(scalar))]);
  const locals = [...uleb(2), ...uleb(2), I32, ...uleb(6), V128]; // 2 × i32, 6 × v128
  return vector([...locals, ...loopBody(i, end, n, prologue, body, [])]);
}


/** accumulate(dst, src, n): dst += src, and Σdst² (4 lanes, after the add) at SUMS_AT. */
function accumulateBody(): number[] {
  const [dst, src, n] = [0, 1, 2];
  const i = 3, end = 4;
  const sum = 5, squares = 6;
  const get = (local: number): number[] => [LOCAL_GET, local];
  const set = (local: number): number[] => [LOCAL_SET, local];
  const at = (base: number): number[] => [...get(base), ...get(i), I32_ADD];
  const body = [
    ...at(dst), ...V128_LOAD, ...at(src), ...V128_LOAD, ...F32X4_ADD, ...set(sum),
    ...at(dst), ...get(sum), ...V128_STORE,
    ...get(squares), ...get(sum), ...get(sum), ...F32X4_MUL, ...F32X4_ADD, ...set(squares),
  ];
  const epilogue = [I32_CONST, SUMS_AT, ...get(squares), ...storeAt(0)];
  const locals = [...uleb(2), ...uleb(2), I32, ...uleb(2), V128]; // 2 × i32, 2 × v128
  return vector([...locals, ...loopBody(i, end, n, [], body, epilogue)]);
}

function moduleBytes(): Uint8Array {
  const adamwType = [0x60, ...vector([I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32, F32, F32]), 0];
  const uniformType = [0x60, ...vector([I32, I32, I32]), 0];
  const lambMomentsType = [0x60, ...vector([I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32, F32, F32]), 0];
  const lambApplyType = [0x60, ...vector([I32, I32, I32, I32, F32, F32, F32, F32, F32]), 0];
  const accumulateType = [0x60, ...vector([I32, I32, I32]), 0];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [5, ...adamwType, ...uniformType, ...lambMomentsType, ...lambApplyType, ...accumulateType]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(PAGES)]),
    ...section(3, [5, 0, 1, 2, 3, 4]),
    ...section(7, [5, ...name('adamw'), 0x00, 0, ...name('uniform'), 0x00, 1, ...name('lambMoments'), 0x00, 2, ...name('lambApply'), 0x00, 3, ...name('accumulate'), 0x00, 4]),
    ...section(10, [5, ...adamwBody(), ...uniformBody(), ...lambMomentsBody(), ...lambApplyBody(), ...accumulateBody()]),
  ];
  return Uint8Array.from(bytes);
}

type AdamwExport = (p: number, g: number, m: number, v: number, n: number, ...scalars: number[]) => void;
type UniformExport = (out: number, n: number, state: number) => void;
type LambMomentsExport = (p: number, g: number, m: number, v: number, n: number, ...scalars: number[]) => void;
type LambApplyExport = (p: number, m: number, v: number, n: number, ...scalars: number[]) => void;
type AccumulateExport = (dst: number, src: number, n: number) => void;

interface KernelMemory {
  readonly buffer: ArrayBuffer;
  readonly adamw: AdamwExport;
  readonly uniform: UniformExport;
  readonly lambMoments: LambMomentsExport;
  readonly lambApply: LambApplyExport;
  readonly accumulate: AccumulateExport;
  /** The 8 lane sums lambMoments and accumulate leave at SUMS_AT. */
  readonly sums: Float32Array;
  /** The chunk at FIRST_ARRAY_AT, for staging an operand from outside this memory. */
  readonly stage: Float32Array;
}

interface Staging extends KernelMemory {
  readonly heap: { p: Float32Array; g: Float32Array; m: Float32Array; v: Float32Array; state: Uint32Array };
}

let compiled: WebAssembly.Module | null | undefined;
let staging: Staging | undefined;
let enabled = true;
/** Kernel memories by their buffer, so a call can tell whether its arrays live in one of them. */
const memories = new WeakMap<ArrayBuffer, KernelMemory>();

/** Turns the SIMD kernels off (or back on): the plain-JS loops then run, e.g. to compare both in tests. */
export function setSimdEnabled(on: boolean): void {
  enabled = on;
}

function compile(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(moduleBytes());
    } catch {
      compiled = null; // no WebAssembly SIMD in this runtime
    }
  }
  return compiled;
}

function instantiate(pages: number): KernelMemory | null {
  const module = compile();
  if (module === null) return null;
  const memory = new WebAssembly.Memory({ initial: Math.max(pages, PAGES) });
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const exports = instance.exports;
  const kernel: KernelMemory = {
    buffer: memory.buffer,
    adamw: exports.adamw as AdamwExport,
    uniform: exports.uniform as UniformExport,
    lambMoments: exports.lambMoments as LambMomentsExport,
    lambApply: exports.lambApply as LambApplyExport,
    accumulate: exports.accumulate as AccumulateExport,
    sums: new Float32Array(memory.buffer, SUMS_AT, 8),
    stage: new Float32Array(memory.buffer, FIRST_ARRAY_AT, CHUNK),
  };
  memories.set(memory.buffer, kernel);
  return kernel;
}

/** The staging memory, or null where disabled or where this runtime lacks WebAssembly SIMD (callers fall back to JS). */
function load(): Staging | null {
  if (!enabled) return null;
  if (staging === undefined) {
    const kernel = instantiate(PAGES);
    if (kernel === null) return null;
    const view = (at: number): Float32Array => new Float32Array(kernel.buffer, at, CHUNK);
    staging = { ...kernel, heap: { p: view(P_AT), g: view(G_AT), m: view(M_AT), v: view(V_AT), state: new Uint32Array(kernel.buffer, STATE_AT, 16) } };
  }
  return staging;
}

/** Whether `buffer` is a kernel memory (a WebAssembly memory: it cannot be transferred to another thread). */
export function isKernelMemory(buffer: ArrayBufferLike): boolean {
  return buffer instanceof ArrayBuffer && memories.has(buffer);
}

export function simdAvailable(): boolean {
  return compile() !== null;
}

/** Largest kernel memory allocated at once; WebAssembly memories cannot exceed 4 GiB. */
const MAX_MEMORY_BYTES = 2 ** 30;

/**
 * Allocates, for each size, `count` zeroed Float32Arrays in one kernel memory (16-byte aligned, padded
 * to whole f32x4 lanes), so the kernels can work on them in place. A group too large for one memory,
 * or any group where SIMD is unavailable, gets ordinary Float32Arrays.
 */
export function allocateTensorGroups(sizes: readonly number[], count: number): Float32Array[][] {
  const padded = (size: number): number => ((size + 3) & ~3) * 4;
  const groups: Float32Array[][] = new Array(sizes.length);
  let batch: number[] = [];
  let batchBytes = 0;
  const flush = (): void => {
    if (batch.length === 0) return;
    let kernel: KernelMemory | null = null;
    try {
      kernel = instantiate(Math.ceil((TENSORS_AT + batchBytes) / 65536));
    } catch {
      // The engine refused a memory this large (address-space limits): ordinary arrays, staged kernels.
    }
    let offset = TENSORS_AT;
    for (const index of batch) {
      const size = sizes[index]!;
      groups[index] = Array.from({ length: count }, () => {
        if (kernel === null) return new Float32Array(size);
        const array = new Float32Array(kernel.buffer, offset, size);
        offset += padded(size);
        return array;
      });
    }
    batch = [];
    batchBytes = 0;
  };
  sizes.forEach((size, index) => {
    const bytes = padded(size) * count;
    if (TENSORS_AT + bytes > MAX_MEMORY_BYTES) {
      groups[index] = Array.from({ length: count }, () => new Float32Array(size));
      return;
    }
    if (TENSORS_AT + batchBytes + bytes > MAX_MEMORY_BYTES) flush();
    batch.push(index);
    batchBytes += bytes;
  });
  flush();
  return groups;
}

/** The kernel memory holding all of `arrays` (each 16-byte aligned), if there is one. */
function sharedMemory(arrays: readonly Float32Array[]): KernelMemory | undefined {
  const kernel = memories.get(arrays[0]!.buffer as ArrayBuffer);
  if (kernel === undefined) return undefined;
  return arrays.every((array) => array.buffer === kernel.buffer && array.byteOffset % 16 === 0) ? kernel : undefined;
}

/** The AdamW update of one tensor in float32 SIMD; returns false (doing nothing) without SIMD support. */
export function adamwSimd(
  p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, gradScale: number,
  beta1: number, beta2: number, decayFactor: number, stepSize: number, sqrtCorrection2: number, epsilon: number,
): boolean {
  const k = load();
  if (k === null) return false;
  const scalars = [gradScale, beta1, beta2, 1 - beta1, 1 - beta2, decayFactor, stepSize, 1 / sqrtCorrection2, epsilon];
  const inPlace = sharedMemory([p, g, m, v]);
  if (inPlace !== undefined) {
    // allocateTensorGroups padded each array to whole lanes, so the padding lanes are ours to compute.
    inPlace.adamw(p.byteOffset, g.byteOffset, m.byteOffset, v.byteOffset, (p.length + 3) & ~3, ...scalars);
    return true;
  }
  const { heap } = k;
  for (let start = 0; start < p.length; start += CHUNK) {
    const end = Math.min(start + CHUNK, p.length);
    const length = end - start;
    heap.p.set(p.subarray(start, end));
    heap.g.set(g.subarray(start, end));
    heap.m.set(m.subarray(start, end));
    heap.v.set(v.subarray(start, end));
    // Lanes past `length` compute on stale scratch values and are never copied back.
    k.adamw(P_AT, G_AT, M_AT, V_AT, (length + 3) & ~3, ...scalars);
    p.set(heap.p.subarray(0, length), start);
    m.set(heap.m.subarray(0, length), start);
    v.set(heap.v.subarray(0, length), start);
  }
  return true;
}

/**
 * Fills `out` (length a multiple of 4) from four xoshiro128** generators interleaved lane by lane;
 * `lanes` holds their states as s0 of lanes 0–3, then s1 of lanes 0–3, … (16 uint32) and is advanced
 * in place. Returns false (doing nothing) without SIMD support.
 */
export function uniformSimd(out: Float32Array, lanes: Uint32Array): boolean {
  if (out.length % 4 !== 0) throw new Error(`uniformSimd: length ${out.length} is not a multiple of 4`);
  const k = load();
  if (k === null) return false;
  const { heap } = k;
  heap.state.set(lanes);
  for (let start = 0; start < out.length; start += CHUNK) {
    const length = Math.min(CHUNK, out.length - start);
    k.uniform(P_AT, length, STATE_AT);
    out.set(heap.p.subarray(0, length), start);
  }
  lanes.set(heap.state);
  return true;
}

export interface LambNorms {
  /** Σw² and Σr² of the tensor, r being its LAMB update direction. */
  readonly weight2: number;
  readonly update2: number;
}

/**
 * LAMB pass 1 for one tensor in float32 SIMD: updates m and v, returns the squared norms of w and of
 * r = m/c1 / (√(v/c2) + ε) + decay·w (lane sums added up in float64); null without SIMD support.
 */
export function lambMomentsSimd(
  p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, gradScale: number,
  beta1: number, beta2: number, correction1: number, correction2: number, epsilon: number, decay: number,
): LambNorms | null {
  const k = load();
  if (k === null) return null;
  const scalars = [gradScale, beta1, beta2, 1 - beta1, 1 - beta2, 1 / correction1, 1 / Math.sqrt(correction2), epsilon, decay];
  let weight2 = 0, update2 = 0;
  const run = (kernel: KernelMemory, at: readonly number[], length: number): void => {
    // Padding lanes (in place: zeros, or stale staging values) must not reach the sums: whole lanes only,
    // then the remainder in JS from the moments the kernel already wrote.
    for (let start = 0; start < length; start += SUM_SPAN) {
      const span = Math.min(SUM_SPAN, length - start) & ~3;
      if (span === 0) break;
      const byte = start * 4;
      kernel.lambMoments(at[0]! + byte, at[1]! + byte, at[2]! + byte, at[3]! + byte, span, ...scalars);
      const sums = kernel.sums;
      weight2 += sums[0]! + sums[1]! + sums[2]! + sums[3]!;
      update2 += sums[4]! + sums[5]! + sums[6]! + sums[7]!;
    }
  };
  const tail = (length: number, from: number, arrays: { p: Float32Array; g: Float32Array; m: Float32Array; v: Float32Array }): void => {
    for (let j = length & ~3; j < length; j++) {
      const gj = arrays.g[from + j]! * gradScale;
      arrays.m[from + j] = beta1 * arrays.m[from + j]! + (1 - beta1) * gj;
      arrays.v[from + j] = beta2 * arrays.v[from + j]! + (1 - beta2) * gj * gj;
      const w = arrays.p[from + j]!;
      const r = arrays.m[from + j]! / correction1 / (Math.sqrt(arrays.v[from + j]! / correction2) + epsilon) + decay * w;
      weight2 += w * w;
      update2 += r * r;
    }
  };
  const inPlace = sharedMemory([p, g, m, v]);
  if (inPlace !== undefined) {
    run(inPlace, [p.byteOffset, g.byteOffset, m.byteOffset, v.byteOffset], p.length);
    tail(p.length, 0, { p, g, m, v });
    return { weight2, update2 };
  }
  const { heap } = k;
  for (let start = 0; start < p.length; start += CHUNK) {
    const end = Math.min(start + CHUNK, p.length);
    const length = end - start;
    heap.p.set(p.subarray(start, end));
    heap.g.set(g.subarray(start, end));
    heap.m.set(m.subarray(start, end));
    heap.v.set(v.subarray(start, end));
    run(k, [P_AT, G_AT, M_AT, V_AT], length);
    m.set(heap.m.subarray(0, length & ~3), start);
    v.set(heap.v.subarray(0, length & ~3), start);
    tail(length, start, { p, g, m, v });
  }
  return { weight2, update2 };
}

/** LAMB pass 2 for one tensor: p −= stepSize·r; false (doing nothing) without SIMD support. */
export function lambApplySimd(
  p: Float32Array, m: Float32Array, v: Float32Array, stepSize: number, correction1: number, correction2: number, epsilon: number, decay: number,
): boolean {
  const k = load();
  if (k === null) return false;
  const scalars = [stepSize, 1 / correction1, 1 / Math.sqrt(correction2), epsilon, decay];
  const inPlace = sharedMemory([p, m, v]);
  if (inPlace !== undefined) {
    inPlace.lambApply(p.byteOffset, m.byteOffset, v.byteOffset, (p.length + 3) & ~3, ...scalars);
    return true;
  }
  const { heap } = k;
  for (let start = 0; start < p.length; start += CHUNK) {
    const end = Math.min(start + CHUNK, p.length);
    const length = end - start;
    heap.p.set(p.subarray(start, end));
    heap.m.set(m.subarray(start, end));
    heap.v.set(v.subarray(start, end));
    k.lambApply(P_AT, M_AT, V_AT, (length + 3) & ~3, ...scalars);
    p.set(heap.p.subarray(0, length), start);
  }
  return true;
}

/**
 * dst += src in float32 (bit-identical to the scalar loop: both round each sum once); returns Σdst²
 * after the add (lane sums added up in float64), or null without SIMD support. A dst in a tensor
 * memory is updated in place with src staged beside it; any other dst goes through the staging memory.
 */
export function accumulateSimd(dst: Float32Array, src: Float32Array): number | null {
  if (dst.length !== src.length) throw new Error(`accumulateSimd: lengths ${dst.length} and ${src.length} differ`);
  const k = load();
  if (k === null) return null;
  const home = sharedMemory([dst]);
  const kernel = home ?? k;
  let squares = 0;
  for (let start = 0; start < dst.length; start += CHUNK) {
    const end = Math.min(start + CHUNK, dst.length);
    const whole = (end - start) & ~3;
    kernel.stage.set(src.subarray(start, start + whole));
    // The staging memory's dst chunk sits in its G region; a tensor memory's dst is updated where it lies.
    const dstAt = home === undefined ? G_AT : dst.byteOffset + start * 4;
    if (home === undefined) k.heap.g.set(dst.subarray(start, start + whole));
    for (let span = 0; span < whole; span += SUM_SPAN) {
      const length = Math.min(SUM_SPAN, whole - span);
      kernel.accumulate(dstAt + span * 4, FIRST_ARRAY_AT + span * 4, length);
      const sums = kernel.sums;
      squares += sums[0]! + sums[1]! + sums[2]! + sums[3]!;
    }
    if (home === undefined) dst.set(k.heap.g.subarray(0, whole), start);
    for (let i = start + whole; i < end; i++) {
      dst[i] = dst[i]! + src[i]!;
      squares += dst[i]! * dst[i]!;
    }
  }
  return squares;
}
