import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { PretrainingBatch } from '../../src/data/pretraining-dataset.js';
import { bertParameterShapes } from '../../src/model/bert.js';
import { initializeParameters } from '../../src/runtime/init.js';
import { type PretrainOptions, type PretrainingBatchSource, microBatchesAt, pretrain, pretrainingHeads } from '../../src/train/pretrain.js';
import { FixedBatchSource } from '../../src/train/pretraining-batch-file.js';
import { presetConfig } from '../../src/train/presets.js';
import { readTrainerState } from '../../src/train/engine/checkpoint-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-recipes-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('a batch-size ramp grows the micro-batches per update linearly from 1 to the accumulation steps', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 9].map((index) => microBatchesAt(index, 4, 3)), [1, 2, 3, 4, 4, 4]);
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((index) => microBatchesAt(index, 3, 4)), [1, 1, 2, 2, 3, 3]);
  assert.deepEqual([0, 5].map((index) => microBatchesAt(index, 4, 0)), [4, 4], 'no ramp');
});

/** Two sequences of `seq` tokens, a position in seven predicted. */
function batchOf(seq: number): PretrainingBatch {
  const size = 2 * seq;
  const predicted = (i: number) => i % 7 === 0;
  return {
    input_ids: BigInt64Array.from({ length: size }, (_, i) => BigInt(predicted(i) ? 4 : 5 + (i % 30))), token_type_ids: new BigInt64Array(size),
    attention_mask: new BigInt64Array(size).fill(1n), labels: BigInt64Array.from({ length: size }, (_, i) => (predicted(i) ? 9n : -100n)),
    masked_lm_positions: BigInt64Array.from({ length: size }, (_, i) => BigInt(i)).filter((i) => predicted(Number(i))), next_sentence_label: new BigInt64Array(2), batchSize: 2, seqLength: seq,
  };
}

/** A fixed-batch source that counts its draws. */
function counting(batch: PretrainingBatch): PretrainingBatchSource & { drawn: number } {
  const source = new FixedBatchSource(batch);
  const counter = { drawn: 0, nextBatch: (n: number) => { counter.drawn++; return source.nextBatch(n); }, state: () => ({ drawn: counter.drawn }), restore: (state: unknown) => { counter.drawn = (state as { drawn: number }).drawn; } };
  return counter;
}

function options(outputDir: string, data: PretrainingBatchSource, extra: Partial<PretrainOptions>): PretrainOptions {
  const config = { ...presetConfig('tiny', 40), hidden_size: 16, num_attention_heads: 1, intermediate_size: 32, max_position_embeddings: 16 };
  const heads = pretrainingHeads(false);
  return {
    model: { config, heads, parameters: initializeParameters([...bertParameterShapes(config, heads)].map(([name, shape]) => ({ name, shape })), { seed: 1 }) },
    data, batchSize: 2, maxSteps: 6,
    update: { optimizer: { kind: 'adamw', epsilon: 1e-6, weightDecay: 0 }, schedule: { kind: 'constant', peak: 1e-3 }, maxGradNorm: 1 },
    seed: 1, threads: 1, outputDir, saveSteps: 6, ...extra,
  };
}

test('pretraining under a ramp draws that many micro-batches per update and records the ramp in its checkpoints', async () => {
  const data = counting(batchOf(8));
  const outputDir = join(dir, 'ramp');
  await pretrain(options(outputDir, data, { gradientAccumulationSteps: 3, batchSizeRampSteps: 4 }));
  assert.equal(data.drawn, 1 + 1 + 2 + 2 + 3 + 3);
  assert.equal(readTrainerState(join(outputDir, 'checkpoint-6')).identity?.batch_size_ramp_steps, 4);
});

test('a sequence-length curriculum trains its first updates on the short sequences, and checkpoints keep both data positions', async () => {
  const short = counting(batchOf(4)), long = counting(batchOf(8));
  const outputDir = join(dir, 'curriculum');
  const run = await pretrain(options(outputDir, long, { curriculum: { data: short, steps: 2 }, saveSteps: 3 }));
  assert.equal(run.step, 6);
  assert.deepEqual([short.drawn, long.drawn], [2, 4]);
  const state = readTrainerState(join(outputDir, 'checkpoint-3'));
  assert.deepEqual(state.data, { main: { drawn: 1 }, curriculum: { drawn: 2 } });
  assert.equal(state.identity?.curriculum_steps, 2);
});
