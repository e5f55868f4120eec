import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { bertkit } from '../helpers/cli.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, fixturePath } from '../model/fixture.js';
import { trainFixtureModel, writeSyntheticTasks } from '../train/finetune-data.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-evaluate-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const skip = skipWithoutShared(FIXTURE, 'model.safetensors');
const paths = writeSyntheticTasks(dir);
const classifier = join(dir, 'classifier'), tagger = join(dir, 'tagger');

before(async () => {
  if (skip) return;
  await trainFixtureModel('classification', paths.sentimentTrain, paths.sentimentDev, classifier, fixturePath(), 6);
  await trainFixtureModel('ner', paths.nerTrain, paths.nerDev, tagger, fixturePath(), 8);
});

test('evaluate prints the task metrics of a fine-tuned model as JSON, the same as at its best training evaluation, and writes them', { skip }, () => {
  const output = join(dir, 'metrics.json');
  const run = bertkit('evaluate', '--model', classifier, '--data', paths.sentimentDev, '--output', output, '--threads', '1');
  assert.equal(run.status, 0, run.stderr);
  const printed = JSON.parse(run.stdout) as Record<string, number | string>;
  assert.deepEqual(JSON.parse(readFileSync(output, 'utf8')), printed);
  assert.equal(printed.task, 'classification');
  assert.equal(printed.examples, 48);
  const atTraining = JSON.parse(readFileSync(join(classifier, 'eval_results.json'), 'utf8')) as Record<string, number>;
  for (const name of ['accuracy', 'f1', 'mcc', 'macro_f1']) assert.equal(printed[name], atTraining[name], name);
  assert.ok(Math.abs((printed.loss as number) - atTraining.loss!) < 1e-5);
});

test('evaluate on ner reports entity precision, recall and f1 (seqeval) for a token-classification model', { skip }, () => {
  const run = bertkit('evaluate', '--model', tagger, '--data', paths.nerDev, '--task', 'ner', '--threads', '1');
  assert.equal(run.status, 0, run.stderr);
  const printed = JSON.parse(run.stdout) as Record<string, number>;
  const atTraining = JSON.parse(readFileSync(join(tagger, 'eval_results.json'), 'utf8')) as Record<string, number>;
  assert.equal(printed.f1, atTraining.f1);
  assert.ok(printed.f1! > 0.9 && printed.f1_PER! > 0.9, run.stdout);
});

test('evaluate refuses a task the model was not fine-tuned for, and a model without a task head', { skip }, () => {
  const wrong = bertkit('evaluate', '--model', classifier, '--data', paths.nerDev, '--task', 'ner');
  assert.notEqual(wrong.status, 0);
  assert.match(wrong.stderr, /fine-tuned for classification, not ner/);
  const pretrained = bertkit('evaluate', '--model', fixturePath(), '--data', paths.sentimentDev);
  assert.notEqual(pretrained.status, 0);
  assert.match(pretrained.stderr, /BertForPreTraining, not a fine-tuned task model/);
});
