import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadBert } from '../../src/model/checkpoint.js';
import { buildInferenceGraph, inferenceOnnx, modelOutputs } from '../../src/model/inference-graph.js';
import { BertRunner } from '../../src/model/runner.js';
import { Session } from '../../src/runtime/session.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, expectedOutputs, fixtureBatch, fixtureInputs, fixturePath, logitsAtLabels, maxAbsDiff } from './fixture.js';

const TOLERANCE = 1e-5;

async function forward(dir: string) {
  const warnings: string[] = [];
  const model = await loadBert(dir, { warn: (message) => warnings.push(message) });
  const runner = await BertRunner.create(model, { outputs: modelOutputs(model.heads, { hiddenStates: true, attentions: true }), threads: 1 });
  const outputs = await runner.run(fixtureBatch(), model.parameters);
  await runner.dispose();
  return { model, outputs, warnings };
}

function assertClose(name: string, got: ArrayLike<number>, want: ArrayLike<number>, mask?: number[][]): number {
  const { worst, compared } = maxAbsDiff(got, want, mask);
  assert.ok(compared > 0 && worst <= TOLERANCE, `${name}: max |Δ| ${worst} over ${compared} values (tolerance ${TOLERANCE})`);
  return worst;
}

/** Every output of the pretraining checkpoint against PyTorch's, as the fixture README specifies. */
async function checkPretraining(dir: string): Promise<Record<string, number>> {
  const { model, outputs, warnings } = await forward(dir);
  assert.deepEqual(model.report, { missing: [], unexpected: [] });
  assert.deepEqual(warnings, []);
  const expected = expectedOutputs();
  const inputs = fixtureInputs();
  const mask = inputs.attention_mask;
  const data = (name: string) => outputs[name]!.data as Float32Array;
  const want = (name: string) => expected.get(name)!.data as Float32Array;
  const errors: Record<string, number> = {};
  errors.last_hidden_state = assertClose('last_hidden_state', data('last_hidden_state'), want('last_hidden_state'), mask);
  for (const i of [0, 1, 2]) errors[`hidden_states.${i}`] = assertClose(`hidden_states.${i}`, data(`hidden_states.${i}`), want(`hidden_states.${i}`), mask);
  for (const i of [0, 1]) errors[`attentions.${i}`] = assertClose(`attentions.${i}`, data(`attentions.${i}`), want(`attentions.${i}`));
  errors.pooler_output = assertClose('pooler_output', data('pooler_output'), want('pooler_output'));
  errors.nsp_logits = assertClose('nsp_logits', data('nsp_logits'), want('nsp_logits'));
  assert.deepEqual(outputs.mlm_logits!.dims, [4, 19, 30522]);
  errors.mlm_logits_at_labels = assertClose('mlm_logits_at_labels', logitsAtLabels(data('mlm_logits'), inputs.mlm_labels, 30522), want('mlm_logits_at_labels'));
  return errors;
}

test('BertForPreTraining (model.safetensors) reproduces every PyTorch output to 1e-5', { skip: skipWithoutShared(FIXTURE, 'expected_outputs.safetensors') }, async () => {
  const errors = await checkPretraining(fixturePath());
  console.log(`model.safetensors max |Δ|: ${JSON.stringify(errors)}`);
});

test('the legacy pytorch_model.bin (gamma/beta names, explicit decoder) gives the same outputs', { skip: skipWithoutShared(FIXTURE, 'legacy-pytorch-bin', 'pytorch_model.bin') }, async () => {
  const errors = await checkPretraining(fixturePath('legacy-pytorch-bin'));
  console.log(`pytorch_model.bin max |Δ|: ${JSON.stringify(errors)}`);
});

test('sequence- and token-classification checkpoints reproduce their logits', { skip: skipWithoutShared(FIXTURE, 'token-classification', 'model.safetensors') }, async () => {
  const expected = expectedOutputs();
  const mask = fixtureInputs().attention_mask;
  const sequence = await forward(fixturePath('sequence-classification'));
  assert.equal(sequence.model.architecture, 'BertForSequenceClassification');
  assert.deepEqual(sequence.outputs.logits!.dims, [4, 3]);
  const seqError = assertClose('sequence logits', sequence.outputs.logits!.data as Float32Array, expected.get('sequence_classification_logits')!.data as Float32Array);
  assertClose('sequence pooler_output', sequence.outputs.pooler_output!.data as Float32Array, expected.get('pooler_output')!.data as Float32Array);

  const token = await forward(fixturePath('token-classification'));
  assert.equal(token.model.architecture, 'BertForTokenClassification');
  assert.equal(token.outputs.pooler_output, undefined, 'HF BertForTokenClassification has no pooler');
  assert.deepEqual(token.outputs.logits!.dims, [4, 19, 9]);
  const tokenError = assertClose('token logits', token.outputs.logits!.data as Float32Array, expected.get('token_classification_logits')!.data as Float32Array, mask);
  for (const run of [sequence, token]) assert.deepEqual(run.model.report, { missing: [], unexpected: [] });
  console.log(`classification max |Δ|: sequence ${seqError}, token ${tokenError}`);
});

test('the unfused inference graph exports to a standalone ONNX model (parameters as initializers) with the runner\'s outputs', { skip: skipWithoutShared(FIXTURE, 'model.safetensors') }, async () => {
  const model = await loadBert(fixturePath(), { warn: () => {} });
  const graph = buildInferenceGraph(model, { outputs: modelOutputs(model.heads), fusedOps: false });
  const session = await Session.create(inferenceOnnx(model, graph), { threads: 1 });
  assert.deepEqual([...session.inputNames].sort(), ['attention_mask', 'input_ids', 'token_type_ids']);
  const batch = fixtureBatch();
  const dims = [batch.batchSize, batch.seqLength];
  const exported = await session.run({ input_ids: { data: batch.inputIds, dims }, token_type_ids: { data: batch.tokenTypeIds!, dims }, attention_mask: { data: batch.attentionMask!, dims } });
  await session.dispose();
  const runner = await BertRunner.create(model, { threads: 1 });
  const direct = await runner.run(batch, model.parameters);
  await runner.dispose();
  assert.deepEqual(Object.keys(exported).sort(), ['last_hidden_state', 'mlm_logits', 'nsp_logits', 'pooler_output']);
  for (const name of Object.keys(exported)) assert.deepEqual(exported[name]!.data, direct[name]!.data, name);
});
