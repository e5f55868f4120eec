// Long NER and SRL sentences as overlapping windows. References: the tokenizer's own overflow windows
// (checked against Hugging Face tokenizers in test/tokenizer) for the windows, words tokenized one by
// one for the labels, and Google's run_squad `_check_is_max_context` (re-derived here from its
// definition) for the window each token is read from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCharTaggedTsv, readConllSentences, encodeNerExamples, type NerExample, type TaggedSentence } from '../../../src/data/tasks/ner.js';
import { encodeSrlInstances, NO_ROLE, type SrlExample } from '../../../src/data/tasks/srl.js';
import { taskSpec } from '../../../src/data/tasks/registry.js';
import type { TaskData } from '../../../src/data/tasks/task.js';
import { mergeWindowOutputs, windowEncoding } from '../../../src/data/tasks/windows.js';
import { BertTokenizer, Vocab } from '../../../src/tokenizer/index.js';
import { sharedPath, skipWithoutShared } from '../../helpers/shared.js';

const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'man', 'saw', 'paris', 'and', 'play', '##ing', '##ed', 'john', 'smith', 'un', '##believ', '##able', 'rome'];
const tiny = () => BertTokenizer.fromVocab(Vocab.fromTokens(VOCAB));
const WORD_POOL: [string, string][] = [['the', 'O'], ['man', 'O'], ['saw', 'O'], ['Paris', 'B-LOC'], ['and', 'O'], ['playing', 'O'], ['played', 'O'], ['unbelievable', 'O'], ['Rome', 'B-LOC']];

/** A 60-word sentence of one- to three-piece words with LOC and two-word PER entities. */
function longSentence(): TaggedSentence {
  const words: string[] = [];
  const tags: string[] = [];
  for (let i = 0; words.length < 60; i++) {
    if (i % 7 === 3) {
      words.push('John', 'Smith');
      tags.push('B-PER', 'I-PER');
    } else {
      const [word, tag] = WORD_POOL[(i * 5) % WORD_POOL.length]!;
      words.push(word);
      tags.push(tag);
    }
  }
  return { words: words.slice(0, 60), tags: tags.slice(0, 60), source: 'long:1' };
}

/** The overflow windows the tokenizer itself makes (HF's return_overflowing_tokens, truncation on the right). */
function overflowWindows(tokenizer: BertTokenizer, text: string, pair: string | null, maxLength: number, stride: number): number[][] {
  const first = tokenizer.encode(text, pair, { truncation: 'only_first', maxLength, stride, returnOverflowing: true, truncationSide: 'right' });
  return [first, ...first.overflowing].map((encoding) => encoding.ids);
}

/**
 * Google's run_squad `_check_is_max_context`: of the windows (spans of the first sequence) holding a
 * token, the one with the highest min(left context, right context) + 0.01 × span length; first on a tie.
 */
function googleMaxContext(spans: readonly { start: number; length: number }[], position: number): number {
  let best = -1, bestScore = -Infinity;
  spans.forEach(({ start, length }, index) => {
    const end = start + length - 1;
    if (position < start || position > end) return;
    const score = Math.min(position - start, end - position) + 0.01 * length;
    if (score > bestScore) (bestScore = score, best = index);
  });
  return best;
}

/** Window spans by the overflow rule: every (room − stride) pieces, the last reaching the end. */
function windowSpansOverflow(data: TaskData, pieces: number, maxLength: number, stride: number): { start: number; length: number }[] {
  const room = maxLength - 2;
  return data.features.map((_, k) => {
    const start = k * (room - stride);
    return { start, length: Math.min(room, pieces - start) };
  });
}

test('a 60-word sentence at max length 16: the tokenizer\'s overflow windows, every word labelled on its first piece, one prediction per word', () => {
  const tokenizer = tiny();
  const sentence = longSentence();
  const data = encodeNerExamples([sentence], tokenizer, { maxSeqLength: 16 });
  const stride = 4; // max length / 4
  assert.deepEqual(data.features.map((f) => Array.from(f.inputIds)), overflowWindows(tokenizer, sentence.words.join(' '), null, 16, stride));
  assert.ok(data.features.length >= 6, `${data.features.length} windows`);
  // Each window: [CLS] pieces [SEP]; each piece labelled as in the word-by-word pattern (first piece: the word's label).
  const labelOf = (tag: string) => data.labels.indexOf(tag);
  const wordPieces = sentence.words.map((word, w) => tokenizer.tokenize(word).map((_, p) => (p === 0 ? labelOf(sentence.tags[w]!) : -100)));
  const allPieces = wordPieces.flat();
  assert.equal(allPieces.length, 60 + sentence.words.filter((w) => w === 'playing' || w === 'played').length + 2 * sentence.words.filter((w) => w === 'unbelievable').length);
  const spans = windowSpansOverflow(data, allPieces.length, 16, stride);
  data.features.forEach((feature, k) => {
    const { start, length } = spans[k]!;
    assert.equal(feature.inputIds.length, length + 2);
    assert.deepEqual(Array.from(feature.tokenLabels!), [-100, ...allPieces.slice(start, start + length), -100], `window ${k}`);
  });
  // One prediction per word, each read from the window Google's rule picks for its first piece.
  const example = data.examples[0] as NerExample;
  let piece = 0;
  const expectedWindow = sentence.words.map((_, w) => {
    const first = piece;
    piece += wordPieces[w]!.length;
    return googleMaxContext(spans, first);
  });
  assert.deepEqual(Array.from(example.readout.index), expectedWindow);
  assert.deepEqual(Array.from(example.readout.token), sentence.words.map((_, w) => example.firstTokenOfWord[w]! - spans[expectedWindow[w]!]!.start), 'token = 1 ([CLS]) + piece − window start');
  assert.equal(new Set(expectedWindow).size, data.features.length, 'every window is some word\'s max-context window');
  const predicted = taskSpec('ner').evaluate(data, { logits: data.features.map((f) => new Float32Array(f.inputIds.length * data.labels.length)) });
  assert.equal(predicted.accuracy, sentence.tags.filter((t) => t === 'O').length / 60, 'all 60 words scored (all-zero logits predict label 0, O)');
});

test('oracle logits right only in each token\'s max-context window give entity F1 = 1 on a windowed sentence; right only elsewhere, less', () => {
  const tokenizer = tiny();
  const sentence = longSentence();
  const spec = taskSpec('ner');
  const data = encodeNerExamples([sentence], tokenizer, { maxSeqLength: 16, stride: 5 });
  const labels = data.labels.length;
  const pieces = tokenizer.encode(sentence.words.join(' '), null, { truncation: false }).ids.length - 2;
  const spans = windowSpansOverflow(data, pieces, 16, 5);
  const oracle = (inMaxContext: boolean) => data.features.map((feature, k) => {
    const logits = new Float32Array(feature.inputIds.length * labels);
    for (let t = 1; t < feature.inputIds.length - 1; t++) {
      const gold = feature.tokenLabels![t]!;
      const position = spans[k]!.start + t - 1;
      const isMax = googleMaxContext(spans, position) === k;
      // Right where told to be, else a wrong label (an entity type where O is gold, O where an entity is).
      const right = isMax === inMaxContext;
      const label = gold < 0 ? 0 : right ? gold : gold === data.labels.indexOf('O') ? data.labels.indexOf('B-LOC') : data.labels.indexOf('O');
      logits[t * labels + label] = 3;
    }
    return logits;
  });
  const good = spec.evaluate(data, { logits: oracle(true) });
  assert.equal(good.f1, 1);
  assert.equal(good.accuracy, 1);
  const bad = spec.evaluate(data, { logits: oracle(false) });
  assert.ok(bad.accuracy < 0.8, `accuracy ${bad.accuracy}`);
  // Scoring covers the whole sentence: all gold entities are counted (as recall), not only those of the first window.
  const firstWindowOnly = data.features.map((feature, k) => {
    const logits = new Float32Array(feature.inputIds.length * labels);
    for (let t = 0; t < feature.inputIds.length; t++) logits[t * labels + (k === 0 ? Math.max(0, feature.tokenLabels![t]!) : data.labels.indexOf('O'))] = 1;
    return logits;
  });
  const truncatedLike = spec.evaluate(data, { logits: firstWindowOnly });
  assert.ok(truncatedLike.recall < 0.3, `recall ${truncatedLike.recall}`);
  assert.equal(truncatedLike.precision, 1);
});

test('SRL: a long sentence\'s windows each repeat [SEP] predicate [SEP], as the tokenizer\'s only_first overflow; every role predicted', () => {
  const tokenizer = tiny();
  const sentence = longSentence();
  const predicateIndex = sentence.words.indexOf('saw');
  const roles = sentence.words.map((word, w) => (w === predicateIndex ? 'V' : word === 'John' ? 'ARG0' : word === 'Rome' ? 'ARG1' : NO_ROLE));
  const data = encodeSrlInstances([{ sentenceId: 's', words: sentence.words, predicateIndex, sense: 'see.01', roles, source: 'long:1' }], tokenizer, { maxSeqLength: 16 });
  assert.deepEqual(data.features.map((f) => Array.from(f.inputIds)), overflowWindows(tokenizer, sentence.words.join(' '), 'saw', 16, 4));
  for (const feature of data.features) assert.deepEqual(Array.from(feature.tokenTypeIds.subarray(-2)), [1, 1]);
  const labels = data.labels.length;
  const perfect = data.features.map((feature) => {
    const logits = new Float32Array(feature.inputIds.length * labels);
    feature.tokenLabels!.forEach((label, t) => (logits[t * labels + Math.max(0, label)] = 1));
    return logits;
  });
  assert.deepEqual(taskSpec('srl').evaluate(data, { logits: perfect }), { precision: 1, recall: 1, f1: 1 });
  assert.equal((data.examples[0] as SrlExample).readout.index.length, 60);
  assert.throws(() => encodeSrlInstances([{ sentenceId: 's', words: sentence.words, predicateIndex, sense: '', roles, source: 'long:1' }], tokenizer, { maxSeqLength: 8, stride: 4 }),
    /long:1: max sequence length 8 leaves 4 tokens per window .* not more than the stride 4/);
});

test('mergeWindowOutputs reads each token from its max-context window (Google\'s rule) and fills every first-sequence row', () => {
  const tokenizer = tiny();
  const text = longSentence().words.join(' ');
  const encoding = tokenizer.encode(text, null, { truncation: false });
  const windows = windowEncoding(encoding, 12, 3, 'text');
  const pieces = encoding.ids.length - 2;
  const spans = windows.map((w) => ({ start: w.start - 1, length: w.end - w.start }));
  // Window k's output at its token t is (k, t); the merged row of position p must be (max-context window, its index there).
  const merged = mergeWindowOutputs(windows, windows.map((w, k) => Float32Array.from({ length: w.inputIds.length * 2 }, (_, i) => (i % 2 === 0 ? k : i >> 1))), 2, encoding.ids.length);
  for (let p = 0; p < pieces; p++) {
    const k = googleMaxContext(spans, p);
    assert.deepEqual([merged[(p + 1) * 2], merged[(p + 1) * 2 + 1]], [k, p - spans[k]!.start + 1], `piece ${p}`);
  }
  assert.deepEqual(Array.from(merged.subarray(0, 2)), [0, 0], '[CLS] row stays 0');
});

test('CoNLL-2003 valid and People\'s Daily at 128 tokens: the tokenizer\'s overflow windows; with perfect logits every entity is found', { skip: skipWithoutShared('data/conll2003/valid.txt') || skipWithoutShared('data/people_daily_ner/dev.tsv') || skipWithoutShared('data/vocab/bert-base-uncased') || skipWithoutShared('data/vocab/bert-base-chinese') }, async () => {
  const cases: [string, BertTokenizer, TaggedSentence[]][] = [
    ['conll valid', BertTokenizer.fromPretrained(sharedPath('data/vocab/bert-base-uncased')), await readConllSentences(sharedPath('data/conll2003/valid.txt'))],
    ['people\'s daily dev', BertTokenizer.fromPretrained(sharedPath('data/vocab/bert-base-chinese')), await readCharTaggedTsv(sharedPath('data/people_daily_ner/dev.tsv'))],
  ];
  for (const [name, tokenizer, sentences] of cases) {
    const long = sentences.filter((s) => tokenizer.encode(s.words.join(' ')).ids.length > 128);
    assert.ok(long.length > 0, `${name} has sentences over 128 tokens`);
    const data = encodeNerExamples(sentences, tokenizer);
    const windowed = encodeNerExamples(long, tokenizer, { labels: data.labels });
    assert.deepEqual(windowed.features.map((f) => Array.from(f.inputIds)), long.flatMap((s) => overflowWindows(tokenizer, s.words.join(' '), null, 128, 32)), name);
    assert.equal(data.examples.length, sentences.length);
    assert.equal(data.features.length, sentences.length + windowed.features.length - long.length, name);
    const labels = data.labels.length;
    const perfect = data.features.map((feature) => {
      const logits = new Float32Array(feature.inputIds.length * labels);
      feature.tokenLabels!.forEach((label, t) => (logits[t * labels + Math.max(0, label)] = 1));
      return logits;
    });
    const metrics = taskSpec('ner').evaluate(data, { logits: perfect });
    assert.equal(metrics.f1, 1, name);
    assert.equal(metrics.accuracy, 1, name);
  }
});
