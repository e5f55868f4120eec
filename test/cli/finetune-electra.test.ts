import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { loadBert } from '../../src/model/checkpoint.js';
import { bertkit } from '../helpers/cli.js';
import { writeSyntheticTasks } from '../train/finetune-data.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/electra-tiny/discriminator', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bertkit-finetune-electra-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('finetune --model on an ElectraForPreTraining directory trains and saves an ElectraForSequenceClassification', async () => {
  const model = join(dir, 'electra');
  cpSync(FIXTURE, model, { recursive: true });
  // The fixture's 40 ids as a vocabulary holding the synthetic task's words.
  const words = ['great', 'wonderful', 'excellent', 'superb', 'lovely', 'awful', 'terrible', 'boring', 'dreadful', 'poor',
    'the', 'movie', 'was', 'really', 'quite', 'a', 'film', 'story', 'acting', 'plot', 'and', 'so'];
  const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...words];
  while (vocab.length < 40) vocab.push(`[unused${vocab.length}]`);
  writeFileSync(join(model, 'vocab.txt'), `${vocab.join('\n')}\n`);
  const paths = writeSyntheticTasks(dir);
  const output = join(dir, 'classifier');
  const run = bertkit('finetune', '--task', 'classification', '--model', model, '--train', paths.sentimentTrain, '--dev', paths.sentimentDev,
    '--max-seq-length', '16', '--batch-size', '16', '--epochs', '2', '--learning-rate', '1e-3', '--threads', '1', '--output', output, '--quiet');
  assert.equal(run.status, 0, run.stderr);
  const config = JSON.parse(readFileSync(join(output, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual([config.model_type, config.architectures, config.embedding_size], ['electra', ['ElectraForSequenceClassification'], 16]);
  const trained = await loadBert(output, { warn: () => {} });
  assert.deepEqual(trained.report, { missing: [], unexpected: [] });
  assert.ok(trained.parameters.has('electra.embeddings_project.weight') && trained.parameters.has('classifier.out_proj.weight'));
});
