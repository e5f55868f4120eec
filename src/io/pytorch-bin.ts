// Reads `pytorch_model.bin` as written by torch.save (a zip archive holding `<name>/data.pkl` and one
// file per storage under `<name>/data/`). The pickle is run by the restricted unpickler with a short
// allow-list: OrderedDict, torch's tensor-rebuild functions and storage types. Nothing else loads.
// The archive is untrusted: only data.pkl and the storages a read tensor uses are inflated, each no
// larger than declared and checked (a zip bomb among unused entries costs nothing).
import { readFileSync } from 'node:fs';
import { type UnzipFileInfo, unzipSync } from 'fflate';
import { bfloat16ToFloat32, halfToFloat32 } from './half-float.js';
import { unpickle } from './pickle.js';
import { BYTES_PER_ELEMENT, type NamedTensor, type SafetensorsDType, type TensorData } from './safetensors.js';

const STORAGE_DTYPES: Record<string, SafetensorsDType> = {
  FloatStorage: 'F32', DoubleStorage: 'F64', HalfStorage: 'F16', BFloat16Storage: 'BF16',
  LongStorage: 'I64', IntStorage: 'I32', ShortStorage: 'I16', CharStorage: 'I8',
  ByteStorage: 'U8', BoolStorage: 'BOOL',
};

const ORDERED_DICT = Symbol('collections.OrderedDict');
const REBUILD_TENSOR = Symbol('torch._utils._rebuild_tensor_v2');
const REBUILD_PARAMETER = Symbol('torch._utils._rebuild_parameter');

/** torch.save's data.pkl holds names and view metadata only (BERT-large's: 30 KB); the tensors' bytes are separate entries. */
const MAX_PICKLE_BYTES = 64 << 20;

interface StorageType { storageDtype: SafetensorsDType }
/** A storage the pickle names; its zip entry is inflated when a tensor that uses it is first read. */
interface Storage { dtype: SafetensorsDType; numel: number; values(): TensorData }

export function readPytorchBin(path: string): Map<string, NamedTensor> {
  const archive = readFileSync(path);
  const entries = zipDirectory(archive, path);
  const pickleName = [...entries.keys()].find((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (!pickleName) throw new Error(`${path}: no <archive>/data.pkl inside the zip; is this a torch.save file?`);
  if (entries.get(pickleName)!.originalSize > MAX_PICKLE_BYTES) {
    throw new Error(`${path}: ${pickleName} declares ${entries.get(pickleName)!.originalSize} bytes, over the ${MAX_PICKLE_BYTES}-byte limit for a state dict's pickle`);
  }
  const prefix = pickleName.slice(0, -'data.pkl'.length);
  const storages = new Map<string, Storage>();

  const result = unpickle(inflateEntry(archive, entries, pickleName, path), {
    source: `${path} (${pickleName})`,
    resolveGlobal(module, name) {
      if (module === 'collections' && name === 'OrderedDict') return ORDERED_DICT;
      if (module === 'torch._utils' && name === '_rebuild_tensor_v2') return REBUILD_TENSOR;
      if (module === 'torch._utils' && name === '_rebuild_parameter') return REBUILD_PARAMETER;
      if (module === 'torch' && name in STORAGE_DTYPES) return { storageDtype: STORAGE_DTYPES[name]! } satisfies StorageType;
      return undefined;
    },
    persistentLoad(pid) {
      // ('storage', storage_type, key, location, numel)
      const isStorageType = (value: unknown): boolean => typeof value === 'object' && value !== null && 'storageDtype' in value;
      if (!Array.isArray(pid) || pid[0] !== 'storage' || !isStorageType(pid[1]) || typeof pid[2] !== 'string' || !Number.isSafeInteger(pid[4]) || (pid[4] as number) < 0) {
        throw new Error(`${path}: unexpected persistent id ${JSON.stringify(pid)}`);
      }
      const type = pid[1] as StorageType;
      const key = pid[2] as string;
      let storage = storages.get(key);
      if (!storage) {
        const entry = `${prefix}data/${key}`;
        if (!entries.has(entry)) throw new Error(`${path}: storage ${entry} is missing from the archive`);
        const { storageDtype: dtype } = type;
        const numel = pid[4] as number;
        const declared = entries.get(entry)!.originalSize;
        if (declared !== numel * BYTES_PER_ELEMENT[dtype]) {
          throw new Error(`${path}: ${entry} holds ${declared} bytes, but the pickle declares ${numel} ${dtype} values (${numel * BYTES_PER_ELEMENT[dtype]} bytes)`);
        }
        let values: TensorData | undefined;
        storage = { dtype, numel, values: () => (values ??= typedArrayOf(dtype, inflateEntry(archive, entries, entry, path))) };
        storages.set(key, storage);
      }
      return storage;
    },
    call(callable, args) {
      if (callable === ORDERED_DICT) return new Map();
      if (callable === REBUILD_PARAMETER) return args[0];
      if (callable === REBUILD_TENSOR) {
        const [storage, offset, size, stride] = args as [Storage, number, number[], number[]];
        return rebuildTensor(storage, offset, [...size], [...stride]);
      }
      throw new Error(`${path}: refusing to call ${String(callable)}`);
    },
    build(object, _state) {
      // state_dict()'s OrderedDict carries a `_metadata` attribute (module versions): not needed.
      if (object instanceof Map) return object;
      throw new Error(`${path}: refusing BUILD on a non-dict object`);
    },
  });
  if (!(result instanceof Map)) throw new Error(`${path}: the pickle does not hold a state dict`);
  const tensors = new Map<string, NamedTensor>();
  for (const [name, tensor] of result) {
    if (typeof name !== 'string' || !isNamedTensor(tensor)) throw new Error(`${path}: entry ${String(name)} is not a tensor`);
    tensors.set(name, tensor);
  }
  return tensors;
}

/** The archive's entries by name, from its central directory; nothing is inflated. */
function zipDirectory(archive: Uint8Array, path: string): Map<string, UnzipFileInfo> {
  const entries = new Map<string, UnzipFileInfo>();
  let duplicate: string | undefined;
  try {
    unzipSync(archive, {
      filter: (info) => {
        if (entries.has(info.name)) duplicate ??= info.name;
        entries.set(info.name, info);
        return false;
      },
    });
  } catch (error) {
    throw new Error(`${path}: not a torch.save zip archive (${(error as Error).message}); the legacy pre-1.6 tar format is not supported`);
  }
  if (duplicate !== undefined) throw new Error(`${path}: the zip holds two entries named ${duplicate}`);
  return entries;
}

/**
 * Inflates one entry, whose declared size the caller has checked: fflate inflates into a buffer of
 * the declared size and stops there, so no entry grows past it, whatever its compressed stream holds.
 */
function inflateEntry(archive: Uint8Array, entries: Map<string, UnzipFileInfo>, name: string, path: string): Uint8Array {
  const declared = entries.get(name)!.originalSize;
  let bytes: Uint8Array | undefined;
  try {
    bytes = unzipSync(archive, { filter: (info) => info.name === name })[name];
  } catch (error) {
    throw new Error(`${path}: ${name} cannot be inflated (${(error as Error).message})`);
  }
  if (bytes === undefined || bytes.length !== declared) throw new Error(`${path}: ${name} inflates to ${bytes?.length ?? 0} bytes, its zip entry declares ${declared} (corrupt archive)`);
  return bytes;
}

function isNamedTensor(value: unknown): value is NamedTensor {
  return typeof value === 'object' && value !== null && 'data' in value && 'shape' in value;
}

function typedArrayOf(dtype: SafetensorsDType, bytes: Uint8Array): TensorData {
  // fflate hands each entry its own buffer; copy only if one ever is a window into a larger one.
  const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  const buffer = own ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  switch (dtype) {
    case 'F32': return new Float32Array(buffer);
    case 'F64': return new Float64Array(buffer);
    case 'F16': case 'BF16': case 'I16': return new Int16Array(buffer);
    case 'I64': return new BigInt64Array(buffer);
    case 'I32': return new Int32Array(buffer);
    case 'I8': return new Int8Array(buffer);
    case 'U8': case 'BOOL': return new Uint8Array(buffer);
  }
}

/**
 * The strided view (offset, size, stride in elements) of a storage, row-major. Its bounds are checked
 * here against the storage's declared size, but its values are copied out only when `data` is first
 * read: an expanded view (stride 0) can name far more elements than its file holds (an 829-byte file
 * with torch.zeros(1).expand(16000, 16000) names 1 GB), and the loader reads `data` only after the
 * shape matched the one the model expects (io/state-dict.ts), so tensors the model does not use, or
 * of the wrong shape, are never materialised.
 */
function rebuildTensor(storage: Storage, offset: number, size: number[], stride: number[]): NamedTensor {
  const isIndex = (n: unknown): boolean => Number.isSafeInteger(n) && (n as number) >= 0;
  if (!isIndex(offset) || size.length !== stride.length || !size.every(isIndex) || !stride.every(isIndex)) {
    throw new Error(`tensor view: offset ${offset}, size [${size.join(', ')}] and stride [${stride.join(', ')}] must be non-negative integers, one stride per dimension`);
  }
  const count = size.reduce((a, b) => a * b, 1);
  // The view's last element bounds them all (strides are non-negative; 0 for expanded dimensions).
  const last = size.reduce((at, dim, d) => at + (dim - 1) * stride[d]!, offset);
  if (count > 0 && last >= storage.numel) {
    throw new Error(`tensor view [${size.join(', ')}] with strides [${stride.join(', ')}] at offset ${offset} reaches element ${last}, past its storage of ${storage.numel}`);
  }
  if (!Number.isSafeInteger(count)) throw new Error(`tensor view [${size.join(', ')}] has too many elements`);
  let data: TensorData | undefined;
  return {
    dtype: storage.dtype === 'F16' || storage.dtype === 'BF16' ? 'F32' : storage.dtype,
    shape: size,
    get data(): TensorData {
      return (data ??= materialise(storage, offset, size, stride, count));
    },
  };
}

function materialise(storage: Storage, offset: number, size: number[], stride: number[], count: number): TensorData {
  const values = storage.values();
  if (isRowMajor(size, stride)) return widen(storage.dtype, values.slice(offset, offset + count));
  const source = values as unknown as { length: number; [i: number]: number | bigint; constructor: new (n: number) => TensorData };
  const out = new source.constructor(count) as unknown as { [i: number]: number | bigint };
  const index = new Array<number>(size.length).fill(0);
  for (let i = 0; i < count; i++) {
    let at = offset;
    for (let d = 0; d < size.length; d++) at += index[d]! * stride[d]!;
    out[i] = source[at]!;
    for (let d = size.length - 1; d >= 0; d--) {
      if (++index[d]! < size[d]!) break;
      index[d] = 0;
    }
  }
  return widen(storage.dtype, out as unknown as TensorData);
}

function isRowMajor(size: number[], stride: number[]): boolean {
  let expected = 1;
  for (let d = size.length - 1; d >= 0; d--) {
    if (size[d]! !== 1 && stride[d]! !== expected) return false;
    expected *= size[d]!;
  }
  return true;
}

/** F16 and BF16 values as float32 (reported as F32, as safetensors.ts does). */
function widen(dtype: SafetensorsDType, data: TensorData): TensorData {
  if (dtype !== 'F16' && dtype !== 'BF16') return data;
  const halves = new Uint16Array(data.buffer, data.byteOffset, data.length);
  return dtype === 'F16' ? halfToFloat32(halves) : bfloat16ToFloat32(halves);
}
