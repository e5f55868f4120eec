// Reads `pytorch_model.bin` as written by torch.save (a zip archive holding `<name>/data.pkl` and one
// file per storage under `<name>/data/`). The pickle is run by the restricted unpickler with a short
// allow-list: OrderedDict, torch's tensor-rebuild functions and storage types. Nothing else loads.
import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { bfloat16ToFloat32, halfToFloat32 } from './half-float.js';
import { unpickle } from './pickle.js';
import type { NamedTensor, SafetensorsDType, TensorData } from './safetensors.js';

const STORAGE_DTYPES: Record<string, SafetensorsDType> = {
  FloatStorage: 'F32', DoubleStorage: 'F64', HalfStorage: 'F16', BFloat16Storage: 'BF16',
  LongStorage: 'I64', IntStorage: 'I32', ShortStorage: 'I16', CharStorage: 'I8',
  ByteStorage: 'U8', BoolStorage: 'BOOL',
};

const ORDERED_DICT = Symbol('collections.OrderedDict');
const REBUILD_TENSOR = Symbol('torch._utils._rebuild_tensor_v2');
const REBUILD_PARAMETER = Symbol('torch._utils._rebuild_parameter');

interface StorageType { storageDtype: SafetensorsDType }
interface Storage { dtype: SafetensorsDType; values: TensorData }

export function readPytorchBin(path: string): Map<string, NamedTensor> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(readFileSync(path));
  } catch (error) {
    throw new Error(`${path}: not a torch.save zip archive (${(error as Error).message}); the legacy pre-1.6 tar format is not supported`);
  }
  const pickleName = Object.keys(files).find((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (!pickleName) throw new Error(`${path}: no <archive>/data.pkl inside the zip; is this a torch.save file?`);
  const prefix = pickleName.slice(0, -'data.pkl'.length);
  const storages = new Map<string, Storage>();

  const result = unpickle(files[pickleName]!, {
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
      if (!Array.isArray(pid) || pid[0] !== 'storage' || typeof pid[2] !== 'string') {
        throw new Error(`${path}: unexpected persistent id ${JSON.stringify(pid)}`);
      }
      const type = pid[1] as StorageType;
      const key = pid[2] as string;
      let storage = storages.get(key);
      if (!storage) {
        const bytes = files[`${prefix}data/${key}`];
        if (!bytes) throw new Error(`${path}: storage ${prefix}data/${key} is missing from the archive`);
        storage = { dtype: type.storageDtype, values: typedArrayOf(type.storageDtype, bytes) };
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

function isNamedTensor(value: unknown): value is NamedTensor {
  return typeof value === 'object' && value !== null && 'data' in value && 'shape' in value;
}

function typedArrayOf(dtype: SafetensorsDType, bytes: Uint8Array): TensorData {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
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

/** Copies the strided view (offset, size, stride in elements) out of the storage, row-major. */
function rebuildTensor(storage: Storage, offset: number, size: number[], stride: number[]): NamedTensor {
  const isIndex = (n: unknown): boolean => Number.isSafeInteger(n) && (n as number) >= 0;
  if (!isIndex(offset) || size.length !== stride.length || !size.every(isIndex) || !stride.every(isIndex)) {
    throw new Error(`tensor view: offset ${offset}, size [${size.join(', ')}] and stride [${stride.join(', ')}] must be non-negative integers, one stride per dimension`);
  }
  const count = size.reduce((a, b) => a * b, 1);
  // The view's last element bounds them all (strides are non-negative; 0 for expanded dimensions).
  const last = size.reduce((at, dim, d) => at + (dim - 1) * stride[d]!, offset);
  if (count > 0 && last >= storage.values.length) {
    throw new Error(`tensor view [${size.join(', ')}] with strides [${stride.join(', ')}] at offset ${offset} reaches element ${last}, past its storage of ${storage.values.length}`);
  }
  if (isRowMajor(size, stride)) return widen(storage.dtype, size, storage.values.slice(offset, offset + count));
  const source = storage.values as unknown as { length: number; [i: number]: number | bigint; constructor: new (n: number) => TensorData };
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
  return widen(storage.dtype, size, out as unknown as TensorData);
}

function isRowMajor(size: number[], stride: number[]): boolean {
  let expected = 1;
  for (let d = size.length - 1; d >= 0; d--) {
    if (size[d]! !== 1 && stride[d]! !== expected) return false;
    expected *= size[d]!;
  }
  return true;
}

function widen(dtype: SafetensorsDType, shape: number[], data: TensorData): NamedTensor {
  if (dtype !== 'F16' && dtype !== 'BF16') return { dtype, shape, data };
  const halves = new Uint16Array(data.buffer, data.byteOffset, data.length);
  return { dtype: 'F32', shape, data: dtype === 'F16' ? halfToFloat32(halves) : bfloat16ToFloat32(halves) };
}
