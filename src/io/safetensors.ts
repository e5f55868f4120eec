// The safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of JSON
// `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {string: string}}`, then the
// tensor bytes, offsets relative to the end of the header.
import { openSync, closeSync, fstatSync } from 'node:fs';
import { writeFileAtomic } from './atomic-write.js';
import { parseJson } from './json-file.js';
import { readFully } from './read-fully.js';
import { bfloat16ToFloat32, halfToFloat32 } from './half-float.js';

export type SafetensorsDType = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';
export type TensorData = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

export interface NamedTensor {
  /** The dtype in the file; F16 and BF16 are widened to F32 on reading and reported as F32. */
  dtype: SafetensorsDType;
  shape: number[];
  data: TensorData;
}

export interface SafetensorsFile {
  tensors: Map<string, NamedTensor>;
  metadata: Record<string, string>;
}

export const BYTES_PER_ELEMENT: Record<SafetensorsDType, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

/** The safetensors library refuses headers over 100 MB; so do we, before allocating. */
const MAX_HEADER_BYTES = 100_000_000;

export class SafetensorsError extends Error {
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'SafetensorsError';
  }
}

export function readSafetensors(path: string): SafetensorsFile {
  const fd = openSync(path, 'r');
  try {
    const fileSize = fstatSync(fd).size;
    const fail = (message: string): never => {
      throw new SafetensorsError(path, message);
    };
    if (fileSize < 8) fail(`file is ${fileSize} bytes, too short for the 8-byte header length`);
    const lengthBytes = Buffer.alloc(8);
    readFully(fd, lengthBytes, 0, path);
    const headerLength = lengthBytes.readBigUInt64LE(0);
    // The length is not printed: on a file that is not safetensors, its first 8 bytes are that file's content.
    if (headerLength > BigInt(MAX_HEADER_BYTES)) fail(`the header length in the first 8 bytes exceeds the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file?)`);
    if (headerLength > BigInt(fileSize - 8)) fail(`the header length in the first 8 bytes runs past the end of the ${fileSize}-byte file (truncated, or not a safetensors file?)`);
    const headerBytes = Buffer.alloc(Number(headerLength));
    readFully(fd, headerBytes, 8, path);
    const header = parseJson(headerBytes.toString('utf8'), `${path} header`);
    if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header must be a JSON object');
    const dataStart = 8 + Number(headerLength);
    const dataSize = fileSize - dataStart;
    const entries = Object.entries(header as Record<string, unknown>);
    const metadata = parseMetadata((header as Record<string, unknown>).__metadata__, fail);
    const specs = entries
      .filter(([name]) => name !== '__metadata__')
      .map(([name, spec]) => ({ name, ...validateSpec(name, spec, dataSize, fail) }));
    checkContiguous(specs, dataSize, fail);

    const tensors = new Map<string, NamedTensor>();
    for (const spec of specs) {
      const bytes = Buffer.alloc(spec.end - spec.begin);
      readFully(fd, bytes, dataStart + spec.begin, path);
      tensors.set(spec.name, decodeTensor(spec.dtype, spec.shape, bytes));
    }
    return { tensors, metadata };
  } finally {
    closeSync(fd);
  }
}

interface TensorSpec {
  dtype: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

function validateSpec(name: string, spec: unknown, dataSize: number, fail: (m: string) => never): TensorSpec {
  if (typeof spec !== 'object' || spec === null) fail(`tensor "${name}": entry must be an object`);
  const { dtype, shape, data_offsets: offsets } = spec as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in BYTES_PER_ELEMENT)) {
    fail(`tensor "${name}": unknown dtype ${JSON.stringify(dtype)} (known: ${Object.keys(BYTES_PER_ELEMENT).join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(`tensor "${name}": shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    fail(`tensor "${name}": data_offsets must be [begin, end], got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end || end > dataSize) {
    fail(`tensor "${name}": data_offsets [${begin}, ${end}] lie outside the ${dataSize} data bytes`);
  }
  const elements = (shape as number[]).reduce((a, b) => a * b, 1);
  const expected = elements * BYTES_PER_ELEMENT[dtype as SafetensorsDType];
  if (end - begin !== expected) {
    fail(`tensor "${name}": ${end - begin} bytes for ${dtype} [${(shape as number[]).join(', ')}], expected ${expected}`);
  }
  return { dtype: dtype as SafetensorsDType, shape: shape as number[], begin, end };
}

/**
 * The tensors' bytes must tile the data exactly, as the safetensors library requires: no overlap, no
 * hole between tensors, nothing after the last. Bytes that belong to no tensor are how a file would
 * smuggle in other content (a polyglot that is also a zip or a script).
 */
function checkContiguous(specs: (TensorSpec & { name: string })[], dataSize: number, fail: (m: string) => never): void {
  const sorted = [...specs].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const [i, spec] of sorted.entries()) {
    if (spec.begin < covered) fail(`tensors "${sorted[i - 1]!.name}" and "${spec.name}" overlap`);
    if (spec.begin > covered) fail(`data bytes [${covered}, ${spec.begin}) before tensor "${spec.name}" belong to no tensor (the format allows no holes)`);
    covered = spec.end;
  }
  if (covered < dataSize) fail(`${dataSize - covered} bytes after the last tensor's data belong to no tensor (the format allows none)`);
}

function parseMetadata(value: unknown, fail: (m: string) => never): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || !Object.values(value).every((v) => typeof v === 'string')) {
    fail('__metadata__ must be an object of strings');
  }
  return value as Record<string, string>;
}

function decodeTensor(dtype: SafetensorsDType, shape: number[], bytes: Buffer): NamedTensor {
  // Copy into a fresh, aligned buffer: the file offsets need not be aligned for typed-array views.
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  switch (dtype) {
    case 'F32': return { dtype, shape, data: new Float32Array(buffer) };
    case 'F64': return { dtype, shape, data: new Float64Array(buffer) };
    case 'F16': return { dtype: 'F32', shape, data: halfToFloat32(new Uint16Array(buffer)) };
    case 'BF16': return { dtype: 'F32', shape, data: bfloat16ToFloat32(new Uint16Array(buffer)) };
    case 'I64': return { dtype, shape, data: new BigInt64Array(buffer) };
    case 'I32': return { dtype, shape, data: new Int32Array(buffer) };
    case 'I16': return { dtype, shape, data: new Int16Array(buffer) };
    case 'I8': return { dtype, shape, data: new Int8Array(buffer) };
    case 'U8':
    case 'BOOL': return { dtype, shape, data: new Uint8Array(buffer) };
  }
}

const DTYPE_OF_ARRAY = new Map<Function, SafetensorsDType>([
  [Float32Array, 'F32'], [Float64Array, 'F64'], [BigInt64Array, 'I64'], [Int32Array, 'I32'],
  [Int16Array, 'I16'], [Int8Array, 'I8'], [Uint8Array, 'U8'],
]);

/**
 * The safetensors library's order of tensors in a file: by dtype alignment, widest first, then by
 * name (Rust's `prepare` sorts by its Dtype enum descending; the enum lists dtypes by alignment).
 */
const DTYPE_RANK: Record<SafetensorsDType, number> = { BOOL: 0, U8: 1, I8: 2, I16: 3, F16: 4, BF16: 5, I32: 6, F32: 7, F64: 8, I64: 9 };

/**
 * Writes tensors as safetensors, atomically, in the safetensors library's order (DTYPE_RANK), the
 * header padded with spaces to a multiple of 8 bytes so that data stays aligned.
 */
export function writeSafetensors(
  path: string,
  tensors: Map<string, { shape: number[]; data: TensorData; dtype?: SafetensorsDType }>,
  metadata: Record<string, string> = {},
): void {
  const dtypes = new Map<string, SafetensorsDType>();
  for (const [name, tensor] of tensors) {
    const dtype = tensor.dtype ?? DTYPE_OF_ARRAY.get(tensor.data.constructor);
    if (!dtype) throw new SafetensorsError(path, `tensor "${name}": unsupported array type ${tensor.data.constructor.name}`);
    dtypes.set(name, dtype);
  }
  // Names compare as UTF-8 bytes, as Rust's String does.
  const names = [...tensors.keys()].sort((a, b) => DTYPE_RANK[dtypes.get(b)!] - DTYPE_RANK[dtypes.get(a)!] || Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const name of names) {
    const tensor = tensors.get(name)!;
    const dtype = dtypes.get(name)!;
    const elements = tensor.shape.reduce((a, b) => a * b, 1);
    if (elements !== tensor.data.length) {
      throw new SafetensorsError(path, `tensor "${name}": shape [${tensor.shape.join(', ')}] holds ${elements} values, data has ${tensor.data.length}`);
    }
    header[name] = { dtype, shape: tensor.shape, data_offsets: [offset, offset + tensor.data.byteLength] };
    offset += tensor.data.byteLength;
  }
  // After the tensors, as in the HF checkpoints of ../shared/fixtures (safetensors 0.8 puts it first;
  // readers accept either). Byte-identical output to those files eases diffing.
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(headerBytes.length));
  const chunks: Uint8Array[] = [length, headerBytes];
  for (const name of names) {
    const data = tensors.get(name)!.data;
    chunks.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  writeFileAtomic(path, chunks);
}
