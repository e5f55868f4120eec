// The bert-tiny PyTorch fixtures as complete model directories (weights + vocabulary), for explanations.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePath } from '../model/fixture.js';

/** Copies the fixture's task model (or, with 'pretraining', the headless-for-explanations BertForPreTraining) and its vocabulary into `dir`. */
export function fixtureModelDir(task: 'sequence-classification' | 'token-classification' | 'pretraining', dir: string): string {
  mkdirSync(dir, { recursive: true });
  const source = task === 'pretraining' ? fixturePath() : fixturePath(task);
  for (const file of ['config.json', 'model.safetensors']) copyFileSync(join(source, file), join(dir, file));
  for (const file of ['vocab.txt', 'tokenizer_config.json']) copyFileSync(fixturePath(file), join(dir, file));
  return dir;
}
