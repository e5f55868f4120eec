// What a training run does to its output directory: it refuses to replace a model there unless asked,
// removes what killed runs left behind, and resumes only on the same training data (content, not
// only row count).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { classificationTask } from '../../src/data/tasks/classification.js';
import { BertTokenizer } from '../../src/tokenizer/bert-tokenizer.js';
import { type FinetuneOptions, finetune } from '../../src/train/finetune.js';
import { prepareFinetuneModel, taskLabelsOf } from '../../src/train/finetune-model.js';
import { finetuneSeeds } from '../../src/train/stability/multi-seed.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, fixturePath } from '../model/fixture.js';
import { sentimentTsv } from './finetune-data.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-training-output-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const skip = skipWithoutShared(FIXTURE, 'model.safetensors');

/** One epoch of 5 updates on 80 sentiment rows drawn with `dataSeed`, a checkpoint every 5 updates. */
async function run(outputDir: string, dataSeed: number, extra: Partial<FinetuneOptions> = {}): Promise<FinetuneOptions> {
  const file = join(dir, `train-${dataSeed}.tsv`);
  writeFileSync(file, sentimentTsv(80, dataSeed));
  const tokenizer = BertTokenizer.fromPretrained(fixturePath());
  const train = await classificationTask.load(file, tokenizer, { maxSeqLength: 32 });
  return {
    task: classificationTask, train, tokenizer, model: await prepareFinetuneModel(fixturePath(), taskLabelsOf(train), 0),
    outputDir, seed: 0, epochs: 1, batchSize: 16, learningRate: 1e-3, threads: 1, saveSteps: 5, ...extra,
  };
}

test('a model in the output directory is replaced only with overwriteOutputDir; temporaries of killed runs go; resuming needs the same training data', { skip }, async () => {
  const output = join(dir, 'output');
  mkdirSync(output);
  for (const file of ['config.json', 'model.safetensors']) copyFileSync(fixturePath(file), join(output, file));
  await assert.rejects(finetune(await run(output, 1)), /already holds a model \(config\.json, model\.safetensors\)/);

  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  mkdirSync(join(output, `.checkpoint-5.${dead}.tmp`));
  writeFileSync(join(output, `.model.safetensors.${dead}.1764680000000.tmp`), 'partial');
  const result = await finetune(await run(output, 1, { overwriteOutputDir: true }));
  assert.equal(result.steps, 5);
  assert.deepEqual(readdirSync(output).filter((name) => name.startsWith('.')), [], 'no temporary entries left');
  assert.ok(existsSync(join(output, 'checkpoint-5', 'bertkit_trainer_state.json')));

  // Same row count, other rows: the checkpoint's data order and position would not apply.
  const other = await run(output, 2, { resume: true });
  assert.equal(other.train.features.length, 80);
  await assert.rejects(finetune(other), (error: Error) => /\btrain\b/.test(error.message) && /sha256:/.test(error.message));
  // The same data resumes (already at its last update: nothing left to train).
  assert.equal((await finetune(await run(output, 1, { resume: true }))).steps, 5);
});

test('a multi-seed run keeps an earlier run\'s OUTPUT/best unless asked to replace it', { skip }, async () => {
  const best = join(dir, 'seeds', 'best');
  mkdirSync(best, { recursive: true });
  for (const file of ['config.json', 'model.safetensors']) copyFileSync(fixturePath(file), join(best, file));
  const { model: _model, seed: _seed, outputDir: _outputDir, ...options } = await run(join(dir, 'seeds'), 1);
  const devFile = join(dir, 'dev.tsv');
  writeFileSync(devFile, sentimentTsv(16, 3));
  const dev = await classificationTask.load(devFile, options.tokenizer!, { maxSeqLength: 32, labels: options.train.labels });
  const seeds = finetuneSeeds({ ...options, dev, outputDir: join(dir, 'seeds'), seeds: [1, 2], model: (seed) => prepareFinetuneModel(fixturePath(), taskLabelsOf(options.train), seed) });
  await assert.rejects(seeds, /seeds[/\\]best already holds a model/);
  assert.deepEqual(readFileSync(join(best, 'model.safetensors')), readFileSync(fixturePath('model.safetensors')));
});
