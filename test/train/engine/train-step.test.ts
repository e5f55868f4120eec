import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Graph } from '../../../src/graph/graph.js';
import { crossEntropy, dropout, linear, tanh } from '../../../src/graph/ops.js';
import { initializeParameters } from '../../../src/runtime/init.js';
import { Rng } from '../../../src/runtime/rng.js';
import { type Batch, TrainStep } from '../../../src/train/engine/train-step.js';
import { buildTrainProgram, randomUniform } from '../../../src/runtime/train-program.js';

/** XOR of the signs of two coordinates: not linearly separable, so the hidden layer must learn. */
function xorBatch(rng: Rng, size: number): Batch {
  const x = new Float32Array(size * 2);
  const labels = new BigInt64Array(size);
  for (let i = 0; i < size; i++) {
    const a = rng.uniform() * 2 - 1, b = rng.uniform() * 2 - 1;
    x[2 * i] = a; x[2 * i + 1] = b;
    labels[i] = BigInt(Number(a > 0 !== b > 0));
  }
  return { x: { data: x, dims: [size, 2] }, labels: { data: labels, dims: [size] } };
}

function mlpProgram(dropoutRate: number) {
  const graph = new Graph();
  const x = graph.input('x', 'float32', ['batch', 2]);
  const labels = graph.input('labels', 'int64', ['batch']);
  let hidden = tanh(linear(x, graph.parameter('hidden.weight', [32, 2]), graph.parameter('hidden.bias', [32])));
  if (dropoutRate > 0) hidden = dropout(hidden, dropoutRate, randomUniform(graph, 'hidden.dropout', ['batch', 32]));
  const logits = linear(hidden, graph.parameter('classifier.weight', [2, 32]), graph.parameter('classifier.bias', [2]));
  return buildTrainProgram(crossEntropy(logits, labels));
}

test('an MLP learns XOR with AdamW (in this thread)', async () => {
  const program = mlpProgram(0);
  const params = initializeParameters(program.parameters, { seed: 1, initializerRange: 0.5 });
  const trainer = await TrainStep.create(program, params, {
    seed: 1, threads: 1,
    update: { optimizer: { kind: 'adamw', weightDecay: 0 }, schedule: { kind: 'constant', peak: 0.03 }, maxGradNorm: 5 },
  });
  const data = new Rng(99);
  let first = 0, last = 0;
  for (let step = 0; step < 300; step++) {
    const { loss } = await trainer.step(xorBatch(data, 64));
    if (step === 0) first = loss;
    last = loss;
  }
  await trainer.dispose();
  assert.ok(first > 0.6, `initial loss ${first} should be near ln 2`);
  assert.ok(last < 0.15, `final loss ${last}`);
});

test('resuming from a saved state reproduces the uninterrupted losses bit for bit (dropout on, 2 micro-batches)', async () => {
  const program = mlpProgram(0.2);
  const config = { seed: 5, threads: 1, update: { optimizer: { kind: 'lamb' as const }, schedule: { kind: 'linear' as const, peak: 0.02, warmupSteps: 3, totalSteps: 20 }, maxGradNorm: 1 } };
  const batches = Array.from({ length: 12 }, (_, i) => [xorBatch(new Rng(1000 + i), 16), xorBatch(new Rng(2000 + i), 16)]);
  const straight = await TrainStep.create(program, initializeParameters(program.parameters, { seed: 2, initializerRange: 0.5 }), config);
  const uninterrupted: number[] = [];
  for (const batch of batches) uninterrupted.push((await straight.step(batch)).loss);

  const first = await TrainStep.create(program, initializeParameters(program.parameters, { seed: 2, initializerRange: 0.5 }), config);
  const resumedLosses: number[] = [];
  for (const batch of batches.slice(0, 5)) resumedLosses.push((await first.step(batch)).loss);
  const saved = first.state();
  await first.step(batches[5]!); // progress after the save must not leak into the saved state
  const fresh = await TrainStep.create(program, initializeParameters(program.parameters, { seed: 77 }), { ...config, seed: 123 });
  fresh.restore(saved);
  for (const batch of batches.slice(5)) resumedLosses.push((await fresh.step(batch)).loss);
  assert.deepEqual(resumedLosses, uninterrupted);
  assert.deepEqual(fresh.state().parameters, straight.state().parameters);

  // Without restoring the Rng the dropout masks differ, so the comparison above is a real one.
  const noRng = await TrainStep.create(program, initializeParameters(program.parameters, { seed: 2 }), { ...config, seed: 123 });
  noRng.restore({ ...saved, rng: new Rng(999).state() });
  assert.notEqual((await noRng.step(batches[5]!)).loss, uninterrupted[5]);
  await Promise.all([straight, first, fresh, noRng].map((t) => t.dispose()));
});

test('the in-graph gradient norm (one micro-batch) equals the accumulator\'s norm over two micro-batches', async () => {
  const program = mlpProgram(0);
  const config = { seed: 1, threads: 1, update: { optimizer: { kind: 'adamw' as const }, schedule: { kind: 'constant' as const, peak: 0.01 }, maxGradNorm: 0.01 } };
  const single = await TrainStep.create(program, initializeParameters(program.parameters, { seed: 3, initializerRange: 0.5 }), config);
  const twice = await TrainStep.create(program, initializeParameters(program.parameters, { seed: 3, initializerRange: 0.5 }), config);
  for (let step = 0; step < 3; step++) {
    const batch = xorBatch(new Rng(step), 32);
    const a = await single.step(batch);
    const b = await twice.step([batch, batch]); // the same gradient twice: the average is that gradient
    assert.ok(a.clipFactor < 1, 'clipping is active');
    assert.ok(Math.abs(a.gradNorm / b.gradNorm - 1) < 1e-5, `graph norm ${a.gradNorm} vs accumulated norm ${b.gradNorm}`);
    assert.equal(a.loss, b.loss);
  }
  await Promise.all([single.dispose(), twice.dispose()]);
});

test('overlapping steps are refused instead of corrupting shared gradient buffers', async () => {
  const program = mlpProgram(0);
  const trainer = await TrainStep.create(program, initializeParameters(program.parameters, { seed: 1 }), {
    seed: 1, threads: 1, update: { optimizer: { kind: 'adamw' }, schedule: { kind: 'constant', peak: 0.01 } },
  });
  const first = trainer.step(xorBatch(new Rng(1), 8));
  await assert.rejects(trainer.step(xorBatch(new Rng(2), 8)), /previous step has not finished/);
  assert.ok(Number.isFinite((await first).loss));
  assert.equal(trainer.updates, 1);
  await trainer.dispose();
});
