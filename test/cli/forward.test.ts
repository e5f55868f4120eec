import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readSafetensors } from '../../src/io/safetensors.js';
import { bertkit } from '../helpers/cli.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, expectedOutputs, fixtureInputs, fixturePath, logitsAtLabels, maxAbsDiff } from '../model/fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-forward-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function writeBatch(name: string, batch: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof batch === 'string' ? batch : JSON.stringify(batch));
  return path;
}

const skip = skipWithoutShared(FIXTURE, 'expected_outputs.safetensors');

test('forward on the pretraining fixture writes every output within 1e-5 of PyTorch', { skip }, () => {
  const inputs = fixtureInputs();
  const batch = writeBatch('batch.json', { input_ids: inputs.input_ids, token_type_ids: inputs.token_type_ids, attention_mask: inputs.attention_mask });
  const out = join(dir, 'out.safetensors');
  const run = bertkit('forward', '--model', fixturePath(), '--input', batch, '--output', out, '--hidden-states', '--attentions');
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stderr, '', 'the fixture loads without warnings');
  const got = readSafetensors(out).tensors;
  const want = expectedOutputs();
  assert.deepEqual([...got.keys()].sort(), [
    'attentions.0', 'attentions.1', 'hidden_states.0', 'hidden_states.1', 'hidden_states.2', 'last_hidden_state', 'mlm_logits', 'nsp_logits', 'pooler_output',
  ]);
  const mask = inputs.attention_mask;
  const errors: Record<string, number> = {};
  for (const name of ['last_hidden_state', 'hidden_states.0', 'hidden_states.1', 'hidden_states.2']) {
    assert.deepEqual(got.get(name)!.shape, want.get(name)!.shape, name);
    errors[name] = maxAbsDiff(got.get(name)!.data as Float32Array, want.get(name)!.data as Float32Array, mask).worst;
  }
  for (const name of ['attentions.0', 'attentions.1', 'pooler_output', 'nsp_logits']) {
    assert.deepEqual(got.get(name)!.shape, want.get(name)!.shape, name);
    errors[name] = maxAbsDiff(got.get(name)!.data as Float32Array, want.get(name)!.data as Float32Array).worst;
  }
  assert.deepEqual(got.get('mlm_logits')!.shape, [4, 19, 30522]);
  const atLabels = logitsAtLabels(got.get('mlm_logits')!.data as Float32Array, inputs.mlm_labels, 30522);
  errors.mlm_logits_at_labels = maxAbsDiff(atLabels, want.get('mlm_logits_at_labels')!.data as Float32Array).worst;
  for (const [name, error] of Object.entries(errors)) assert.ok(error <= 1e-5, `${name}: max |Δ| ${error}`);
});

test('forward on the classification checkpoints writes logits; without flags no hidden states or attentions', { skip }, () => {
  const inputs = fixtureInputs();
  const batch = writeBatch('batch-cls.json', { input_ids: inputs.input_ids, token_type_ids: inputs.token_type_ids, attention_mask: inputs.attention_mask });
  const want = expectedOutputs();
  for (const [model, reference, keys] of [
    ['sequence-classification', 'sequence_classification_logits', ['last_hidden_state', 'logits', 'pooler_output']],
    ['token-classification', 'token_classification_logits', ['last_hidden_state', 'logits']],
  ] as const) {
    const out = join(dir, `${model}.safetensors`);
    const run = bertkit('forward', '--model', fixturePath(model), '--input', batch, '--output', out);
    assert.equal(run.status, 0, run.stderr);
    const got = readSafetensors(out).tensors;
    assert.deepEqual([...got.keys()].sort(), keys);
    assert.deepEqual(got.get('logits')!.shape, want.get(reference)!.shape);
    const { worst } = maxAbsDiff(got.get('logits')!.data as Float32Array, want.get(reference)!.data as Float32Array, model === 'token-classification' ? inputs.attention_mask : undefined);
    assert.ok(worst <= 1e-5, `${model}: max |Δ| ${worst}`);
  }
});

test('forward defaults token_type_ids to 0 and attention_mask to 1', { skip }, () => {
  const inputs = fixtureInputs();
  const row = inputs.input_ids[1]!; // the unpadded pair
  const explicit = writeBatch('explicit.json', { input_ids: [row], token_type_ids: [row.map(() => 0)], attention_mask: [row.map(() => 1)] });
  const implicit = writeBatch('implicit.json', { input_ids: [row] });
  const outs = [explicit, implicit].map((input, i) => {
    const out = join(dir, `defaults-${i}.safetensors`);
    const run = bertkit('forward', '--model', fixturePath(), '--input', input, '--output', out);
    assert.equal(run.status, 0, run.stderr);
    return readFileSync(out);
  });
  assert.deepEqual(outs[0], outs[1]);
});

test('a bad batch.json is refused with the file and the field named, and no output is written', { skip }, () => {
  const cases: [string, unknown, RegExp][] = [
    ['not-json.json', '{"input_ids": [[1, 2]', /not-json\.json:1:22: invalid JSON: unexpected end of JSON/],
    ['no-ids.json', { token_type_ids: [[0]] }, /no-ids\.json: input_ids is missing/],
    ['flat.json', { input_ids: [101, 102] }, /flat\.json: input_ids\[0\] must be an array of integers/],
    ['ragged.json', { input_ids: [[101, 102], [101]] }, /ragged\.json: input_ids\[1\] has 1 values, row 0 has 2/],
    ['float.json', { input_ids: [[101, 1.5]] }, /float\.json: input_ids\[0\]\[1\] must be an integer, got 1\.5/],
    ['vocab.json', { input_ids: [[101, 30522]] }, /vocab\.json: input_ids\[0\]\[1\] is 30522, must be a token id below vocab_size \(30522\)/],
    ['types.json', { input_ids: [[101, 102]], token_type_ids: [[0, 2]] }, /types\.json: token_type_ids\[0\]\[1\] is 2, must be a segment id below type_vocab_size/],
    ['mask-shape.json', { input_ids: [[101, 102]], attention_mask: [[1, 1], [1, 1]] }, /mask-shape\.json: attention_mask has 2 rows, input_ids has 1/],
    ['mask-values.json', { input_ids: [[101, 102]], attention_mask: [[1, 5]] }, /mask-values\.json: attention_mask\[0\]\[1\] is 5, must be 0 \(padding\) or 1/],
    ['too-long.json', { input_ids: [Array(129).fill(100)] }, /too-long\.json: input_ids rows have 129 tokens, more than the model's max_position_embeddings 128/],
  ];
  for (const [name, batch, message] of cases) {
    const out = join(dir, `${name}.safetensors`);
    const run = bertkit('forward', '--model', fixturePath(), '--input', writeBatch(name, batch), '--output', out);
    assert.equal(run.status, 1, `${name}: ${run.stderr}`);
    assert.match(run.stderr, message, name);
    assert.throws(() => readFileSync(out), /ENOENT/, `${name}: no output file`);
  }
  const missingModel = bertkit('forward', '--model', join(dir, 'nowhere'), '--input', writeBatch('ok.json', { input_ids: [[101]] }), '--output', join(dir, 'x.safetensors'));
  assert.equal(missingModel.status, 1);
  assert.match(missingModel.stderr, /nowhere.config\.json: cannot read the model config/);
});
