import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bertParameterShapes } from '../../../src/model/bert.js';
import { Rng } from '../../../src/runtime/rng.js';
import type { TrainStepState } from '../../../src/train/engine/train-step.js';
import { type CheckpointContents, latestCheckpoint, readTrainStepState, saveCheckpoint } from '../../../src/train/engine/checkpoint-dir.js';
import { pretrainingHeads } from '../../../src/train/pretrain.js';
import { presetConfig } from '../../../src/train/presets.js';
import { readSafetensors, writeSafetensors } from '../../../src/io/safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-checkpoint-dir-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const config = { ...presetConfig('tiny', 60), hidden_size: 8, num_attention_heads: 2, intermediate_size: 16, max_position_embeddings: 16, num_hidden_layers: 1 };
const heads = pretrainingHeads(false);
const parameters = [...bertParameterShapes(config, heads)].map(([name, shape]) => ({ name, shape }));

/** A training state of seeded random values at `step`. */
function contents(step: number, seed: number): CheckpointContents {
  const rng = new Rng(seed);
  const random = (length: number) => Float32Array.from({ length }, () => rng.uniform());
  const values: Record<string, Float32Array> = {};
  const moments: Record<string, { m: Float32Array; v: Float32Array }> = {};
  for (const { name, shape } of parameters) {
    const size = shape.reduce((product, dim) => product * dim, 1);
    values[name] = random(size);
    moments[name] = { m: random(size), v: random(size) };
  }
  const train: TrainStepState = { step, parameters: values, optimizer: { kind: 'adamw', step, moments }, rng: rng.state() };
  return { config, heads, parameters, train, data: { position: seed }, identity: { seed }, settings: {} };
}

test('saving a step again replaces its checkpoint with the new state and leaves no temporary entries', () => {
  const output = join(dir, 'replace');
  saveCheckpoint(output, contents(2, 1));
  const second = contents(2, 2);
  const saved = saveCheckpoint(output, second);
  assert.equal(latestCheckpoint(output), saved);
  assert.deepEqual(readdirSync(output), ['checkpoint-2']);
  const { train, trainer } = readTrainStepState(saved, parameters);
  assert.deepEqual(trainer.data, { position: 2 });
  assert.deepEqual(trainer.identity, { seed: 2 });
  assert.deepEqual(train.parameters, second.train.parameters);
  assert.deepEqual(train.optimizer.moments, second.train.optimizer.moments);
});

test('the trainer state is not saved as trainer_state.json, which HF Trainer would try to load as its own', () => {
  const saved = saveCheckpoint(join(dir, 'names'), contents(1, 3));
  const files = readdirSync(saved);
  assert.ok(files.includes('bertkit_trainer_state.json'), files.join(', '));
  assert.ok(!files.includes('trainer_state.json'), files.join(', '));
});

test('moments are saved in their parameter\'s shape, and an optimizer file of another step is refused', () => {
  const saved = saveCheckpoint(join(dir, 'moments'), contents(4, 5));
  const optimizerFile = join(saved, 'optimizer.safetensors');
  const { tensors, metadata } = readSafetensors(optimizerFile);
  for (const { name, shape } of parameters) {
    assert.deepEqual(tensors.get(`${name}.exp_avg`)?.shape, shape, name);
    assert.deepEqual(tensors.get(`${name}.exp_avg_sq`)?.shape, shape, name);
  }
  writeSafetensors(optimizerFile, new Map([...tensors].map(([name, tensor]) => [name, { shape: tensor.shape, data: tensor.data }])), { ...metadata, step: '3' });
  assert.throws(() => readTrainStepState(saved, parameters), /optimizer\.safetensors: holds the optimizer state of step 3, but .*bertkit_trainer_state\.json is at global_step 4/);
});
