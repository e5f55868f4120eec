import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchStateDict, modernName } from '../../src/io/state-dict.js';
import { readPytorchBin } from '../../src/io/pytorch-bin.js';
import { readSafetensors, type NamedTensor } from '../../src/io/safetensors.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';

const fixture = (...parts: string[]) => sharedPath('fixtures', 'bert-tiny-uncased', ...parts);
const shapes = (tensors: Map<string, NamedTensor>) => new Map([...tensors].map(([name, t]) => [name, t.shape]));

test('legacy names and the explicit decoder load into the modern parameter set',
  { skip: skipWithoutShared('fixtures/bert-tiny-uncased/legacy-pytorch-bin/pytorch_model.bin') }, () => {
    const modern = readSafetensors(fixture('model.safetensors')).tensors;
    const legacy = readPytorchBin(fixture('legacy-pytorch-bin', 'pytorch_model.bin'));
    const { tensors, report } = matchStateDict(legacy, shapes(modern), { source: 'pytorch_model.bin' });
    assert.deepEqual(report.missing, []);
    assert.deepEqual(report.unexpected.sort(), ['cls.predictions.decoder.bias', 'cls.predictions.decoder.weight']);
    for (const [name, tensor] of modern) assert.deepEqual(tensors.get(name)!.data, tensor.data, name);
  });

test('a head checkpoint loads into a bare encoder and reports the head as unexpected, and the reverse reports it missing',
  { skip: skipWithoutShared('fixtures/bert-tiny-uncased/token-classification/model.safetensors') }, () => {
    const tokenModel = readSafetensors(fixture('token-classification', 'model.safetensors')).tensors;
    const encoderOnly = new Map([...shapes(tokenModel)].filter(([n]) => n.startsWith('bert.')).map(([n, s]) => [n.slice('bert.'.length), s]));
    const intoEncoder = matchStateDict(tokenModel, encoderOnly, { source: 'token' });
    assert.deepEqual(intoEncoder.report.missing, []);
    assert.deepEqual(intoEncoder.report.unexpected.sort(), ['classifier.bias', 'classifier.weight']);
    // The token-classification checkpoint has no pooler (HF drops it): loading it as a pretraining model reports it missing.
    const pretraining = readSafetensors(fixture('model.safetensors')).tensors;
    const intoPretraining = matchStateDict(tokenModel, shapes(pretraining), { source: 'token' });
    assert.ok(intoPretraining.report.missing.includes('bert.pooler.dense.weight'));
    assert.ok(intoPretraining.report.missing.includes('cls.predictions.bias'));
  });

test('shape disagreements name the checkpoint, tensor and both shapes', () => {
  const checkpoint = new Map<string, NamedTensor>([['bert.embeddings.LayerNorm.gamma', { dtype: 'F32', shape: [16], data: new Float32Array(16) }]]);
  assert.throws(
    () => matchStateDict(checkpoint, new Map([['bert.embeddings.LayerNorm.weight', [32]]]), { source: 'ckpt.safetensors' }),
    /ckpt\.safetensors: bert\.embeddings\.LayerNorm\.weight has shape \[16\], the model config expects \[32\]/,
  );
  assert.equal(modernName('x.LayerNorm.beta'), 'x.LayerNorm.bias');
});

test('F64 tensors load narrowed to float32; integer and bool tensors are refused with their dtype named', () => {
  const values = [0.1, -1e-8, 3.141592653589793, 1e30];
  const checkpoint = new Map<string, NamedTensor>([['bert.pooler.dense.bias', { dtype: 'F64', shape: [4], data: Float64Array.from(values) }]]);
  const { tensors } = matchStateDict(checkpoint, new Map([['bert.pooler.dense.bias', [4]]]), { source: 'ckpt.safetensors' });
  const loaded = tensors.get('bert.pooler.dense.bias')!;
  assert.ok(loaded.data instanceof Float32Array);
  assert.equal(loaded.dtype, 'F32');
  assert.deepEqual([...loaded.data], values.map(Math.fround));
  const integers = new Map<string, NamedTensor>([['bert.pooler.dense.bias', { dtype: 'I64', shape: [4], data: new BigInt64Array(4) }]]);
  assert.throws(
    () => matchStateDict(integers, new Map([['bert.pooler.dense.bias', [4]]]), { source: 'ckpt.safetensors' }),
    /ckpt\.safetensors: bert\.pooler\.dense\.bias is I64; parameters must be floating point/,
  );
});
