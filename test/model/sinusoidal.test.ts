import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bertParameterShapes } from '../../src/model/bert.js';
import { loadBert, saveBert } from '../../src/model/checkpoint.js';
import { modelOutputs } from '../../src/model/inference-graph.js';
import { BertRunner } from '../../src/model/runner.js';
import { sinusoidalTable } from '../../src/model/sinusoidal.js';
import { ParameterStore } from '../../src/runtime/parameters.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, fixtureBatch, fixtureInputs, fixturePath, maxAbsDiff } from './fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-sinusoidal-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('the table is the original Transformer\'s (as PyTorch\'s tutorial computes it: exp of −ln 10000·2i/d)', () => {
  const [positions, hidden] = [60, 32];
  const table = sinusoidalTable(positions, hidden);
  let worst = 0;
  for (let pos = 0; pos < positions; pos++) {
    for (let i = 0; i < hidden; i += 2) {
      const divTerm = Math.exp(i * (-Math.log(10000) / hidden));
      worst = Math.max(worst, Math.abs(table[pos * hidden + i]! - Math.sin(pos * divTerm)), Math.abs(table[pos * hidden + i + 1]! - Math.cos(pos * divTerm)));
    }
  }
  assert.ok(worst < 1e-6, `max |Δ| ${worst}`);
  assert.deepEqual([...table.subarray(0, 4)], [0, 1, 0, 1]);
  assert.throws(() => sinusoidalTable(10, 31), /hidden size must be a positive even integer, got 31/);
});

test('a sinusoidal model adds the fixed table (no parameter) and saves it so that transformers\' learned positions reproduce it', { skip: skipWithoutShared(FIXTURE, 'model.safetensors') }, async () => {
  const pretrained = await loadBert(fixturePath(), { warn: () => {} });
  const config = { ...pretrained.config, position_embedding_type: 'sinusoidal' as const };
  const shapes = bertParameterShapes(config, pretrained.heads);
  assert.equal(shapes.has('bert.embeddings.position_embeddings.weight'), false);
  const parameters = new ParameterStore();
  for (const [name, shape] of shapes) parameters.add(name, shape, pretrained.parameters.get(name));
  const model = { config, heads: pretrained.heads, parameters };

  const inputs = fixtureInputs();
  const runner = await BertRunner.create(model, { outputs: modelOutputs(model.heads, { hiddenStates: true }), threads: 1 });
  const outputs = await runner.run(fixtureBatch(inputs), model.parameters);
  await runner.dispose();

  // hidden_states.0 = LayerNorm(word + token_type + PE) in float64, from the raw tensors
  const get = (name: string) => pretrained.parameters.get(`bert.embeddings.${name}`);
  const [word, types, gamma, beta] = [get('word_embeddings.weight'), get('token_type_embeddings.weight'), get('LayerNorm.weight'), get('LayerNorm.bias')];
  const hidden = 32, seq = inputs.input_ids[0]!.length;
  const table = sinusoidalTable(128, hidden);
  const reference = new Float64Array(inputs.input_ids.length * seq * hidden);
  inputs.input_ids.forEach((row, b) => row.forEach((id, s) => {
    const sum = Array.from({ length: hidden }, (_, h) => word[id * hidden + h]! + types[inputs.token_type_ids[b]![s]! * hidden + h]! + table[s * hidden + h]!);
    const mean = sum.reduce((a, x) => a + x, 0) / hidden;
    const variance = sum.reduce((a, x) => a + (x - mean) ** 2, 0) / hidden;
    sum.forEach((x, h) => (reference[(b * seq + s) * hidden + h] = ((x - mean) / Math.sqrt(variance + 1e-12)) * gamma[h]! + beta[h]!));
  }));
  const { worst } = maxAbsDiff(outputs['hidden_states.0']!.data as Float32Array, reference);
  assert.ok(worst < 1e-5, `hidden_states.0 max |Δ| ${worst}`);

  const saved = join(dir, 'sinusoidal');
  saveBert(saved, model);
  const reloaded = await loadBert(saved, { warn: (m) => assert.fail(m) });
  assert.equal(reloaded.config.position_embedding_type, 'sinusoidal');
  assert.equal(reloaded.parameters.has('bert.embeddings.position_embeddings.weight'), false);
  // What transformers does with the directory: it knows no 'sinusoidal', builds learned positions and loads the saved table.
  const asHf = join(dir, 'as-absolute');
  saveBert(asHf, reloaded);
  writeFileSync(join(asHf, 'config.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(asHf, 'config.json'), 'utf8')), position_embedding_type: 'absolute' }));
  const absolute = await loadBert(asHf, { warn: (m) => assert.fail(m) });
  assert.deepEqual(absolute.parameters.get('bert.embeddings.position_embeddings.weight'), table);
  const [a, b] = await Promise.all([reloaded, absolute].map(async (m) => {
    const r = await BertRunner.create(m, { threads: 1 });
    const out = await r.run(fixtureBatch(inputs), m.parameters);
    await r.dispose();
    return out.last_hidden_state!.data as Float32Array;
  }));
  assert.deepEqual(a, b);
  assert.deepEqual(a, outputs.last_hidden_state!.data);
});
