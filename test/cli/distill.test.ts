import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readBertConfig } from '../../src/model/config.js';
import { bertkit } from '../helpers/cli.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE } from '../model/fixture.js';
import { fixtureTeacher, personFile, sentimentFile } from '../compress/distill-data.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-distill-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const skip = skipWithoutShared(FIXTURE, 'token-classification', 'model.safetensors');
const QUICK = ['--max-seq-length', '32', '--batch-size', '8', '--learning-rate', '1e-3', '--threads', '1', '--quiet'];

test('distill ner: a 1-layer student of the 2-layer teacher with the TinyBERT terms, saved as a BertForTokenClassification', { skip }, () => {
  const teacher = fixtureTeacher(dir, 'token-classification');
  const output = join(dir, 'student');
  const run = bertkit('distill', '--teacher', teacher, '--student-layers', '1', '--task', 'ner', '--train', personFile(dir, 'train.conll', 24, 1), '--dev', personFile(dir, 'dev.conll', 8, 2),
    '--output', output, '--epochs', '1', '--alpha-hidden-mse', '1', '--alpha-attention-mse', '1', ...QUICK);
  assert.equal(run.status, 0, run.stderr);
  const summary = JSON.parse(run.stdout) as { steps: number; metric: string; student_layers: number; teacher_layers: number[]; best_metrics: Record<string, number> };
  assert.equal(summary.steps, 3);
  assert.equal(summary.metric, 'f1');
  assert.equal(summary.student_layers, 1);
  assert.deepEqual(summary.teacher_layers, [0]);
  const config = readBertConfig(join(output, 'config.json'));
  assert.equal(config.num_hidden_layers, 1);
  assert.deepEqual(config.architectures, ['BertForTokenClassification']);
  for (const file of ['model.safetensors', 'vocab.txt', 'log.jsonl', 'eval_results.json']) assert.ok(existsSync(join(output, file)), file);
});

test('distill refuses a bad setup before reading data: student flags, the teacher\'s class, labels the teacher lacks', { skip }, () => {
  const teacher = fixtureTeacher(dir, 'sequence-classification');
  const train = sentimentFile(dir, 'train.tsv', 8, 1);
  const common = ['--teacher', teacher, '--train', train, '--output', join(dir, 'refused'), ...QUICK];
  const both = bertkit('distill', ...common, '--task', 'classification', '--student-layers', '1', '--student', teacher);
  assert.notEqual(both.status, 0);
  assert.match(both.stderr, /give exactly one of --student-layers and --student/);
  const wrongClass = bertkit('distill', ...common, '--task', 'ner', '--student-layers', '1');
  assert.match(wrongClass.stderr, /a ner teacher must be a fine-tuned BertForTokenClassification/);
  const tooDeep = bertkit('distill', ...common, '--task', 'classification', '--student-layers', '3');
  assert.match(tooDeep.stderr, /--student-layers must be an integer from 1 to the teacher's 2 layers, got 3/);
  const mixed = join(dir, 'mixed.tsv');
  writeFileSync(mixed, 'sentence\tlabel\nthe film was great\tpositive\nthe film was fine\tmixed\n');
  const unknownLabel = bertkit('distill', '--teacher', teacher, '--train', mixed, '--output', join(dir, 'refused'), ...QUICK, '--task', 'classification', '--student-layers', '1');
  assert.notEqual(unknownLabel.status, 0);
  assert.match(unknownLabel.stderr, /mixed\.tsv:3: label 'mixed' is not one of negative, neutral, positive/);
  assert.ok(!existsSync(join(dir, 'refused', 'log.jsonl')), 'nothing trained');
});
