import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBertConfig } from '../../../src/model/config.js';
import { encoderFlopsPerToken, servingThreading } from '../../../src/serve/http/serving-threading.js';

const shape = (layers: number, hidden: number) => parseBertConfig({
  vocab_size: 100, hidden_size: hidden, num_hidden_layers: layers, num_attention_heads: hidden / 64, intermediate_size: 4 * hidden, max_position_embeddings: 64,
}, 'test');

describe('servingThreading', () => {
  it('counts 2 FLOPs per weight of the encoder layers\' matrices', () => {
    // bert-tiny: 2 layers of Q, K, V, O (128 × 128 each) and the FFN (128 × 512 twice).
    assert.equal(encoderFlopsPerToken(shape(2, 128)), 2 * 2 * (4 * 128 * 128 + 2 * 128 * 512));
    assert.equal(encoderFlopsPerToken(shape(2, 128)), 786_432);
    // BERT-base: 85 M weights in its 12 layers.
    assert.equal(encoderFlopsPerToken(shape(12, 768)), 169_869_312);
  });

  it('gives bert-tiny one core fewer, small models no spinning and BERT-base all cores spinning', () => {
    assert.deepEqual(servingThreading(shape(2, 128), undefined, 2), { threads: 1, spinWait: false });
    assert.deepEqual(servingThreading(shape(2, 128), undefined, 16), { threads: 15, spinWait: false });
    assert.deepEqual(servingThreading(shape(2, 128), undefined, 1), { threads: 1, spinWait: false });
    assert.deepEqual(servingThreading(shape(4, 256), undefined, 2), { threads: 2, spinWait: false });
    assert.deepEqual(servingThreading(shape(12, 768), undefined, 2), { threads: 2, spinWait: true });
  });

  it('keeps the --threads the user gave', () => {
    assert.deepEqual(servingThreading(shape(2, 128), 2, 2), { threads: 2, spinWait: false });
    assert.deepEqual(servingThreading(shape(12, 768), 1, 8), { threads: 1, spinWait: true });
  });
});
