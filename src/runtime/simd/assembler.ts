// A minimal WebAssembly assembler: just the binary format the SIMD kernels need, so they are written
// here byte by byte and bertkit needs no wasm toolchain. Opcodes are from the WebAssembly core spec
// and its fixed-width SIMD extension.
//
// Every kernel is one `elementKernel`: a loop over n float32 elements, four per step (one f32x4), with
// its scalar parameters splatted to f32x4 once before the loop. A kernel states only its parameters,
// its v128 temporaries and the body of one step; the locals, the loop and the signature are built here.

// Value types.
const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b;

// Core instructions.
const LOCAL_GET = 0x20, LOCAL_SET = 0x21, I32_CONST = 0x41, F32_CONST = 0x43, I32_ADD = 0x6a, I32_SHL = 0x74;
const I32_GE_U = 0x4f, BLOCK = 0x02, LOOP = 0x03, BR = 0x0c, BR_IF = 0x0d, END = 0x0b, VOID = 0x40;

// SIMD instructions: the 0xfd prefix, then the opcode as unsigned LEB128.
const simd = (op: number): number[] => [0xfd, ...uleb(op)];
/** v128 load/store at the address on the stack (+ `offset` bytes), alignment hint 2⁴. */
export const loadAt = (offset: number): number[] => [...simd(0x00), 4, ...uleb(offset)];
export const storeAt = (offset: number): number[] => [...simd(0x0b), 4, ...uleb(offset)];
export const V128_LOAD = loadAt(0), V128_STORE = storeAt(0);
export const F32X4_SPLAT = simd(0x13), F32X4_SQRT = simd(0xe3), F32X4_ADD = simd(0xe4), F32X4_SUB = simd(0xe5), F32X4_MUL = simd(0xe6), F32X4_DIV = simd(0xe7);
export const I32X4_SPLAT = simd(0x11), I32X4_SHL = simd(0xab), I32X4_SHR_U = simd(0xad), I32X4_MUL = simd(0xb5), V128_OR = simd(0x50), V128_XOR = simd(0x51);
export const F32X4_CONVERT_I32X4_S = simd(0xfa);

export const get = (local: number): number[] => [LOCAL_GET, local];
export const set = (local: number): number[] => [LOCAL_SET, local];

/** i32.const for the small immediates the kernels use (one byte of signed LEB128: −64 … 63). */
export function i32Const(value: number): number[] {
  if (!Number.isInteger(value) || value < -64 || value > 63) throw new Error(`i32Const: ${value} needs more than one LEB128 byte`);
  return [I32_CONST, value & 0x7f];
}

/** f32.const: the value as a little-endian IEEE 754 float32. */
export function f32Const(value: number): number[] {
  const bytes = new DataView(new ArrayBuffer(4));
  bytes.setFloat32(0, value, true);
  return [F32_CONST, ...new Uint8Array(bytes.buffer)];
}

/** Unsigned LEB128, the format's variable-length integers. */
export function uleb(value: number): number[] {
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

/** One assembled function: its export name, its type (signature) and its code entry (locals + body). */
export interface AssembledFunction {
  readonly name: string;
  readonly type: number[];
  readonly code: number[];
}

/** Local indices by name: i32 parameters, then f32x4 splats of the f32 parameters, then v128 temporaries. */
export type Locals<Name extends string> = Readonly<Record<Name, number>>;

export interface ElementKernel<I extends string, F extends string, T extends string> {
  readonly name: string;
  /** i32 parameters in call order: byte offsets into memory, and `n`, the element count (a multiple of 4). */
  readonly i32: readonly I[];
  /** f32 parameters after them; the code sees each as its f32x4 splat. */
  readonly f32: readonly F[];
  /** v128 temporaries. */
  readonly v128: readonly T[];
  /** Runs once before the loop (after the splats). */
  readonly prologue?: (local: Locals<I | F | T>) => number[];
  /** One step: four elements at byte i; `at(pointer)` pushes the address pointer + i. */
  readonly body: (local: Locals<I | F | T>, at: (pointer: number) => number[]) => number[];
  /** Runs once after the loop. */
  readonly epilogue?: (local: Locals<I | F | T>) => number[];
}

/**
 * The one loop every kernel runs:
 *   end = n·4; splat each f32 parameter; prologue
 *   for (i = 0; i < end; i += 16) body
 *   epilogue
 * Locals: the parameters, then i and end (i32), then the splats and the temporaries (v128).
 */
export function elementKernel<I extends string, F extends string, T extends string>(kernel: ElementKernel<I, F, T>): AssembledFunction {
  const n = kernel.i32.indexOf('n' as I);
  if (n < 0) throw new Error(`elementKernel ${kernel.name}: no i32 parameter 'n'`);
  const parameters = kernel.i32.length + kernel.f32.length;
  const i = parameters, end = parameters + 1;
  const splatOf = (k: number): number => end + 1 + k;
  const local = {} as Record<I | F | T, number>;
  kernel.i32.forEach((param, k) => (local[param] = k));
  kernel.f32.forEach((param, k) => (local[param] = splatOf(k)));
  kernel.v128.forEach((temporary, k) => (local[temporary] = splatOf(kernel.f32.length + k)));
  const at = (pointer: number): number[] => [...get(pointer), ...get(i), I32_ADD];
  const code = [
    ...get(n), ...i32Const(2), I32_SHL, ...set(end),
    ...kernel.f32.flatMap((_, k) => [...get(kernel.i32.length + k), ...F32X4_SPLAT, ...set(splatOf(k))]),
    ...(kernel.prologue?.(local) ?? []),
    BLOCK, VOID, LOOP, VOID,
    ...get(i), ...get(end), I32_GE_U, BR_IF, 1,
    ...kernel.body(local, at),
    ...get(i), ...i32Const(16), I32_ADD, ...set(i),
    BR, 0, END, END,
    ...(kernel.epilogue?.(local) ?? []),
    END,
  ];
  const locals = [...uleb(2), ...uleb(2), I32, ...uleb(kernel.f32.length + kernel.v128.length), V128];
  const signature = [...kernel.i32.map(() => I32), ...kernel.f32.map(() => F32)];
  return { name: kernel.name, type: [0x60, ...vector(signature), 0], code: vector([...locals, ...code]) };
}

/**
 * A module of `functions`, exported by name, each with its own type, all on the imported memory
 * `env.memory` (at least `memoryPages` pages of 64 KiB).
 */
export function assembleModule(functions: readonly AssembledFunction[], memoryPages: number): Uint8Array {
  const count = uleb(functions.length);
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, [...count, ...functions.flatMap((f) => f.type)]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(memoryPages)]),
    ...section(3, [...count, ...functions.flatMap((_, k) => uleb(k))]),
    ...section(7, [...count, ...functions.flatMap((f, k) => [...name(f.name), 0x00, ...uleb(k)])]),
    ...section(10, [...count, ...functions.flatMap((f) => f.code)]),
  ]);
}
