import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readBertConfig } from '../../src/model/config.js';
import { bertkit, interruptAfterSecondUpdate, trainLosses } from '../helpers/cli.js';
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
  const summary = JSON.parse(run.stdout) as { steps: number; metric: string; student_layers: number; teacher_layers: number[]; best_metrics: Record<string, number>; comparison: { model: string; dtype: string; metrics: Record<string, number> }[] };
  assert.equal(summary.steps, 3);
  assert.equal(summary.metric, 'f1');
  assert.equal(summary.student_layers, 1);
  assert.deepEqual(summary.teacher_layers, [0]);
  const config = readBertConfig(join(output, 'config.json'));
  assert.equal(config.num_hidden_layers, 1);
  assert.deepEqual(config.architectures, ['BertForTokenClassification']);
  for (const file of ['model.safetensors', 'vocab.txt', 'log.jsonl', 'eval_results.json']) assert.ok(existsSync(join(output, file)), file);
  // The closing table: the teacher, the student and the int8 student on --dev, the student's row as its best evaluation scored it.
  assert.deepEqual(summary.comparison.map((row) => [row.model, row.dtype]), [[teacher, 'fp32'], [output, 'fp32'], [output, 'q8']]);
  assert.ok(Math.abs(summary.comparison[1]!.metrics.f1! - summary.best_metrics.f1!) < 1e-9, `${summary.comparison[1]!.metrics.f1} vs ${summary.best_metrics.f1}`);
  assert.match(run.stderr, /\| model \| dtype \| size \(MB\) .*\| f1 \|/);
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
  const corpusDropout = bertkit('distill', '--teacher', teacher, '--corpus', train, '--student-layers', '1', '--max-steps', '2', '--dropout', '0.1', '--output', join(dir, 'refused'));
  assert.match(corpusDropout.stderr, /--dropout applies to task distillation \(--task\); --corpus runs --max-steps updates/);
  const mixed = join(dir, 'mixed.tsv');
  writeFileSync(mixed, 'sentence\tlabel\nthe film was great\tpositive\nthe film was fine\tmixed\n');
  const unknownLabel = bertkit('distill', '--teacher', teacher, '--train', mixed, '--output', join(dir, 'refused'), ...QUICK, '--task', 'classification', '--student-layers', '1');
  assert.notEqual(unknownLabel.status, 0);
  assert.match(unknownLabel.stderr, /mixed\.tsv:3: label 'mixed' is not one of negative, neutral, positive/);
  assert.ok(!existsSync(join(dir, 'refused', 'log.jsonl')), 'nothing trained');
});

// The timeout only guards against a hang (the test's signal then kills the child).
test('distill --resume with only --output continues an interrupted run with its recorded settings and ends as the uninterrupted one',
  { skip, timeout: 300_000 }, async (t) => {
    const teacher = fixtureTeacher(dir, 'sequence-classification');
    const train = sentimentFile(dir, 'resume-train.tsv', 24, 3);
    const dev = sentimentFile(dir, 'resume-dev.tsv', 8, 4);
    const args = (output: string) => ['distill', '--teacher', teacher, '--student-layers', '1', '--task', 'classification', '--train', train, '--dev', dev,
      '--epochs', '12', '--patience', '100', '--temperature', '3', '--save-steps', '1000', '--output', output, ...QUICK];
    const straight = bertkit(...args(join(dir, 'straight')));
    assert.equal(straight.status, 0, straight.stderr);
    const output = join(dir, 'interrupted');
    const interrupted = await interruptAfterSecondUpdate(args(output), output, t.signal);
    assert.equal(interrupted.code, 130, interrupted.stderr);
    const stopped = trainLosses(output).length;
    assert.ok(stopped >= 2 && stopped < 36 && existsSync(join(output, `checkpoint-${stopped}`)), `interrupted at step ${stopped} with a checkpoint`);

    const conflicting = bertkit('distill', '--output', output, '--resume', '--temperature', '2');
    assert.notEqual(conflicting.status, 0);
    assert.match(conflicting.stderr, /was trained with temperature = 3, this run asks for 2 \(--temperature\)/);
    const resumed = bertkit('distill', '--output', output, '--resume');
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.deepEqual(trainLosses(output), trainLosses(join(dir, 'straight')));
    assert.equal(trainLosses(output).length, 36);
    assert.deepEqual(JSON.parse(resumed.stdout).best_metrics, JSON.parse(straight.stdout).best_metrics);
  });
