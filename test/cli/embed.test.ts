import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BertTokenizer } from '../../src/tokenizer/bert-tokenizer.js';
import { bertkit } from '../helpers/cli.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, expectedOutputs, fixtureInputs, fixturePath, maxAbsDiff } from '../model/fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-embed-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const skip = skipWithoutShared(FIXTURE, 'expected_outputs.safetensors');

/** Fixture rows 0 and 2 (single texts) as text, with the PyTorch last hidden states of their tokens. */
function fixtureRows(): { text: string; tokens: Float32Array[] }[] {
  const tokenizer = BertTokenizer.fromPretrained(fixturePath());
  const { input_ids, attention_mask } = fixtureInputs();
  const hidden = expectedOutputs().get('last_hidden_state')!;
  const [, seq, width] = hidden.shape as [number, number, number];
  return [0, 2].map((row) => {
    const length = attention_mask[row]!.filter((bit) => bit === 1).length;
    const text = tokenizer.decode(input_ids[row]!.slice(1, length - 1));
    const tokens = Array.from({ length }, (_, t) => (hidden.data as Float32Array).slice((row * seq + t) * width, (row * seq + t + 1) * width));
    return { text, tokens };
  });
}

test('embed: JSONL in, {"embedding"} per line out in input order, cls and mean pooling as PyTorch', { skip }, () => {
  const rows = fixtureRows();
  const input = join(dir, 'texts.jsonl');
  // the longer text second, so that length sorting must restore the order
  const ordered = [rows[1]!, rows[0]!];
  writeFileSync(input, ordered.map((row) => JSON.stringify({ text: row.text })).join('\n') + '\n');
  for (const pooling of ['cls', 'mean'] as const) {
    const output = join(dir, `${pooling}.jsonl`);
    const run = bertkit('embed', '--model', fixturePath(), '--input', input, '--output', output, '--pooling', pooling, '--batch-size', '2', '--quiet');
    assert.equal(run.status, 0, run.stderr);
    const lines = readFileSync(output, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { embedding: number[] });
    assert.equal(lines.length, 2);
    ordered.forEach((row, index) => {
      const width = row.tokens[0]!.length;
      const want = pooling === 'cls' ? row.tokens[0]! : Array.from({ length: width }, (_, i) => row.tokens.reduce((sum, token) => sum + token[i]!, 0) / row.tokens.length);
      assert.ok(maxAbsDiff(lines[index]!.embedding, want).worst < 1e-5, `${pooling} line ${index + 1}`);
    });
  }
  const normalized = bertkit('embed', '--model', fixturePath(), '--input', input, '--normalize');
  assert.equal(normalized.status, 0, normalized.stderr);
  for (const line of normalized.stdout.trim().split('\n')) assert.ok(Math.abs(Math.hypot(...(JSON.parse(line) as { embedding: number[] }).embedding) - 1) < 1e-5);
});

test('embed refuses bad input with the file and line, and a missing file by name', { skip }, () => {
  const input = join(dir, 'bad.jsonl');
  writeFileSync(input, '{"text": "fine"}\n{"text": 3}\n');
  const run = bertkit('embed', '--model', fixturePath(), '--input', input);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /bad\.jsonl:2: "text" must be a string, got number 3/);
  writeFileSync(input, '{"text": "fine"}\nnot json\n');
  assert.match(bertkit('embed', '--model', fixturePath(), '--input', input).stderr, /bad\.jsonl:2:2: invalid JSON: unexpected 'o'; expected an object such as/);
  assert.match(bertkit('embed', '--model', fixturePath(), '--input', join(dir, 'absent.jsonl')).stderr, /absent\.jsonl: no such file/);
  assert.match(bertkit('embed', '--model', fixturePath(), '--input', input, '--pooling', 'max').stderr, /Allowed choices are cls, mean/);
});
