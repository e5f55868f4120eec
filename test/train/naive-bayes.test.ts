import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NaiveBayes, bagOfWords } from '../../src/train/naive-bayes.js';

// Three training texts over the words a, b, c (|V| = 3):
//   class 0: "a a b", "a c"  → counts a 3, b 1, c 1 (5 words); prior 2/3
//   class 1: "b b c"         → counts a 0, b 2, c 1 (3 words); prior 1/3
// With α = 1: P(·|0) = (4, 2, 2) / 8, P(·|1) = (1, 3, 2) / 6.
const TRAIN = [
  { text: 'a a b', label: 0 },
  { text: 'A, c.', label: 0 },
  { text: 'b b c', label: 1 },
];

test('naive Bayes log scores match a hand computation with Laplace smoothing, ignoring unseen words', () => {
  const model = NaiveBayes.train(TRAIN, 2);
  const [s0, s1] = model.logScores('a b d');
  assert.ok(Math.abs(s0! - Math.log((2 / 3) * (4 / 8) * (2 / 8))) < 1e-12);
  assert.ok(Math.abs(s1! - Math.log((1 / 3) * (1 / 6) * (3 / 6))) < 1e-12);
  assert.equal(model.predict('a b d'), 0);
  // P(b c | 0) P(0) = 2/8 · 2/8 · 2/3 = 1/24 < P(b c | 1) P(1) = 3/6 · 2/6 · 1/3 = 1/18
  assert.equal(model.predict('b c'), 1);
  assert.equal(model.accuracy([{ text: 'b c', label: 1 }, { text: 'a', label: 1 }]), 0.5);
});

test('naive Bayes with α = 0.5 (Lidstone) and a class absent from training', () => {
  const model = NaiveBayes.train(TRAIN, 3, { alpha: 0.5 });
  const scores = model.logScores('c');
  // P(c|0) = (1 + .5) / (5 + 1.5), P(c|1) = (1 + .5) / (3 + 1.5)
  assert.ok(Math.abs(scores[0]! - Math.log((2 / 3) * (1.5 / 6.5))) < 1e-12);
  assert.ok(Math.abs(scores[1]! - Math.log((1 / 3) * (1.5 / 4.5))) < 1e-12);
  assert.equal(scores[2], -Infinity);
  // 2/3 · 1.5/6.5 ≈ 0.154 > 1/3 · 1.5/4.5 ≈ 0.111: the prior outweighs class 1's higher P(c).
  assert.equal(model.predict('c'), 0);
});

test('naive Bayes refuses bad input with a clear message', () => {
  assert.throws(() => NaiveBayes.train([], 2), /no training examples/);
  assert.throws(() => NaiveBayes.train([{ text: 'x', label: 2 }], 2), /example 0 has label 2, outside \[0, 2\)/);
  assert.throws(() => NaiveBayes.train(TRAIN, 2, { alpha: 0 }), /alpha must be > 0/);
});

test('bagOfWords lower-cases and keeps letters, digits and inner apostrophes', () => {
  assert.deepEqual(bagOfWords("The dog's bark, 2 times! Café-au-lait"), ['the', "dog's", 'bark', '2', 'times', 'café', 'au', 'lait']);
});
