import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chineseCharacters, chineseWordContinuations } from '../../src/data/chinese-words.js';
import { MaskingVocabulary, maskTokens } from '../../src/data/masking.js';
import { Rng } from '../../src/runtime/rng.js';
import { Vocab } from '../../src/tokenizer/vocab.js';

const TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '我', '喜', '欢', '北', '京', '大', '学', '，', 'hello', '##s', '𠀀', '𠀁', '天', '气'];
const vocab = Vocab.fromTokens(TOKENS);
const ids = (text: string): number[] => text.split(' ').map((token) => vocab.requireId(token, 'test token'));

test('chineseCharacters: the single-ideograph tokens (astral ones included), nothing else', () => {
  const characters = chineseCharacters(vocab);
  assert.deepEqual(TOKENS.filter((_, id) => characters[id] !== undefined), ['我', '喜', '欢', '北', '京', '大', '学', '𠀀', '𠀁', '天', '气']);
});

test('chineseWordContinuations: ICU\'s words 我|喜欢|北京 and 大学, runs broken by punctuation and Latin pieces', () => {
  // What Intl.Segmenter('zh') makes of 我喜欢北京 is 我 | 喜欢 | 北京; a run of one ideograph is a word of its own.
  const tokens = ids('[CLS] 我 喜 欢 北 京 ， hello ##s 大 学 [SEP] 天 [SEP]');
  assert.deepEqual([...chineseWordContinuations(tokens, chineseCharacters(vocab))], [0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0]);
});

test('chineseWordContinuations: an ideograph outside the BMP (two UTF-16 units) is one token, the next one still lined up', () => {
  const tokens = ids('𠀀 𠀁 天 气');
  const continues = chineseWordContinuations(tokens, chineseCharacters(vocab));
  // 天气 (weather) is one word whatever ICU makes of the rare ideographs before it.
  assert.deepEqual([...continues.subarray(2)], [0, 1]);
});

test('whole-word masking with chineseWords masks a Chinese word\'s characters together; without it, one at a time', () => {
  const masking = new MaskingVocabulary(vocab);
  const tokens = ids('[CLS] 我 喜 欢 北 京 ， 大 学 天 气 [SEP]');
  const words = [[2, 3], [4, 5], [7, 8], [9, 10]];
  let split = 0;
  for (let seed = 0; seed < 200; seed++) {
    const options = { maskedLmProb: 0.3, maxPredictionsPerSeq: 4, wholeWordMask: true };
    const together = new Set(maskTokens(tokens, { ...options, chineseWords: true }, masking, new Rng(seed)).positions);
    for (const word of words) assert.ok(word.every((index) => together.has(index)) || word.every((index) => !together.has(index)), `seed ${seed}: ${[...together]}`);
    const alone = new Set(maskTokens(tokens, options, masking, new Rng(seed)).positions);
    if (words.some((word) => alone.has(word[0]!) !== alone.has(word[1]!))) split++;
  }
  assert.ok(split > 50, `without chineseWords, words are split in ${split} of 200 draws`);
});
