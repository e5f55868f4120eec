import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BertTokenizer } from '@huggingface/transformers';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';
import { addedToken, parseAddedTokens } from '../../src/tokenizer/added-tokens.js';
import { BERT_UNCASED } from '../../src/tokenizer/normalizer.js';
import { TextTokenizer } from '../../src/tokenizer/text-tokenizer.js';
import { Vocab } from '../../src/tokenizer/vocab.js';
import { BERT_WORDPIECE } from '../../src/tokenizer/wordpiece.js';

const OPTIONS = { ...BERT_UNCASED, ...BERT_WORDPIECE };
const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map((content) => addedToken(content, { special: true }));
const small = Vocab.fromTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'hello', 'world', '##s', ',', '!', 'new', 'york', 'ny'], 'small vocab');

function sliced(text: string, offsets: [number, number][]): string[] {
  return offsets.map(([start, end]) => text.slice(start, end));
}

test('special tokens inside text are never split, are flagged, and are words of their own', () => {
  const tokenizer = new TextTokenizer(small, OPTIONS, SPECIALS);
  const text = 'Hello[MASK]worlds, [mask] [SEP]!';
  const pieces = tokenizer.tokenize(text);
  assert.deepEqual(pieces.tokens, ['hello', '[MASK]', 'world', '##s', ',', '[UNK]', '[UNK]', '[UNK]', '[SEP]', '!']);
  assert.deepEqual(pieces.ids, [5, 4, 6, 7, 8, 1, 1, 1, 3, 9]);
  assert.deepEqual(sliced(text, pieces.offsets), ['Hello', '[MASK]', 'world', 's', ',', '[', 'mask', ']', '[SEP]', '!']);
  assert.deepEqual(pieces.wordIds, [0, 1, 2, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(pieces.special, [false, true, false, false, false, false, false, false, true, false]);
});

test('lstrip/rstrip take the neighbouring whitespace into the token span; single_word needs word boundaries', () => {
  const mask = addedToken('[MASK]', { special: true, lstrip: true, rstrip: true });
  const tokenizer = new TextTokenizer(small, OPTIONS, [mask]);
  const text = 'hello  [MASK]  world';
  const pieces = tokenizer.tokenize(text);
  assert.deepEqual(pieces.tokens, ['hello', '[MASK]', 'world']);
  assert.deepEqual(sliced(text, pieces.offsets), ['hello', '  [MASK]  ', 'world']);

  const ny = addedToken('ny', { singleWord: true, normalized: false, id: 12 });
  const singleWord = new TextTokenizer(small, OPTIONS, [ny]);
  assert.deepEqual(singleWord.tokenize('ny, hello nyny').tokens, ['ny', ',', 'hello', '[UNK]']);
});

test('an added token without an id that is not in the vocabulary is an error naming it and the file', () => {
  assert.throws(() => new TextTokenizer(small, OPTIONS, [addedToken('<extra>')]), /"<extra>".*small vocab/);
});

test('tokenizer.json added_tokens: bad entries are errors naming the file and the entry', () => {
  assert.throws(() => parseAddedTokens({}, 'tok.json'), /tok.json: "added_tokens" must be an array/);
  assert.throws(() => parseAddedTokens([{ id: 1 }], 'tok.json'), /tok.json: added_tokens\[0\].content/);
  assert.throws(() => parseAddedTokens([{ content: 'x', lstrip: 'yes' }], 'tok.json'), /added_tokens\[0\].lstrip must be true or false/);
  assert.deepEqual(parseAddedTokens([{ content: '[X]', id: 7, special: true }], 'tok.json'), [
    { content: '[X]', id: 7, special: true, singleWord: false, lstrip: false, rstrip: false, normalized: false },
  ]);
});

test('normalized and raw added tokens match transformers.js', { skip: skipWithoutShared('data/vocab/bert-base-uncased/tokenizer.json') }, () => {
  const json = JSON.parse(readFileSync(sharedPath('data/vocab/bert-base-uncased/tokenizer.json'), 'utf8')) as { added_tokens: object[] };
  json.added_tokens.push(
    { id: 30522, content: 'New York', special: false, single_word: false, lstrip: false, rstrip: false, normalized: true },
    { id: 30523, content: '[SPECIAL]', special: true, single_word: false, lstrip: false, rstrip: false, normalized: false },
    { id: 30524, content: 'ÉTÉ', special: false, single_word: false, lstrip: false, rstrip: false, normalized: true },
  );
  const config = JSON.parse(readFileSync(sharedPath('data/vocab/bert-base-uncased/tokenizer_config.json'), 'utf8')) as object;
  const peer = new BertTokenizer(json, config);
  const ours = new TextTokenizer(
    Vocab.fromFile(sharedPath('data/vocab/bert-base-uncased/vocab.txt')),
    OPTIONS,
    parseAddedTokens(json.added_tokens, 'tokenizer.json'),
  );
  const texts = [
    'I love NEW york and new yorkers [SPECIAL]x',
    'l’été, ÉTÉ, EtE and été[SPECIAL][MASK]New\tYork',
    'new  york (two spaces) vs New York. [special] [SPECIAL',
  ];
  for (const text of texts) {
    const pieces = ours.tokenize(text);
    assert.deepEqual(pieces.ids, peer.encode(text, { add_special_tokens: false }), JSON.stringify(text));
    const newYork = pieces.ids.indexOf(30522);
    if (newYork >= 0) assert.match(text.slice(...pieces.offsets[newYork]!), /^new\syork$/i);
  }
});

test('whole-word [UNK] spans the word; tokenize is repeatable and independent between calls', () => {
  const tokenizer = new TextTokenizer(small, OPTIONS, SPECIALS);
  const text = 'hello unknownword, world';
  const first = tokenizer.tokenize(text);
  assert.deepEqual(first.tokens, ['hello', '[UNK]', ',', 'world']);
  assert.deepEqual(sliced(text, first.offsets), ['hello', 'unknownword', ',', 'world']);
  const other = tokenizer.tokenize('new york');
  assert.deepEqual(other.tokens, ['new', 'york']);
  assert.deepEqual(tokenizer.tokenize(text), first);
  assert.deepEqual(tokenizer.tokenize(''), { ids: [], tokens: [], offsets: [], wordIds: [], special: [] });
});
