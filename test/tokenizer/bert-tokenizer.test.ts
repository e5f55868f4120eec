// BertTokenizer's API against transformers.js (tokenize, encode, encodeBatch of mixed texts and
// pairs, special tokens inside text) and HF's documented option semantics.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';
import { BertTokenizer } from '../../src/tokenizer/bert-tokenizer.js';
import { Vocab } from '../../src/tokenizer/vocab.js';
import { loadPeer, peerEncode, rtePairs, sst2Sentences, UNCASED_DIR } from './helpers/bert-tokenizer-peer.js';

const skip = skipWithoutShared(UNCASED_DIR, 'tokenizer.json') || skipWithoutShared('data/rte/train.tsv') || skipWithoutShared('data/sst2/train.tsv');

describe('BertTokenizer against transformers.js', { skip }, () => {
  let ours: BertTokenizer;
  let peer: PreTrainedTokenizer;
  before(async () => {
    ours = BertTokenizer.fromPretrained(sharedPath(UNCASED_DIR));
    peer = await loadPeer(sharedPath(UNCASED_DIR));
  });

  test('tokenize() gives the WordPiece tokens without special tokens', () => {
    for (const sentence of [...sst2Sentences(100), ...rtePairs(50).flat()]) {
      assert.deepEqual(ours.tokenize(sentence), peer.tokenize(sentence), sentence);
    }
  });

  test('encodeBatch of mixed texts and pairs equals encoding each, and the peer', () => {
    const pairs = rtePairs(20);
    const inputs = pairs.flatMap(([a, b]): (string | [string, string])[] => [a, [a, b]]);
    const batch = ours.encodeBatch(inputs);
    inputs.forEach((input, i) => {
      const [text, pair] = typeof input === 'string' ? [input, null] : input;
      assert.deepEqual(batch[i], ours.encode(text, pair));
      assert.deepEqual(batch[i]!.ids, peerEncode(peer, text, pair).input_ids);
    });
  });

  test('special tokens written in the text stay whole; the mask marks only the template tokens (HF fast)', () => {
    const text = 'The [MASK] sat on the mat.[SEP]and then[CLS]?';
    const encoding = ours.encode(text, 'A [PAD] pair');
    assert.deepEqual(encoding.ids, peerEncode(peer, text, 'A [PAD] pair').input_ids);
    const mask = encoding.tokens.indexOf('[MASK]');
    assert.equal(text.slice(...encoding.offsets[mask]!), '[MASK]');
    assert.equal(encoding.specialTokensMask[mask], 0);
    assert.equal(encoding.specialTokensMask.filter((flag) => flag === 1).length, 3);
    assert.equal(ours.decode(encoding.ids, { skipSpecialTokens: true }), 'the sat on the mat. and then? a pair');
  });

  test('an empty pair text counts as no pair, as in transformers', () => {
    assert.deepEqual(ours.encode('a text', '').ids, peerEncode(peer, 'a text', '').input_ids);
    assert.deepEqual(ours.encode('a text', '').typeIds, [0, 0, 0, 0]);
    assert.deepEqual(ours.encodeBatch([['a text', '']])[0]!.ids, ours.encode('a text').ids);
  });

  test('fromPretrained accepts the tokenizer.json file itself', () => {
    const fromFile = BertTokenizer.fromPretrained(sharedPath(UNCASED_DIR, 'tokenizer.json'));
    const [a, b] = rtePairs(1)[0]!;
    assert.deepEqual(fromFile.encode(a, b).ids, peerEncode(peer, a, b).input_ids);
  });
});

describe('BertTokenizer options', { skip: skipWithoutShared(UNCASED_DIR, 'vocab.txt') }, () => {
  test('fromVocab uses BertTokenizer defaults; the config overrides them', () => {
    const vocab = Vocab.fromTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'hello', 'Hello', '##o', 'hell']);
    assert.deepEqual(BertTokenizer.fromVocab(vocab).encode('HELLO').tokens, ['[CLS]', 'hello', '[SEP]']);
    assert.equal(BertTokenizer.fromVocab(vocab).tokenToId('[MASK]'), 4);
    assert.equal(BertTokenizer.fromVocab(vocab).tokenToId('absent'), undefined);
    assert.deepEqual(BertTokenizer.fromVocab(vocab, { doLowerCase: false }).encode('Hello HELLO').tokens, ['[CLS]', 'Hello', '[UNK]', '[SEP]']);
    assert.throws(() => BertTokenizer.fromVocab(Vocab.fromTokens(['[UNK]', 'a'], 'tiny vocab')), /tiny vocab: the classifier token \(cls_token\) "\[CLS\]" is on none/);
  });

  test('invalid options are refused by name', () => {
    const tokenizer = BertTokenizer.fromPretrained(sharedPath(UNCASED_DIR, 'vocab.txt'));
    assert.throws(() => tokenizer.encode('a', undefined, { maxLength: -1 }), /maxLength must be a non-negative integer, got -1/);
    assert.throws(() => tokenizer.encode('a', undefined, { maxLength: 5, stride: 0.5 }), /stride must be a non-negative integer/);
    assert.throws(() => tokenizer.encode('a', undefined, { padding: 'longest', padToMultipleOf: 0 }), /padToMultipleOf must be a positive integer/);
    assert.throws(() => tokenizer.encode('a', undefined, { truncation: 'shortest' as never, maxLength: 4 }), /truncation must be true, false or one of longest_first, only_first, only_second/);
    assert.throws(() => tokenizer.encode('a', undefined, { padding: 'all' as never }), /padding must be false, true, 'longest' or 'max_length'/);
    assert.throws(() => tokenizer.encodeBatch([['a'] as never]), /encodeBatch: input 0 must be a string or a pair/);
    assert.throws(() => tokenizer.encode(7 as never), /the text to encode must be a string, got number/);
  });

  test('decode skips every added special token and keeps the rest', () => {
    const tokenizer = BertTokenizer.fromPretrained(sharedPath(UNCASED_DIR, 'vocab.txt'));
    const ids = tokenizer.encode('un ##believable [UNK]', undefined, { maxLength: 16, padding: 'max_length' }).ids;
    assert.equal(tokenizer.decode(ids, { skipSpecialTokens: true }), 'un # # believable');
    assert.equal(tokenizer.decode(ids).startsWith('[CLS] un # # believable [UNK] [SEP] [PAD]'), true);
  });
});
