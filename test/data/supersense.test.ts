import { test } from 'node:test';
import assert from 'node:assert/strict';
import { glossDocuments } from '../../src/data/gloss-documents.js';
import { SUPERSENSE_LABELS, majorityBaseline, randomSample, randomSplit, supersenseExamples } from '../../src/data/supersense.js';
import { type Synset, readWordNet } from '../../src/data/wordnet.js';

const synset = (offset: number, lexFile: string, definition: string, examples: string[] = []): Synset =>
  ({ offset, pos: lexFile.startsWith('verb') ? 'verb' : 'noun', ssType: lexFile.startsWith('verb') ? 'v' : 'n', lexFile, words: ['w'], definition, examples });

test('supersense examples: the definition, labelled by lex_filenum; synsets without a definition are left out', () => {
  const examples = supersenseExamples([synset(1, 'noun.animal', 'a cat'), synset(2, 'verb.motion', '', ['"run!"']), synset(3, 'adj.ppl', 'done')]);
  assert.deepEqual(examples.map((e) => [e.text, e.label]), [['a cat', 5], ['done', 44]]);
  assert.equal(SUPERSENSE_LABELS.length, 45);
  assert.throws(() => supersenseExamples([synset(4, 'noun.nonsense', 'x')]), /synset noun 4: unknown lexicographer file 'noun.nonsense'/);
});

test('randomSplit is deterministic, disjoint, complete, order-preserving and sized by the fraction', () => {
  const items = Array.from({ length: 1000 }, (_, i) => i);
  const a = randomSplit(items, 0.1, 42);
  assert.deepEqual(randomSplit(items, 0.1, 42), a);
  assert.equal(a.heldOut.length, 100);
  assert.equal(a.train.length, 900);
  assert.deepEqual([...a.train, ...a.heldOut].sort((x, y) => x - y), items);
  assert.deepEqual(a.heldOut, [...a.heldOut].sort((x, y) => x - y));
  const other = randomSplit(items, 0.1, 43);
  assert.notDeepEqual(other.heldOut, a.heldOut);
  // Spread over the whole range rather than a contiguous block (a uniform draw puts ~50 in each half).
  const firstHalf = a.heldOut.filter((i) => i < 500).length;
  assert.ok(firstHalf > 30 && firstHalf < 70, `${firstHalf} of 100 held out in the first half`);
  assert.throws(() => randomSplit(items, 1, 1), /heldOutFraction must be in \(0, 1\)/);
});

test('randomSample draws n distinct items in input order, the same for the same seed', () => {
  const items = Array.from({ length: 50 }, (_, i) => `x${i}`);
  const sample = randomSample(items, 10, 7);
  assert.equal(new Set(sample).size, 10);
  assert.deepEqual(sample, items.filter((item) => sample.includes(item)));
  assert.deepEqual(randomSample(items, 10, 7), sample);
  assert.equal(randomSample(items, 99, 7).length, 50);
});

test('majorityBaseline scores the most frequent training label on the held-out labels', () => {
  const result = majorityBaseline([{ label: 3 }, { label: 1 }, { label: 3 }], [{ label: 3 }, { label: 0 }, { label: 1 }, { label: 3 }]);
  assert.deepEqual(result, { label: 3, accuracy: 0.5 });
});

test('glossDocuments groups consecutive senses of one lexicographer file, definition then examples', () => {
  const documents = glossDocuments([
    synset(1, 'noun.animal', 'a cat', ['the cat sat']),
    synset(2, 'noun.food', 'a pie'),
    synset(3, 'noun.animal', 'a dog'),
    synset(4, 'noun.animal', 'a  cow'),
  ], 2);
  assert.deepEqual(documents, [['a cat', 'the cat sat', 'a dog'], ['a cow'], ['a pie']]);
});

test('the WordNet 3.1 supersense split: 117,791 synsets, 10% held out, every supersense on both sides', async () => {
  const examples = supersenseExamples(await readWordNet());
  assert.equal(examples.length, 117_791);
  const { train, heldOut } = randomSplit(examples, 0.1, 42);
  assert.equal(heldOut.length, 11_779);
  const keys = (part: typeof examples) => new Set(part.map((e) => `${e.synset.pos}:${e.synset.offset}`));
  const heldOutKeys = keys(heldOut);
  assert.ok([...keys(train)].every((key) => !heldOutKeys.has(key)));
  for (const part of [train, heldOut]) assert.equal(new Set(part.map((e) => e.label)).size, 45);
  // adj.all (head adjectives and their satellites) is the largest supersense, about 12% of the synsets.
  const majority = majorityBaseline(train, heldOut);
  assert.equal(SUPERSENSE_LABELS[majority.label], 'adj.all');
  assert.ok(majority.accuracy > 0.10 && majority.accuracy < 0.14, `majority ${majority.accuracy}`);
});
