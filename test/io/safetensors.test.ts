import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors, type SafetensorsDType, type TensorData } from '../../src/io/safetensors.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';

const fixture = (name: string) => sharedPath('fixtures', 'bert-tiny-uncased', name);
const tempDir = () => mkdtempSync(join(tmpdir(), 'bertkit-safetensors-'));

test('reads PyTorch reference outputs: attention rows are distributions, last hidden state is the last layer',
  { skip: skipWithoutShared('fixtures/bert-tiny-uncased/expected_outputs.safetensors') }, () => {
    const { tensors } = readSafetensors(fixture('expected_outputs.safetensors'));
    const inputs = JSON.parse(readFileSync(fixture('inputs.json'), 'utf8')) as { attention_mask: number[][] };
    const attention = tensors.get('attentions.0')!;
    const [batch, heads, seq] = attention.shape as [number, number, number, number];
    const probabilities = attention.data as Float32Array;
    for (let b = 0; b < batch; b++) {
      for (let h = 0; h < heads; h++) {
        for (let i = 0; i < seq; i++) {
          if (!inputs.attention_mask[b]![i]) continue;
          let sum = 0;
          for (let j = 0; j < seq; j++) sum += probabilities[((b * heads + h) * seq + i) * seq + j]!;
          assert.ok(Math.abs(sum - 1) < 1e-5, `row ${b},${h},${i} sums to ${sum}`);
        }
      }
    }
    assert.deepEqual(tensors.get('hidden_states.2')!.data, tensors.get('last_hidden_state')!.data);
  });

test('writes byte-identical files to the safetensors library', { skip: skipWithoutShared('fixtures/bert-tiny-uncased/model.safetensors') }, () => {
  const original = readFileSync(fixture('model.safetensors'));
  const { tensors, metadata } = readSafetensors(fixture('model.safetensors'));
  assert.deepEqual(tensors.get('bert.embeddings.word_embeddings.weight')!.shape, [30522, 32]);
  assert.deepEqual(tensors.get('bert.encoder.layer.1.intermediate.dense.weight')!.shape, [128, 32]);
  const path = join(tempDir(), 'model.safetensors');
  writeSafetensors(path, tensors, metadata);
  assert.ok(readFileSync(path).equals(original), 'rewritten file differs from the original bytes');
});

test('orders tensors as the safetensors library does: widest dtype alignment first, then by name', () => {
  // safetensors 0.8.0, safetensors.numpy.save({'b': f32 [1, 2], 'a': u8 [7], 'c': i64 [-5], 'd': f64 [0.5], 'e': i32 [9],
  // 'f': f16 [1.5], 'g': i16 [-3], 'h': i8 [-1], 'i': bool [True], 'aa': f32 [3]}), byte for byte.
  const header = '{"c":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},"d":{"dtype":"F64","shape":[1],"data_offsets":[8,16]},'
    + '"aa":{"dtype":"F32","shape":[1],"data_offsets":[16,20]},"b":{"dtype":"F32","shape":[2],"data_offsets":[20,28]},'
    + '"e":{"dtype":"I32","shape":[1],"data_offsets":[28,32]},"f":{"dtype":"F16","shape":[1],"data_offsets":[32,34]},'
    + '"g":{"dtype":"I16","shape":[1],"data_offsets":[34,36]},"h":{"dtype":"I8","shape":[1],"data_offsets":[36,37]},'
    + '"a":{"dtype":"U8","shape":[1],"data_offsets":[37,38]},"i":{"dtype":"BOOL","shape":[1],"data_offsets":[38,39]}}    ';
  const library = Buffer.concat([
    Buffer.from([0x28, 0x02, 0, 0, 0, 0, 0, 0]), Buffer.from(header, 'latin1'),
    Buffer.from([0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0xe0, 0x3f, 0, 0, 0x40, 0x40, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40,
      0x09, 0, 0, 0, 0x00, 0x3e, 0xfd, 0xff, 0xff, 0x07, 0x01]),
  ]);
  const path = join(tempDir(), 'mixed.safetensors');
  writeSafetensors(path, new Map<string, { shape: number[]; data: TensorData; dtype?: SafetensorsDType }>([
    ['b', { shape: [2], data: Float32Array.from([1, 2]) }],
    ['a', { shape: [1], data: Uint8Array.from([7]) }],
    ['c', { shape: [1], data: BigInt64Array.from([-5n]) }],
    ['d', { shape: [1], data: Float64Array.from([0.5]) }],
    ['e', { shape: [1], data: Int32Array.from([9]) }],
    ['f', { shape: [1], data: Int16Array.from([0x3e00]), dtype: 'F16' }],
    ['g', { shape: [1], data: Int16Array.from([-3]) }],
    ['h', { shape: [1], data: Int8Array.from([-1]) }],
    ['i', { shape: [1], data: Uint8Array.from([1]), dtype: 'BOOL' }],
    ['aa', { shape: [1], data: Float32Array.from([3]) }],
  ]));
  assert.deepEqual(readFileSync(path), library);
});

test('round-trips every dtype with metadata', () => {
  const path = join(tempDir(), 'all.safetensors');
  const tensors = new Map<string, { shape: number[]; data: Float32Array | BigInt64Array | Int32Array | Uint8Array | Float64Array }>([
    ['a.weight', { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-8, -0]) }],
    ['ids', { shape: [3], data: BigInt64Array.from([1n, -5n, 9007199254740993n]) }],
    ['counts', { shape: [1, 2], data: Int32Array.from([7, -7]) }],
    ['bytes', { shape: [5], data: Uint8Array.from([0, 1, 2, 254, 255]) }],
    ['scalar', { shape: [], data: Float64Array.from([Math.PI]) }],
  ]);
  writeSafetensors(path, tensors, { format: 'pt' });
  const bytes = readFileSync(path);
  assert.equal(Number(bytes.readBigUInt64LE(0)) % 8, 0, 'header is padded to 8 bytes');
  const back = readSafetensors(path);
  assert.deepEqual(back.metadata, { format: 'pt' });
  for (const [name, tensor] of tensors) {
    assert.deepEqual(back.tensors.get(name)!.shape, tensor.shape, name);
    assert.deepEqual(back.tensors.get(name)!.data, tensor.data, name);
  }
});

/** Builds a safetensors file by hand, independent of the writer under test. */
function handMade(header: object | string, data: Uint8Array, lengthOverride?: bigint): string {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(lengthOverride ?? BigInt(json.length));
  const path = join(tempDir(), 'hand.safetensors');
  writeFileSync(path, Buffer.concat([length, json, data]));
  return path;
}

test('widens F16 and BF16 to F32', () => {
  // F16: 1, -2, 0.5, smallest subnormal 2^-24, +inf. BF16: 1, -3.5.
  const f16 = Uint16Array.from([0x3c00, 0xc000, 0x3800, 0x0001, 0x7c00]);
  const bf16 = Uint16Array.from([0x3f80, 0xc060]);
  const data = new Uint8Array([...new Uint8Array(f16.buffer), ...new Uint8Array(bf16.buffer)]);
  const path = handMade({ h: { dtype: 'F16', shape: [5], data_offsets: [0, 10] }, b: { dtype: 'BF16', shape: [2], data_offsets: [10, 14] } }, data);
  const { tensors } = readSafetensors(path);
  assert.equal(tensors.get('h')!.dtype, 'F32');
  assert.deepEqual([...tensors.get('h')!.data], [1, -2, 0.5, 2 ** -24, Infinity]);
  assert.deepEqual([...tensors.get('b')!.data], [1, -3.5]);
});

test('malformed files give errors that name the file and the problem', () => {
  const four = new Uint8Array(4);
  const cases: [string, string, RegExp][] = [
    ['truncated header length', (() => { const p = join(tempDir(), 't.safetensors'); writeFileSync(p, Buffer.alloc(5)); return p; })(), /too short/],
    ['header past the end', handMade({}, four, 1000n), /runs past the end/],
    ['huge header length', handMade({}, four, 1n << 40n), /exceeds/],
    ['bad JSON', handMade('{"a": ', four), /\.safetensors header:1:7: invalid JSON: unexpected end of JSON/],
    ['unknown dtype', handMade({ x: { dtype: 'Q7', shape: [1], data_offsets: [0, 4] } }, four), /unknown dtype "Q7"/],
    ['offsets outside', handMade({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, four), /outside the 4 data bytes/],
    ['size mismatch', handMade({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, four), /expected 8/],
    ['overlap', handMade({ x: { dtype: 'U8', shape: [3], data_offsets: [0, 3] }, y: { dtype: 'U8', shape: [2], data_offsets: [2, 4] } }, four), /overlap/],
    ['bad shape', handMade({ x: { dtype: 'U8', shape: [-1], data_offsets: [0, 4] } }, four), /shape must be/],
  ];
  for (const [what, path, pattern] of cases) {
    assert.throws(() => readSafetensors(path), (error: Error) => {
      assert.match(error.message, pattern, what);
      assert.ok(error.message.startsWith(path), `${what}: message names the file: ${error.message}`);
      return true;
    });
  }
});

test('bytes that belong to no tensor are refused, as the safetensors library does: a hole between tensors, or data after the last', () => {
  const eight = new Uint8Array(8);
  const hole = handMade({ x: { dtype: 'U8', shape: [2], data_offsets: [0, 2] }, y: { dtype: 'U8', shape: [4], data_offsets: [4, 8] } }, eight);
  assert.throws(() => readSafetensors(hole), /data bytes \[2, 4\) before tensor "y" belong to no tensor/);
  const leading = handMade({ y: { dtype: 'U8', shape: [4], data_offsets: [4, 8] } }, eight);
  assert.throws(() => readSafetensors(leading), /data bytes \[0, 4\) before tensor "y" belong to no tensor/);
  const trailing = handMade({ x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, eight);
  assert.throws(() => readSafetensors(trailing), /4 bytes after the last tensor's data belong to no tensor/);
  // Empty tensors take no bytes (in the library's order they sit at a boundary).
  const empty = handMade({ e: { dtype: 'F32', shape: [0, 3], data_offsets: [8, 8] }, x: { dtype: 'U8', shape: [8], data_offsets: [0, 8] } }, eight);
  assert.deepEqual(readSafetensors(empty).tensors.get('e')!.shape, [0, 3]);
});

test('a file that is not safetensors is refused without its first bytes in the message', () => {
  const path = join(tempDir(), 'passwd.safetensors');
  writeFileSync(path, 'root:x:0:0:root:/root:/bin/bash\n');
  const leaked = Buffer.from('root:x:0').readBigUInt64LE(0).toString();
  assert.throws(() => readSafetensors(path), (error: Error) => !error.message.includes(leaked) && !error.message.includes('root') && /header length/.test(error.message));
});
