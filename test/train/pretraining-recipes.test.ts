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
import { TrainingLog } from '../../src/train/engine/training-log.js';
import { BertRunner } from '../../src/model/runner.js';
import { poolRows } from '../../src/model/pooling.js';

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

test("the contrastive term: the loss is masked LM + weight × SimCSE's loss between the two views' pooled last states, both terms logged", async () => {
  const seq = 6;
  // Two texts (the second padded), each in two rows: rows 0, 1 the first views, rows 2, 3 the second, masked elsewhere (4 = [MASK]).
  const texts = [[2, 10, 11, 12, 13, 3], [2, 20, 21, 22, 3, 0]];
  const maskedAt = [[1, 4], [2], [3], [1, 3]];
  const rows = [0, 1, 0, 1].map((text) => texts[text]!);
  const flat = rows.flatMap((ids, row) => ids.map((id, t) => (maskedAt[row]!.includes(t) ? 4 : id)));
  const labels = rows.flatMap((ids, row) => ids.map((id, t) => (maskedAt[row]!.includes(t) ? id : -100)));
  const batch: PretrainingBatch = {
    input_ids: BigInt64Array.from(flat, BigInt), token_type_ids: new BigInt64Array(4 * seq),
    attention_mask: BigInt64Array.from(rows.flat(), (id) => (id === 0 ? 0n : 1n)), labels: BigInt64Array.from(labels, BigInt),
    masked_lm_positions: BigInt64Array.from(labels.flatMap((label, i) => (label >= 0 ? [BigInt(i)] : []))), next_sentence_label: new BigInt64Array(4), batchSize: 4, seqLength: seq,
  };
  const noDropout = (outputDir: string, extra: Partial<PretrainOptions>): PretrainOptions => {
    const base = options(outputDir, new FixedBatchSource(batch), { batchSize: 4, maxSteps: 1, saveSteps: 0, ...extra });
    const config = { ...base.model.config, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 };
    return { ...base, model: { ...base.model, config } };
  };
  const firstStep = async (name: string, extra: Partial<PretrainOptions>): Promise<Record<string, number>> => {
    await pretrain(noDropout(join(dir, name), extra));
    return new TrainingLog(join(dir, name, 'log.jsonl')).read().find((entry) => entry.kind === 'train') as unknown as Record<string, number>;
  };
  const weight = 0.5, temperature = 0.1;
  const plain = await firstStep('plain', {});
  const combined = await firstStep('contrastive', { contrastive: { weight, temperature } });
  // Step 1's losses are those of the initial weights (taken before the update).
  assert.ok(Math.abs(combined.mlm_loss! - plain.loss!) < 1e-5, `mlm_loss ${combined.mlm_loss} vs the plain run's loss ${plain.loss}`);
  assert.ok(Math.abs(combined.loss! - (combined.mlm_loss! + weight * combined.contrastive_loss!)) < 1e-5);
  // The contrastive term from the initial weights' last hidden state, pooled on the host and scored in float64.
  const model = noDropout(join(dir, 'unused'), {}).model;
  const runner = await BertRunner.create(model, { outputs: ['last_hidden_state'], threads: 1 });
  const out = await runner.run({ batchSize: 4, seqLength: seq, inputIds: batch.input_ids, tokenTypeIds: batch.token_type_ids, attentionMask: batch.attention_mask }, model.parameters);
  await runner.dispose();
  const hidden = out.last_hidden_state!;
  const pooled = poolRows(hidden.data as Float32Array, batch.attention_mask, hidden.dims, 'mean', true);
  const score = (i: number, j: number): number => pooled[i]!.reduce((sum, v, k) => sum + v * pooled[2 + j]![k]!, 0) / temperature;
  const crossEntropy = (logits: number[], target: number): number => Math.log(logits.reduce((sum, v) => sum + Math.exp(v), 0)) - logits[target]!;
  let expected = 0;
  for (let i = 0; i < 2; i++) expected += crossEntropy([score(i, 0), score(i, 1)], i) + crossEntropy([score(0, i), score(1, i)], i);
  expected /= 4;
  assert.ok(Math.abs(combined.contrastive_loss! - expected) < 1e-4, `contrastive_loss ${combined.contrastive_loss} vs ${expected}`);
  await assert.rejects(pretrain(noDropout(join(dir, 'odd'), { batchSize: 3, contrastive: { weight, temperature } })), /needs an even batch size \(two views per text\), got 3/);
});
