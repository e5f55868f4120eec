import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { PretrainingBatch } from '../../src/data/pretraining-dataset.js';
import { grad } from '../../src/graph/autodiff.js';
import { Graph } from '../../src/graph/graph.js';
import { loadBert } from '../../src/model/checkpoint.js';
import { readBertConfig } from '../../src/model/config.js';
import { Rng } from '../../src/runtime/rng.js';
import { Session } from '../../src/runtime/session.js';
import { readTrainStepState } from '../../src/train/engine/checkpoint-dir.js';
import { TrainingLog, type TrainLogEntry } from '../../src/train/engine/training-log.js';
import { DEFAULT_GENERATOR_SIZE, electraConfigs, electraHeads, electraInitialParameters } from '../../src/train/electra.js';
import { buildElectraProgram, generatorConfig, replacedTokenLoss, sampleFromLogits } from '../../src/train/electra-program.js';
import { type PretrainOptions, pretrain } from '../../src/train/pretrain.js';
import { FixedBatchSource } from '../../src/train/pretraining-batch-file.js';
import { MlmEvaluator } from '../../src/train/evaluate-mlm.js';
import { ElectraEvaluator, discriminatorScores, rocAuc, sampleRows } from '../../src/train/evaluate-electra.js';
import { presetConfig } from '../../src/train/presets.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-electra-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const VOCAB = 60, SEQ = 16, BATCH = 4, MASK = 4n;
const tinyConfig = () => ({ ...presetConfig('tiny', VOCAB), hidden_size: 32, num_attention_heads: 2, intermediate_size: 64, max_position_embeddings: 32 });

/** One masked batch: every sixth token masked, the last two positions of row 1 padding. */
function maskedBatch(): PretrainingBatch {
  const rng = new Rng(5);
  const size = BATCH * SEQ;
  const ids = BigInt64Array.from({ length: size }, () => BigInt(5 + rng.int(VOCAB - 5)));
  const mask = new BigInt64Array(size).fill(1n);
  mask[SEQ + SEQ - 1] = 0n;
  mask[SEQ + SEQ - 2] = 0n;
  const labels = new BigInt64Array(size).fill(-100n);
  const positions: bigint[] = [];
  for (let i = 0; i < size; i += 6) {
    if (mask[i] === 0n) continue;
    labels[i] = ids[i]!;
    ids[i] = MASK;
    positions.push(BigInt(i));
  }
  return {
    input_ids: ids, token_type_ids: new BigInt64Array(size), attention_mask: mask, labels, masked_lm_positions: BigInt64Array.from(positions),
    next_sentence_label: new BigInt64Array(BATCH), batchSize: BATCH, seqLength: SEQ,
  };
}

function electraOptions(outputDir: string, extra: Partial<PretrainOptions> = {}): PretrainOptions {
  const configs = electraConfigs(tinyConfig(), DEFAULT_GENERATOR_SIZE);
  return {
    model: { config: configs.discriminator, heads: electraHeads(), parameters: electraInitialParameters(configs, 3) },
    electra: { generatorSize: DEFAULT_GENERATOR_SIZE },
    data: new FixedBatchSource(maskedBatch()), batchSize: BATCH, maxSteps: 16,
    update: { optimizer: { kind: 'adamw', epsilon: 1e-6, weightDecay: 0.01 }, schedule: { kind: 'constant', peak: 3e-3 }, maxGradNorm: 1 },
    seed: 11, threads: 1, outputDir, saveSteps: 0, ...extra,
  };
}

const trainEntries = (outputDir: string): TrainLogEntry[] => new TrainingLog(join(outputDir, 'log.jsonl')).read().filter((entry): entry is TrainLogEntry => entry.kind === 'train');
const metric = (entry: TrainLogEntry, name: string): number => (entry as unknown as Record<string, number>)[name]!;

test("ELECTRA's generator is sized as google-research/electra's get_generator_config and reads the discriminator's embeddings", () => {
  const { discriminator, generator } = electraConfigs({ ...presetConfig('small', 30522) }, 0.25);
  assert.equal(discriminator.model_type, 'electra');
  assert.equal(discriminator.embedding_size, 512);
  assert.deepEqual([generator.hidden_size, generator.num_attention_heads, generator.intermediate_size, generator.num_hidden_layers, generator.embedding_size], [128, 2, 512, 4, 512]);
  assert.throws(() => generatorConfig(discriminator, 0), /fraction in \(0, 1\]/);
  const program = buildElectraProgram(electraConfigs(tinyConfig(), 0.25));
  const names = program.parameters.map(({ name }) => name);
  assert.equal(names.filter((name) => name === 'electra.embeddings.word_embeddings.weight').length, 1, 'one embedding table, shared');
  assert.ok(names.includes('generator.electra.embeddings_project.weight'));
  assert.ok(names.includes('discriminator_predictions.dense_prediction.weight'));
  assert.ok(!names.some((name) => name.startsWith('generator.electra.embeddings.')), 'the generator has no embeddings of its own');
  assert.deepEqual(program.random.find(({ name }) => name === 'random.electra.sample')?.shape, ['masked', 1]);
});

test('the replaced-token loss and its gradient match a float64 reimplementation on given logits', async () => {
  const logits = [2.5, -1.25, 0.5, -30, 40, 0.001, -0.7, 3.3, 1.1, -2.2];
  const targets = [1, 0, 0, 1, 0, 1, 1, 0, 1, 0];
  const weights = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0];
  const graph = new Graph();
  const x = graph.input('x', 'float32', [2, 5]);
  const t = graph.input('t', 'float32', [2, 5]);
  const w = graph.input('w', 'float32', [2, 5]);
  const param = graph.parameter('p', [2, 5]);
  const loss = replacedTokenLoss(graph.addNode('Add', [x, param], [{ dtype: 'float32', shape: [2, 5] }])[0]!, t, w);
  const [gradient] = grad(loss, [param]);
  graph.output('loss', loss);
  graph.output('grad', gradient!);
  const session = await Session.create(graph);
  const feed = (values: number[]) => ({ data: Float32Array.from(values), dims: [2, 5] });
  const out = await session.run({ x: feed(logits), t: feed(targets), w: feed(weights), p: feed(new Array(10).fill(0)) });
  await session.dispose();
  // float64: −[t·log σ(x) + (1 − t)·log(1 − σ(x))], mean over weighted tokens; gradient w·(σ(x) − t)/Σw
  const sigma = (v: number) => 1 / (1 + Math.exp(-v));
  const total = weights.reduce((a, b) => a + b, 0);
  const expected = logits.reduce((sum, v, i) => {
    const logP = v >= 0 ? -Math.log1p(Math.exp(-v)) : v - Math.log1p(Math.exp(v));
    const logQ = v >= 0 ? -v - Math.log1p(Math.exp(-v)) : -Math.log1p(Math.exp(v));
    return sum - weights[i]! * (targets[i]! * logP + (1 - targets[i]!) * logQ);
  }, 0) / total;
  const got = (out.loss!.data as Float32Array)[0]!;
  assert.ok(Math.abs(got - expected) < 1e-5 * Math.max(1, expected), `loss ${got} vs ${expected}`);
  const grads = out.grad!.data as Float32Array;
  logits.forEach((v, i) => assert.ok(Math.abs(grads[i]! - weights[i]! * (sigma(v) - targets[i]!) / total) < 1e-6, `gradient ${i}`));
});

test('sampling from the generator logits by inverse CDF picks the class whose cumulative probability first exceeds u', async () => {
  const rows = [[0, 1, 2, 3], [5, -5, 0, 0], [-1, -1, -1, -1]];
  const uniforms = [0.05, 0.5, 0.99, 0.3, 0.999, 0.1, 0.6, 0.9999999];
  const graph = new Graph();
  const logits = graph.input('logits', 'float32', [8, 4]);
  const u = graph.input('u', 'float32', [8, 1]);
  graph.output('sample', sampleFromLogits(logits, u));
  const session = await Session.create(graph);
  const table = uniforms.map((_, i) => rows[i % 3]!);
  const out = await session.run({ logits: { data: Float32Array.from(table.flat()), dims: [8, 4] }, u: { data: Float32Array.from(uniforms), dims: [8, 1] } });
  await session.dispose();
  const expected = table.map((row, i) => {
    const exps = row.map(Math.exp), sum = exps.reduce((a, b) => a + b, 0);
    let cdf = 0;
    for (let k = 0; k < row.length; k++) {
      cdf += exps[k]! / sum;
      if (uniforms[i]! < cdf) return k;
    }
    return row.length - 1;
  });
  assert.deepEqual([...(out.sample!.data as BigInt64Array)].map(Number), expected);
});

test('a few ELECTRA updates lower the joint loss, log both losses, and save the discriminator as a plain BertModel and the generator as ElectraForMaskedLM', async () => {
  const outputDir = join(dir, 'run');
  const result = await pretrain(electraOptions(outputDir, { saveSteps: 16, evalBatches: [maskedBatch()], evalSteps: 8 }));
  assert.equal(result.step, 16);
  const entries = trainEntries(outputDir);
  for (const entry of entries) {
    const generator = metric(entry, 'generator_loss'), discriminator = metric(entry, 'discriminator_loss');
    assert.ok(Number.isFinite(generator) && Number.isFinite(discriminator), 'both losses logged');
    assert.ok(Math.abs(entry.loss - (generator + 50 * discriminator)) < 1e-3 * entry.loss, `loss ${entry.loss} = generator ${generator} + 50 × discriminator ${discriminator}`);
  }
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  assert.ok(mean(result.losses.slice(-3)) < 0.8 * mean(result.losses.slice(0, 3)), `loss falls: ${result.losses.map((loss) => loss.toFixed(3)).join(' ')}`);
  assert.ok(metric(entries[0]!, 'generator_loss') > metric(entries.at(-1)!, 'generator_loss'), 'the generator learns');

  const config = readBertConfig(join(outputDir, 'config.json'));
  assert.equal(config.model_type, 'bert');
  assert.deepEqual(config.architectures, ['BertModel']);
  assert.equal(config.embedding_size, undefined);
  const warnings: string[] = [];
  const bert = await loadBert(outputDir, { warn: (message) => warnings.push(message) });
  assert.equal(bert.architecture, 'BertModel');
  assert.deepEqual(bert.report, { missing: [], unexpected: [] });
  assert.deepEqual(warnings, []);
  // The discriminator's trained encoder (as the last checkpoint holds it), under BERT's names.
  const program = buildElectraProgram(electraConfigs(tinyConfig(), DEFAULT_GENERATOR_SIZE));
  const trained = readTrainStepState(join(outputDir, 'checkpoint-16'), program.parameters).train.parameters;
  assert.deepEqual(bert.parameters.get('encoder.layer.1.output.dense.weight'), trained['electra.encoder.layer.1.output.dense.weight']);
  assert.deepEqual(bert.parameters.get('embeddings.LayerNorm.weight'), trained['electra.embeddings.LayerNorm.weight']);

  const generator = await loadBert(join(outputDir, 'generator'), { warn: () => {} });
  assert.equal(generator.architecture, 'ElectraForMaskedLM');
  // Held-out evaluations score the generator: the last one is what the saved generator scores.
  const evaluations = new TrainingLog(join(outputDir, 'log.jsonl')).read().filter((entry) => entry.kind === 'eval') as unknown as { step: number; mlm_loss: number }[];
  assert.deepEqual(evaluations.map(({ step }) => step), [8, 16]);
  const evaluator = await MlmEvaluator.create(generator.config, generator.heads, { threads: 1 });
  const rescored = await evaluator.evaluate(generator.parameters, [maskedBatch()]);
  await evaluator.dispose();
  assert.ok(Math.abs(rescored.mlmLoss - evaluations[1]!.mlm_loss) < 1e-5, `${rescored.mlmLoss} vs ${evaluations[1]!.mlm_loss}`);
  assert.ok(evaluations[1]!.mlm_loss < evaluations[0]!.mlm_loss);
  // …and the discriminator on the held-out batch corrupted by the generator's samples. Training saw
  // that batch's masked positions replaced on every update, so by update 16 it ranks them high.
  const judged = evaluations as unknown as Record<string, number>[];
  for (const name of ['disc_auc', 'disc_accuracy', 'sampled_mlm_accuracy']) {
    assert.ok(judged.every((entry) => entry[name]! >= 0 && entry[name]! <= 1), `${name} logged in [0, 1]: ${judged.map((entry) => entry[name]).join(', ')}`);
  }
  assert.ok(judged[1]!.disc_auc! > 0.8 && judged[1]!.disc_auc! > judged[0]!.disc_auc!, `the discriminator learns to rank the replaced tokens: AUC ${judged[0]!.disc_auc} → ${judged[1]!.disc_auc}`);
  const electraEvaluator = await ElectraEvaluator.create(electraConfigs(tinyConfig(), DEFAULT_GENERATOR_SIZE), { threads: 1 });
  const again = await electraEvaluator.evaluate(trained, [maskedBatch()]);
  await electraEvaluator.dispose();
  assert.ok(Math.abs(again.discriminator.discAuc - judged[1]!.disc_auc!) < 1e-9, 'the log holds what the checkpoint scores (the same samples every time)');
  assert.ok(Math.abs(again.discriminator.discAccuracy - judged[1]!.disc_accuracy!) < 1e-9);
  assert.deepEqual(generator.report.missing, []);
  assert.equal(generator.config.hidden_size, 8);
  assert.equal(generator.config.embedding_size, 32);
  assert.deepEqual(generator.parameters.get('electra.embeddings.word_embeddings.weight'), bert.parameters.get('embeddings.word_embeddings.weight'), 'the embeddings are shared');
});

test('an ELECTRA run resumed from a checkpoint recomputes the uninterrupted losses exactly (sampling draws included)', async () => {
  const whole = await pretrain(electraOptions(join(dir, 'whole'), { maxSteps: 6 }));
  const resumedDir = join(dir, 'resumed');
  const abort = new AbortController();
  const first = await pretrain(electraOptions(resumedDir, { maxSteps: 6, saveSteps: 3, signal: abort.signal, onStep: (entry) => { if (entry.step === 3) abort.abort(); } }));
  assert.equal(first.step, 3);
  const checkpoint = join(resumedDir, 'checkpoint-3');
  assert.deepEqual(readBertConfig(join(checkpoint, 'config.json')).architectures, ['ElectraForPreTraining']);
  const program = buildElectraProgram(electraConfigs(tinyConfig(), DEFAULT_GENERATOR_SIZE));
  assert.equal(Object.keys(readTrainStepState(checkpoint, program.parameters).train.parameters).length, program.parameters.length, 'the checkpoint holds generator and discriminator');
  const discriminator = await loadBert(checkpoint, { warn: () => {} });
  assert.equal(discriminator.architecture, 'ElectraForPreTraining');
  assert.deepEqual(discriminator.report.missing, []);
  const second = await pretrain(electraOptions(resumedDir, { maxSteps: 6, resume: true }));
  assert.deepEqual([...first.losses, ...second.losses], whole.losses);
});

test('ROC AUC from ranks equals the share of positive–negative pairs ordered right (ties half), and is NaN with one class', () => {
  const rng = new Rng(9);
  for (let trial = 0; trial < 5; trial++) {
    const scores = Array.from({ length: 200 }, () => Math.round(rng.uniform() * 20) / 4); // many ties
    const positive = scores.map((score) => rng.uniform() < 0.2 + score / 10);
    let pairs = 0, won = 0;
    scores.forEach((p, i) => scores.forEach((n, j) => {
      if (!positive[i] || positive[j]) return;
      pairs++;
      won += p > n ? 1 : p === n ? 0.5 : 0;
    }));
    assert.ok(Math.abs(rocAuc(scores, positive) - won / pairs) < 1e-12);
  }
  assert.ok(Number.isNaN(rocAuc([0.1, 0.2], [false, false])));
});

test("the discriminator's accuracy, precision and recall count tokens as google-research/electra's metric_fn does", () => {
  // logit > 0 calls a token replaced: calls [T, T, F, F, T], truth [T, F, T, F, F]
  const scores = discriminatorScores([2, 0.5, -1, -3, 0.1], [true, false, true, false, false]);
  assert.equal(scores.discAccuracy, 2 / 5);
  assert.equal(scores.discPrecision, 1 / 3);
  assert.equal(scores.discRecall, 1 / 2);
  assert.equal(scores.replacedTokens, 2);
  assert.ok(Number.isNaN(discriminatorScores([-1, -2], [true, false]).discPrecision), 'no token called replaced: precision undefined');
});

test('evaluation samples follow softmax(logits): draw frequencies against the probabilities', () => {
  const logits = Float32Array.from([0, 1, 2, -1, 0.5, 0, 0, 3]); // two rows of four classes
  const rows = 2, draws = 20000;
  const counts = [new Array(4).fill(0), new Array(4).fill(0)];
  const rng = new Rng(4);
  for (let i = 0; i < draws; i++) sampleRows(logits, rows, rng).forEach((sample, row) => counts[row]![sample]++);
  for (let row = 0; row < rows; row++) {
    const values = [...logits.subarray(4 * row, 4 * row + 4)];
    const total = values.reduce((sum, value) => sum + Math.exp(value), 0);
    values.forEach((value, c) => {
      const p = Math.exp(value) / total, observed = counts[row]![c]! / draws;
      assert.ok(Math.abs(observed - p) < 4 * Math.sqrt((p * (1 - p)) / draws), `row ${row} class ${c}: ${observed} vs ${p}`);
    });
  }
});
