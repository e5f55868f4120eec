// Every field of an Encoding, on real pairs (RTE) and sentences (SST-2), against references that do
// not come from bertkit: transformers.js's ids, tokens, token type ids and attention mask; and, for
// the fields transformers.js does not return, the rules HF documents for BERT:
// - special_tokens_mask is [1] + [0]*len(A) + [1] (+ [0]*len(B) + [1]) (get_special_tokens_mask);
// - a word id starts a new word exactly at each piece without "##" (BERT's words are WordPiece'd
//   one by one, and only continuation pieces carry the prefix), counted per sequence, null for specials;
// - an offset slices the original text to the token's source: lowercased and accent-stripped it
//   equals the piece without "##".
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';
import { BertTokenizer } from '../../src/tokenizer/bert-tokenizer.js';
import type { Encoding } from '../../src/tokenizer/encoding.js';
import { loadPeer, peerEncode, rtePairs, sst2Sentences, UNCASED_DIR } from './helpers/bert-tokenizer-peer.js';

const skip = skipWithoutShared(UNCASED_DIR, 'tokenizer.json') || skipWithoutShared('data/rte/train.tsv') || skipWithoutShared('data/sst2/train.tsv');

/** What BERT-uncased's normalizer does to plain text: NFD, drop combining marks, lowercase. */
function uncasedSource(text: string): string {
  return text.normalize('NFD').replace(/\p{Mn}/gu, '').toLowerCase();
}

function expectedWordIds(tokens: string[]): number[] {
  let word = -1;
  return tokens.map((token) => (token.startsWith('##') ? word : ++word));
}

function checkOffsets(encoding: Encoding, texts: string[], where: string): void {
  encoding.tokens.forEach((token, i) => {
    const sequence = encoding.sequenceIds[i];
    const [start, end] = encoding.offsets[i]!;
    if (sequence === null) {
      assert.deepEqual([start, end], [0, 0], `${where}: special token ${token} has offsets [0, 0]`);
      return;
    }
    const source = texts[sequence]!.slice(start, end);
    if (token === '[UNK]') {
      assert.ok(end > start, `${where}: [UNK] at ${i} covers its word`);
      return;
    }
    assert.equal(uncasedSource(source), token.replace(/^##/, ''), `${where}: offsets [${start}, ${end}) of token ${i} ${token}`);
  });
}

describe('Encoding fields against transformers.js and HF rules', { skip }, () => {
  let ours: BertTokenizer;
  let peer: PreTrainedTokenizer;
  before(async () => {
    ours = BertTokenizer.fromPretrained(sharedPath(UNCASED_DIR));
    peer = await loadPeer(sharedPath(UNCASED_DIR));
  });

  test('pairs: ids, tokens, type ids, attention, special mask, word ids, sequence ids, offsets', () => {
    const pairs = rtePairs(150);
    assert.equal(pairs.length, 150);
    for (const [index, [first, second]] of pairs.entries()) {
      const where = `RTE pair ${index}`;
      const expected = peerEncode(peer, first, second);
      const encoding = ours.encode(first, second);
      assert.deepEqual(encoding.ids, expected.input_ids, `${where}: input ids`);
      assert.deepEqual(encoding.typeIds, expected.token_type_ids, `${where}: token type ids`);
      assert.deepEqual(encoding.attentionMask, expected.attention_mask, `${where}: attention mask`);
      const tokensA = peer.tokenize(first);
      const tokensB = peer.tokenize(second);
      assert.deepEqual(encoding.tokens, ['[CLS]', ...tokensA, '[SEP]', ...tokensB, '[SEP]'], `${where}: tokens`);
      assert.deepEqual(
        encoding.specialTokensMask,
        [1, ...tokensA.map(() => 0), 1, ...tokensB.map(() => 0), 1],
        `${where}: special tokens mask`,
      );
      assert.deepEqual(encoding.wordIds, [null, ...expectedWordIds(tokensA), null, ...expectedWordIds(tokensB), null], `${where}: word ids`);
      assert.deepEqual(
        encoding.sequenceIds,
        [null, ...tokensA.map(() => 0), null, ...tokensB.map(() => 1), null],
        `${where}: sequence ids`,
      );
      checkOffsets(encoding, [first, second], where);
      assert.deepEqual(encoding.overflowing, []);
    }
  });

  test('single sentences, with and without special tokens', () => {
    for (const [index, sentence] of sst2Sentences(200).entries()) {
      const where = `SST-2 sentence ${index}`;
      const expected = peerEncode(peer, sentence, null);
      const encoding = ours.encode(sentence);
      assert.deepEqual(encoding.ids, expected.input_ids, `${where}: input ids`);
      assert.deepEqual(encoding.typeIds, expected.token_type_ids, `${where}: token type ids`);
      const tokens = peer.tokenize(sentence);
      assert.deepEqual(encoding.specialTokensMask, [1, ...tokens.map(() => 0), 1], `${where}: special tokens mask`);
      assert.deepEqual(encoding.wordIds, [null, ...expectedWordIds(tokens), null], `${where}: word ids`);
      checkOffsets(encoding, [sentence], where);
      const bare = ours.encode(sentence, undefined, { addSpecialTokens: false });
      assert.deepEqual(bare.ids, peer.encode(sentence, { add_special_tokens: false }), `${where}: ids without special tokens`);
      assert.deepEqual(bare.specialTokensMask, tokens.map(() => 0));
    }
  });

  test('a pair without special tokens keeps its type ids, as the HF template applies them to the sequences', () => {
    const [first, second] = rtePairs(1)[0]!;
    const encoding = ours.encode(first, second, { addSpecialTokens: false });
    const expected = peerEncode(peer, first, second, { add_special_tokens: false });
    assert.deepEqual(encoding.ids, expected.input_ids);
    assert.deepEqual(encoding.typeIds, [...peer.tokenize(first).map(() => 0), ...peer.tokenize(second).map(() => 1)]);
  });
});

describe('Encoding fields on hand-checked examples (HF documentation)', { skip: skipWithoutShared(UNCASED_DIR, 'vocab.txt') }, () => {
  test('"Hello world!" gives word ids [None, 0, 1, 2, None] as in the HF course', () => {
    const tokenizer = BertTokenizer.fromPretrained(sharedPath(UNCASED_DIR, 'vocab.txt'));
    const encoding = tokenizer.encode('Hello world!');
    assert.deepEqual(encoding.tokens, ['[CLS]', 'hello', 'world', '!', '[SEP]']);
    assert.deepEqual(encoding.wordIds, [null, 0, 1, 2, null]);
    assert.deepEqual(encoding.offsets, [[0, 0], [0, 5], [6, 11], [11, 12], [0, 0]]);
  });

  test('offsets are UTF-16 code units of the original text, through accents and astral characters', () => {
    const tokenizer = BertTokenizer.fromPretrained(sharedPath(UNCASED_DIR, 'vocab.txt'));
    const text = '𝒳 Café';
    const encoding = tokenizer.encode(text);
    const cafe = encoding.tokens.indexOf('cafe');
    assert.ok(cafe > 0, `tokens ${encoding.tokens.join(' ')}`);
    assert.equal(text.slice(...encoding.offsets[cafe]!), 'Café');
  });
});
