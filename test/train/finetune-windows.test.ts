// Fine-tuning and evaluation on NER sentences longer than the max sequence length: they are trained
// as overlapping windows, and scored over every word (the dev score and `evaluate` agree), so the
// entities past the first window are found. Before windowing, those words were never trained and
// were scored as O: recall could not exceed the share of entities in the first window.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { nerTask, type NerExample } from '../../src/data/tasks/ner.js';
import { BertTokenizer } from '../../src/tokenizer/bert-tokenizer.js';
import { finetune } from '../../src/train/finetune.js';
import { prepareFinetuneModel, taskLabelsOf } from '../../src/train/finetune-model.js';
import { evaluateFinetuned, loadFinetuned } from '../../src/serve/finetuned-model.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, fixturePath } from '../model/fixture.js';
import { personConll } from './finetune-data.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-finetune-windows-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const skip = skipWithoutShared(FIXTURE, 'model.safetensors');

/** personConll's six-word sentences, joined `perSentence` at a time into long sentences (one name every six words). */
function longConll(count: number, seed: number, perSentence: number): string {
  const sentences = personConll(count * perSentence, seed).trim().split('\n\n');
  const joined: string[] = [];
  for (let i = 0; i < sentences.length; i += perSentence) joined.push(sentences.slice(i, i + perSentence).join('\n'));
  return `${joined.join('\n\n')}\n`;
}

test('NER sentences of 30 words at max length 12 train as windows, and every entity of every sentence is scored', { skip }, async () => {
  const trainPath = join(dir, 'train.conll'), devPath = join(dir, 'dev.conll');
  writeFileSync(trainPath, longConll(30, 3, 5));
  writeFileSync(devPath, longConll(8, 4, 5));
  const tokenizer = BertTokenizer.fromPretrained(fixturePath());
  const task = nerTask();
  const maxSeqLength = 12;
  const train = await task.load(trainPath, tokenizer, { maxSeqLength });
  const dev = await task.load(devPath, tokenizer, { maxSeqLength, labels: train.labels });
  assert.equal(dev.examples.length, 8);
  assert.ok(dev.features.length >= 4 * 8, `${dev.features.length} dev windows`);
  // The first window of a dev sentence holds at most 10 of its ~35 pieces, so at most 2 of its 5 names.
  const firstWindowNames = (dev.examples as NerExample[]).reduce((n, e, i) => {
    const first = dev.features.findIndex((f) => f.exampleIndex === i);
    return n + e.trainingTags.filter((tag, w) => tag === 'B-PER' && e.readout.index[w] === first).length;
  }, 0);
  assert.ok(firstWindowNames <= 16, `${firstWindowNames} of 40 names read from first windows`);

  const outputDir = join(dir, 'tagger');
  const result = await finetune({
    task, train, dev, tokenizer, model: await prepareFinetuneModel(fixturePath(), taskLabelsOf(train), 0),
    outputDir, seed: 0, epochs: 8, batchSize: 16, learningRate: 5e-3, threads: 1, settings: { maxSeqLength },
  });
  assert.ok(result.bestMetrics!.recall! > 0.9, `dev recall ${result.bestMetrics!.recall} over all 40 names`);
  assert.ok(result.bestMetrics!.f1! > 0.9, `dev f1 ${result.bestMetrics!.f1}`);
  // `evaluate` reads the file the same way and scores the same.
  const { metrics, data } = await evaluateFinetuned(await loadFinetuned(outputDir), task, devPath, { maxSeqLength }, { threads: 1 });
  assert.equal(data.features.length, dev.features.length);
  assert.equal(metrics.f1, result.bestMetrics!.f1);
  assert.ok(Math.abs(metrics.loss! - result.bestMetrics!.loss!) < 1e-5);
});
