// Teachers and data for the distillation tests: the bert-tiny-uncased fixture's task models (random
// PyTorch weights, 2 layers) made into model directories with their tokenizer, and synthetic task
// files in the teachers' label sets.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePath } from '../model/fixture.js';
import { personConll, sentimentTsv } from '../train/finetune-data.js';

export type FixtureTask = 'sequence-classification' | 'token-classification';

/** `dir/name`: the fixture's task model with vocab.txt and tokenizer_config.json beside it. */
export function fixtureTeacher(dir: string, task: FixtureTask, name = `teacher-${task}`): string {
  const out = join(dir, name);
  mkdirSync(out, { recursive: true });
  for (const file of ['config.json', 'model.safetensors']) copyFileSync(fixturePath(task, file), join(out, file));
  for (const file of ['vocab.txt', 'tokenizer_config.json']) copyFileSync(fixturePath(file), join(out, file));
  return out;
}

/** Sentiment sentences labelled with the sequence-classification teacher's labels (negative, positive). */
export function sentimentFile(dir: string, name: string, count: number, seed: number): string {
  const path = join(dir, name);
  writeFileSync(path, sentimentTsv(count, seed).replace(/\t1$/gm, '\tpositive').replace(/\t0$/gm, '\tnegative'));
  return path;
}

/** CoNLL sentences with person names (B-PER, I-PER, O: labels of the token-classification teacher). */
export function personFile(dir: string, name: string, count: number, seed: number): string {
  const path = join(dir, name);
  writeFileSync(path, personConll(count, seed));
  return path;
}

/** A copy of `source` whose config.json is changed by `edit`. */
export function editedModel(source: string, target: string, edit: (config: Record<string, unknown>) => void): string {
  mkdirSync(target, { recursive: true });
  for (const file of ['model.safetensors', 'vocab.txt', 'tokenizer_config.json']) copyFileSync(join(source, file), join(target, file));
  const config = JSON.parse(readFileSync(join(source, 'config.json'), 'utf8')) as Record<string, unknown>;
  edit(config);
  writeFileSync(join(target, 'config.json'), JSON.stringify(config));
  return target;
}
