import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PretrainingBatch } from '../../src/data/pretraining-dataset.js';
import { bertParameterShapes } from '../../src/model/bert.js';
import { initializeParameters } from '../../src/runtime/init.js';
import { MlmEvaluator } from '../../src/train/evaluate-mlm.js';
import { pretrainingHeads } from '../../src/train/pretrain.js';
import { presetConfig } from '../../src/train/presets.js';

test('an evaluation batch without masked positions is an error naming the batch, not a NaN loss', async () => {
  const config = { ...presetConfig('tiny', 40), hidden_size: 8, num_attention_heads: 2, intermediate_size: 16, max_position_embeddings: 8, num_hidden_layers: 1 };
  const heads = pretrainingHeads(false);
  const parameters = initializeParameters([...bertParameterShapes(config, heads)].map(([name, shape]) => ({ name, shape })), { seed: 1 });
  const weights = Object.fromEntries([...parameters.entries()].map(({ name, data }) => [name, data]));
  const batch = (positions: number[]): PretrainingBatch => {
    const labels = new BigInt64Array(8).fill(-100n);
    for (const position of positions) labels[position] = 7n;
    return {
      input_ids: BigInt64Array.from([2n, 4n, 9n, 10n, 11n, 4n, 12n, 3n]), token_type_ids: new BigInt64Array(8), attention_mask: new BigInt64Array(8).fill(1n),
      labels, masked_lm_positions: BigInt64Array.from(positions, BigInt), next_sentence_label: new BigInt64Array(1), batchSize: 1, seqLength: 8,
    };
  };
  const evaluator = await MlmEvaluator.create(config, heads, { threads: 1 });
  try {
    const scored = await evaluator.evaluate(weights, [batch([1, 5])]);
    assert.ok(Number.isFinite(scored.mlmLoss) && scored.maskedTokens === 2);
    await assert.rejects(evaluator.evaluate(weights, [batch([1, 5]), batch([])]), /MlmEvaluator\.evaluate: evaluation batch 1 has no masked positions/);
  } finally {
    await evaluator.dispose();
  }
});
