// A sentence-embedding model fine-tuned on scored pairs (--task similarity): it learns, it is saved
// in the sentence-transformers layout as a bare BertModel, and every path that reads it back (evaluate,
// predict through the inference graph, the server's pooling) agrees with what training scored.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { similarityTask } from '../../src/data/tasks/classification.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { readBertConfig } from '../../src/model/config.js';
import { sentenceTransformersPooling } from '../../src/model/sentence-transformers.js';
import { evaluateFinetuned, loadFinetuned, predictFinetuned } from '../../src/serve/finetuned-model.js';
import { BertTokenizer } from '../../src/tokenizer/bert-tokenizer.js';
import { finetune } from '../../src/train/finetune.js';
import { TaskPredictor } from '../../src/train/finetune-evaluate.js';
import { BertInference } from '../../src/serve/bert-inference.js';
import { prepareFinetuneModel, taskLabelsOf } from '../../src/train/finetune-model.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, fixturePath } from '../model/fixture.js';
import { similarityTsv } from './finetune-data.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-similarity-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const skip = skipWithoutShared(FIXTURE, 'model.safetensors');

test('similarity fine-tuning raises the dev correlation and saves a sentence-transformers model that scores the same when read back', { skip }, async () => {
  const trainPath = join(dir, 'train.tsv'), devPath = join(dir, 'dev.tsv');
  writeFileSync(trainPath, similarityTsv(240, 5));
  writeFileSync(devPath, similarityTsv(60, 6));
  const tokenizer = BertTokenizer.fromPretrained(fixturePath());
  const train = await similarityTask.load(trainPath, tokenizer, { maxSeqLength: 16 });
  const dev = await similarityTask.load(devPath, tokenizer, { maxSeqLength: 16 });
  const model = await prepareFinetuneModel(fixturePath(), taskLabelsOf(train), 0);
  assert.deepEqual(model.initialised, [], 'a bare encoder: nothing new to initialise');

  const predictor = await TaskPredictor.create(model.config, model.heads, { threads: 1, similarity: 'mean' });
  const initialWeights = Object.fromEntries([...model.parameters.entries()].map(({ name, data }) => [name, data.slice()]));
  const before = similarityTask.evaluate(dev, await predictor.predict(initialWeights, dev.features)).pearson!;
  await predictor.dispose();

  const outputDir = join(dir, 'model');
  const result = await finetune({ task: similarityTask, train, dev, tokenizer, model, outputDir, seed: 0, epochs: 6, batchSize: 16, learningRate: 2e-3, threads: 1, maxSeqLength: 16 });
  const after = result.bestMetrics!.pearson!;
  assert.ok(after > Math.max(before + 0.2, 0.6), `dev pearson ${after} after training, ${before} before`);
  assert.ok(result.trainLosses.at(-1)! < result.trainLosses[0]!, 'training loss fell');

  // A bare BertModel (HF names without the bert. prefix) with the sentence-transformers files.
  assert.deepEqual(readBertConfig(join(outputDir, 'config.json')).architectures, ['BertModel']);
  const tensors = readSafetensors(join(outputDir, 'model.safetensors')).tensors;
  assert.ok(tensors.has('encoder.layer.0.attention.self.query.weight') && tensors.has('pooler.dense.weight'));
  const json = (path: string): unknown => JSON.parse(readFileSync(join(outputDir, path), 'utf8'));
  assert.deepEqual(json('modules.json'), [
    { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
    { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
  ]);
  assert.deepEqual(json('sentence_bert_config.json'), { max_seq_length: 16, do_lower_case: false });
  const pooling = json('1_Pooling/config.json') as Record<string, unknown>;
  assert.equal(pooling.word_embedding_dimension, 32);
  assert.equal(pooling.pooling_mode_mean_tokens, true);
  assert.equal(pooling.pooling_mode_cls_token, false);
  assert.equal(sentenceTransformersPooling(outputDir), 'mean', 'what bertkit serve and TEI pool by');

  // evaluate reads it as a similarity model and scores what training scored.
  const loaded = await loadFinetuned(outputDir);
  assert.equal(loaded.kind, 'similarity');
  const { metrics } = await evaluateFinetuned(loaded, similarityTask, devPath, { maxSeqLength: 16 }, { threads: 1 });
  assert.ok(Math.abs(metrics.pearson! - after) < 1e-6, `evaluate ${metrics.pearson} vs ${after} in training`);

  // predict embeds through the fused inference graph: the same cosines as the training-side predictor.
  const pairs = dev.examples.slice(0, 4) as { text: string; textPair: string }[];
  const predicted = (await predictFinetuned(loaded, pairs.map(({ text, textPair }) => ({ text, textPair })), { threads: 1 })) as { similarity: number }[];
  const scorer = await TaskPredictor.create(loaded.model.config, loaded.model.heads, { threads: 1, similarity: 'mean' });
  const cosines = (await scorer.predict(loaded.model.parameters, dev.features.slice(0, 4))).logits!.map((row) => row[0]!);
  await scorer.dispose();
  predicted.forEach((p, i) => assert.ok(Math.abs(p.similarity - cosines[i]!) < 1e-4, `pair ${i}: predict ${p.similarity} vs ${cosines[i]}`));
});

test('similarity with [CLS] pooling trains on the [CLS] states, says so in 1_Pooling/config.json and is read back that way', { skip }, async () => {
  const tokenizer = BertTokenizer.fromPretrained(fixturePath());
  const trainPath = join(dir, 'cls-train.tsv'), devPath = join(dir, 'cls-dev.tsv');
  writeFileSync(trainPath, similarityTsv(96, 7));
  writeFileSync(devPath, similarityTsv(32, 8));
  const train = await similarityTask.load(trainPath, tokenizer, { maxSeqLength: 16 });
  const dev = await similarityTask.load(devPath, tokenizer, { maxSeqLength: 16 });
  const model = await prepareFinetuneModel(fixturePath(), taskLabelsOf(train), 0);
  const outputDir = join(dir, 'cls');
  const result = await finetune({ task: similarityTask, train, dev, tokenizer, model, outputDir, seed: 0, epochs: 2, batchSize: 16, learningRate: 2e-3, threads: 1, maxSeqLength: 16, pooling: 'cls' });
  assert.equal(sentenceTransformersPooling(outputDir), 'cls');
  const loaded = await loadFinetuned(outputDir);
  const { metrics } = await evaluateFinetuned(loaded, similarityTask, devPath, { maxSeqLength: 16 }, { threads: 1 });
  assert.ok(Math.abs(metrics.pearson! - result.bestMetrics!.pearson!) < 1e-6, `evaluate ${metrics.pearson} vs ${result.bestMetrics!.pearson} in training`);
  // Scored by mean pooling instead, the same weights give other cosines: the pooling is really applied.
  const meanScorer = await TaskPredictor.create(loaded.model.config, loaded.model.heads, { threads: 1, similarity: 'mean' });
  const meanPearson = similarityTask.evaluate(dev, await meanScorer.predict(loaded.model.parameters, dev.features)).pearson!;
  await meanScorer.dispose();
  assert.notEqual(meanPearson, metrics.pearson);
});

test('evaluate --task similarity scores a pretrained encoder zero-shot: the Pearson of its mean-pooled cosines, as the inference graph embeds the texts', { skip }, async () => {
  const devPath = join(dir, 'zero-shot.tsv');
  writeFileSync(devPath, similarityTsv(40, 9));
  await assert.rejects(loadFinetuned(fixturePath()), /BertForPreTraining, not a fine-tuned task model.*--task similarity scores a pretrained encoder/);
  const loaded = await loadFinetuned(fixturePath(), { kind: 'similarity' });
  assert.equal(loaded.model.architecture, 'BertForPreTraining');
  const { metrics, data } = await evaluateFinetuned(loaded, similarityTask, devPath, { maxSeqLength: 16 }, { threads: 1 });

  // Reference: each text embedded alone by BertInference (fused graph, mean pooling), cosines and Pearson in float64.
  const inference = await BertInference.load(fixturePath(), { threads: 1, maxLength: 16 });
  const pairs = data.examples as { text: string; textPair: string; label: number }[];
  const embeddings = await inference.embed(pairs.flatMap(({ text, textPair }) => [text, textPair]), { pooling: 'mean', normalize: true });
  await inference.dispose();
  const cosines = pairs.map((_, i) => embeddings[2 * i]!.reduce((sum, value, k) => sum + value * embeddings[2 * i + 1]![k]!, 0));
  const gold = pairs.map((pair) => pair.label as number);
  const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
  const [mc, mg] = [mean(cosines), mean(gold)];
  const covariance = cosines.reduce((sum, c, i) => sum + (c - mc) * (gold[i]! - mg), 0);
  const spread = (values: number[], m: number): number => Math.sqrt(values.reduce((sum, value) => sum + (value - m) ** 2, 0));
  const reference = covariance / (spread(cosines, mc) * spread(gold, mg));
  assert.ok(Math.abs(metrics.pearson! - reference) < 1e-4, `evaluate ${metrics.pearson} vs reference ${reference}`);
});
