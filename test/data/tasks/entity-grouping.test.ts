import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BertTokenizer } from '../../../src/tokenizer/index.js';
import { groupEntities } from '../../../src/data/tasks/entity-grouping.js';
import { sharedPath, skipWithoutShared } from '../../helpers/shared.js';

const CASED = 'data/vocab/bert-base-cased';
const LABELS = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC', 'E-LOC', 'S-LOC'];

/** Logits giving each token `tags[t]` with margin `margins[t]` over every other label. */
function logitsFor(tags: string[], margins: number[]): Float32Array {
  const logits = new Float32Array(tags.length * LABELS.length);
  tags.forEach((tag, t) => (logits[t * LABELS.length + LABELS.indexOf(tag)] = margins[t]!));
  return logits;
}

test('entities grouped as aggregation_strategy "simple", with offsets into the text', { skip: skipWithoutShared(CASED) }, () => {
  const tokenizer = BertTokenizer.fromPretrained(sharedPath(CASED), { doLowerCase: false });
  const text = 'My name is Wolfgang Amadeus and I live in Kraków, Poland.';
  const encoding = tokenizer.encode(text);
  const tokens = encoding.tokens;
  // Tag by word: Wolfgang Amadeus = PER (B, I on every piece), Kraków = LOC, Poland = LOC (separate B).
  const tags = tokens.map((_token, t) => {
    const [start, end] = encoding.offsets[t]!;
    const word = text.slice(start, end);
    if (encoding.specialTokensMask[t] === 1) return 'O';
    if (start >= text.indexOf('Wolfgang') && end <= text.indexOf(' and')) return start === text.indexOf('Wolfgang') ? 'B-PER' : 'I-PER';
    if (start >= text.indexOf('Kraków') && end <= text.indexOf(',')) return start === text.indexOf('Kraków') ? 'B-LOC' : 'I-LOC';
    if (word === 'Poland') return 'B-LOC';
    return 'O';
  });
  const margins = tokens.map((_, t) => 1 + (t % 3));
  const entities = groupEntities(encoding, logitsFor(tags, margins), LABELS);
  assert.deepEqual(entities.map((e) => [e.entity_group, e.word, text.slice(e.start, e.end)]), [
    ['PER', 'Wolfgang Amadeus', 'Wolfgang Amadeus'],
    ['LOC', 'Kraków', 'Kraków'],
    ['LOC', 'Poland', 'Poland'],
  ]);
  // Score: mean over the group's tokens of softmax max = 1 / (1 + (labels - 1) e^-margin).
  const softmaxMax = (margin: number) => 1 / (1 + (LABELS.length - 1) * Math.exp(-margin));
  const perTokens = tags.flatMap((tag, t) => (tag.endsWith('PER') ? [softmaxMax(margins[t]!)] : []));
  assert.ok(perTokens.length >= 3, 'the names split into several pieces');
  assert.ok(Math.abs(entities[0]!.score - perTokens.reduce((a, b) => a + b) / perTokens.length) < 1e-6);
});

test('an O between two I- tokens separates them; E- and S- close groups', { skip: skipWithoutShared(CASED) }, () => {
  const tokenizer = BertTokenizer.fromPretrained(sharedPath(CASED), { doLowerCase: false });
  const text = 'Paris London Rome Oslo Bern';
  const encoding = tokenizer.encode(text);
  assert.equal(encoding.tokens.length, 7);
  const ones = new Array(7).fill(1);
  const split = groupEntities(encoding, logitsFor(['O', 'I-LOC', 'O', 'I-LOC', 'I-LOC', 'B-LOC', 'O'], ones), LABELS);
  assert.deepEqual(split.map((e) => e.word), ['Paris', 'Rome Oslo', 'Bern']);
  const closed = groupEntities(encoding, logitsFor(['O', 'B-LOC', 'E-LOC', 'I-LOC', 'S-LOC', 'I-LOC', 'O'], ones), LABELS);
  assert.deepEqual(closed.map((e) => [e.word, e.start, e.end]), [['Paris London', 0, 12], ['Rome', 13, 17], ['Oslo', 18, 22], ['Bern', 23, 27]]);
});
