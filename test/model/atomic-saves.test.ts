// saveBert and exportOnnx over an existing model: a failure halfway (a full disk) must leave the old
// model loadable, and a training run's OUTPUT keeps its other contents.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { headsOf } from '../../src/model/architecture.js';
import { loadBert, saveBert } from '../../src/model/checkpoint.js';
import { initialParameters } from '../../src/model/initial-parameters.js';
import { exportOnnx } from '../../src/model/onnx-export.js';
import type { BertTokenizer } from '../../src/tokenizer/bert-tokenizer.js';
import { presetConfig } from '../../src/train/presets.js';

const root = mkdtempSync(join(tmpdir(), 'bertkit-save-atomic-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const config = { ...presetConfig('tiny', 40), hidden_size: 8, num_attention_heads: 2, intermediate_size: 16, max_position_embeddings: 16, num_hidden_layers: 1 };
const heads = headsOf('BertModel');
const model = (seed: number) => ({ config, heads, parameters: initialParameters(config, heads, seed).parameters });

test('a save that fails halfway leaves the previous model and the folder\'s other files as they were', async () => {
  const dir = join(root, 'output');
  saveBert(dir, model(1));
  writeFileSync(join(dir, 'log.jsonl'), '{"step":1}\n');
  const files = () => Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name))]));
  const before = files();
  const fullDisk = { save: () => { throw new Error('ENOSPC: no space left on device, write'); } } as unknown as BertTokenizer;
  assert.throws(() => saveBert(dir, model(2), { tokenizer: fullDisk }), /ENOSPC/);
  assert.deepEqual(files(), before, 'the old weights and config, and nothing else');

  saveBert(dir, model(2));
  const reference = join(root, 'reference');
  saveBert(reference, model(2));
  assert.deepEqual(readFileSync(join(dir, 'model.safetensors')), readFileSync(join(reference, 'model.safetensors')));
  assert.deepEqual(readdirSync(dir).sort(), ['config.json', 'log.jsonl', 'model.safetensors']);
  const loaded = await loadBert(dir, { warn: () => {} });
  assert.deepEqual(loaded.parameters.get('embeddings.word_embeddings.weight'), model(2).parameters.get('embeddings.word_embeddings.weight'));
});

test('an ONNX export that fails halfway leaves the earlier export whole; one that succeeds keeps the onnx/ files it does not write', () => {
  const dir = join(root, 'export');
  exportOnnx(dir, model(1));
  writeFileSync(join(dir, 'onnx', 'model_quantized.onnx'), 'kept');
  const onnx = readFileSync(join(dir, 'onnx', 'model.onnx'));
  const fullDisk = { save: () => { throw new Error('ENOSPC: no space left on device, write'); } } as unknown as BertTokenizer;
  assert.throws(() => exportOnnx(dir, model(2), { tokenizer: fullDisk }), /ENOSPC/);
  assert.deepEqual(readFileSync(join(dir, 'onnx', 'model.onnx')), onnx);
  assert.deepEqual(readdirSync(dir).sort(), ['config.json', 'onnx']);
  exportOnnx(dir, model(2));
  assert.notDeepEqual(readFileSync(join(dir, 'onnx', 'model.onnx')), onnx);
  assert.deepEqual(readdirSync(join(dir, 'onnx')).sort(), ['model.onnx', 'model_quantized.onnx']);
  assert.equal(readFileSync(join(dir, 'onnx', 'model_quantized.onnx'), 'utf8'), 'kept');
});
