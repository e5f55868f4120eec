import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BertTokenizer } from '../../src/tokenizer/bert-tokenizer.js';
import { bertkit } from '../helpers/cli.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, expectedOutputs, fixtureInputs, fixturePath } from '../model/fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-fill-mask-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const skip = skipWithoutShared(FIXTURE, 'expected_outputs.safetensors');

interface Prediction { token: number; token_str: string; score: number; sequence: string }

/** Fixture row 0 as text: "the quick [MASK] [MASK] jumps over the lazy dog." */
function firstFixtureText(): string {
  const ids = fixtureInputs().input_ids[0]!;
  return BertTokenizer.fromPretrained(fixturePath()).decode(ids.slice(1, ids.indexOf(102)));
}

/** The k best ids and softmax scores of PyTorch's logits at the fixture's label row `row`. */
function pytorchTop(row: number, k: number): { token: number; score: number }[] {
  const want = expectedOutputs().get('mlm_logits_at_labels')!;
  const vocab = want.shape[1]!;
  const logits = (want.data as Float32Array).subarray(row * vocab, (row + 1) * vocab);
  const max = Math.max(...logits);
  const sum = [...logits].reduce((total, x) => total + Math.exp(x - max), 0);
  return [...logits.keys()].sort((a, b) => logits[b]! - logits[a]!).slice(0, k).map((token) => ({ token, score: Math.exp(logits[token]! - max) / sum }));
}

test('fill-mask TEXT: one list per [MASK], ranked and scored as PyTorch', { skip }, () => {
  const text = firstFixtureText();
  assert.match(text, /\[MASK\] \[MASK\]/);
  const run = bertkit('fill-mask', '--model', fixturePath(), '--top-k', '3', text);
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { text: string; predictions: Prediction[][] });
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.text, text);
  assert.equal(lines[0]!.predictions.length, 2);
  lines[0]!.predictions.forEach((predictions, mask) => {
    const want = pytorchTop(mask, 3);
    assert.deepEqual(predictions.map((p) => p.token), want.map((p) => p.token));
    predictions.forEach((p, k) => assert.ok(Math.abs(p.score - want[k]!.score) < 1e-6));
    assert.ok(predictions.every((p) => p.sequence.includes(p.token_str) && !p.sequence.includes('[CLS]')));
  });
});

test('fill-mask --input JSONL --output: the same predictions, file written; bad input names the line', { skip }, () => {
  const text = firstFixtureText();
  const input = join(dir, 'in.jsonl');
  writeFileSync(input, `${JSON.stringify({ text: 'hello [MASK].' })}\n${JSON.stringify({ text })}\n`);
  const output = join(dir, 'out.jsonl');
  const run = bertkit('fill-mask', '--model', fixturePath(), '--input', input, '--output', output, '--top-k', '2');
  assert.equal(run.status, 0, run.stderr);
  const lines = readFileSync(output, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { predictions: Prediction[][] });
  assert.equal(lines.length, 2);
  assert.deepEqual(lines[1]!.predictions[1]!.map((p) => p.token), pytorchTop(1, 2).map((p) => p.token));

  writeFileSync(input, `${JSON.stringify({ text: 'fine [MASK]' })}\n{"txt": "oops"}\n`);
  const bad = bertkit('fill-mask', '--model', fixturePath(), '--input', input);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /in\.jsonl:2: missing "text"/);
  const unmasked = bertkit('fill-mask', '--model', fixturePath(), 'no mask here');
  assert.equal(unmasked.status, 1);
  assert.match(unmasked.stderr, /text 0 has no \[MASK\] token/);
  const classifier = bertkit('fill-mask', '--model', fixturePath('sequence-classification'), 'a [MASK]');
  assert.equal(classifier.status, 1);
});
