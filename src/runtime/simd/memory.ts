// Kernel memories: the WebAssembly memories the SIMD kernels run in, and the one loop that stages
// Float32Arrays through them.
// - Tensor memories (`allocateTensorGroups`, which TrainStep uses for each tensor's p, g, m and v) hold
//   tensors the kernels update in place: AdamW over 110.9 M parameters in ~0.09 s.
// - Every other Float32Array is staged through the staging memory in L2-sized chunks: 0.22 s; the
//   staging copies hit cache, but they cost more than the arithmetic.
//
// Layout of every kernel memory (bytes):
//   [0, 64)               scratch: the lane sums the reducing kernels leave at SUMS_AT
//   [64, 64 + CHUNK·4)    staging region 0
//   staging memory: then regions 1–3 and the uniform generators' state (s0..s3, four i32x4);
//   tensor memory:  then its tensors, each 16-byte aligned and padded to whole f32x4 lanes.
import { type KernelExports, SUMS_AT, kernelModule } from './kernels.js';

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
const REGION_BYTES = CHUNK * 4;
const REGIONS_AT = 64;
const STAGING_REGIONS = 4;
const STATE_AT = REGIONS_AT + STAGING_REGIONS * REGION_BYTES;
const STAGING_PAGES = Math.ceil((STATE_AT + 64) / 65536);
const TENSORS_AT = REGIONS_AT + REGION_BYTES;
/** Largest kernel memory allocated at once; WebAssembly memories cannot exceed 4 GiB. */
const MAX_MEMORY_BYTES = 2 ** 30;

export interface KernelMemory {
  readonly buffer: ArrayBuffer;
  readonly kernels: KernelExports;
  /** The 8 lane sums lambMoments and accumulate leave at SUMS_AT. */
  readonly sums: Float32Array;
  /** CHUNK-element staging regions: four in the staging memory, one in a tensor memory. */
  readonly regions: readonly Float32Array[];
}

interface StagingMemory extends KernelMemory {
  /** The uniform kernel's generator state: s0 of lanes 0–3, then s1 of lanes 0–3, … */
  readonly state: Uint32Array;
}

let compiled: WebAssembly.Module | null | undefined;
let staging: StagingMemory | undefined;
let enabled = true;
/** Kernel memories by their buffer, so a call can tell whether its arrays live in one of them. */
const memories = new WeakMap<ArrayBuffer, KernelMemory>();

/** Turns the SIMD kernels off (or back on): the plain-JS loops then run, e.g. to compare both in tests. */
export function setSimdEnabled(on: boolean): void {
  enabled = on;
}

function compile(): WebAssembly.Module | null {
  if (compiled === undefined) {
    const bytes = kernelModule(STAGING_PAGES);
    try {
      compiled = new WebAssembly.Module(bytes);
    } catch {
      compiled = null; // no WebAssembly SIMD in this runtime
    }
  }
  return compiled;
}

export function simdAvailable(): boolean {
  return compile() !== null;
}

function instantiate(pages: number, regions: number): KernelMemory | null {
  const module = compile();
  if (module === null) return null;
  const memory = new WebAssembly.Memory({ initial: Math.max(pages, STAGING_PAGES) });
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const kernel: KernelMemory = {
    buffer: memory.buffer,
    kernels: instance.exports as unknown as KernelExports,
    sums: new Float32Array(memory.buffer, SUMS_AT, 8),
    regions: Array.from({ length: regions }, (_, k) => new Float32Array(memory.buffer, REGIONS_AT + k * REGION_BYTES, CHUNK)),
  };
  memories.set(memory.buffer, kernel);
  return kernel;
}

/** The staging memory, or null where disabled or where this runtime lacks WebAssembly SIMD (callers fall back to JS). */
export function stagingMemory(): StagingMemory | null {
  if (!enabled) return null;
  if (staging === undefined) {
    const kernel = instantiate(STAGING_PAGES, STAGING_REGIONS);
    if (kernel === null) return null;
    staging = { ...kernel, state: new Uint32Array(kernel.buffer, STATE_AT, 16) };
  }
  return staging;
}

/** Whether `buffer` is a kernel memory (a WebAssembly memory: it cannot be transferred to another thread). */
export function isKernelMemory(buffer: ArrayBufferLike): boolean {
  return buffer instanceof ArrayBuffer && memories.has(buffer);
}

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
      kernel = instantiate(Math.ceil((TENSORS_AT + batchBytes) / 65536), 1);
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

/** Whether a kernel can address `array` where it lies in `memory` (its f32x4 loads need 16-byte alignment). */
function holds(memory: KernelMemory, array: Float32Array): boolean {
  return array.buffer === memory.buffer && array.byteOffset % 16 === 0;
}

/** The tensor memory holding all of `arrays`, if there is one. */
export function tensorMemoryHolding(arrays: readonly Float32Array[]): KernelMemory | undefined {
  const memory = memories.get(arrays[0]!.buffer as ArrayBuffer);
  return memory !== undefined && arrays.every((array) => holds(memory, array)) ? memory : undefined;
}

/** How a kernel uses an operand: what the staging loop copies in (read, update) and back (write, update). */
export type Access = 'read' | 'write' | 'update';

/**
 * The staging loop. Runs `kernel(at, length)` over operands of the first one's length: an operand that
 * `memory` holds is passed where it lies (at = its byte address); any other is staged through
 * `memory.regions[k]`, k its position, CHUNK elements at a time. (A tensor memory has one region, so
 * only a first operand can be staged there.) With nothing to stage, one call covers the whole length.
 * `length` is the chunk's true element count; lanes the kernel computes past it are never copied back.
 */
export function forEachChunk(
  memory: KernelMemory, operands: readonly (readonly [Float32Array, Access])[], kernel: (at: readonly number[], length: number) => void,
): void {
  const total = operands[0]![0].length;
  const staged = operands.map(([array]) => !holds(memory, array));
  const chunk = staged.includes(true) ? CHUNK : total;
  for (let start = 0; start < total; start += chunk) {
    const end = Math.min(start + chunk, total);
    const at = operands.map(([array, access], k) => {
      if (!staged[k]) return array.byteOffset + start * 4;
      const region = memory.regions[k]!;
      if (access !== 'write') region.set(array.subarray(start, end));
      return region.byteOffset;
    });
    kernel(at, end - start);
    operands.forEach(([array, access], k) => {
      if (staged[k] && access !== 'read') array.set(memory.regions[k]!.subarray(0, end - start), start);
    });
  }
}
