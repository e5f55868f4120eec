// A fine-tuned directory is a Hugging Face task model: exported to ONNX beside its config and
// tokenizer, transformers.js's pipelines load it and predict what bertkit predicts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { env, pipeline } from '@huggingface/transformers';
import { exportOnnx } from '../../src/model/onnx-export.js';
import { loadFinetuned, predictFinetuned } from '../../src/serve/finetuned-model.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, fixturePath } from '../model/fixture.js';
import { trainFixtureModel, writeSyntheticTasks } from './finetune-data.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-finetune-hf-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const skip = skipWithoutShared(FIXTURE, 'model.safetensors');
env.allowRemoteModels = false;

test('transformers.js text-classification on the fine-tuned classifier gives bertkit predict\'s labels and scores', { skip }, async () => {
  const paths = writeSyntheticTasks(dir);
  const output = join(dir, 'classifier');
  await trainFixtureModel('classification', paths.sentimentTrain, paths.sentimentDev, output, fixturePath(), 6);
  const finetuned = await loadFinetuned(output);
  exportOnnx(output, finetuned.model, { task: 'text-classification' });
  const texts = ['the film was superb', 'the plot was dreadful and boring', 'a story'];
  const ours = (await predictFinetuned(finetuned, texts.map((text) => ({ text })), { threads: 1 })) as { label: string; scores: { label: string; score: number }[] }[];
  const classifier = await pipeline('text-classification', output, { dtype: 'fp32' });
  for (const [i, text] of texts.entries()) {
    const theirs = (await classifier(text, { top_k: null })) as { label: string; score: number }[];
    assert.equal(theirs[0]!.label, ours[i]!.label, text);
    for (const { label, score } of theirs) {
      const mine = ours[i]!.scores.find((s) => s.label === label)!;
      assert.ok(Math.abs(mine.score - score) < 1e-4, `${text}: ${label} ${mine.score} vs ${score}`);
    }
  }
  await classifier.dispose();
});

test('transformers.js token-classification (aggregation "simple") on the fine-tuned tagger groups the same entities', { skip }, async () => {
  const paths = writeSyntheticTasks(dir);
  const output = join(dir, 'tagger');
  await trainFixtureModel('ner', paths.nerTrain, paths.nerDev, output, fixturePath(), 8);
  const finetuned = await loadFinetuned(output);
  exportOnnx(output, finetuned.model, { task: 'token-classification' });
  const texts = ['Yesterday Mary Wilson visited the city', 'friends met James Brown at home and Anna Jones today'];
  const ours = (await predictFinetuned(finetuned, texts.map((text) => ({ text })), { threads: 1 })) as { entities: { entity_group: string; word: string; score: number }[] }[];
  const tagger = await pipeline('token-classification', output, { dtype: 'fp32' });
  for (const [i, text] of texts.entries()) {
    const theirs = (await tagger(text, { aggregation_strategy: 'simple' })) as unknown as { entity_group: string; word: string; score: number }[];
    assert.deepEqual(ours[i]!.entities.map((e) => [e.entity_group, e.word]), theirs.map((e) => [e.entity_group, e.word]), text);
    theirs.forEach((entity, k) => assert.ok(Math.abs(entity.score - ours[i]!.entities[k]!.score) < 1e-4));
    assert.ok(theirs.length > 0);
  }
  await tagger.dispose();
});
