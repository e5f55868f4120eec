// General distillation on a corpus: the fixture's BertForPreTraining as the masked-LM teacher, a
// 1-layer student, a few steps on a short book excerpt.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { distillOnCorpus } from '../../src/compress/distill-general.js';
import { readBertConfig } from '../../src/model/config.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, fixturePath } from '../model/fixture.js';
import { fixtureTeacher } from './distill-data.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-distill-general-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const skip = skipWithoutShared(FIXTURE, 'model.safetensors');

/** Twelve short documents of a few sentences, blank lines between documents. */
function corpus(): string {
  const sentences = ['the cat sat on the mat .', 'a dog ran in the park .', 'she read a book by the window .', 'the rain fell all day long .', 'he made tea and sat down .'];
  const documents = Array.from({ length: 12 }, (_, d) => Array.from({ length: 4 }, (_, s) => sentences[(d + s) % sentences.length]).join('\n'));
  const path = join(dir, 'corpus.txt');
  writeFileSync(path, `${documents.join('\n\n')}\n`);
  return path;
}

test('general distillation trains a 1-layer masked-LM student, logs each term and saves a BertForMaskedLM', { skip }, async () => {
  const outputDir = join(dir, 'student');
  const result = await distillOnCorpus({
    teacher: fixturePath(), student: { layers: 1 }, corpus: [corpus()], outputDir, maxSteps: 4, batchSize: 4, maxSeqLength: 16,
    heldOutFraction: 0.25, evalBatches: 1, evalSteps: 0, saveSteps: 0, learningRate: 1e-3, seed: 1, threads: 1,
  });
  assert.equal(result.step, 4);
  assert.ok(result.losses.every(Number.isFinite));
  assert.ok(result.evaluation !== undefined && Number.isFinite(result.evaluation.mlmLoss));
  const config = readBertConfig(join(outputDir, 'config.json'));
  assert.equal(config.num_hidden_layers, 1);
  assert.deepEqual(config.architectures, ['BertForMaskedLM']);
  assert.ok(existsSync(join(outputDir, 'student-init', 'model.safetensors')), 'the student before training');
  const first = JSON.parse(readFileSync(join(outputDir, 'log.jsonl'), 'utf8').split('\n')[0]!) as Record<string, number>;
  for (const term of ['loss_soft', 'loss_hard', 'loss_cos']) assert.ok(Number.isFinite(first[term]), `${term} in log.jsonl`);
  // DistilBERT's weights: loss = 5·soft + 2·hard + 1·cos.
  assert.ok(Math.abs(first.loss! - (5 * first.loss_soft! + 2 * first.loss_hard! + first.loss_cos!)) < 1e-4 * first.loss!);
});

test('general distillation needs a masked-LM teacher', { skip }, async () => {
  const classifier = fixtureTeacher(dir, 'sequence-classification');
  await assert.rejects(distillOnCorpus({ teacher: classifier, student: { layers: 1 }, corpus: [corpus()], outputDir: join(dir, 'refused'), maxSteps: 1, threads: 1 }),
    /general distillation needs the teacher's masked-LM head .* lacks cls\.predictions/);
});
