import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { readPytorchBin } from '../../src/io/pytorch-bin.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { matchStateDict } from '../../src/io/state-dict.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';

const fixture = (...parts: string[]) => sharedPath('fixtures', 'bert-tiny-uncased', ...parts);

test('legacy pytorch_model.bin holds the same weights as model.safetensors',
  { skip: skipWithoutShared('fixtures/bert-tiny-uncased/legacy-pytorch-bin/pytorch_model.bin') }, () => {
    const legacy = readPytorchBin(fixture('legacy-pytorch-bin', 'pytorch_model.bin'));
    const { tensors } = readSafetensors(fixture('model.safetensors'));
    const legacyName = (name: string) => name.replace('LayerNorm.weight', 'LayerNorm.gamma').replace('LayerNorm.bias', 'LayerNorm.beta');
    for (const [name, tensor] of tensors) {
      const old = legacy.get(legacyName(name));
      assert.ok(old, `${legacyName(name)} missing from the .bin`);
      assert.deepEqual(old.shape, tensor.shape, name);
      assert.deepEqual(old.data, tensor.data, name);
    }
    // The explicit decoder weight is the tied word embedding matrix.
    assert.deepEqual(legacy.get('cls.predictions.decoder.weight')!.data, tensors.get('bert.embeddings.word_embeddings.weight')!.data);
    assert.deepEqual(legacy.get('cls.predictions.decoder.bias')!.data, tensors.get('cls.predictions.bias')!.data);
  });

function archive(pickle: Uint8Array | string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-bin-'));
  const path = join(dir, 'pytorch_model.bin');
  const bytes = typeof pickle === 'string' ? new Uint8Array(Buffer.from(pickle, 'latin1')) : pickle;
  writeFileSync(path, zipSync({ 'archive/data.pkl': bytes, 'archive/version': new TextEncoder().encode('3\n') }, { level: 0 }));
  return path;
}

test('refuses globals other than tensor data', () => {
  // GLOBAL os.system, then REDUCE with ('echo pwned',): what a hostile checkpoint would do.
  const hostile = archive("\x80\x02cos\nsystem\nq\x00X\x0a\x00\x00\x00echo pwned\x85R.");
  assert.throws(() => readPytorchBin(hostile), /refusing global os\.system/);
  // STACK_GLOBAL builtins.eval
  const stacked = archive('\x80\x04\x8c\x08builtins\x8c\x04eval\x93.');
  assert.throws(() => readPytorchBin(stacked), /refusing global builtins\.eval/);
});

test('rebuilds strided (transposed) views and shared storages', () => {
  // {'t': _rebuild_tensor_v2(storage 0 (6 floats), offset 0, size (3, 2), stride (1, 3))} = the transpose.
  const pickle = '\x80\x02}q\x00(X\x01\x00\x00\x00tctorch._utils\n_rebuild_tensor_v2\n('
    + "(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x06tQ"
    + 'K\x00K\x03K\x02\x86K\x01K\x03\x86\x89ccollections\nOrderedDict\n)RtRu.';
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-bin-'));
  const path = join(dir, 'strided.bin');
  const storage = new Float32Array([1, 2, 3, 4, 5, 6]);
  writeFileSync(path, zipSync({ 'archive/data.pkl': new Uint8Array(Buffer.from(pickle, 'latin1')), 'archive/data/0': new Uint8Array(storage.buffer) }));
  const t = readPytorchBin(path).get('t')!;
  assert.deepEqual(t.shape, [3, 2]);
  assert.deepEqual([...t.data], [1, 4, 2, 5, 3, 6]);
});

/** A .bin holding {'t': _rebuild_tensor_v2(float storage of `storage`, offset, size, stride)}; every number < 256. */
function viewArchive(storage: number[], offset: number, size: number[], stride: number[]): string {
  const tuple = (values: number[]) => `(${values.map((v) => `K${String.fromCharCode(v)}`).join('')}t`;
  const pickle = '\x80\x02}q\x00(X\x01\x00\x00\x00tctorch._utils\n_rebuild_tensor_v2\n('
    + `(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK${String.fromCharCode(storage.length)}tQ`
    + `K${String.fromCharCode(offset)}${tuple(size)}${tuple(stride)}\x89ccollections\nOrderedDict\n)RtRu.`;
  const path = join(mkdtempSync(join(tmpdir(), 'bertkit-bin-')), 'view.bin');
  writeFileSync(path, zipSync({ 'archive/data.pkl': new Uint8Array(Buffer.from(pickle, 'latin1')), 'archive/data/0': new Uint8Array(Float32Array.from(storage).buffer) }));
  return path;
}

test('rebuilds expanded (stride 0) views and bounds gapped views by their last element', () => {
  // torch.tensor([1., 2.]).expand(3, 2): size (3, 2), stride (0, 1) over 2 stored values.
  const expanded = readPytorchBin(viewArchive([1, 2], 0, [3, 2], [0, 1])).get('t')!;
  assert.deepEqual(expanded.shape, [3, 2]);
  assert.deepEqual([...expanded.data], [1, 2, 1, 2, 1, 2]);
  // Rows 4 apart: x.view(2, 4)[:, 1:3] at offset 1 reads elements 1, 2, 5, 6.
  const gapped = readPytorchBin(viewArchive([0, 1, 2, 3, 4, 5, 6, 7], 1, [2, 2], [4, 1])).get('t')!;
  assert.deepEqual([...gapped.data], [1, 2, 5, 6]);
  assert.throws(() => readPytorchBin(viewArchive([0, 1, 2, 3, 4, 5, 6], 2, [2, 2], [4, 1])), /reaches element 7, past its storage of 7/);
  assert.deepEqual(readPytorchBin(viewArchive([0], 1, [0, 3], [3, 1])).get('t')!.shape, [0, 3]);
});

test('clear errors for files that are not torch archives', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-bin-'));
  const path = join(dir, 'junk.bin');
  writeFileSync(path, 'not a zip');
  assert.throws(() => readPytorchBin(path), (e: Error) => e.message.startsWith(path) && /not a torch\.save zip/.test(e.message));
  const truncated = archive('\x80\x02}q\x00(X\x01\x00');
  assert.throws(() => readPytorchBin(truncated), /unexpected end of data/);
});

// Hostile archives. A pickle integer below 65536: BININT1 or BININT2.
const pickleInt = (v: number) => (v < 256 ? `K${String.fromCharCode(v)}` : `M${String.fromCharCode(v & 255, v >> 8)}`);

/** data.pkl of {'t': _rebuild_tensor_v2(FloatStorage '0' declaring `numel` values, offset, size, stride)}. */
function viewPickle(numel: number, offset: number, size: number[], stride: number[]): Uint8Array {
  const tuple = (values: number[]) => `(${values.map(pickleInt).join('')}t`;
  return new Uint8Array(Buffer.from('\x80\x02}q\x00(X\x01\x00\x00\x00tctorch._utils\n_rebuild_tensor_v2\n('
    + `(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpu${pickleInt(numel)}tQ`
    + `${pickleInt(offset)}${tuple(size)}${tuple(stride)}\x89ccollections\nOrderedDict\n)RtRu.`, 'latin1'));
}

function writeBin(zip: Uint8Array): string {
  const path = join(mkdtempSync(join(tmpdir(), 'bertkit-bin-')), 'pytorch_model.bin');
  writeFileSync(path, zip);
  return path;
}

/** Rewrites fields of entry `name` in both its local and its central-directory header (offsets per APPNOTE 4.3.7 / 4.3.12). */
function patchEntry(zip: Uint8Array, name: string, fields: { method?: number; originalSize?: number }): Uint8Array {
  const bytes = Buffer.from(zip);
  const headers = [{ signature: 0x04034b50, method: 8, originalSize: 22, nameLength: 26, name: 30 }, { signature: 0x02014b50, method: 10, originalSize: 24, nameLength: 28, name: 46 }];
  let patched = 0;
  for (let at = 0; at + 4 <= bytes.length; at++) {
    for (const header of headers) {
      if (bytes.readUInt32LE(at) !== header.signature) continue;
      const length = bytes.readUInt16LE(at + header.nameLength);
      if (bytes.toString('latin1', at + header.name, at + header.name + length) !== name) continue;
      if (fields.method !== undefined) bytes.writeUInt16LE(fields.method, at + header.method);
      if (fields.originalSize !== undefined) bytes.writeUInt32LE(fields.originalSize, at + header.originalSize);
      patched++;
    }
  }
  assert.equal(patched, 2, `${name}: a local and a central header`);
  return new Uint8Array(bytes);
}

test('an expanded view is not copied out before its shape is checked: torch.zeros(1).expand(16000, 16000) costs no GB', () => {
  const path = writeBin(zipSync({ 'archive/data.pkl': viewPickle(1, 0, [16000, 16000], [0, 0]), 'archive/data/0': new Uint8Array(4) }));
  const before = process.memoryUsage().arrayBuffers;
  const tensors = readPytorchBin(path);
  assert.deepEqual(tensors.get('t')!.shape, [16000, 16000]);
  // A model expecting another shape refuses it without reading its values.
  assert.throws(() => matchStateDict(tensors, new Map([['t', [2, 2]]]), { source: path, basePrefix: '' }), /t has shape \[16000, 16000\], the model config expects \[2, 2\]/);
  const grown = process.memoryUsage().arrayBuffers - before;
  assert.ok(grown < 64 << 20, `${(grown / 2 ** 20).toFixed(0)} MiB of array buffers for an 829-byte file`);
  // One that expects it gets the values (read on first use).
  const small = readPytorchBin(writeBin(zipSync({ 'archive/data.pkl': viewPickle(1, 0, [300, 2], [0, 0]), 'archive/data/0': new Uint8Array(Float32Array.of(7).buffer) })));
  assert.deepEqual(matchStateDict(small, new Map([['t', [300, 2]]]), { source: 'small', basePrefix: '' }).tensors.get('t')!.data, new Float32Array(600).fill(7));
});

test('only data.pkl and the storages a read tensor uses are inflated: an unused entry that cannot inflate costs nothing', () => {
  const storage = new Uint8Array(Float32Array.of(1, 2, 3, 4).buffer);
  // A stored entry relabelled as deflated: its 0xff bytes are an invalid deflate block, so inflating it throws.
  const zip = zipSync({ 'archive/data.pkl': viewPickle(4, 0, [2, 2], [2, 1]), 'archive/data/0': storage, 'archive/junk': [new Uint8Array(4096).fill(0xff), { level: 0 }] });
  const tensors = readPytorchBin(writeBin(patchEntry(zip, 'archive/junk', { method: 8 })));
  assert.deepEqual([...tensors.get('t')!.data], [1, 2, 3, 4]);
});

test('entry sizes are checked against what the pickle declares before anything is inflated', () => {
  const storage = new Uint8Array(Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8).buffer);
  const mismatch = writeBin(zipSync({ 'archive/data.pkl': viewPickle(6, 0, [2, 3], [3, 1]), 'archive/data/0': storage }));
  assert.throws(() => readPytorchBin(mismatch), /archive\/data\/0 holds 32 bytes, but the pickle declares 6 F32 values \(24 bytes\)/);
  // A data.pkl that claims 200 MB is refused before a buffer of that size is made.
  const zip = zipSync({ 'archive/data.pkl': viewPickle(8, 0, [8], [1]), 'archive/data/0': storage });
  const hugePickle = writeBin(patchEntry(zip, 'archive/data.pkl', { originalSize: 200 << 20 }));
  assert.throws(() => readPytorchBin(hugePickle), /archive\/data\.pkl declares 209715200 bytes, over the 67108864-byte limit/);
});
