// Explanations checked against references that do not share their code path:
//   completeness of integrated gradients against F(x) − F(x′) from the plain input_ids inference
//   graph (BertRunner); gradient × input against central finite differences of a forward-only graph
//   from inputs_embeds; the inputs_embeds forward's logits and attention maps against PyTorch's.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Explainer } from '../../src/explain/explain.js';
import { ExplainSessions } from '../../src/explain/explain-graphs.js';
import { Graph } from '../../src/graph/graph.js';
import { basePrefixOf } from '../../src/model/architecture.js';
import { bertForward } from '../../src/model/bert.js';
import { loadBert } from '../../src/model/checkpoint.js';
import { inferenceOnnx } from '../../src/model/inference-graph.js';
import { BertRunner } from '../../src/model/runner.js';
import { Session } from '../../src/runtime/session.js';
import { BertTokenizer } from '../../src/tokenizer/bert-tokenizer.js';
import * as bertkit from '../../src/index.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, expectedOutputs, fixtureInputs } from '../model/fixture.js';
import { fixtureModelDir } from './fixture-models.js';

const skip = skipWithoutShared(FIXTURE, 'sequence-classification', 'model.safetensors');
const dir = mkdtempSync(join(tmpdir(), 'bertkit-explain-'));
const classifierDir = join(dir, 'classifier'), taggerDir = join(dir, 'tagger'), pretrainedDir = join(dir, 'pretrained');
let classifier: Explainer, tagger: Explainer;

before(async () => {
  if (skip) return;
  fixtureModelDir('sequence-classification', classifierDir);
  fixtureModelDir('token-classification', taggerDir);
  fixtureModelDir('pretraining', pretrainedDir);
  classifier = await sharpened(classifierDir);
  tagger = await sharpened(taggerDir);
});
after(async () => {
  await classifier?.dispose();
  await tagger?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * The fixture model with its word vectors ×20, pooler ×20 and classifier ×50: its random weights
 * (std 0.02) give logits of ~0.02 that hardly move with the input (attributions ~1e-5, near float32
 * noise), too flat for completeness or finite differences to tell right from wrong.
 */
async function sharpened(dir: string): Promise<Explainer> {
  const model = await loadBert(dir, { warn: () => {} });
  const factors: [string, number][] = [['bert.embeddings.word_embeddings.weight', 20], ['bert.pooler.dense.weight', 20], ['classifier.weight', 50]];
  for (const [name, factor] of factors) if (model.parameters.has(name)) model.parameters.replace(name, model.parameters.get(name).map((value) => value * factor));
  return Explainer.create(model, BertTokenizer.fromPretrained(dir), { threads: 1 });
}

/** Logits of the plain input_ids inference graph for one row of ids (all tokens real): [labels] or [T, labels]. */
async function referenceLogits(explainer: Explainer, ids: readonly number[], typeIds: readonly number[]): Promise<Float32Array> {
  const runner = await BertRunner.create(explainer.model, { outputs: ['logits'], threads: 1 });
  try {
    const out = await runner.run({ batchSize: 1, seqLength: ids.length, inputIds: BigInt64Array.from(ids, BigInt), tokenTypeIds: BigInt64Array.from(typeIds, BigInt) }, explainer.model.parameters);
    return out.logits!.data as Float32Array;
  } finally {
    await runner.dispose();
  }
}

/** Captum's BERT baseline: [PAD] (id 0) everywhere but [CLS] (101) and [SEP] (102). */
const baselineIds = (ids: readonly number[]): number[] => ids.map((id) => (id === 101 || id === 102 ? id : 0));

test('integrated gradients are complete: Σ attributions = F(x) − F(baseline) of the plain inference graph, delta → 0 as steps grow', { skip }, async () => {
  const input: [string, string] = ['the film was a delight from start to finish', 'i would see it again'];
  const [coarse] = await classifier.explain([input], { method: 'integrated-gradients', steps: 1 });
  const [medium] = await classifier.explain([input], { method: 'integrated-gradients', steps: 4 });
  const [fine] = await classifier.explain([input], { method: 'integrated-gradients', steps: 64 });
  const record = fine!;
  assert.deepEqual(record.tokens.slice(0, 3), ['[CLS]', 'the', 'film']);
  assert.equal(record.tokens.length, record.attributions!.length);
  const label = ['negative', 'neutral', 'positive'].indexOf(record.target!);
  const ofX = await referenceLogits(classifier, record.input_ids, record.token_type_ids);
  const ofBaseline = await referenceLogits(classifier, baselineIds(record.input_ids), record.token_type_ids);
  assert.equal(label, ofX.indexOf(Math.max(...ofX)), 'the default target is the predicted label');
  assert.ok(Math.abs(record.score! - ofX[label]!) < 1e-5, `score ${record.score} vs the inference graph's logit ${ofX[label]}`);
  const difference = ofX[label]! - ofBaseline[label]!;
  const total = record.attributions!.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(total - difference) < 1e-4 * Math.max(1, Math.abs(difference)), `Σ attributions ${total} vs F(x) − F(x′) ${difference}`);
  assert.ok(Math.abs(record.delta! - (total - difference)) < 1e-5, `delta ${record.delta} vs ${total - difference}`);
  const deltas = [coarse!, medium!, record].map((r) => Math.abs(r.delta!));
  assert.ok(deltas[0]! > deltas[1]! && deltas[1]! > deltas[2]! && deltas[2]! < 1e-5, `|delta| with 1, 4 and 64 steps: ${deltas}`);
  assert.ok(Math.abs(difference) > 0.1, `F(x) − F(x′) = ${difference}: the test model is sensitive enough`);
});

test('integrated gradients of another target and in batches of few points give the same attributions', { skip }, async () => {
  const text = 'a slow and tedious story';
  const [whole] = await classifier.explain([text], { method: 'integrated-gradients', steps: 12, target: 'neutral' });
  const [batched] = await classifier.explain([text], { method: 'integrated-gradients', steps: 12, target: 1, batchSize: 5 });
  assert.equal(whole!.target, 'neutral');
  whole!.attributions!.forEach((a, t) => assert.ok(Math.abs(a - batched!.attributions![t]!) < 1e-6));
  const ofX = await referenceLogits(classifier, whole!.input_ids, whole!.token_type_ids);
  assert.ok(Math.abs(whole!.score! - ofX[1]!) < 1e-5);
});

test('gradient × input matches central finite differences of a forward-only graph from the word vectors', { skip }, async () => {
  const [record] = await classifier.explain(['an honest , moving film'], { method: 'gradient-x-input' });
  const model = classifier.model;
  const graph = new Graph();
  const forward = bertForward(graph, model.config, { heads: model.heads, prefix: basePrefixOf(model.heads), inputsEmbeds: true });
  graph.output('logits', forward.heads.logits!);
  const session = await Session.create(inferenceOnnx(model, graph), { threads: 1 });
  try {
    const { hidden_size: hidden } = model.config;
    const T = record!.tokens.length;
    const table = model.parameters.get('bert.embeddings.word_embeddings.weight');
    const x = new Float32Array(T * hidden);
    record!.input_ids.forEach((id, t) => x.set(table.subarray(id * hidden, (id + 1) * hidden), t * hidden));
    // Rows 2t and 2t+1: token t's word vector scaled by 1 ± ε. d/dε F(x + ε·xₜeₜ) = Σ_h xₜₕ ∂F/∂xₜₕ.
    const epsilon = 1e-2;
    const rows = new Float32Array(2 * T * T * hidden);
    for (let t = 0; t < T; t++) {
      for (const [k, sign] of [[0, 1], [1, -1]] as const) {
        const row = rows.subarray((2 * t + k) * T * hidden, (2 * t + k + 1) * T * hidden);
        row.set(x);
        for (let h = 0; h < hidden; h++) row[t * hidden + h] = x[t * hidden + h]! * (1 + sign * epsilon);
      }
    }
    const dims = [2 * T, T];
    const out = await session.run({
      inputs_embeds: { data: rows, dims: [2 * T, T, hidden] },
      token_type_ids: { data: new BigInt64Array(2 * T * T), dims },
      attention_mask: { data: new BigInt64Array(2 * T * T).fill(1n), dims },
    });
    const logits = out.logits!.data as Float32Array;
    const labels = logits.length / (2 * T);
    const label = ['negative', 'neutral', 'positive'].indexOf(record!.target!);
    const scale = Math.max(...record!.attributions!.map(Math.abs));
    for (let t = 0; t < T; t++) {
      const finite = (logits[2 * t * labels + label]! - logits[(2 * t + 1) * labels + label]!) / (2 * epsilon);
      assert.ok(Math.abs(finite - record!.attributions![t]!) < 2e-3 * scale + 1e-5, `token ${t} (${record!.tokens[t]}): autodiff ${record!.attributions![t]} vs finite differences ${finite}`);
    }
  } finally {
    await session.dispose();
  }
});

test('the inputs_embeds forward gives PyTorch\'s logits and attention maps for the fixture\'s unpadded pair', { skip }, async () => {
  const model = (await loadBert(classifierDir, { warn: () => {} }));
  const sessions = await ExplainSessions.create(model, { threads: 1 });
  try {
    const inputs = fixtureInputs();
    const row = 1;
    const ids = inputs.input_ids[row]!, T = ids.length, hidden = model.config.hidden_size;
    const table = model.parameters.get('bert.embeddings.word_embeddings.weight');
    const x = new Float32Array(T * hidden);
    ids.forEach((id, t) => x.set(table.subarray(id * hidden, (id + 1) * hidden), t * hidden));
    const out = await sessions.forward({ rows: 1, seqLength: T, inputsEmbeds: x, tokenTypeIds: BigInt64Array.from(inputs.token_type_ids[row]!, BigInt) }, { attentions: true });
    const expected = expectedOutputs();
    const logits = expected.get('sequence_classification_logits')!;
    const labels = logits.shape[1]!;
    const want = (logits.data as Float32Array).subarray(row * labels, (row + 1) * labels);
    want.forEach((value, k) => assert.ok(Math.abs(out.logits![k]! - value) < 1e-5, `logit ${k}: ${out.logits![k]} vs PyTorch ${value}`));
    for (const layer of [0, 1]) {
      const reference = expected.get(`attentions.${layer}`)!;
      const block = (reference.data as Float32Array).subarray(row * reference.shape[1]! * T * T, (row + 1) * reference.shape[1]! * T * T);
      let worst = 0;
      block.forEach((value, k) => { worst = Math.max(worst, Math.abs(out.attentions[layer]![k]! - value)); });
      assert.ok(worst < 1e-5, `layer ${layer}: attention maps differ from PyTorch's by ${worst}`);
    }
  } finally {
    await sessions.dispose();
  }
});

test('token classification: F is the target token\'s logit, complete against the inference graph', { skip }, async () => {
  const [record] = await tagger.explain(['john smith lives in paris'], { method: 'integrated-gradients', steps: 32, targetToken: 5 });
  const ofX = await referenceLogits(tagger, record!.input_ids, record!.token_type_ids);
  const ofBaseline = await referenceLogits(tagger, baselineIds(record!.input_ids), record!.token_type_ids);
  const labels = ofX.length / record!.tokens.length;
  const row = ofX.subarray(5 * labels, 6 * labels);
  const label = row.indexOf(Math.max(...row));
  assert.equal(record!.target_token, 5);
  assert.equal(record!.target, tagger.model.config.id2label![String(label)]);
  assert.ok(Math.abs(record!.score! - row[label]!) < 1e-5);
  const total = record!.attributions!.reduce((a, b) => a + b, 0);
  const difference = row[label]! - ofBaseline[5 * labels + label]!;
  assert.ok(Math.abs(total - difference) < 1e-4 * Math.max(1, Math.abs(difference)), `Σ attributions ${total} vs ${difference}`);
  await assert.rejects(tagger.explain(['john smith'], { method: 'gradient-x-input' }), /give targetToken \(--target-token i/);
  await assert.rejects(tagger.explain(['john smith'], { method: 'gradient-x-input', targetToken: 9 }), /input 1 has 4 tokens .*targetToken 9 is outside it/);
});

test('attention and rollout records: every layer\'s maps, rows summing to 1, rollout a distribution', { skip }, async () => {
  const [attention] = await classifier.explain([['is it good?', 'yes it is.']], { method: 'attention' });
  const T = attention!.tokens.length;
  assert.equal(attention!.attentions!.length, 2);
  assert.equal(attention!.attentions![0]!.length, 4);
  assert.ok(attention!.attentions!.flat(2).every((row) => row.length === T && Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-4));
  assert.equal(attention!.attributions, undefined);
  assert.ok(attention!.token_type_ids.includes(1));
  const [rollout] = await classifier.explain([['is it good?', 'yes it is.']], { method: 'attention-rollout' });
  assert.ok(Math.abs(rollout!.attributions!.reduce((a, b) => a + b, 0) - 1) < 1e-6);
  assert.equal(rollout!.attentions, undefined);
});

test('bad requests get clear errors; inputs longer than the model\'s positions are truncated with a warning', { skip }, async () => {
  await assert.rejects(classifier.explain(['good'], { method: 'integrated-gradients', target: 'excellent' }), /no label "excellent"; its labels are negative, neutral, positive/);
  await assert.rejects(classifier.explain(['good'], { method: 'integrated-gradients', steps: 0 }), /steps must be a positive integer/);
  await assert.rejects(classifier.explain(['good'], { method: 'integrated-gradients', targetToken: 1 }), /applies to token-classification models only/);
  await assert.rejects(classifier.explain(['good'], { method: 'saliency' as never }), /method must be one of integrated-gradients, gradient-x-input, attention-rollout, attention/);
  const warnings: string[] = [];
  const [long] = await classifier.explain([Array.from({ length: 200 }, () => 'word').join(' ')], { method: 'gradient-x-input', warn: (message) => warnings.push(message) });
  assert.equal(long!.tokens.length, 128);
  assert.equal(long!.tokens.at(-1), '[SEP]');
  assert.deepEqual(warnings, ['explain: input 1 has 202 tokens, more than the model\'s 128 positions; truncated to 128']);
  const headless = await Explainer.load(pretrainedDir, { threads: 1 });
  try {
    await assert.rejects(headless.explain(['good'], { method: 'integrated-gradients' }), /needs a model with a task head .* this model has none/);
    const [maps] = await headless.explain(['good'], { method: 'attention' });
    assert.equal(maps!.target, null);
    assert.equal(maps!.score, null);
    assert.equal(maps!.attentions!.length, 2);
  } finally {
    await headless.dispose();
  }
});

test('the public API offers explanations and the viewer', () => {
  for (const name of ['explain', 'Explainer', 'writeViewerHtml', 'viewerHtml', 'VIEWER_SCRIPT', 'attentionRollout', 'gaussLegendre']) assert.ok(name in bertkit, name);
});
