// WordPiece on a small hand-made vocabulary; expected pieces worked out by hand with Google's
// WordpieceTokenizer algorithm (greedy longest match first, "##" continuations, [UNK] per word).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Vocab } from '../../src/tokenizer/vocab.js';
import { BERT_WORDPIECE, WordPiece } from '../../src/tokenizer/wordpiece.js';

const vocab = Vocab.fromTokens(
  ['[UNK]', 'un', 'una', '##aff', '##able', '##ffa', '##ble', 'a', '##a', 'aaa', '😀', '##😀', '##b', 'x', '##x'],
  'test vocab',
);

function pieces(wordPiece: WordPiece, word: string): string[] {
  const result = wordPiece.tokenizeWord(word);
  return [...result.ids].map((id) => vocab.token(id));
}

test('greedy longest match first, with ## continuations', () => {
  const wordPiece = new WordPiece(vocab, BERT_WORDPIECE);
  assert.deepEqual(pieces(wordPiece, 'unaffable'), ['una', '##ffa', '##ble']);
  assert.deepEqual(pieces(wordPiece, 'aaaa'), ['aaa', '##a']);
  assert.deepEqual(pieces(wordPiece, 'a'), ['a']);
  const result = wordPiece.tokenizeWord('unaffable');
  assert.deepEqual([...result.ends], [3, 6, 9]);
  assert.equal(result.unknown, false);
});

test('a word with an unmatchable part is one [UNK] spanning the whole word', () => {
  const wordPiece = new WordPiece(vocab, BERT_WORDPIECE);
  assert.deepEqual(pieces(wordPiece, 'unz'), ['[UNK]']);
  assert.deepEqual(pieces(wordPiece, 'zun'), ['[UNK]']);
  const result = wordPiece.tokenizeWord('unaffablez');
  assert.deepEqual([...result.ends], [10]);
  assert.equal(result.unknown, true);
});

test('astral characters are matched whole, never split between surrogates', () => {
  const wordPiece = new WordPiece(vocab, BERT_WORDPIECE);
  assert.deepEqual(pieces(wordPiece, '😀😀a'), ['😀', '##😀', '##a']);
  assert.deepEqual([...wordPiece.tokenizeWord('😀😀a').ends], [2, 4, 5]);
});

test('maxInputCharsPerWord counts code points, as Python len() does', () => {
  const wordPiece = new WordPiece(vocab, BERT_WORDPIECE);
  assert.deepEqual(pieces(wordPiece, 'x'.repeat(100)), ['x', ...new Array(99).fill('##x')]);
  assert.deepEqual(pieces(wordPiece, 'x'.repeat(101)), ['[UNK]']);
  // 100 emoji are 200 UTF-16 units but 100 characters: still split.
  assert.equal(pieces(wordPiece, '😀'.repeat(100)).length, 100);
  assert.deepEqual(pieces(wordPiece, '😀'.repeat(101)), ['[UNK]']);
  const google = new WordPiece(vocab, { ...BERT_WORDPIECE, maxInputCharsPerWord: 200 });
  assert.equal(pieces(google, 'x'.repeat(150)).length, 150);
});

test('the word cache returns the same pieces after it fills and starts over', () => {
  const wordPiece = new WordPiece(vocab, BERT_WORDPIECE, 16);
  const words = Array.from({ length: 50 }, (_, k) => 'un' + 'x'.repeat(k % 7) + 'a'.repeat(k % 5));
  const first = words.map((word) => pieces(wordPiece, word));
  const fresh = new WordPiece(vocab, BERT_WORDPIECE);
  assert.deepEqual(words.map((word) => pieces(wordPiece, word)), first);
  assert.deepEqual(words.map((word) => pieces(fresh, word)), first);
});

test('a custom prefix and unknown token are honoured, and bad options are rejected', () => {
  const custom = Vocab.fromTokens(['<unk>', 'ab', '@@c'], 'custom');
  const wordPiece = new WordPiece(custom, { unkToken: '<unk>', continuingSubwordPrefix: '@@', maxInputCharsPerWord: 10 });
  assert.deepEqual([...wordPiece.tokenizeWord('abc').ids], [1, 2]);
  assert.deepEqual([...wordPiece.tokenizeWord('abd').ids], [0]);
  assert.throws(() => new WordPiece(custom, { unkToken: '<unk>', continuingSubwordPrefix: '@@', maxInputCharsPerWord: 0 }), /maxInputCharsPerWord/);
  assert.throws(() => new WordPiece(custom, BERT_WORDPIECE), /custom: the unknown token "\[UNK\]"/);
});
