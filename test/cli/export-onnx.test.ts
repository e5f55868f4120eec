import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AutoModel, AutoModelForMaskedLM, Tensor, env, pipeline } from '@huggingface/transformers';
import onnxProto from 'onnx-proto';
import { BertTokenizer } from '../../src/tokenizer/bert-tokenizer.js';
import { bertkit } from '../helpers/cli.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, expectedOutputs, fixtureInputs, fixturePath, maxAbsDiff } from '../model/fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-export-onnx-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const skip = skipWithoutShared(FIXTURE, 'expected_outputs.safetensors');
env.allowRemoteModels = false;

test('export-onnx of the pretraining checkpoint serves fill-mask in transformers.js with PyTorch logits', { skip }, async () => {
  const output = join(dir, 'mlm');
  const run = bertkit('export-onnx', '--model', fixturePath(), '--output', output);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /for fill-mask \(outputs: logits\); --task also takes feature-extraction/);
  assert.ok(existsSync(join(output, 'onnx', 'model.onnx')));

  const inputs = fixtureInputs();
  const dims = [inputs.input_ids.length, inputs.input_ids[0]!.length];
  const tensor = (rows: number[][]) => new Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), dims);
  const model = await AutoModelForMaskedLM.from_pretrained(output, { dtype: 'fp32' });
  const logits = (await model({ input_ids: tensor(inputs.input_ids), attention_mask: tensor(inputs.attention_mask), token_type_ids: tensor(inputs.token_type_ids) })).logits;
  await model.dispose();
  const vocab = logits.dims[2]!, seq = logits.dims[1]!;
  const want = expectedOutputs().get('mlm_logits_at_labels')!;
  // row 0, position 3: the first labelled [MASK]
  const got = (logits.data as Float32Array).subarray(3 * vocab, 4 * vocab);
  assert.equal(inputs.mlm_labels[0]![3] !== -100 && seq === dims[1], true);
  assert.ok(maxAbsDiff(got, (want.data as Float32Array).subarray(0, vocab)).worst < 1e-4);

  const unmasker = await pipeline('fill-mask', output, { dtype: 'fp32' });
  const text = BertTokenizer.fromPretrained(fixturePath()).decode(inputs.input_ids[2]!.slice(1, 8));
  const top = await unmasker(text, { top_k: 1 }) as { token: number }[];
  await unmasker.dispose();
  const labelRow = inputs.mlm_labels.slice(0, 2).flat().filter((label) => label !== -100).length; // row 2's one mask
  const label = (want.data as Float32Array).subarray(labelRow * vocab, (labelRow + 1) * vocab);
  assert.equal(top[0]!.token, label.indexOf(Math.max(...label)));
});

test('export-onnx --task feature-extraction, and refusals that name the problem', { skip }, () => {
  const output = join(dir, 'features');
  const run = bertkit('export-onnx', '--model', fixturePath(), '--output', output, '--task', 'feature-extraction');
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /for feature-extraction \(outputs: last_hidden_state\)/);
  const wrong = bertkit('export-onnx', '--model', fixturePath(), '--output', join(dir, 'x'), '--task', 'token-classification');
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /BertForPreTraining cannot be exported for token-classification; it can for fill-mask, feature-extraction/);
  const noTokenizer = bertkit('export-onnx', '--model', fixturePath('sequence-classification'), '--output', join(dir, 'y'));
  assert.equal(noTokenizer.status, 1);
  assert.match(noTokenizer.stderr, /pipelines need the tokenizer.*give one with --tokenizer/);
  const withTokenizer = bertkit('export-onnx', '--model', fixturePath('sequence-classification'), '--tokenizer', fixturePath(), '--output', join(dir, 'y'));
  assert.equal(withTokenizer.status, 0, withTokenizer.stderr);
  assert.match(withTokenizer.stderr, /for text-classification/);
});

test('export-onnx --portable writes standard ONNX ops only, and the model still reproduces PyTorch', { skip }, async () => {
  const output = join(dir, 'portable');
  const run = bertkit('export-onnx', '--model', fixturePath(), '--output', output, '--task', 'feature-extraction', '--portable');
  assert.equal(run.status, 0, run.stderr);
  const nodes = onnxProto.onnx.ModelProto.decode(readFileSync(join(output, 'onnx', 'model.onnx'))).graph!.node!;
  assert.deepEqual(nodes.filter((node) => (node.domain ?? '') !== '').map((node) => `${node.domain}.${node.opType}`), []);
  assert.ok(nodes.some((node) => node.opType === 'Softmax'), 'the attention is spelled out in standard ops');
  const model = await AutoModel.from_pretrained(output, { dtype: 'fp32' });
  const inputs = fixtureInputs();
  const dims = [inputs.input_ids.length, inputs.input_ids[0]!.length];
  const tensor = (rows: number[][]) => new Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), dims);
  const hidden = (await model({ input_ids: tensor(inputs.input_ids), attention_mask: tensor(inputs.attention_mask), token_type_ids: tensor(inputs.token_type_ids) })).last_hidden_state;
  await model.dispose();
  const { worst, compared } = maxAbsDiff(hidden.data as Float32Array, expectedOutputs().get('last_hidden_state')!.data as Float32Array, inputs.attention_mask);
  assert.ok(compared > 0 && worst < 1e-5, `last_hidden_state off by ${worst}`);
});
