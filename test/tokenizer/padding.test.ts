// Padding against transformers.js (batch 'longest', 'max_length', left side) on SST-2 sentences
// and RTE pairs; pad_to_multiple_of, which transformers.js lacks, against HF's rule (padding.rs:
// the length rounded up to the next multiple) and HF's values for padded positions (pad id and
// type id 0, attention 0, special-tokens mask 1, no word, offsets (0, 0)).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';
import { BertTokenizer } from '../../src/tokenizer/bert-tokenizer.js';
import { loadPeer, rtePairs, sst2Sentences, UNCASED_DIR } from './helpers/bert-tokenizer-peer.js';

const skip = skipWithoutShared(UNCASED_DIR, 'tokenizer.json') || skipWithoutShared('data/sst2/train.tsv') || skipWithoutShared('data/rte/train.tsv');

interface PeerBatch {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
}

describe('padding against transformers.js', { skip }, () => {
  let ours: BertTokenizer;
  let peer: PreTrainedTokenizer;
  const peerBatch = (texts: string[], options: Record<string, unknown>, pairs?: string[]) =>
    peer(texts, { text_pair: pairs ?? null, return_tensor: false, return_token_type_ids: true, ...options }) as unknown as PeerBatch;
  before(async () => {
    ours = BertTokenizer.fromPretrained(sharedPath(UNCASED_DIR));
    peer = await loadPeer(sharedPath(UNCASED_DIR));
  });

  test("batches of sentences padded to the longest ('longest' = true)", () => {
    const sentences = sst2Sentences(240);
    for (let start = 0; start < sentences.length; start += 16) {
      const batch = sentences.slice(start, start + 16);
      const expected = peerBatch(batch, { padding: true });
      const encodings = ours.encodeBatch(batch, { padding: 'longest' });
      assert.deepEqual(encodings.map((e) => e.ids), expected.input_ids, `batch at ${start}: ids`);
      assert.deepEqual(encodings.map((e) => e.attentionMask), expected.attention_mask, `batch at ${start}: attention`);
      assert.deepEqual(encodings.map((e) => e.typeIds), expected.token_type_ids, `batch at ${start}: type ids`);
      assert.deepEqual(ours.encodeBatch(batch, { padding: true }).map((e) => e.ids), expected.input_ids);
    }
  });

  test('batches of pairs padded to max_length 128, then on the left', () => {
    const pairs = rtePairs(64).filter(([a, b]) => peer.tokenize(a).length + peer.tokenize(b).length + 3 <= 128);
    assert.ok(pairs.length > 30);
    const firsts = pairs.map(([a]) => a);
    const seconds = pairs.map(([, b]) => b);
    const expected = peerBatch(firsts, { padding: 'max_length', max_length: 128, truncation: true }, seconds);
    const encodings = ours.encodeBatch(pairs, { padding: 'max_length', maxLength: 128 });
    assert.deepEqual(encodings.map((e) => e.ids), expected.input_ids);
    assert.deepEqual(encodings.map((e) => e.attentionMask), expected.attention_mask);
    assert.deepEqual(encodings.map((e) => e.typeIds), expected.token_type_ids);

    peer.padding_side = 'left';
    try {
      const left = peerBatch(firsts, { padding: 'max_length', max_length: 128, truncation: true }, seconds);
      const ourLeft = ours.encodeBatch(pairs, { padding: 'max_length', maxLength: 128, paddingSide: 'left' });
      assert.deepEqual(ourLeft.map((e) => e.ids), left.input_ids);
      assert.deepEqual(ourLeft.map((e) => e.attentionMask), left.attention_mask);
    } finally {
      peer.padding_side = 'right';
    }
  });
});

describe('padding rules from HF source', { skip: skipWithoutShared(UNCASED_DIR, 'vocab.txt') }, () => {
  test('padded positions: [PAD] id 0, type 0, attention 0, special mask 1, word and sequence null, offsets [0, 0]', () => {
    const tokenizer = BertTokenizer.fromPretrained(sharedPath(UNCASED_DIR, 'vocab.txt'));
    const [short, long] = tokenizer.encodeBatch([['hi', 'there'], 'one two three four five six'], { padding: true });
    assert.equal(short!.ids.length, long!.ids.length);
    assert.equal(long!.ids.length, 8);
    assert.deepEqual(short!.tokens, ['[CLS]', 'hi', '[SEP]', 'there', '[SEP]', '[PAD]', '[PAD]', '[PAD]']);
    assert.deepEqual(short!.ids.slice(5), [0, 0, 0]);
    assert.deepEqual(short!.typeIds, [0, 0, 0, 1, 1, 0, 0, 0]);
    assert.deepEqual(short!.attentionMask, [1, 1, 1, 1, 1, 0, 0, 0]);
    assert.deepEqual(short!.specialTokensMask, [1, 0, 1, 0, 1, 1, 1, 1]);
    assert.deepEqual(short!.wordIds, [null, 0, null, 0, null, null, null, null]);
    assert.deepEqual(short!.sequenceIds, [null, 0, null, 1, null, null, null, null]);
    assert.deepEqual(short!.offsets.slice(5), [[0, 0], [0, 0], [0, 0]]);
  });

  test('pad_to_multiple_of rounds up (8 → 8, 9 → 16), alone or with max_length, and overflow windows are padded too', () => {
    const tokenizer = BertTokenizer.fromPretrained(sharedPath(UNCASED_DIR, 'vocab.txt'));
    const lengths = (inputs: string[], options: object) => tokenizer.encodeBatch(inputs, options).map((e) => e.ids.length);
    assert.deepEqual(lengths(['a b c d e f'], { padding: true, padToMultipleOf: 8 }), [8]);
    assert.deepEqual(lengths(['a b c d e f g'], { padding: true, padToMultipleOf: 8 }), [16]);
    assert.deepEqual(lengths(['a', 'a b c d e f g'], { padding: 'longest', padToMultipleOf: 4 }), [12, 12]);
    assert.deepEqual(lengths(['a'], { padding: 'max_length', maxLength: 10, padToMultipleOf: 4 }), [12]);
    // 11 tokens, 6 per window, stride 2: windows [0, 6), [4, 10), [8, 11).
    const windowed = tokenizer.encode('a b c d e f g h i j k', undefined, {
      maxLength: 8, truncation: true, stride: 2, returnOverflowing: true, padding: 'max_length', padToMultipleOf: 4,
    });
    assert.deepEqual([windowed, ...windowed.overflowing].map((e) => e.ids.length), [8, 8, 8]);
    assert.deepEqual(windowed.overflowing.at(-1)!.attentionMask, [1, 1, 1, 1, 1, 0, 0, 0]);
  });

  test('errors: max_length padding with truncation needs maxLength a multiple of padToMultipleOf; max_length without any length', () => {
    const tokenizer = BertTokenizer.fromPretrained(sharedPath(UNCASED_DIR, 'vocab.txt'));
    assert.throws(
      () => tokenizer.encode('a', undefined, { padding: 'max_length', maxLength: 10, truncation: true, padToMultipleOf: 4 }),
      /maxLength 10 is not a multiple of padToMultipleOf 4/,
    );
    assert.throws(() => tokenizer.encode('a', undefined, { padding: 'max_length' }), /padding 'max_length' needs maxLength/);
  });
});
