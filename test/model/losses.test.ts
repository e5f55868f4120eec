import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Graph } from '../../src/graph/graph.js';
import { type BertHeads, headsOf } from '../../src/model/architecture.js';
import { bertForward } from '../../src/model/bert.js';
import { loadBert } from '../../src/model/checkpoint.js';
import { type BertConfig, parseBertConfig } from '../../src/model/config.js';
import { bertLoss, problemTypeOf } from '../../src/model/losses.js';
import { initializeParameters } from '../../src/runtime/init.js';
import type { ParameterStore } from '../../src/runtime/parameters.js';
import { buildTrainProgram } from '../../src/runtime/train-program.js';
import { type HostTensor, Session } from '../../src/runtime/session.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, expectedOutputs, fixtureBatch, fixtureInputs, fixturePath } from './fixture.js';

// Losses are checked against float64 formulas (PyTorch's definitions) applied to the logits the same graph outputs,
// or, for the fixture checkpoints, to PyTorch's own logits.

const [BATCH, SEQ] = [3, 6];
const tiny = (fields: Record<string, unknown> = {}): BertConfig =>
  parseBertConfig({ vocab_size: 40, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16, max_position_embeddings: 16, ...fields });

function dataFeeds(batchSize = BATCH, seq = SEQ): Record<string, HostTensor> {
  const ids = BigInt64Array.from({ length: batchSize * seq }, (_, i) => BigInt((i * 7 + 3) % 40));
  const mask = BigInt64Array.from({ length: batchSize * seq }, (_, i) => (i % seq < seq - (i / seq | 0) ? 1n : 0n));
  return { input_ids: { data: ids, dims: [batchSize, seq] }, token_type_ids: { data: new BigInt64Array(batchSize * seq), dims: [batchSize, seq] }, attention_mask: { data: mask, dims: [batchSize, seq] } };
}

async function run(config: BertConfig, heads: BertHeads, labels: Record<string, HostTensor>, parameters?: ParameterStore, data = dataFeeds()) {
  const graph = new Graph();
  const forward = bertForward(graph, config, { heads });
  const { loss, labels: declared } = bertLoss(forward, config);
  assert.deepEqual(Object.keys(declared).sort(), Object.keys(labels).sort());
  const logitNames: Record<string, string> = {};
  for (const [key, tensor] of Object.entries(forward.heads)) if (tensor) graph.output((logitNames[key] = key), tensor);
  graph.output('loss', loss);
  const store = parameters ?? initializeParameters(graph.parameters.map((p) => ({ name: p.name, shape: p.shape as number[] })), { seed: 7, initializerRange: 0.5 });
  const feeds: Record<string, HostTensor> = { ...data, ...labels };
  for (const p of graph.parameters) feeds[p.name] = { data: store.get(p.name), dims: p.shape as number[] };
  const session = await Session.create(graph, { threads: 1 });
  const out = await session.run(feeds);
  await session.dispose();
  return { loss: (out.loss!.data as Float32Array)[0]!, out };
}

/** Mean over rows with label ≠ ignore of −log softmax(row)[label]; rows of `classes` logits. */
function referenceCrossEntropy(logits: ArrayLike<number>, labels: readonly number[], classes: number, ignore = -100): number {
  let total = 0, count = 0;
  labels.forEach((label, row) => {
    if (label === ignore) return;
    const values = Array.from({ length: classes }, (_, c) => logits[row * classes + c]!);
    const max = Math.max(...values);
    const logSum = Math.log(values.reduce((sum, v) => sum + Math.exp(v - max), 0)) + max;
    total += logSum - values[label]!;
    count++;
  });
  return count === 0 ? 0 : total / count;
}

const close = (got: number, want: number, what: string) => assert.ok(Math.abs(got - want) <= 1e-5 * Math.max(1, Math.abs(want)), `${what}: ${got} vs ${want}`);
const ints = (values: number[], dims: number[]): HostTensor => ({ data: BigInt64Array.from(values, BigInt), dims });
const floats = (values: number[], dims: number[]): HostTensor => ({ data: Float32Array.from(values), dims });

test('problem types follow HF: one label → regression, else single-label unless the config names multi-label', () => {
  assert.equal(problemTypeOf(tiny({ id2label: { 0: 'score' } })), 'regression');
  assert.equal(problemTypeOf(tiny({ id2label: { 0: 'a', 1: 'b', 2: 'c' } })), 'single_label_classification');
  assert.equal(problemTypeOf(tiny({ problem_type: 'multi_label_classification' })), 'multi_label_classification');
  assert.equal(problemTypeOf(tiny(), 'regression'), 'regression');
});

test('sequence classification: regression MSE, single-label CE and multi-label BCE with logits', async () => {
  const seqHeads = headsOf('BertForSequenceClassification');
  const regression = await run(tiny({ id2label: { 0: 'score' } }), seqHeads, { labels: floats([0.5, -1, 2], [BATCH]) });
  const predicted = regression.out.logits!.data as Float32Array;
  assert.deepEqual(regression.out.logits!.dims, [BATCH, 1]);
  close(regression.loss, [0.5, -1, 2].reduce((sum, y, i) => sum + (predicted[i]! - y) ** 2, 0) / BATCH, 'regression MSE');

  const single = await run(tiny({ id2label: { 0: 'a', 1: 'b', 2: 'c' } }), seqHeads, { labels: ints([2, 0, 1], [BATCH]) });
  close(single.loss, referenceCrossEntropy(single.out.logits!.data as Float32Array, [2, 0, 1], 3), 'single-label CE');

  const targets = [1, 0, 1, 0, 0, 1, 1, 1, 0];
  const multi = await run(tiny({ id2label: { 0: 'a', 1: 'b', 2: 'c' }, problem_type: 'multi_label_classification' }), seqHeads, { labels: floats(targets, [BATCH, 3]) });
  const x = multi.out.logits!.data as Float32Array;
  const bce = targets.reduce((sum, t, i) => sum - (t * Math.log(1 / (1 + Math.exp(-x[i]!))) + (1 - t) * Math.log(1 - 1 / (1 + Math.exp(-x[i]!)))), 0) / targets.length;
  close(multi.loss, bce, 'multi-label BCE');
});

test('question answering: mean of start and end CE; positions past the sequence are ignored, negative ones clamp to 0', async () => {
  const starts = [1, 9, -3], ends = [4, 2, 6];
  const { loss, out } = await run(tiny(), headsOf('BertForQuestionAnswering'), { start_positions: ints(starts, [BATCH]), end_positions: ints(ends, [BATCH]) });
  assert.deepEqual(out.startLogits!.dims, [BATCH, SEQ]);
  // HF: clamp(0, seq), then CrossEntropyLoss(ignore_index=seq)
  const hf = (positions: number[]) => positions.map((p) => Math.min(Math.max(p, 0), SEQ)).map((p) => (p === SEQ ? -100 : p));
  const want = (referenceCrossEntropy(out.startLogits!.data as Float32Array, hf(starts), SEQ) + referenceCrossEntropy(out.endLogits!.data as Float32Array, hf(ends), SEQ)) / 2;
  close(loss, want, 'QA loss');
});

test('masked LM alone and next-sentence alone use HF\'s `labels`', async () => {
  const mlmLabels = Array.from({ length: BATCH * SEQ }, (_, i) => (i % 4 === 1 ? (i * 5) % 40 : -100));
  const mlm = await run(tiny(), headsOf('BertForMaskedLM'), { labels: ints(mlmLabels, [BATCH, SEQ]) });
  assert.deepEqual(mlm.out.mlmLogits!.dims, [BATCH, SEQ, 40]);
  close(mlm.loss, referenceCrossEntropy(mlm.out.mlmLogits!.data as Float32Array, mlmLabels, 40), 'MLM CE');
  const nsp = await run(tiny(), headsOf('BertForNextSentencePrediction'), { labels: ints([1, 0, 1], [BATCH]) });
  close(nsp.loss, referenceCrossEntropy(nsp.out.nspLogits!.data as Float32Array, [1, 0, 1], 2), 'NSP CE');
  await assert.rejects(run(tiny(), headsOf('BertModel'), {}), /BertModel has no loss/);
});

test('the fixture\'s classification losses equal cross-entropy of PyTorch\'s logits', { skip: skipWithoutShared(FIXTURE, 'token-classification', 'model.safetensors') }, async () => {
  const inputs = fixtureInputs();
  const batch = fixtureBatch(inputs);
  const dims = [batch.batchSize, batch.seqLength];
  const data = { input_ids: { data: batch.inputIds, dims }, token_type_ids: { data: batch.tokenTypeIds!, dims }, attention_mask: { data: batch.attentionMask!, dims } };
  const expected = expectedOutputs();
  const sequence = await loadBert(fixturePath('sequence-classification'), { warn: () => {} });
  const seqLoss = await run(sequence.config, sequence.heads, { labels: ints(inputs.seq_labels, [4]) }, sequence.parameters, data);
  close(seqLoss.loss, referenceCrossEntropy(expected.get('sequence_classification_logits')!.data as Float32Array, inputs.seq_labels, 3), 'sequence CE');
  const token = await loadBert(fixturePath('token-classification'), { warn: () => {} });
  const tokenLoss = await run(token.config, token.heads, { labels: ints(inputs.token_labels.flat(), dims) }, token.parameters, data);
  close(tokenLoss.loss, referenceCrossEntropy(expected.get('token_classification_logits')!.data as Float32Array, inputs.token_labels.flat(), 9), 'token CE');
});

test('every head loss differentiates: gradients agree with central finite differences of the same loss', async () => {
  const cases: [string, BertConfig, BertHeads, Record<string, HostTensor>, string][] = [
    ['question answering', tiny(), headsOf('BertForQuestionAnswering'), { start_positions: ints([1, 9, -3], [BATCH]), end_positions: ints([4, 2, 6], [BATCH]) }, 'qa_outputs.weight'],
    ['regression', tiny({ id2label: { 0: 'score' } }), headsOf('BertForSequenceClassification'), { labels: floats([0.5, -1, 2], [BATCH]) }, 'classifier.weight'],
    ['multi-label', tiny({ id2label: { 0: 'a', 1: 'b' }, problem_type: 'multi_label_classification' }), headsOf('BertForSequenceClassification'), { labels: floats([1, 0, 0, 1, 1, 1], [BATCH, 2]) }, 'bert.encoder.layer.0.output.dense.weight'],
    ['token classification', tiny({ id2label: { 0: 'O', 1: 'B', 2: 'I' } }), headsOf('BertForTokenClassification'), { labels: ints(Array.from({ length: BATCH * SEQ }, (_, i) => (i % 5 === 0 ? -100 : i % 3)), [BATCH, SEQ]) }, 'bert.embeddings.word_embeddings.weight'],
  ];
  for (const [what, config, heads, labels, parameter] of cases) {
    const graph = new Graph();
    const program = buildTrainProgram(bertLoss(bertForward(graph, config, { heads }), config).loss);
    const store = initializeParameters(program.parameters, { seed: 11, initializerRange: 0.5 });
    const session = await Session.create(program.model, { threads: 1 });
    const evaluate = async () => {
      const feeds: Record<string, HostTensor> = { ...dataFeeds(), ...labels };
      for (const p of program.parameters) feeds[p.name] = { data: store.get(p.name), dims: [...p.shape] };
      return session.run(feeds, [program.loss, program.gradients[parameter]!]);
    };
    const gradient = (await evaluate())[program.gradients[parameter]!]!.data as Float32Array;
    const values = store.get(parameter);
    const scale = gradient.reduce((max, g) => Math.max(max, Math.abs(g)), 0);
    assert.ok(scale > 0, `${what}: the gradient of ${parameter} is all zero`);
    for (const index of [0, 3, values.length - 1]) {
      const original = values[index]!;
      const step = 1e-2;
      values[index] = original + step;
      const up = ((await evaluate())[program.loss]!.data as Float32Array)[0]!;
      values[index] = original - step;
      const down = ((await evaluate())[program.loss]!.data as Float32Array)[0]!;
      values[index] = original;
      const numeric = (up - down) / (2 * step);
      assert.ok(Math.abs(numeric - gradient[index]!) <= 2e-3 * scale + 1e-5, `${what}: d loss / d ${parameter}[${index}] = ${gradient[index]} vs finite difference ${numeric}`);
    }
    await session.dispose();
  }
});
