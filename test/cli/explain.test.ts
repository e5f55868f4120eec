import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { fixtureModelDir } from '../explain/fixture-models.js';
import { bertkit } from '../helpers/cli.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE } from '../model/fixture.js';

const skip = skipWithoutShared(FIXTURE, 'sequence-classification', 'model.safetensors');
const dir = mkdtempSync(join(tmpdir(), 'bertkit-explain-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const classifier = join(dir, 'classifier'), pretrained = join(dir, 'pretrained');
const input = join(dir, 'texts.jsonl');

before(() => {
  if (skip) return;
  fixtureModelDir('sequence-classification', classifier);
  fixtureModelDir('pretraining', pretrained);
  writeFileSync(input, [{ text: 'the film was superb' }, { text: 'is it good?', text_pair: 'not at all.' }].map((r) => JSON.stringify(r)).join('\n') + '\n');
});

const lines = (text: string): Record<string, unknown>[] => text.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);

test('explain --method integrated-gradients writes one record per line and a self-contained viewer page', { skip }, () => {
  const output = join(dir, 'ig.jsonl'), html = join(dir, 'ig.html');
  const run = bertkit('explain', '--model', classifier, '--input', input, '--steps', '16', '--output', output, '--html', html, '--threads', '1');
  assert.equal(run.status, 0, run.stderr);
  const records = lines(readFileSync(output, 'utf8'));
  assert.equal(records.length, 2);
  for (const record of records) {
    assert.deepEqual(Object.keys(record).filter((key) => !['text', 'text_pair'].includes(key)),
      ['tokens', 'input_ids', 'token_type_ids', 'offsets', 'method', 'target', 'score', 'attributions', 'delta']);
    assert.equal(record.method, 'integrated-gradients');
    assert.equal((record.attributions as number[]).length, (record.tokens as string[]).length);
    assert.ok(Math.abs(record.delta as number) < 1e-3, `delta ${record.delta}`);
  }
  assert.equal(records[1]!.text_pair, 'not at all.');
  const page = readFileSync(html, 'utf8');
  assert.match(page, /^<!doctype html>/);
  assert.match(page, /export function renderExplanations/);
  assert.doesNotMatch(page, /<link|src="http|href="http|import\s*\(|from '/, 'the page loads nothing from elsewhere');
  const data = JSON.parse(/<script type="application\/json" id="bertkit-explanations">(.*?)<\/script>/s.exec(page)![1]!) as { attentions?: unknown[] }[];
  assert.equal(data.length, 2);
  assert.equal(data[0]!.attentions!.length, 2, 'the page carries the attention maps for its head and model views');
});

test('explain --method attention writes every layer\'s maps; a headless model explains attention but not gradients', { skip }, () => {
  const run = bertkit('explain', '--model', pretrained, '--input', input, '--method', 'attention', '--threads', '1');
  assert.equal(run.status, 0, run.stderr);
  const [record] = lines(run.stdout);
  assert.equal(record!.target, null);
  assert.equal((record!.attentions as unknown[]).length, 2);
  const refused = bertkit('explain', '--model', pretrained, '--input', input, '--threads', '1');
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /integrated-gradients needs a model with a task head/);
});

test('explain refuses --steps 0, an unknown target and an unknown method with messages naming them', { skip }, () => {
  const steps = bertkit('explain', '--model', classifier, '--input', input, '--steps', '0');
  assert.notEqual(steps.status, 0);
  assert.match(steps.stderr, /--steps <n>.*must be an integer ≥ 1/);
  const target = bertkit('explain', '--model', classifier, '--input', input, '--target', 'excellent', '--threads', '1');
  assert.equal(target.status, 1);
  assert.match(target.stderr, /no label "excellent"; its labels are negative, neutral, positive/);
  const method = bertkit('explain', '--model', classifier, '--input', input, '--method', 'saliency');
  assert.notEqual(method.status, 0);
  assert.match(method.stderr, /--method <name>.*Allowed choices are integrated-gradients, gradient-x-input, attention-rollout, attention/);
});
