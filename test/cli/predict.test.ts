import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { bertkit } from '../helpers/cli.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, fixturePath } from '../model/fixture.js';
import { placesSquad, trainFixtureModel, writeSyntheticTasks } from '../train/finetune-data.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-predict-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const skip = skipWithoutShared(FIXTURE, 'model.safetensors');
const paths = writeSyntheticTasks(dir);
const classifier = join(dir, 'classifier'), tagger = join(dir, 'tagger'), reader = join(dir, 'reader');

before(async () => {
  if (skip) return;
  writeFileSync(join(dir, 'train.json'), placesSquad(200, 1));
  writeFileSync(join(dir, 'dev.json'), placesSquad(40, 2));
  await trainFixtureModel('classification', paths.sentimentTrain, paths.sentimentDev, classifier, fixturePath(), 6);
  await trainFixtureModel('ner', paths.nerTrain, paths.nerDev, tagger, fixturePath(), 8);
  await trainFixtureModel('qa', join(dir, 'train.json'), join(dir, 'dev.json'), reader, fixturePath(), 10);
});

function jsonl(name: string, records: unknown[]): string {
  const path = join(dir, name);
  writeFileSync(path, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return path;
}

const lines = (text: string): unknown[] => text.trim().split('\n').map((line) => JSON.parse(line) as unknown);

test('predict classification: label, score and every label\'s softmax score per input line', { skip }, () => {
  const input = jsonl('texts.jsonl', [{ text: 'the film was superb' }, { text: 'the plot was dreadful and boring' }]);
  const output = join(dir, 'labels.jsonl');
  const run = bertkit('predict', '--model', classifier, '--input', input, '--output', output, '--threads', '1');
  assert.equal(run.status, 0, run.stderr);
  const predictions = lines(readFileSync(output, 'utf8')) as { label: string; score: number; scores: { label: string; score: number }[] }[];
  assert.deepEqual(predictions.map((p) => p.label), ['1', '0']);
  for (const p of predictions) {
    assert.deepEqual(p.scores.map((s) => s.label), ['0', '1']);
    assert.ok(Math.abs(p.scores[0]!.score + p.scores[1]!.score - 1) < 1e-9);
    assert.equal(p.score, Math.max(...p.scores.map((s) => s.score)));
  }
});

test('predict ner: entities aggregated per word (aggregation_strategy "first", the default), their offsets slicing the input to the entity word', { skip }, () => {
  const texts = ['Yesterday Mary Wilson visited the city', 'friends met James Brown at home and Anna Jones today'];
  const run = bertkit('predict', '--model', tagger, '--input', jsonl('ner.jsonl', texts.map((text) => ({ text }))), '--threads', '1');
  assert.equal(run.status, 0, run.stderr);
  const predictions = lines(run.stdout) as { entities: { entity_group: string; score: number; word: string; start: number; end: number }[] }[];
  assert.deepEqual(predictions.map((p, i) => p.entities.map((e) => [e.entity_group, texts[i]!.slice(e.start, e.end)])), [
    [['PER', 'Mary Wilson']],
    [['PER', 'James Brown'], ['PER', 'Anna Jones']],
  ]);
  for (const [i, p] of predictions.entries()) {
    for (const entity of p.entities) {
      assert.equal(texts[i]!.slice(entity.start, entity.end).toLowerCase(), entity.word);
      assert.ok(entity.score > 0.5 && entity.score <= 1);
    }
  }
});

test('predict ner on a text longer than --max-seq-length reads it in overlapping windows and finds every entity', { skip }, () => {
  const parts = ['friends met James Brown at home', 'yesterday Anna Jones visited the city', 'Peter Smith met friends today'];
  const text = [...parts, ...parts].join(' and ');
  const input = jsonl('long.jsonl', [{ text }]);
  const whole = bertkit('predict', '--model', tagger, '--input', input, '--threads', '1');
  const windowed = bertkit('predict', '--model', tagger, '--input', input, '--max-seq-length', '12', '--stride', '3', '--threads', '1');
  assert.equal(windowed.status, 0, windowed.stderr);
  const entities = (out: string) => (lines(out)[0] as { entities: { entity_group: string; start: number; end: number }[] }).entities.map((e) => [e.entity_group, text.slice(e.start, e.end), e.start]);
  const expected = ['James Brown', 'Anna Jones', 'Peter Smith', 'James Brown', 'Anna Jones', 'Peter Smith'];
  assert.deepEqual(entities(windowed.stdout).map(([type, word]) => [type, word]), expected.map((name) => ['PER', name]));
  assert.deepEqual(entities(windowed.stdout), entities(whole.stdout));
});

test('predict qa: the answer span with its probability and character offsets in the context', { skip }, () => {
  const context = 'yesterday Anna went to rome and then came home.';
  const run = bertkit('predict', '--model', reader, '--input', jsonl('qa.jsonl', [{ question: 'Where did Anna go?', context }]), '--threads', '1');
  assert.equal(run.status, 0, run.stderr);
  const [answer] = lines(run.stdout) as { answer: string; score: number; start: number; end: number }[];
  assert.equal(answer!.answer, 'rome');
  assert.equal(context.slice(answer!.start, answer!.end), 'rome');
  assert.ok(answer!.score > 0.5 && answer!.score <= 1);
});

test('predict names the file and line of a bad input, and the shape a model needs', { skip }, () => {
  const bad = bertkit('predict', '--model', classifier, '--input', jsonl('bad.jsonl', [{ text: 'fine' }, { txt: 'typo' }]));
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /bad\.jsonl:2: expected \{"text": "…"\}/);
  const shape = bertkit('predict', '--model', reader, '--input', jsonl('noq.jsonl', [{ text: 'no question' }]));
  assert.notEqual(shape.status, 0);
  assert.match(shape.stderr, /input 1: a question-answering model needs \{"question": …, "context": …\}/);
});
