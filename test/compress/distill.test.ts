// Task-specific distillation: the layer choice, the student cut out of the teacher, a short run that
// saves a loadable student, exact resumption, and the mismatches refused before any work.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type DistillOptions, distill, prepareDistillation } from '../../src/compress/distill.js';
import { evenlySpacedLayers, extractStudent } from '../../src/compress/distill-student.js';
import { classificationTask } from '../../src/data/tasks/classification.js';
import { loadBert } from '../../src/model/checkpoint.js';
import { readBertConfig } from '../../src/model/config.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE } from '../model/fixture.js';
import { editedModel, fixtureTeacher, sentimentFile } from './distill-data.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-distill-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const skip = skipWithoutShared(FIXTURE, 'sequence-classification', 'model.safetensors');

test('evenly spaced layers: DistilBERT\'s 0,2,4,7,9,11 of 12, first and last kept', () => {
  assert.deepEqual(evenlySpacedLayers(12, 6), [0, 2, 4, 7, 9, 11]);
  assert.deepEqual(evenlySpacedLayers(12, 12), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.deepEqual(evenlySpacedLayers(12, 4), [0, 4, 7, 11]);
  assert.deepEqual(evenlySpacedLayers(24, 12), [0, 2, 4, 6, 8, 10, 13, 15, 17, 19, 21, 23]);
  assert.deepEqual(evenlySpacedLayers(4, 2), [0, 3]);
  assert.deepEqual(evenlySpacedLayers(2, 1), [0]);
  assert.throws(() => evenlySpacedLayers(12, 0), /--student-layers must be an integer from 1 to the teacher's 12 layers, got 0/);
  assert.throws(() => evenlySpacedLayers(12, 13), /from 1 to the teacher's 12 layers, got 13/);
});

test('the student copies exactly the teacher\'s embeddings, the chosen layer, the pooler and the head', { skip }, async () => {
  const teacher = await loadBert(fixtureTeacher(dir, 'sequence-classification', 'teacher-copy'), { warn: () => {} });
  const student = extractStudent(teacher, [1]);
  assert.equal(student.config.num_hidden_layers, 1);
  assert.deepEqual(student.config.id2label, teacher.config.id2label);
  const names = student.parameters.names;
  const layerOf = (name: string): string => name.replace('bert.encoder.layer.0.', 'bert.encoder.layer.1.');
  assert.equal(names.length, teacher.parameters.names.filter((name) => !name.startsWith('bert.encoder.layer.0.')).length);
  for (const name of names) {
    const source = layerOf(name);
    assert.deepEqual(student.parameters.get(name), teacher.parameters.get(source), `${name} = teacher ${source}`);
    assert.notEqual(student.parameters.get(name).buffer, teacher.parameters.get(source).buffer, `${name} is a copy (its buffer moves to the training worker)`);
  }
  assert.ok(names.includes('bert.encoder.layer.0.output.dense.weight') && names.includes('classifier.weight') && names.includes('bert.pooler.dense.weight'));
  // The layer copied is layer 1, not layer 0: the two differ.
  assert.notDeepEqual(student.parameters.get('bert.encoder.layer.0.output.dense.weight'), teacher.parameters.get('bert.encoder.layer.0.output.dense.weight'));
});

async function options(name: string, extra: Partial<DistillOptions> = {}): Promise<DistillOptions> {
  const teacherDir = join(dir, 'teacher-run');
  if (!existsSync(teacherDir)) fixtureTeacher(dir, 'sequence-classification', 'teacher-run');
  const setup = await prepareDistillation(teacherDir, { layers: 1 }, { kind: 'classification' }, 0);
  const labels = { labels: [...setup.labels], maxSeqLength: 32 };
  const train = await classificationTask.load(sentimentFile(dir, 'train.tsv', 48, 1), setup.tokenizer, labels);
  const dev = await classificationTask.load(sentimentFile(dir, 'dev.tsv', 16, 2), setup.tokenizer, labels);
  return { setup, task: classificationTask, train, dev, outputDir: join(dir, name), seed: 0, epochs: 2, batchSize: 8, learningRate: 1e-3, threads: 1, ...extra };
}

test('a short distillation saves the student as a fine-tuned model with the teacher\'s labels', { skip }, async () => {
  const run = await options('short', { loss: { alphaHidden: 1, alphaAttention: 1 } });
  const result = await distill(run);
  assert.equal(result.steps, 12);
  assert.ok(result.trainLosses.every(Number.isFinite));
  assert.equal(result.evaluations.length, 2);
  const config = readBertConfig(join(run.outputDir, 'config.json'));
  assert.equal(config.num_hidden_layers, 1);
  assert.deepEqual(config.architectures, ['BertForSequenceClassification']);
  assert.deepEqual(config.id2label, { 0: 'negative', 1: 'neutral', 2: 'positive' });
  for (const file of ['model.safetensors', 'vocab.txt', 'log.jsonl', 'eval_results.json', 'finetune_state.json']) assert.ok(existsSync(join(run.outputDir, file)), file);
  const saved = await loadBert(run.outputDir, { warn: () => {} });
  assert.deepEqual(saved.report.missing, []);
});

test('with the hard term alone no term reads the teacher: the run trains without a teacher forward', { skip }, async () => {
  const result = await distill(await options('hard-only', { epochs: 1, loss: { alphaSoft: 0, alphaCosine: 0 } }));
  assert.equal(result.steps, 6);
  const first = JSON.parse(readFileSync(join(dir, 'hard-only', 'log.jsonl'), 'utf8').split('\n')[0]!) as Record<string, number>;
  assert.equal(first.loss, 2 * first.loss_hard!);
  assert.equal(first.loss_soft, undefined);
});

test('an interrupted distillation resumes from its checkpoint and finishes exactly as an uninterrupted one', { skip }, async () => {
  const straight = await distill(await options('straight', { saveSteps: 4 }));
  const controller = new AbortController();
  const first = await distill(await options('resumed', { saveSteps: 4, signal: controller.signal, onStep: (entry) => { if (entry.step === 5) controller.abort(); } }));
  assert.equal(first.interrupted, true);
  assert.equal(first.steps, 5);
  await assert.rejects(distill(await options('resumed', { resume: true, loss: { temperature: 3 } })), /was trained with temperature = 2, this run asks for 3 \(--temperature\)/);
  const rest = await distill(await options('resumed', { saveSteps: 4, resume: true }));
  assert.equal(rest.steps, straight.steps);
  assert.deepEqual(rest.trainLosses, straight.trainLosses.slice(5));
  assert.deepEqual(rest.evaluations.map((e) => e.metrics), straight.evaluations.map((e) => e.metrics));
  const losses = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { kind: string; loss?: number }).filter((e) => e.kind === 'train').map((e) => e.loss);
  assert.deepEqual(losses(join(dir, 'resumed', 'log.jsonl')), losses(join(dir, 'straight', 'log.jsonl')));
});

test('vocabulary, label-set and task mismatches are refused before any work, naming both sides', { skip }, async () => {
  const teacherDir = fixtureTeacher(dir, 'sequence-classification', 'teacher-mismatch');
  const classification = { kind: 'classification' } as const;
  const swapped = editedModel(teacherDir, join(dir, 'student-vocab'), () => {});
  const vocab = readFileSync(join(swapped, 'vocab.txt'), 'utf8').split('\n');
  [vocab[1000], vocab[1001]] = [vocab[1001]!, vocab[1000]!];
  writeFileSync(join(swapped, 'vocab.txt'), vocab.join('\n'));
  await assert.rejects(prepareDistillation(teacherDir, { dir: swapped }, classification, 0),
    /vocabulary mismatch: --teacher .*teacher-mismatch and --student .*student-vocab differ at id 1000: "\\"" and "#"/);
  const smaller = editedModel(teacherDir, join(dir, 'student-size'), (config) => { config.vocab_size = 30000; });
  await assert.rejects(prepareDistillation(teacherDir, { dir: smaller }, classification, 0), /vocabulary mismatch: .* have vocab_size 30522 and 30000/);
  const relabelled = editedModel(teacherDir, join(dir, 'student-labels'), (config) => {
    config.id2label = { 0: 'bad', 1: 'neutral', 2: 'good' };
    config.label2id = { bad: 0, neutral: 1, good: 2 };
  });
  await assert.rejects(prepareDistillation(teacherDir, { dir: relabelled }, classification, 0),
    /label-set mismatch: --teacher .* has the labels \[negative, neutral, positive\], --student .* \[bad, neutral, good\]/);
  await assert.rejects(prepareDistillation(teacherDir, { layers: 1 }, { kind: 'ner' }, 0), /a ner teacher must be a fine-tuned BertForTokenClassification, the directory holds BertForSequenceClassification/);
  await assert.rejects(prepareDistillation(teacherDir, { layers: 1 }, { kind: 'classification', multiLabel: true }, 0), /its problem_type is single_label_classification, the task asks for multi_label_classification/);
  // Data encoded with labels other than the teacher's.
  const run = await options('labels');
  const otherLabels = await classificationTask.load(sentimentFile(dir, 'other.tsv', 8, 3), run.setup.tokenizer, {});
  await assert.rejects(distill({ ...run, train: otherLabels }), /label-set mismatch: the data's labels \[negative, positive\] are not the teacher's \[negative, neutral, positive\]/);
  assert.ok(!existsSync(join(dir, 'labels', 'log.jsonl')), 'nothing trained');
});
