// ELECTRA checkpoints against PyTorch: test/fixtures/electra-tiny holds random tiny ELECTRA models in
// Hugging Face's layouts and a plain-torch forward of them (make_fixture.py, modeling_electra's
// semantics, float64 on float32 weights).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { readSafetensors } from '../../src/io/safetensors.js';
import { headsOf } from '../../src/model/architecture.js';
import { loadBert, saveBert } from '../../src/model/checkpoint.js';
import { readBertConfig } from '../../src/model/config.js';
import { buildInferenceGraph, inferenceOnnx, type InferenceOutput } from '../../src/model/inference-graph.js';
import { type BertBatch, BertRunner } from '../../src/model/runner.js';
import { Session } from '../../src/runtime/session.js';
import { prepareFinetuneModel } from '../../src/train/finetune-model.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/electra-tiny/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bertkit-electra-model-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

interface Expected {
  input_ids: number[][];
  token_type_ids: number[][];
  attention_mask: number[][];
  [model: string]: unknown;
}
const expected = JSON.parse(readFileSync(join(FIXTURE, 'expected.json'), 'utf8')) as Expected;
const reference = (model: string, output: string): number[] => (expected[model] as Record<string, number[]>)[output]!;

function batch(): BertBatch {
  const ints = (rows: number[][]) => BigInt64Array.from(rows.flat(), BigInt);
  return {
    batchSize: expected.input_ids.length, seqLength: expected.input_ids[0]!.length,
    inputIds: ints(expected.input_ids), tokenTypeIds: ints(expected.token_type_ids), attentionMask: ints(expected.attention_mask),
  };
}

/** Max |a − b| over the positions the attention mask keeps (padding rows of hidden states are not compared: HF leaves them arbitrary too). */
function maxDifference(actual: Float32Array, wanted: number[], perPosition: number): number {
  const mask = expected.attention_mask.flat();
  let worst = 0;
  wanted.forEach((value, index) => {
    if (perPosition > 0 && mask[Math.floor(index / perPosition)] === 0) return;
    worst = Math.max(worst, Math.abs(actual[index]! - value));
  });
  return worst;
}

const CASES: { model: string; architecture: string; outputs: { name: InferenceOutput; reference: string; perPosition: number }[] }[] = [
  { model: 'discriminator', architecture: 'ElectraForPreTraining', outputs: [{ name: 'last_hidden_state', reference: 'last_hidden_state', perPosition: 24 }, { name: 'logits', reference: 'logits', perPosition: 1 }] },
  { model: 'classifier', architecture: 'ElectraForSequenceClassification', outputs: [{ name: 'logits', reference: 'logits', perPosition: 0 }] },
  { model: 'tokens', architecture: 'ElectraForTokenClassification', outputs: [{ name: 'logits', reference: 'logits', perPosition: 3 }] },
  { model: 'generator', architecture: 'ElectraForMaskedLM', outputs: [{ name: 'last_hidden_state', reference: 'last_hidden_state', perPosition: 12 }, { name: 'mlm_logits', reference: 'mlm_logits', perPosition: 40 }] },
];

for (const { model, architecture, outputs } of CASES) {
  test(`${architecture} (${model}) loads without missing or unused weights and matches PyTorch`, async () => {
    const warnings: string[] = [];
    const loaded = await loadBert(join(FIXTURE, model), { warn: (message) => warnings.push(message) });
    assert.equal(loaded.architecture, architecture);
    assert.deepEqual(loaded.report, { missing: [], unexpected: [] });
    assert.deepEqual(warnings, []);
    const runner = await BertRunner.create(loaded, { outputs: outputs.map(({ name }) => name), threads: 1 });
    const result = await runner.run(batch(), loaded.parameters);
    await runner.dispose();
    for (const { name, reference: key, perPosition } of outputs) {
      const difference = maxDifference(result[name]!.data as Float32Array, reference(model, key), perPosition);
      assert.ok(difference < 2e-5, `${model} ${name}: max |bertkit − torch| = ${difference}`);
    }
  });
}

test("the fused inference graph (ORT's Attention kernels, as BertInference and the ONNX export run it) matches PyTorch on ELECTRA too", async () => {
  const loaded = await loadBert(join(FIXTURE, 'classifier'), { warn: () => {} });
  const graph = buildInferenceGraph(loaded, { outputs: ['logits'] });
  const session = await Session.create(inferenceOnnx(loaded, graph), { threads: 1 });
  const b = batch();
  const dims = [b.batchSize, b.seqLength];
  const out = await session.run({ input_ids: { data: b.inputIds, dims }, token_type_ids: { data: b.tokenTypeIds!, dims }, attention_mask: { data: b.attentionMask!, dims } });
  await session.dispose();
  const difference = maxDifference(out.logits!.data as Float32Array, reference('classifier', 'logits'), 0);
  assert.ok(difference < 2e-5, `fused: ${difference}`);
});

test('ELECTRA directories save back in their own layout: config (model_type, embedding_size, class) and tensor names as Hugging Face writes them', async () => {
  for (const model of ['discriminator', 'classifier', 'tokens', 'generator']) {
    const loaded = await loadBert(join(FIXTURE, model), { warn: () => {} });
    const out = join(dir, model);
    saveBert(out, loaded);
    const original = readBertConfig(join(FIXTURE, model, 'config.json'));
    const saved = readBertConfig(join(out, 'config.json'));
    assert.equal(saved.model_type, 'electra');
    assert.equal(saved.embedding_size, original.embedding_size);
    assert.deepEqual(saved.architectures, original.architectures);
    const fixtureTensors = readSafetensors(join(FIXTURE, model, 'model.safetensors')).tensors;
    const savedTensors = readSafetensors(join(out, 'model.safetensors')).tensors;
    const hfNames = [...fixtureTensors.keys()].filter((name) => name !== 'electra.embeddings.position_ids').sort();
    assert.deepEqual([...savedTensors.keys()].sort(), hfNames, `${model}: the names HF's ${original.architectures![0]} has`);
    for (const name of hfNames) assert.deepEqual(savedTensors.get(name)!.data, fixtureTensors.get(name)!.data, `${model}: ${name}`);
    const reloaded = await loadBert(out, { warn: () => {} });
    assert.deepEqual(reloaded.report, { missing: [], unexpected: [] });
  }
});

test('without architectures in config.json, the ELECTRA class is recognised from the tensor names', async () => {
  for (const [model, architecture] of [['discriminator', 'ElectraForPreTraining'], ['classifier', 'ElectraForSequenceClassification'], ['tokens', 'ElectraForTokenClassification'], ['generator', 'ElectraForMaskedLM']] as const) {
    const loaded = await loadBert(join(FIXTURE, model), { warn: () => {} });
    const out = join(dir, `anonymous-${model}`);
    saveBert(out, loaded);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
    delete config.architectures;
    writeFileSync(join(out, 'config.json'), JSON.stringify(config));
    assert.equal((await loadBert(out, { warn: () => {} })).architecture, architecture);
  }
});

test('an ElectraForPreTraining directory fine-tunes as ElectraForSequenceClassification / TokenClassification: its encoder, embeddings_project included, and a new head', async () => {
  const classifier = await prepareFinetuneModel(join(FIXTURE, 'discriminator'), { kind: 'classification', labels: ['no', 'yes'] }, 0);
  assert.deepEqual(classifier.heads, headsOf('ElectraForSequenceClassification'));
  assert.equal(classifier.config.model_type, 'electra');
  assert.deepEqual([...classifier.initialised].sort(), ['classifier.dense.bias', 'classifier.dense.weight', 'classifier.out_proj.bias', 'classifier.out_proj.weight']);
  assert.ok(classifier.unused.every((name) => name.startsWith('discriminator_predictions.')), classifier.unused.join(', '));
  const discriminator = await loadBert(join(FIXTURE, 'discriminator'), { warn: () => {} });
  assert.deepEqual(classifier.parameters.get('electra.embeddings_project.weight'), discriminator.parameters.get('electra.embeddings_project.weight'));
  const tagger = await prepareFinetuneModel(join(FIXTURE, 'discriminator'), { kind: 'ner', labels: ['O', 'B-X'] }, 0);
  assert.deepEqual(tagger.heads, headsOf('ElectraForTokenClassification'));
  assert.deepEqual([...tagger.initialised].sort(), ['classifier.bias', 'classifier.weight']);
});
