import assert from 'node:assert/strict';
import type { PretrainingBatch } from '../../src/data/pretraining-dataset.js';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bertParameterShapes } from '../../src/model/bert.js';
import { loadBert } from '../../src/model/checkpoint.js';
import { initializeParameters } from '../../src/runtime/init.js';
import { Rng } from '../../src/runtime/rng.js';
import { MlmEvaluator } from '../../src/train/evaluate-mlm.js';
import { type PretrainOptions, type PretrainingBatchSource, pretrain, pretrainingHeads } from '../../src/train/pretrain.js';
import { readPretrainingBatchFile } from '../../src/train/pretraining-batch-file.js';
import { PRESETS, presetConfig } from '../../src/train/presets.js';
import { readTrainerState } from '../../src/train/engine/checkpoint-dir.js';
import { TrainingLog } from '../../src/train/engine/training-log.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, expectedOutputs, fixtureInputs, fixturePath } from '../model/fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-pretrain-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** Random masked batches from a seeded Rng whose state is the data position. */
class RandomBatches implements PretrainingBatchSource {
  private rng: Rng;
  constructor(private readonly vocab: number, private readonly seq: number) {
    this.rng = new Rng(7);
  }
  nextBatch(batchSize: number): PretrainingBatch {
    const size = batchSize * this.seq;
    const ids = BigInt64Array.from({ length: size }, () => BigInt(5 + this.rng.int(this.vocab - 5)));
    const labels = new BigInt64Array(size).fill(-100n);
    const positions: bigint[] = [];
    for (let i = 0; i < size; i++) {
      if (this.rng.uniform() < 0.15 || i === 0) {
        labels[i] = ids[i]!;
        ids[i] = 4n;
        positions.push(BigInt(i));
      }
    }
    return {
      input_ids: ids, token_type_ids: new BigInt64Array(size), attention_mask: new BigInt64Array(size).fill(1n), labels,
      masked_lm_positions: BigInt64Array.from(positions), next_sentence_label: BigInt64Array.from({ length: batchSize }, () => BigInt(this.rng.int(2))),
      batchSize, seqLength: this.seq,
    };
  }
  state(): unknown {
    return this.rng.state();
  }
  restore(state: unknown): void {
    this.rng = Rng.fromState(state as ReturnType<Rng['state']>);
  }
}

const tinyConfig = () => ({ ...presetConfig('tiny', 300), hidden_size: 32, num_attention_heads: 2, intermediate_size: 64, max_position_embeddings: 32 });

function options(outputDir: string, extra: Partial<PretrainOptions> = {}): PretrainOptions {
  const config = tinyConfig();
  const heads = pretrainingHeads(true);
  const parameters = initializeParameters([...bertParameterShapes(config, heads)].map(([name, shape]) => ({ name, shape })), { seed: 3 });
  return {
    model: { config, heads, parameters }, data: new RandomBatches(config.vocab_size, 16), batchSize: 4, gradientAccumulationSteps: 2, maxSteps: 7,
    update: { optimizer: { kind: 'adamw', epsilon: 1e-6, weightDecay: 0.01 }, schedule: { kind: 'linear', peak: 2e-3, warmupSteps: 2, totalSteps: 7 }, maxGradNorm: 1 },
    seed: 11, threads: 1, outputDir, saveSteps: 3, ...extra,
  };
}

test('a run interrupted mid-way (signal) and resumed from its latest checkpoint computes exactly the uninterrupted losses, with dropout and accumulation', async () => {
  const whole = await pretrain(options(join(dir, 'whole')));
  assert.equal(whole.losses.length, 7);
  assert.ok(!whole.interrupted);

  const interruptedDir = join(dir, 'interrupted');
  const abort = new AbortController();
  const first = await pretrain(options(interruptedDir, { signal: abort.signal, onStep: (entry) => { if (entry.step === 5) abort.abort(); } }));
  assert.ok(first.interrupted);
  assert.equal(first.step, 5);
  assert.deepEqual(readdirSync(interruptedDir).filter((name) => name.startsWith('checkpoint-')).sort(), ['checkpoint-3', 'checkpoint-5'], 'the stop writes a checkpoint');
  assert.ok(!existsSync(join(interruptedDir, 'model.safetensors')), 'no final model for an interrupted run');
  assert.deepEqual(first.losses, whole.losses.slice(0, 5));

  // Resume from step 3 (as if the process died after checkpoint-3): steps 4 and 5 are recomputed.
  rmSync(join(interruptedDir, 'checkpoint-5'), { recursive: true });
  const second = await pretrain(options(interruptedDir, { resume: true }));
  assert.equal(second.startStep, 3);
  assert.deepEqual(second.losses, whole.losses.slice(3), 'resumed losses equal the uninterrupted run exactly');
  const log = new TrainingLog(join(interruptedDir, 'log.jsonl')).read().filter((e) => e.kind === 'train').map((e) => e.step);
  assert.deepEqual(log, [1, 2, 3, 4, 5, 6, 7], 'the log drops the recomputed entries');
  const a = await loadBert(join(dir, 'whole'), { warn: () => {} });
  const b = await loadBert(interruptedDir, { warn: () => {} });
  for (const name of a.parameters.names) assert.deepEqual(b.parameters.get(name), a.parameters.get(name), name);
  assert.equal(readTrainerState(join(interruptedDir, 'checkpoint-6')).global_step, 6);
  await assert.rejects(pretrain(options(interruptedDir)), /holds checkpoints of an earlier run .*continue it with --resume/);
  // Different data or dropout seeds give different losses: the equality above is not vacuous.
  const other = await pretrain(options(join(dir, 'other-seed'), { seed: 12, maxSteps: 2, saveSteps: 0 }));
  assert.notEqual(other.losses[1], whole.losses[1]);
});

test('when the data fails while a failing step runs, pretrain reports the data error and leaves no unhandled rejection', async () => {
  const unhandled: unknown[] = [];
  const record = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', record);
  try {
    let calls = 0;
    const random = new RandomBatches(tinyConfig().vocab_size, 16);
    const data: PretrainingBatchSource = {
      nextBatch(batchSize) {
        if (++calls > 1) throw new Error('the data broke');
        const batch = random.nextBatch(batchSize);
        batch.input_ids[0] = 1_000_000n; // past the vocabulary: the step fails in ONNX Runtime's Gather
        return batch;
      },
      state: () => ({}),
      restore: () => {},
    };
    await assert.rejects(pretrain(options(join(dir, 'broken-data'), { data, gradientAccumulationSteps: 1, saveSteps: 0 })), /the data broke/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', record);
  }
});

test('held-out evaluation of the fixture gives PyTorch\'s MLM and NSP losses and the accuracy of its logits',
  { skip: skipWithoutShared(FIXTURE, 'expected_outputs.safetensors') }, async () => {
    const model = await loadBert(fixturePath(), { warn: () => {} });
    const batch = readPretrainingBatchFile(fixturePath('inputs.json'), model.config, true);
    const evaluator = await MlmEvaluator.create(model.config, model.heads, { threads: 1 });
    const weights = Object.fromEntries(model.parameters.names.map((name) => [name, model.parameters.get(name)]));
    const result = await evaluator.evaluate(weights, [batch]);
    await evaluator.dispose();
    const facts = { loss_mlm: 10.257097244262695, loss_nsp: 0.6863135099411011 };
    assert.ok(Math.abs(result.mlmLoss - facts.loss_mlm) < 1e-5 * facts.loss_mlm, `MLM loss ${result.mlmLoss}`);
    assert.ok(Math.abs(result.nspLoss! - facts.loss_nsp) < 1e-5, `NSP loss ${result.nspLoss}`);
    const expected = expectedOutputs();
    const logits = expected.get('mlm_logits_at_labels')!.data as Float32Array;
    const labels = fixtureInputs().mlm_labels.flat().filter((label) => label !== -100);
    const vocab = logits.length / labels.length;
    const hits = labels.filter((label, row) => {
      const rowLogits = logits.subarray(row * vocab, (row + 1) * vocab);
      return rowLogits.indexOf(Math.max(...rowLogits)) === label;
    }).length;
    assert.equal(result.mlmAccuracy, hits / labels.length);
    const nsp = expected.get('nsp_logits')!.data as Float32Array;
    const nspHits = fixtureInputs().nsp_labels.filter((label, b) => (nsp[2 * b + 1]! > nsp[2 * b]! ? 1 : 0) === label).length;
    assert.equal(result.nspAccuracy, nspHits / 4);
    assert.equal(result.maskedTokens, labels.length);
  });

test('presets have BERT\'s miniature shapes; base has bert-base-uncased\'s 110,106,428 BertForPreTraining parameters', () => {
  const count = (name: keyof typeof PRESETS) => [...bertParameterShapes(presetConfig(name, 30522), pretrainingHeads(true)).values()]
    .reduce((sum, shape) => sum + shape.reduce((a, b) => a * b, 1), 0);
  assert.equal(count('base'), 110_106_428);
  const mini = presetConfig('mini', 30522);
  assert.deepEqual([mini.num_hidden_layers, mini.hidden_size, mini.num_attention_heads, mini.intermediate_size], [4, 256, 4, 1024]);
  assert.deepEqual([presetConfig('medium', 100).num_hidden_layers, presetConfig('small', 100).hidden_size], [8, 512]);
  assert.throws(() => presetConfig('large', 30522), /unknown preset 'large'/);
});
