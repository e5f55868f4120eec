// Label alignment for NER and SRL (first piece labelled, others -100) checked against word-by-word
// tokenization, and the evaluation path from per-token logits to entity / argument F1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BertTokenizer, Vocab } from '../../../src/tokenizer/index.js';
import { readConllSentences, type NerExample } from '../../../src/data/tasks/ner.js';
import { srlScores, type SrlExample } from '../../../src/data/tasks/srl.js';
import { taskSpec } from '../../../src/data/tasks/registry.js';
import type { TaskData, TaskFeatures } from '../../../src/data/tasks/task.js';
import { sharedPath, skipWithoutShared } from '../../helpers/shared.js';

const CASED = 'data/vocab/bert-base-cased';
const cased = () => BertTokenizer.fromPretrained(sharedPath(CASED), { doLowerCase: false });

/** The label pattern expected from tokenizing each word on its own: [CLS], then per word its label and -100 for further pieces, then [SEP]. */
function expectedPattern(tokenizer: BertTokenizer, words: readonly string[], labelIds: readonly number[]): number[] {
  const pattern = [-100];
  words.forEach((word, w) => {
    const pieces = tokenizer.tokenize(word).length;
    if (pieces > 0) pattern.push(labelIds[w]!, ...new Array<number>(pieces - 1).fill(-100));
  });
  return pattern;
}

/** Logits that put `value` on the gold label of every labelled token. */
function logitsFromLabels(features: readonly TaskFeatures[], numLabels: number, pick: (feature: TaskFeatures, token: number) => number): Float32Array[] {
  return features.map((feature) => {
    const logits = new Float32Array(feature.inputIds.length * numLabels);
    for (let t = 0; t < feature.inputIds.length; t++) logits[t * numLabels + pick(feature, t)] = 5;
    return logits;
  });
}

test('CoNLL-2003: the first piece of every word carries its label, other pieces -100 (first 2,000 sentences)', { skip: skipWithoutShared('data/conll2003/train.txt') || skipWithoutShared(CASED) }, async () => {
  const tokenizer = cased();
  const data = await taskSpec('ner').load(sharedPath('data/conll2003/train.txt'), tokenizer, { maxSeqLength: 512, limit: 2000 });
  let multiPieceWords = 0;
  data.features.forEach((feature, i) => {
    const example = data.examples[i] as NerExample;
    const ids = example.trainingTags.map((tag) => data.labels.indexOf(tag));
    const pattern = [...expectedPattern(tokenizer, example.words, ids), -100];
    assert.deepEqual(Array.from(feature.tokenLabels!), pattern, example.source);
    multiPieceWords += example.words.filter((w) => tokenizer.tokenize(w).length > 1).length;
  });
  assert.ok(multiPieceWords > 1000, 'the sample exercises words of several pieces');
  // "1996-08-22" is several pre-tokenizer words but one CoNLL word: one label.
  const dated = data.examples.findIndex((e) => (e as NerExample).words.includes('1996-08-22'));
  const feature = data.features[dated]!;
  const dateWord = (data.examples[dated] as NerExample).words.indexOf('1996-08-22');
  const first = (data.examples[dated] as NerExample).firstTokenOfWord[dateWord]!;
  assert.equal(tokenizer.decode([feature.inputIds[first]!]), '1996');
  assert.deepEqual(Array.from(feature.tokenLabels!.subarray(first + 1, first + 5)), [-100, -100, -100, -100]);
});

test('NER evaluation: perfect logits score 1, also on sentences windowed at 8 tokens; all-O scores 0', { skip: skipWithoutShared('data/conll2003/valid.txt') || skipWithoutShared(CASED) }, async () => {
  const tokenizer = cased();
  const spec = taskSpec('ner');
  const data = await spec.load(sharedPath('data/conll2003/valid.txt'), tokenizer, { limit: 400 });
  const perfect = logitsFromLabels(data.features, data.labels.length, (f, t) => Math.max(0, f.tokenLabels![t]!));
  const metrics = spec.evaluate(data, { logits: perfect });
  assert.equal(metrics.f1, 1);
  assert.equal(metrics.accuracy, 1);
  assert.equal(metrics.f1_PER, 1);
  assert.equal(spec.primaryMetric, 'f1');

  // At 8 tokens (6 of text per window) sentences become overlapping windows, yet every word is predicted
  // and scored (when they were cut instead, recall fell below 0.8).
  const short = await spec.load(sharedPath('data/conll2003/valid.txt'), tokenizer, { limit: 400, maxSeqLength: 8 });
  assert.ok(short.features.length > 2 * short.examples.length, `${short.features.length} windows of ${short.examples.length} sentences`);
  assert.ok(short.features.every((f) => f.inputIds.length <= 8));
  const shortMetrics = spec.evaluate(short, { logits: logitsFromLabels(short.features, short.labels.length, (f, t) => Math.max(0, f.tokenLabels![t]!)) });
  assert.equal(shortMetrics.f1, 1);
  assert.equal(shortMetrics.accuracy, 1);

  // All-O predictions: no entity found.
  const none = spec.evaluate(data, { logits: logitsFromLabels(data.features, data.labels.length, () => data.labels.indexOf('O')) });
  assert.equal(none.f1, 0);
  assert.equal(none.recall, 0);
});

test('IOB1 files train as IOB2 and evaluate with IOB1 entity semantics', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-ner-'));
  try {
    const path = join(dir, 'iob1.txt');
    // IOB1: "Peter Blackburn" starts with I-PER; B-PER only separates two adjacent people.
    writeFileSync(path, '-DOCSTART- -X- -X- O\n\nPeter NNP B-NP I-PER\nBlackburn NNP I-NP I-PER\nJohn NNP I-NP B-PER\nsaw VBD B-VP O\nBrussels NNP B-NP I-LOC\n\n');
    const [sentence] = await readConllSentences(path);
    assert.deepEqual(sentence!.tags, ['I-PER', 'I-PER', 'B-PER', 'O', 'I-LOC']);
    const tokenizer = BertTokenizer.fromVocab(Vocab.fromTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'peter', 'blackburn', 'john', 'saw', 'brussels']));
    const spec = taskSpec('ner');
    const data = await spec.load(path, tokenizer);
    const example = data.examples[0] as NerExample;
    assert.equal(example.scheme, 'IOB1');
    assert.deepEqual(example.trainingTags, ['B-PER', 'I-PER', 'B-PER', 'O', 'B-LOC']);
    assert.deepEqual(data.labels, ['O', 'B-LOC', 'B-PER', 'I-PER']);
    assert.deepEqual(Array.from(data.features[0]!.tokenLabels!), [-100, 2, 3, 2, 0, 1, -100]);
    const predict = (tags: string[]) => {
      const logits = new Float32Array(7 * data.labels.length);
      tags.forEach((tag, w) => (logits[(w + 1) * data.labels.length + data.labels.indexOf(tag)] = 1));
      return spec.evaluate(data, { logits: [logits] });
    };
    assert.equal(predict(['B-PER', 'I-PER', 'B-PER', 'O', 'B-LOC']).f1, 1);
    // Merging the two people loses one entity and gets one wrong: 1 of 2 predicted right, 1 of 3 gold found.
    const merged = predict(['B-PER', 'I-PER', 'I-PER', 'O', 'B-LOC']);
    assert.equal(merged.precision, 0.5);
    assert.ok(Math.abs(merged.recall - 1 / 3) < 1e-12);
    // A prediction starting with I- is an entity in the default (conlleval) mode, malformed in strict mode.
    const lenient = predict(['I-PER', 'I-PER', 'B-PER', 'O', 'B-LOC']);
    assert.equal(lenient.f1, 1);
    const strictSpec = taskSpec('ner', { nerMode: 'strict' });
    const logits = new Float32Array(7 * data.labels.length);
    ['I-PER', 'I-PER', 'B-PER', 'O', 'B-LOC'].forEach((tag, w) => (logits[(w + 1) * data.labels.length + data.labels.indexOf(tag)] = 1));
    const strict = strictSpec.evaluate(data, { logits: [logits] });
    assert.equal(strict.precision, 1);
    assert.ok(Math.abs(strict.recall - 2 / 3) < 1e-12);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dev tags and roles the model was never trained with are left out of the loss but scored as misses', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-unseen-'));
  try {
    const tokenizer = BertTokenizer.fromVocab(Vocab.fromTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'peter', 'saw', 'brussels', 'ran']));
    const ner = join(dir, 'dev.txt');
    writeFileSync(ner, 'Peter NNP B-NP B-PER\nsaw VBD B-VP O\nBrussels NNP B-NP B-MISC\n\n');
    const labels = ['O', 'B-LOC', 'B-PER', 'I-PER'];
    const data = await taskSpec('ner').load(ner, tokenizer, { labels });
    assert.deepEqual(Array.from(data.features[0]!.tokenLabels!), [-100, 2, 0, -100, -100]);
    const logits = new Float32Array(5 * labels.length);
    ['B-PER', 'O', 'B-LOC'].forEach((tag, w) => (logits[(w + 1) * labels.length + labels.indexOf(tag)] = 1));
    const scores = taskSpec('ner').evaluate(data, { logits: [logits] });
    assert.equal(scores.precision, 0.5); // B-LOC is wrong
    assert.equal(scores.recall, 0.5); // the MISC entity is missed

    const srl = join(dir, 'dev.conllu');
    writeFileSync(srl, '# sent_id = s1\n1\tPeter\tPeter\tPROPN\tNNP\t_\t2\tnsubj\t_\t_\t_\tR-ARGM-ADV\n2\tran\trun\tVERB\tVBD\t_\t0\troot\t_\t_\trun.01\tV\n\n');
    const roles = await taskSpec('srl').load(srl, tokenizer, { labels: ['O', 'ARG0', 'V'] });
    assert.deepEqual(Array.from(roles.features[0]!.tokenLabels!), [-100, -100, 2, -100, -100, -100]);
    const srlLogits = new Float32Array(6 * 3);
    srlLogits[1 * 3 + 1] = 1; // Peter → ARG0
    srlLogits[2 * 3 + 2] = 1; // ran → V
    const srlScores = taskSpec('srl').evaluate(roles, { logits: [srlLogits] });
    assert.equal(srlScores.precision, 0);
    assert.equal(srlScores.recall, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SRL instances: [CLS] sentence [SEP] predicate [SEP], roles on first pieces; argument F1 excludes V', { skip: skipWithoutShared('data/srl_up_english/en_ewt-up-dev.conllu') || skipWithoutShared(CASED) }, async () => {
  const tokenizer = cased();
  const spec = taskSpec('srl');
  const data: TaskData = await spec.load(sharedPath('data/srl_up_english/en_ewt-up-dev.conllu'), tokenizer, { limit: 300 });
  assert.equal(data.labels[0], 'O');
  assert.ok(data.labels.includes('ARGM-TMP') && data.labels.includes('V'));
  // Sentence 2, predicate "nominated".
  const index = data.examples.findIndex((e) => (e as SrlExample).sense === 'nominate.01');
  const example = data.examples[index] as SrlExample;
  const feature = data.features[index]!;
  const tokens = Array.from(feature.inputIds, (id) => tokenizer.decode([id]));
  assert.deepEqual(tokens.slice(-3), ['[SEP]', 'nominated', '[SEP]']);
  assert.equal(feature.tokenTypeIds[feature.tokenTypeIds.length - 2], 1);
  const roles = example.roles.map((role) => data.labels.indexOf(role));
  const pattern = [...expectedPattern(tokenizer, example.words, roles), -100, -100, -100];
  assert.deepEqual(Array.from(feature.tokenLabels!), pattern);

  const perfect = logitsFromLabels(data.features, data.labels.length, (f, t) => Math.max(0, f.tokenLabels![t]!));
  assert.deepEqual(spec.evaluate(data, { logits: perfect }), { precision: 1, recall: 1, f1: 1 });
  // Predicting only V (and O): no arguments predicted, so recall and F1 are 0 even though every V is right.
  const onlyV = logitsFromLabels(data.features, data.labels.length, (f, t) => (f.tokenLabels![t] === data.labels.indexOf('V') ? data.labels.indexOf('V') : 0));
  assert.deepEqual(spec.evaluate(data, { logits: onlyV }), { precision: 0, recall: 0, f1: 0 });
});

test('SRL scores count labelled (word, role) pairs, V and O excluded', () => {
  // Gold arguments: ARG0@0, ARG1@3 (2). Predicted: ARG0@0 (right), ARG1@1, ARG2@3 (wrong) (3); V agrees but does not count.
  const scores = srlScores([['ARG0', 'O', 'V', 'ARG1']], [['ARG0', 'ARG1', 'V', 'ARG2']]);
  assert.ok(Math.abs(scores.precision - 1 / 3) < 1e-12);
  assert.equal(scores.recall, 0.5);
  assert.ok(Math.abs(scores.f1 - 0.4) < 1e-12);
});
