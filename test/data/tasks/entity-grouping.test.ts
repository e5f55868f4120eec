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

// Pieces of one word that disagree: "Headingley" is Head ##ing ##ley in the cased vocabulary. Training
// labels only a word's first piece, so "simple" (per token) cuts the entity inside the word.
const HEADINGLEY = 'People came to Headingley today';
/** Tags and margins per token of HEADINGLEY ([CLS] People came to Head ##ing ##ley today [SEP]). */
const PIECE_TAGS = ['O', 'O', 'O', 'O', 'B-LOC', 'O', 'I-PER', 'O', 'O'];
const PIECE_MARGINS = [1, 2, 2, 2, 3, 1, 5, 2, 1];

test('aggregation strategies on a word whose pieces disagree, as transformers\' pipeline defines them', { skip: skipWithoutShared(CASED) }, () => {
  const tokenizer = BertTokenizer.fromPretrained(sharedPath(CASED), { doLowerCase: false });
  const encoding = tokenizer.encode(HEADINGLEY);
  assert.deepEqual(encoding.tokens, ['[CLS]', 'People', 'came', 'to', 'Head', '##ing', '##ley', 'today', '[SEP]']);
  const logits = logitsFor(PIECE_TAGS, PIECE_MARGINS);
  const spans = (entities: { entity_group: string; start: number; end: number }[]) => entities.map((e) => [e.entity_group, HEADINGLEY.slice(e.start, e.end)]);
  // Softmax over 7 labels with one label `margin` above six at 0.
  const top = (margin: number) => 1 / (1 + 6 * Math.exp(-margin));
  const rest = (margin: number) => Math.exp(-margin) / (1 + 6 * Math.exp(-margin));
  // simple: per token, so the entity ends inside the word.
  assert.deepEqual(spans(groupEntities(encoding, logits, LABELS, 'simple')), [['LOC', 'Head'], ['PER', 'ley']]);
  // first: the word takes its first piece's label and score.
  const first = groupEntities(encoding, logits, LABELS, 'first');
  assert.deepEqual(spans(first), [['LOC', 'Headingley']]);
  assert.equal(first[0]!.word, 'Headingley');
  assert.ok(Math.abs(first[0]!.score - top(3)) < 1e-9);
  // average: mean softmax over the three pieces; I-PER (0.371) beats B-LOC (0.297).
  const average = groupEntities(encoding, logits, LABELS, 'average');
  assert.deepEqual(spans(average), [['PER', 'Headingley']]);
  assert.ok(Math.abs(average[0]!.score - (rest(3) + rest(1) + top(5)) / 3) < 1e-9);
  // max: the most confident piece (##ley) decides.
  const max = groupEntities(encoding, logits, LABELS, 'max');
  assert.deepEqual(spans(max), [['PER', 'Headingley']]);
  assert.ok(Math.abs(max[0]!.score - top(5)) < 1e-9);
  // none: every token not tagged O, with its position in the encoding.
  assert.deepEqual(groupEntities(encoding, logits, LABELS, 'none').map((e) => [e.entity, e.index, e.word, HEADINGLEY.slice(e.start, e.end)]), [
    ['B-LOC', 4, 'Head', 'Head'],
    ['I-PER', 6, '##ley', 'ley'],
  ]);
});

test('aggregation "first": each CJK character is a word of its own, as in character-level training data', { skip: skipWithoutShared('data/vocab/bert-base-chinese') }, () => {
  const tokenizer = BertTokenizer.fromPretrained(sharedPath('data/vocab/bert-base-chinese'));
  const text = '我在北京工作';
  const encoding = tokenizer.encode(text);
  assert.equal(encoding.tokens.length, 8);
  const entities = groupEntities(encoding, logitsFor(['O', 'O', 'O', 'B-LOC', 'I-LOC', 'O', 'O', 'O'], new Array(8).fill(2)), LABELS, 'first');
  assert.deepEqual(entities.map((e) => [e.entity_group, text.slice(e.start, e.end)]), [['LOC', '北京']]);
});
