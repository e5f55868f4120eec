import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readTextExamples } from '../../../src/data/tasks/classification.js';
import { sharedPath, skipWithoutShared } from '../../helpers/shared.js';
import { accuracy, averageRanks, binaryF1, macroF1, matthewsCorrelation, meanSquaredError, multiLabelF1, pearson, spearman } from '../../../src/data/tasks/metrics.js';

// Reference values from scipy 1.17.1:
//   from scipy.stats import pearsonr, spearmanr, rankdata
//   pearsonr(x, y)[0], spearmanr(x, y)[0], rankdata(x)
const x = [5.0, 3.8, 3.8, 2.6, 4.25, 0.5, 1.0, 1.0, 1.0, 3.2];
const y = [4.6, 3.1, 4.0, 2.6, 4.0, 1.2, 0.8, 2.0, 0.8, 3.9];

test('Pearson and Spearman (ties averaged) match scipy', () => {
  assert.ok(Math.abs(pearson(x, y) - 0.9425906186684744) < 1e-12);
  assert.ok(Math.abs(spearman(x, y) - 0.9133520897645666) < 1e-12);
  assert.deepEqual(Array.from(averageRanks(x)), [10, 7.5, 7.5, 5, 9, 1, 3, 3, 3, 6]);
});

test('Pearson of a constant side is NaN, as scipy', () => {
  assert.ok(Number.isNaN(pearson([1, 1, 1], [1, 2, 3])));
});

test('accuracy, macro F1, binary F1 and MCC on hand-computed cases', () => {
  // Binary: TP 2, FP 1, TN 2, FN 1 → MCC (2·2 − 1·1) / sqrt(3·3·3·3) = 1/3, F1 = 2/3.
  const predicted = [1, 1, 0, 0, 1, 0];
  const gold = [1, 0, 0, 0, 1, 1];
  assert.equal(accuracy(predicted, gold), 4 / 6);
  assert.ok(Math.abs(matthewsCorrelation(predicted, gold, 2) - 1 / 3) < 1e-12);
  assert.ok(Math.abs(binaryF1(predicted, gold) - 2 / 3) < 1e-12);
  // Three classes: F1 per class 1, 2/3, 2/3 → macro 7/9.
  assert.ok(Math.abs(macroF1([0, 1, 2, 2], [0, 1, 1, 2], 3) - 7 / 9) < 1e-12);
  // Perfect and inverted binary predictions.
  assert.equal(matthewsCorrelation([0, 1, 0, 1], [0, 1, 0, 1], 2), 1);
  assert.equal(matthewsCorrelation([1, 0, 1, 0], [0, 1, 0, 1], 2), -1);
  assert.equal(matthewsCorrelation([1, 1, 1], [0, 1, 0], 2), 0);
  assert.equal(meanSquaredError([1, 2], [2, 4]), 2.5);
});

test('multi-label micro/macro F1 and subset accuracy', () => {
  const gold = [Float32Array.of(1, 0, 1), Float32Array.of(0, 1, 0)];
  const predicted = [Float32Array.of(1, 0, 0), Float32Array.of(0, 1, 0)];
  const scores = multiLabelF1(predicted, gold);
  // tp 2, predicted 2, gold 3 → micro P 1, R 2/3, F1 0.8; per label F1 1, 1, 0 → macro 2/3.
  assert.ok(Math.abs(scores.microF1 - 0.8) < 1e-12);
  assert.ok(Math.abs(scores.macroF1 - 2 / 3) < 1e-12);
  assert.equal(scores.subsetAccuracy, 0.5);
});

test('mismatched lengths are refused', () => {
  assert.throws(() => accuracy([1], [1, 0]), /1 predictions for 2 gold values/);
});

// Reference on real data with many ties (scipy 1.17.1): STS-B scores against the word-count sum of the two sentences,
//   x = [float(r[9]) for r in rows]; z = [len(r[7].split()) + len(r[8].split()) for r in rows]
//   pearsonr(x, z)[0] = 0.21185551815677028, spearmanr(x, z)[0] = 0.17369146003550257
test('Pearson and Spearman on STS-B match scipy', { skip: skipWithoutShared('data/stsb/train.tsv') }, async () => {
  const examples = await readTextExamples(sharedPath('data/stsb/train.tsv'), 'regression');
  const scores = examples.map((e) => e.label as number);
  const words = (text: string) => text.split(/\s+/).filter((w) => w !== '').length;
  const lengths = examples.map((e) => words(e.text) + words(e.textPair!));
  assert.ok(Math.abs(pearson(scores, lengths) - 0.21185551815677028) < 1e-12);
  assert.ok(Math.abs(spearman(scores, lengths) - 0.17369146003550257) < 1e-12);
});
