// Decoding against transformers.js's decode (WordPiece decoder + clean_up_tokenization) on real
// pairs and sentences, with and without special tokens and clean-up; the clean-up list itself
// against transformers' clean_up_tokenization, replacement by replacement.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';
import { BertTokenizer } from '../../src/tokenizer/bert-tokenizer.js';
import { cleanUpTokenization, decodeWordPieces } from '../../src/tokenizer/decoder.js';
import { loadPeer, rtePairs, sst2Sentences, UNCASED_DIR } from './helpers/bert-tokenizer-peer.js';

const skip = skipWithoutShared(UNCASED_DIR, 'tokenizer.json') || skipWithoutShared('data/rte/train.tsv') || skipWithoutShared('data/sst2/train.tsv');

describe('decode against transformers.js', { skip }, () => {
  let ours: BertTokenizer;
  let peer: PreTrainedTokenizer;
  before(async () => {
    ours = BertTokenizer.fromPretrained(sharedPath(UNCASED_DIR));
    peer = await loadPeer(sharedPath(UNCASED_DIR));
  });

  test('pairs and sentences, every combination of skipSpecialTokens and cleanUpTokenizationSpaces', () => {
    const inputs: [string, string | undefined][] = [
      ...rtePairs(80),
      ...sst2Sentences(120).map((sentence): [string, undefined] => [sentence, undefined]),
      ["I'm sure they've said it isn't what you're thinking, isn't it? Yes! ' quoted '", 'Ünïcödé [MASK] naïve… 東京 ##x'],
    ];
    for (const [index, [text, pair]] of inputs.entries()) {
      const ids = ours.encode(text, pair).ids;
      for (const skipSpecialTokens of [false, true]) {
        for (const cleanUpTokenizationSpaces of [false, true]) {
          const expected = peer.decode(ids, { skip_special_tokens: skipSpecialTokens, clean_up_tokenization_spaces: cleanUpTokenizationSpaces });
          assert.equal(
            ours.decode(ids, { skipSpecialTokens, cleanUpTokenizationSpaces }),
            expected,
            `input ${index} skip=${skipSpecialTokens} cleanup=${cleanUpTokenizationSpaces}`,
          );
        }
      }
      assert.equal(ours.decode(ids), peer.decode(ids), `input ${index} with defaults`);
    }
  });
});

describe('decoder rules', () => {
  test("transformers' clean_up_tokenization list, each replacement", () => {
    const cases: [string, string][] = [
      ['a .', 'a.'], ['a ?', 'a?'], ['a !', 'a!'], ['a ,', 'a,'], ["a ' b", "a'b"],
      ["do n't", "don't"], ["i 'm", "i'm"], ["it 's", "it's"], ["we 've", "we've"], ["they 're", "they're"],
      // Not in the list: left alone.
      ['a ;', 'a ;'], ['a :', 'a :'], ["we 'll", "we 'll"], ["he 'd", "he 'd"], ['( a )', '( a )'],
    ];
    for (const [input, expected] of cases) assert.equal(cleanUpTokenization(input), expected, input);
  });

  test('WordPiece decoder: ## joins, a leading continuation keeps its prefix (decoders/wordpiece.rs test)', () => {
    assert.equal(
      decodeWordPieces(['##uelo', 'Ara', '##új', '##o', 'No', '##guera'], { prefix: '##', cleanup: false }),
      '##uelo Araújo Noguera',
    );
    assert.equal(decodeWordPieces([]), '');
  });

  test('out-of-range ids are refused with their position', { skip: skipWithoutShared(UNCASED_DIR, 'vocab.txt') }, () => {
    const tokenizer = BertTokenizer.fromPretrained(sharedPath(UNCASED_DIR, 'vocab.txt'));
    assert.throws(() => tokenizer.decode([101, 30522]), /id 30522 at position 1 is not a token id \(the vocabulary has 30522 tokens\)/);
    assert.throws(() => tokenizer.decode([1.5]), /id 1.5 at position 0/);
  });
});
