import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conllevalEntities, detectScheme, entityScores, strictEntities, toIob2 } from '../../../src/data/tasks/entities.js';
import { readConllSentences } from '../../../src/data/tasks/ner.js';
import type { TaggingScheme } from '../../../src/data/tasks/task.js';
import { sharedPath, skipWithoutShared } from '../../helpers/shared.js';

const triples = (tags: string[], read: (tags: string[]) => { type: string; start: number; end: number }[]) =>
  read(tags).map((e) => [e.type, e.start, e.end]);

// seqeval tests/test_scheme.py (test_iob2_tokens, test_iobes_tokens): expected (type, start, end) in strict mode.
const STRICT_CASES: [TaggingScheme, string[], [string, number, number][]][] = [
  ['IOB2', ['B-PER'], [['PER', 0, 1]]],
  ['IOB2', ['I-PER'], []],
  ['IOB2', ['O', 'I-PER'], []],
  ['IOB2', ['O', 'B-PER'], [['PER', 1, 2]]],
  ['IOB2', ['I-PER', 'I-PER'], []],
  ['IOB2', ['I-PER', 'B-ORG'], [['ORG', 1, 2]]],
  ['IOB2', ['B-PER', 'I-PER'], [['PER', 0, 2]]],
  ['IOB2', ['B-PER', 'I-ORG'], [['PER', 0, 1]]],
  ['IOB2', ['B-PER', 'B-PER'], [['PER', 0, 1], ['PER', 1, 2]]],
  ['IOB2', ['B', 'I'], [['_', 0, 2]]],
  ['IOBES', ['S-PER'], [['PER', 0, 1]]],
  ['IOBES', ['B-PER'], []],
  ['IOBES', ['I-PER', 'S-PER'], [['PER', 1, 2]]],
  ['IOBES', ['B-PER', 'I-PER'], []],
  ['IOBES', ['B-PER', 'E-PER'], [['PER', 0, 2]]],
  ['IOBES', ['B-PER', 'E-ORG'], []],
  ['IOBES', ['B-PER', 'S-PER'], [['PER', 1, 2]]],
  ['IOBES', ['E-PER', 'S-PER'], [['PER', 1, 2]]],
  ['IOBES', ['S-PER', 'E-PER'], [['PER', 0, 1]]],
  ['IOBES', ['S-PER', 'S-PER'], [['PER', 0, 1], ['PER', 1, 2]]],
  ['IOBES', ['B-PER', 'I-PER', 'E-PER', 'O'], [['PER', 0, 3]]],
];

test('strict entities equal seqeval mode="strict" (IOB2, IOBES)', () => {
  for (const [scheme, tags, expected] of STRICT_CASES) {
    assert.deepEqual(triples(tags, (t) => strictEntities(t, scheme)), expected, `${scheme} ${tags.join(' ')}`);
  }
  assert.throws(() => strictEntities(['B-PER', 'E-PER'], 'IOB2'), /'E-PER' is not a IOB2 tag/);
});

test('lenient (conlleval) entities: I- starts entities, B- splits same-type neighbours (IOB1)', () => {
  // CoNLL-2003 IOB1: "I-PER I-PER B-PER O I-LOC" is two people and a place.
  assert.deepEqual(triples(['I-PER', 'I-PER', 'B-PER', 'O', 'I-LOC'], conllevalEntities), [['PER', 0, 2], ['PER', 2, 3], ['LOC', 4, 5]]);
  // IOB2 read the same way; a stray I- after another type starts a new entity.
  assert.deepEqual(triples(['B-ORG', 'I-ORG', 'I-PER', 'O', 'B-MISC'], conllevalEntities), [['ORG', 0, 2], ['PER', 2, 3], ['MISC', 4, 5]]);
  // IOBES: E closes, S is a one-word entity.
  assert.deepEqual(triples(['B-PER', 'E-PER', 'S-LOC', 'B-ORG', 'I-ORG', 'E-ORG'], conllevalEntities), [['PER', 0, 2], ['LOC', 2, 3], ['ORG', 3, 6]]);
  // seqeval's get_entities docstring example.
  assert.deepEqual(triples(['B-PER', 'I-PER', 'O', 'B-LOC'], conllevalEntities), [['PER', 0, 2], ['LOC', 3, 4]]);
});

test('IOB1 → IOB2 conversion keeps the entities; scheme detection', () => {
  const iob1 = ['I-ORG', 'O', 'I-MISC', 'O', 'O', 'O', 'I-MISC', 'O', 'I-PER', 'I-PER', 'B-PER', 'I-LOC', 'B-LOC'];
  const iob2 = toIob2(iob1);
  assert.deepEqual(iob2, ['B-ORG', 'O', 'B-MISC', 'O', 'O', 'O', 'B-MISC', 'O', 'B-PER', 'I-PER', 'B-PER', 'B-LOC', 'B-LOC']);
  assert.deepEqual(conllevalEntities(iob2), conllevalEntities(iob1));
  assert.deepEqual(strictEntities(iob2, 'IOB2'), conllevalEntities(iob1));
  assert.equal(detectScheme([iob1]), 'IOB1');
  assert.equal(detectScheme([iob2]), 'IOB2');
  assert.equal(detectScheme([['S-PER', 'O']]), 'IOBES');
});

test('entity scores equal seqeval classification_report (tests/test_v1.py)', () => {
  const scores = entityScores([['B-A', 'B-B', 'O', 'B-A']], [['O', 'B-B', 'B-C', 'B-A']]);
  assert.ok(Math.abs(scores.f1 - 0.6666666666666666) < 1e-12);
  assert.ok(Math.abs(scores.precision - 0.6666666666666666) < 1e-12);
  assert.deepEqual(scores.perType.A, { precision: 1, recall: 0.5, f1: 0.6666666666666666, support: 2 });
  assert.deepEqual(scores.perType.B, { precision: 1, recall: 1, f1: 1, support: 1 });
  assert.deepEqual(scores.perType.C, { precision: 0, recall: 0, f1: 0, support: 0 });
});

test('seqeval README example: default mode 0.50; strict mode differs on a malformed prediction', () => {
  const gold = [['O', 'O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'O'], ['B-PER', 'I-PER', 'O']];
  const predicted = [['O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'I-MISC', 'O'], ['B-PER', 'I-PER', 'O']];
  assert.equal(entityScores(gold, predicted).f1, 0.5);
  // seqeval README: y_true [['B-NP','I-NP','O']], y_pred [['I-NP','I-NP','O']] → default f1 1.0, strict 0.0.
  assert.equal(entityScores([['B-NP', 'I-NP', 'O']], [['I-NP', 'I-NP', 'O']]).f1, 1);
  assert.equal(entityScores([['B-NP', 'I-NP', 'O']], [['I-NP', 'I-NP', 'O']], { mode: 'strict', scheme: 'IOB2' }).f1, 0);
});

// Reference: conlleval.pl (version 2004-01-26, as shipped in seqeval's tests) run on CoNLL-2003 valid.txt
// with predictions made from the gold tags by the rule in `corrupt` (word index k counted over all
// words of the file, -DOCSTART- lines excluded; the same rule written in Python produced its input):
//   processed 51362 tokens with 5942 phrases; found: 7960 phrases; correct: 4110.
//   LOC 1407 correct / 1753 found / 1837 gold, MISC 621/3087/922, ORG 903/1336/1341, PER 1179/1784/1842.
const SWAP: Record<string, string> = { PER: 'LOC', LOC: 'ORG', ORG: 'MISC', MISC: 'PER' };
function corrupt(k: number, tag: string): string {
  if (k % 7 === 3) return 'O';
  if (k % 11 === 5 && tag !== 'O') return tag.slice(0, 2) + SWAP[tag.slice(2)]!;
  if (k % 13 === 0 && tag.startsWith('B-')) return `I-${tag.slice(2)}`;
  if (k % 17 === 2 && tag === 'O') return 'I-MISC';
  return tag;
}

test('entity scores equal conlleval.pl on CoNLL-2003 valid with corrupted predictions', { skip: skipWithoutShared('data/conll2003/valid.txt') }, async () => {
  const sentences = await readConllSentences(sharedPath('data/conll2003/valid.txt'));
  let k = 0;
  const gold = sentences.map((s) => s.tags);
  const predicted = sentences.map((s) => s.tags.map((tag) => corrupt(k++, tag)));
  assert.equal(k, 51362);
  const scores = entityScores(gold, predicted);
  assert.equal(scores.precision, 4110 / 7960);
  assert.equal(scores.recall, 4110 / 5942);
  assert.equal(scores.f1.toFixed(4), '0.5913');
  const expected: Record<string, [number, number, number]> = { LOC: [1407, 1753, 1837], MISC: [621, 3087, 922], ORG: [903, 1336, 1341], PER: [1179, 1784, 1842] };
  assert.deepEqual(Object.keys(scores.perType), Object.keys(expected));
  for (const [type, [correct, found, total]] of Object.entries(expected)) {
    assert.equal(scores.perType[type]!.precision, correct / found, type);
    assert.equal(scores.perType[type]!.recall, correct / total, type);
    assert.equal(scores.perType[type]!.support, total, type);
  }
});
