import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TaskData } from '../../src/data/tasks/task.js';
import { Graph } from '../../src/graph/graph.js';
import { crossEntropy } from '../../src/graph/ops.js';
import { Rng } from '../../src/runtime/rng.js';
import { Session } from '../../src/runtime/session.js';
import { balancedClassWeights, parseClassWeights } from '../../src/train/finetune-loss.js';
import { prepareFinetuneModel } from '../../src/train/finetune-model.js';
import { layerwiseLearningRateScales } from '../../src/train/stability/layerwise-lr.js';
import { reinitializeTopLayers } from '../../src/train/stability/reinit.js';
import { failureOf, seedsReport } from '../../src/train/stability/seeds-report.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, fixturePath } from '../model/fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-finetune-stability-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('reinit changes exactly the top-k layers and the pooler, drawn as HF initialises them', { skip: skipWithoutShared(FIXTURE, 'model.safetensors') }, async () => {
  const model = await prepareFinetuneModel(fixturePath(), { kind: 'classification', labels: ['a', 'b'] }, 0);
  const before = model.parameters.clone();
  const names = reinitializeTopLayers(model.parameters, { numLayers: 2, k: 1, seed: 7, initializerRange: 0.02 });
  const changed = model.parameters.names.filter((name) => model.parameters.get(name).some((value, i) => value !== before.get(name)[i]));
  const expected = model.parameters.names.filter((name) => name.startsWith('bert.encoder.layer.1.') || name.startsWith('bert.pooler.'));
  assert.equal(expected.length, 18, 'the 16 tensors of layer 1 and the 2 of the pooler');
  // The fixture's trained biases are not 0 nor its LayerNorm weights 1, so every re-initialised tensor changes.
  assert.deepEqual(changed.sort(), expected.sort());
  assert.deepEqual([...names].sort(), expected.sort());
  for (const name of names) {
    const values = model.parameters.get(name);
    if (/LayerNorm\.weight$/.test(name)) assert.ok(values.every((v) => v === 1), name);
    else if (/bias$/.test(name)) assert.ok(values.every((v) => v === 0), name);
    else {
      const mean = values.reduce((s, v) => s + v, 0) / values.length;
      const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
      assert.ok(Math.abs(std - 0.02) < 0.004 && Math.abs(mean) < 0.004, `${name}: mean ${mean}, std ${std}`);
    }
  }
  assert.deepEqual(reinitializeTopLayers(model.parameters, { numLayers: 2, k: 0, seed: 7, initializerRange: 0.02 }), []);
  assert.throws(() => reinitializeTopLayers(model.parameters, { numLayers: 2, k: 3, seed: 7, initializerRange: 0.02 }), /--reinit-layers must be an integer in \[0, 2\]/);
});

test('layer-wise lr decay: layer l of L trains at lr·d^(L−l), embeddings lowest, pooler and head at the full rate', () => {
  const names = [
    'bert.embeddings.word_embeddings.weight', 'bert.embeddings.LayerNorm.bias',
    'bert.encoder.layer.0.attention.self.query.weight', 'bert.encoder.layer.1.output.dense.bias', 'bert.encoder.layer.2.output.LayerNorm.weight',
    'bert.pooler.dense.weight', 'classifier.weight', 'qa_outputs.bias',
  ];
  const scales = layerwiseLearningRateScales(names, 3, 0.9);
  const expected = [0.9 ** 3, 0.9 ** 3, 0.9 ** 2, 0.9, 1, 1, 1, 1];
  names.forEach((name, i) => assert.ok(Math.abs(scales[name]! - expected[i]!) < 1e-12, `${name}: ${scales[name]} vs ${expected[i]}`));
  // Unprefixed BertModel names get the same depths.
  assert.equal(layerwiseLearningRateScales(['encoder.layer.0.output.dense.weight', 'embeddings.word_embeddings.weight'], 2, 0.5)['embeddings.word_embeddings.weight'], 0.25);
  assert.throws(() => layerwiseLearningRateScales(names, 3, 1.5), /--layer-lr-decay must be in \(0, 1\]/);
});

async function runLoss(logits: Float32Array, dims: number[], labels: BigInt64Array, weights: readonly number[] | undefined): Promise<number> {
  const graph = new Graph();
  const logitsInput = graph.input('logits', 'float32', dims);
  const labelsInput = graph.input('labels', 'int64', dims.slice(0, -1));
  graph.output('loss', crossEntropy(logitsInput, labelsInput, weights === undefined ? {} : { classWeights: weights }));
  const session = await Session.create(graph, { threads: 1 });
  try {
    const out = await session.run({ logits: { data: logits, dims }, labels: { data: labels, dims: dims.slice(0, -1) } });
    return (out.loss!.data as Float32Array)[0]!;
  } finally {
    await session.dispose();
  }
}

test('weighted cross-entropy equals torch CrossEntropyLoss(weight=w): Σ w[y]·nll / Σ w[y] over labels ≠ −100', async () => {
  const rng = new Rng(3);
  const rows = 6, classes = 3;
  const logits = Float32Array.from({ length: rows * classes }, () => rng.normal() * 2);
  const labels = BigInt64Array.from([0n, 2n, 1n, -100n, 2n, 2n]);
  const weights = [0.5, 2, 1.5];
  let numerator = 0, denominator = 0;
  labels.forEach((label, row) => {
    if (label < 0n) return;
    const values = Array.from(logits.subarray(row * classes, (row + 1) * classes));
    const max = Math.max(...values);
    const nll = Math.log(values.reduce((s, v) => s + Math.exp(v - max), 0)) + max - values[Number(label)]!;
    numerator += weights[Number(label)]! * nll;
    denominator += weights[Number(label)]!;
  });
  const got = await runLoss(logits, [rows, classes], labels, weights);
  assert.ok(Math.abs(got - numerator / denominator) < 1e-5, `${got} vs ${numerator / denominator}`);
  // Equal weights give the plain cross-entropy, for token-shaped [batch, seq] labels too.
  const plain = await runLoss(logits, [2, 3, classes], labels, undefined);
  const uniform = await runLoss(logits, [2, 3, classes], labels, [1, 1, 1]);
  assert.ok(Math.abs(plain - uniform) < 1e-6, `${plain} vs ${uniform}`);
});

function labelledData(labels: number[], names: string[]): TaskData {
  return {
    kind: 'classification', labels: names, examples: labels.map(() => ({})),
    features: labels.map((label, i) => ({ inputIds: Int32Array.of(101, 102), tokenTypeIds: Int32Array.of(0, 0), label, exampleIndex: i })),
  };
}

test('class weights: balanced as scikit-learn (n / (classes · count)), explicit lists and label=weight pairs, with clear errors', () => {
  const data = labelledData([0, 0, 0, 1], ['neg', 'pos']);
  assert.deepEqual(balancedClassWeights(data), [4 / 6, 2]);
  assert.deepEqual(parseClassWeights('auto', data), [4 / 6, 2]);
  assert.deepEqual(parseClassWeights('1, 3', data), [1, 3]);
  assert.deepEqual(parseClassWeights('pos=2.5', data), [1, 2.5]);
  assert.throws(() => parseClassWeights('1,2,3', data), /3 weights for 2 labels \(neg, pos\)/);
  assert.throws(() => parseClassWeights('other=2', data), /unknown label 'other'/);
  assert.throws(() => parseClassWeights('1,x', data), /'x' is not a non-negative number/);
  assert.throws(() => parseClassWeights('auto', { ...data, kind: 'regression' }), /a regression task has no classes/);
  // Token labels count per token, −100 left out.
  const tokens: TaskData = { kind: 'ner', labels: ['O', 'B-PER'], examples: [{}], features: [{ inputIds: Int32Array.of(1, 2, 3, 4), tokenTypeIds: new Int32Array(4), tokenLabels: Int32Array.of(-100, 0, 1, 0), exampleIndex: 0 }] };
  assert.deepEqual(balancedClassWeights(tokens), [3 / 4, 3 / 2]);
});

test('seeds report: sample std, failures (single class, at chance, non-finite), best by the metric\'s direction', () => {
  const runs = [
    { seed: 1, dir: 'a', metrics: { accuracy: 0.9, loss: 0.3 }, chance: 0.5, predictedClasses: 2, bestStep: 10, stoppedEarly: false },
    { seed: 2, dir: 'b', metrics: { accuracy: 0.8, loss: 0.4 }, chance: 0.5, predictedClasses: 2, bestStep: 20, stoppedEarly: true },
    { seed: 3, dir: 'c', metrics: { accuracy: 0.5, loss: 0.69 }, chance: 0.5, predictedClasses: 1, bestStep: 5, stoppedEarly: true },
  ];
  const report = seedsReport(runs, 'accuracy');
  assert.deepEqual(report.failedSeeds, [3]);
  assert.equal(report.bestSeed, 1);
  const mean = (0.9 + 0.8 + 0.5) / 3;
  const std = Math.sqrt(((0.9 - mean) ** 2 + (0.8 - mean) ** 2 + (0.5 - mean) ** 2) / 2);
  assert.ok(Math.abs(report.metrics.accuracy!.mean - mean) < 1e-12 && Math.abs(report.metrics.accuracy!.std - std) < 1e-12);
  assert.deepEqual([report.metrics.accuracy!.min, report.metrics.accuracy!.max], [0.5, 0.9]);
  assert.ok(Math.abs(report.metricsWithoutFailed!.accuracy!.mean - 0.85) < 1e-12);
  assert.equal(seedsReport(runs, 'loss').bestSeed, 1, 'the lowest loss wins');
  assert.match(failureOf(runs[2]!, 'accuracy')!, /single class/);
  assert.match(failureOf({ ...runs[2]!, predictedClasses: 2 }, 'accuracy')!, /no better than chance \(0\.5000\)/);
  assert.match(failureOf({ ...runs[0]!, metrics: { accuracy: NaN } }, 'accuracy')!, /accuracy is NaN/);
  assert.equal(failureOf(runs[0]!, 'accuracy'), undefined);
});
