import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitSentences } from '../../src/data/sentence-splitter.js';

test('splits at terminators followed by a capital', () => {
  assert.deepEqual(splitSentences('The cat sat. The dog ran! Did it? Yes.'), ['The cat sat.', 'The dog ran!', 'Did it?', 'Yes.']);
});

test('keeps abbreviations and initials inside the sentence', () => {
  assert.deepEqual(splitSentences('Mr. Knightley met Dr. Perry and Mrs. Weston. They talked.'), [
    'Mr. Knightley met Dr. Perry and Mrs. Weston.',
    'They talked.',
  ]);
  assert.deepEqual(splitSentences('J. R. R. Tolkien wrote it, e.g. The Hobbit. It sold well.'), [
    'J. R. R. Tolkien wrote it, e.g. The Hobbit.',
    'It sold well.',
  ]);
});

test('closing quotes stay with their sentence; a lowercase word after ! or ? continues it', () => {
  assert.deepEqual(splitSentences("'Oh dear! Oh dear! I shall be late!' said the Rabbit. Alice ran."), [
    "'Oh dear!",
    'Oh dear!',
    "I shall be late!' said the Rabbit.",
    'Alice ran.',
  ]);
  assert.deepEqual(splitSentences('He said "Go home." Then he left.'), ['He said "Go home."', 'Then he left.']);
  assert.deepEqual(splitSentences('"Is it?" "It is."'), ['"Is it?"', '"It is."']);
});

test('ellipses end a sentence only before a capital', () => {
  assert.deepEqual(splitSentences('Well... I suppose so. Wait… no, go on… Fine.'), ['Well...', 'I suppose so.', 'Wait… no, go on…', 'Fine.']);
});

test('numbers, lowercase continuations and text without terminators', () => {
  assert.deepEqual(splitSentences('It cost 3.5 pounds. 12 men came.'), ['It cost 3.5 pounds.', '12 men came.']);
  assert.deepEqual(splitSentences('see p. 4 of the book. the rest'), ['see p. 4 of the book. the rest']);
  assert.deepEqual(splitSentences('  no terminator here  '), ['no terminator here']);
  assert.deepEqual(splitSentences(''), []);
  assert.deepEqual(splitSentences('Ünter den Linden. Élan vital.'), ['Ünter den Linden.', 'Élan vital.']);
});

test('Chinese full stops end sentences without a following space', () => {
  assert.deepEqual(splitSentences('我爱北京。天安门上太阳升！你好吗？「好。」他说'), ['我爱北京。', '天安门上太阳升！', '你好吗？', '「好。」', '他说']);
});
