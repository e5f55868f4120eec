import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { readPytorchBin } from '../../src/io/pytorch-bin.js';
import { readSafetensors } from '../../src/io/safetensors.js';
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
