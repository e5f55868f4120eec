// Training into a directory that holds a model, the input model above all, is refused unless
// --overwrite-output-dir says to replace it.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bertkit } from '../helpers/cli.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, fixturePath } from '../model/fixture.js';
import { writeSyntheticTasks } from '../train/finetune-data.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-overwrite-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const skip = skipWithoutShared(FIXTURE, 'model.safetensors');

/** A copy of the fixture model (never train into ../shared itself). */
function modelCopy(name: string): string {
  const copy = join(dir, name);
  mkdirSync(copy, { recursive: true });
  for (const file of ['config.json', 'model.safetensors', 'vocab.txt', 'tokenizer_config.json']) copyFileSync(fixturePath(file), join(copy, file));
  return copy;
}

test('finetune --model X --output X and pretrain --init X --output X leave X alone without --overwrite-output-dir', { skip }, () => {
  const paths = writeSyntheticTasks(dir);
  const model = modelCopy('model');
  const before = readdirSync(model).sort();
  const weights = readFileSync(join(model, 'model.safetensors'));
  const finetune = bertkit('finetune', '--task', 'classification', '--model', model, '--train', paths.sentimentTrain, '--epochs', '1', '--batch-size', '32',
    '--max-seq-length', '32', '--threads', '1', '--quiet', '--output', model);
  assert.notEqual(finetune.status, 0);
  assert.match(finetune.stderr, /already holds a model \(config\.json, model\.safetensors\).*--overwrite-output-dir/);
  const pretrain = bertkit('pretrain', '--init', model, '--batch', fixturePath('inputs.json'), '--max-steps', '1', '--threads', '1', '--output', model);
  assert.notEqual(pretrain.status, 0);
  assert.match(pretrain.stderr, /already holds a model .*--overwrite-output-dir/);
  assert.deepEqual(readdirSync(model).sort(), before, 'nothing written into the model directory');
  assert.deepEqual(readFileSync(join(model, 'model.safetensors')), weights);

  const replaced = bertkit('pretrain', '--init', model, '--batch', fixturePath('inputs.json'), '--max-steps', '1', '--threads', '1', '--output', model, '--overwrite-output-dir');
  assert.equal(replaced.status, 0, replaced.stderr);
  assert.notDeepEqual(readFileSync(join(model, 'model.safetensors')), weights, 'asked to, it replaces the model');
});
