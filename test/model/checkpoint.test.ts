import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { headsOf } from '../../src/model/architecture.js';
import { loadBert, saveBert } from '../../src/model/checkpoint.js';
import { BertTokenizer } from '../../src/tokenizer/bert-tokenizer.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, fixturePath } from './fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-checkpoint-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const skip = skipWithoutShared(FIXTURE, 'model.safetensors');
const quiet = { warn: () => {} };

function header(path: string): Record<string, unknown> {
  const bytes = readFileSync(path);
  return JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8')) as Record<string, unknown>;
}

function namesAndShapes(path: string): Record<string, number[]> {
  return Object.fromEntries([...readSafetensors(path).tensors].map(([name, tensor]) => [name, tensor.shape]));
}

test('save → reload is exact, and the saved directory has the fixture\'s tensor names, shapes, config and HF metadata', { skip }, async () => {
  const model = await loadBert(fixturePath(), quiet);
  const out = join(dir, 'saved');
  saveBert(out, model, { tokenizer: BertTokenizer.fromPretrained(fixturePath()) });
  assert.deepEqual(readdirSync(out).sort(), ['config.json', 'model.safetensors', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt']);
  assert.deepEqual(namesAndShapes(join(out, 'model.safetensors')), namesAndShapes(fixturePath('model.safetensors')));
  assert.deepEqual((header(join(out, 'model.safetensors')) as { __metadata__: unknown }).__metadata__, { format: 'pt' }, 'transformers refuses safetensors without format metadata');
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')), JSON.parse(readFileSync(fixturePath('config.json'), 'utf8')));
  assert.equal(readFileSync(join(out, 'vocab.txt'), 'utf8'), readFileSync(fixturePath('vocab.txt'), 'utf8'));

  const reloaded = await loadBert(out, quiet);
  assert.equal(reloaded.architecture, 'BertForPreTraining');
  assert.deepEqual(reloaded.report, { missing: [], unexpected: [] });
  const original = readSafetensors(fixturePath('model.safetensors')).tensors;
  for (const [name, tensor] of original) assert.deepEqual(reloaded.parameters.get(name), tensor.data, name);
  assert.deepEqual(reloaded.parameters.names.sort(), [...original.keys()].sort());
});

test('a pretraining checkpoint loads into a classifier: HF\'s warnings, the head initialised as HF does', { skip }, async () => {
  const warnings: string[] = [];
  const model = await loadBert(fixturePath(), { heads: headsOf('BertForSequenceClassification'), warn: (m) => warnings.push(m), seed: 3 });
  assert.equal(model.architecture, 'BertForSequenceClassification');
  assert.deepEqual(model.report.missing, ['classifier.weight', 'classifier.bias']);
  assert.deepEqual(model.report.unexpected.sort(), [
    'cls.predictions.bias', 'cls.predictions.transform.LayerNorm.bias', 'cls.predictions.transform.LayerNorm.weight',
    'cls.predictions.transform.dense.bias', 'cls.predictions.transform.dense.weight', 'cls.seq_relationship.bias', 'cls.seq_relationship.weight',
  ]);
  assert.equal(warnings.length, 2);
  assert.match(warnings[0]!, /^Some weights of the model checkpoint at .* were not used when initializing BertForSequenceClassification: \[cls\./);
  assert.match(warnings[1]!, /^Some weights of BertForSequenceClassification were not initialized from the model checkpoint at .* and are newly initialized: \[classifier\.weight, classifier\.bias\]\nYou should probably TRAIN/);
  // num_labels 2 (no id2label): weight ~ N(0, 0.02²), bias 0
  const weight = model.parameters.get('classifier.weight');
  assert.equal(weight.length, 2 * 32);
  const std = Math.sqrt(weight.reduce((sum, w) => sum + w * w, 0) / weight.length);
  assert.ok(std > 0.01 && std < 0.03, `classifier.weight std ${std}`);
  assert.deepEqual([...model.parameters.get('classifier.bias')], [0, 0]);
});

test('the token-classification checkpoint (no pooler) and a pooler-less MLM load as HF does', { skip: skipWithoutShared(FIXTURE, 'token-classification', 'model.safetensors') }, async () => {
  const token = await loadBert(fixturePath('token-classification'), quiet);
  assert.equal(token.parameters.has('bert.pooler.dense.weight'), false);
  assert.deepEqual(token.report, { missing: [], unexpected: [] });
  // BertForMaskedLM has no pooler and HF ignores a checkpoint's pooler silently (_keys_to_ignore_on_load_unexpected)
  const masked = await loadBert(fixturePath(), { ...quiet, heads: headsOf('BertForMaskedLM') });
  assert.deepEqual(masked.report, { missing: [], unexpected: ['cls.seq_relationship.bias', 'cls.seq_relationship.weight'] });
  // the encoder alone: no prefix, as HF's BertModel saves it
  const bare = await loadBert(fixturePath('token-classification'), { ...quiet, heads: headsOf('BertModel') });
  assert.deepEqual(bare.report, { missing: ['pooler.dense.weight', 'pooler.dense.bias'], unexpected: ['classifier.bias', 'classifier.weight'] });
  const out = join(dir, 'bare');
  saveBert(out, bare);
  const names = Object.keys(namesAndShapes(join(out, 'model.safetensors')));
  assert.ok(names.includes('embeddings.word_embeddings.weight') && names.includes('pooler.dense.weight') && !names.some((n) => n.startsWith('bert.')), names.join());
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).architectures, ['BertModel']);
  const reloaded = await loadBert(out, quiet);
  assert.equal(reloaded.architecture, 'BertModel');
  assert.deepEqual(reloaded.parameters.get('encoder.layer.1.output.dense.weight'), token.parameters.get('bert.encoder.layer.1.output.dense.weight'));
});

test('a sharded checkpoint (model.safetensors.index.json) loads as the single file does', { skip }, async () => {
  const shardDir = join(dir, 'sharded');
  const tensors = readSafetensors(fixturePath('model.safetensors')).tensors;
  const names = [...tensors.keys()];
  const shards = [names.slice(0, 10), names.slice(10)];
  const weightMap: Record<string, string> = {};
  rmSync(shardDir, { recursive: true, force: true });
  saveBert(shardDir, await loadBert(fixturePath(), quiet)); // for config.json
  rmSync(join(shardDir, 'model.safetensors'));
  shards.forEach((shard, i) => {
    const file = `model-0000${i + 1}-of-00002.safetensors`;
    writeSafetensors(join(shardDir, file), new Map(shard.map((name) => [name, tensors.get(name)!])), { format: 'pt' });
    for (const name of shard) weightMap[name] = file;
  });
  writeFileSync(join(shardDir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  const model = await loadBert(shardDir, quiet);
  for (const [name, tensor] of tensors) assert.deepEqual(model.parameters.get(name), tensor.data, name);

  rmSync(join(shardDir, 'model-00002-of-00002.safetensors'));
  await assert.rejects(loadBert(shardDir, quiet), /model\.safetensors\.index\.json: weight_map's shard model-00002-of-00002\.safetensors is missing/);
});

test('config shapes that disagree with the weights, and a directory without weights, fail with the file named', { skip }, async () => {
  const wrong = join(dir, 'wrong-config');
  saveBert(wrong, await loadBert(fixturePath(), quiet));
  const config = JSON.parse(readFileSync(fixturePath('config.json'), 'utf8'));
  writeFileSync(join(wrong, 'config.json'), JSON.stringify({ ...config, intermediate_size: 64 }));
  await assert.rejects(loadBert(wrong, quiet), /model\.safetensors: bert\.encoder\.layer\.0\.intermediate\.dense\.weight has shape \[128, 32\], the model config expects \[64, 32\]/);

  const empty = join(dir, 'no-weights');
  saveBert(empty, await loadBert(fixturePath(), quiet));
  rmSync(join(empty, 'model.safetensors'));
  await assert.rejects(loadBert(empty, quiet), /no-weights: no weights found \(looked for model\.safetensors, model\.safetensors\.index\.json, pytorch_model\.bin\)/);

  const foreign = join(dir, 'foreign');
  saveBert(foreign, await loadBert(fixturePath(), quiet));
  writeFileSync(join(foreign, 'config.json'), JSON.stringify({ ...config, architectures: ['BertForMultipleChoice'] }));
  await assert.rejects(loadBert(foreign, quiet), /config\.json: architectures\[0\] is "BertForMultipleChoice"; bertkit reads BertModel, BertForPreTraining/);
});

test('without architectures in config.json the heads are recognised from the tensor names', { skip: skipWithoutShared(FIXTURE, 'token-classification', 'model.safetensors') }, async () => {
  for (const [source, architecture] of [['', 'BertForPreTraining'], ['token-classification', 'BertForTokenClassification'], ['sequence-classification', 'BertForSequenceClassification']] as const) {
    const copy = join(dir, `anonymous-${architecture}`);
    saveBert(copy, await loadBert(fixturePath(source), quiet));
    const { architectures: _, ...config } = JSON.parse(readFileSync(join(copy, 'config.json'), 'utf8'));
    writeFileSync(join(copy, 'config.json'), JSON.stringify(config));
    assert.equal((await loadBert(copy, quiet)).architecture, architecture);
  }
});

test('tie_word_embeddings: false loads the explicit decoder of the legacy .bin and saves it', { skip: skipWithoutShared(FIXTURE, 'legacy-pytorch-bin', 'pytorch_model.bin') }, async () => {
  const untied = join(dir, 'untied');
  mkdirSync(untied, { recursive: true });
  copyFileSync(fixturePath('legacy-pytorch-bin', 'pytorch_model.bin'), join(untied, 'pytorch_model.bin'));
  writeFileSync(join(untied, 'config.json'), JSON.stringify({ ...JSON.parse(readFileSync(fixturePath('config.json'), 'utf8')), tie_word_embeddings: false }));
  const model = await loadBert(untied, { warn: (m) => assert.fail(m) });
  assert.deepEqual(model.report, { missing: [], unexpected: [] });
  assert.ok(model.parameters.has('cls.predictions.decoder.weight'));
  assert.deepEqual(model.parameters.get('cls.predictions.decoder.weight'), model.parameters.get('bert.embeddings.word_embeddings.weight'), 'the fixture saved the tied table as the decoder');
  const out = join(dir, 'untied-saved');
  saveBert(out, model);
  assert.deepEqual(namesAndShapes(join(out, 'model.safetensors'))['cls.predictions.decoder.weight'], [30522, 32]);
});
