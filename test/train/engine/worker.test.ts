import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Graph } from '../../../src/graph/graph.js';
import { add, crossEntropy, gather, layerNorm, linear, slice, squeeze } from '../../../src/graph/ops.js';
import { attentionBias, encoderLayer } from '../../../src/model/encoder-layer.js';
import { initializeParameters } from '../../../src/runtime/init.js';
import { Rng } from '../../../src/runtime/rng.js';
import { type Batch, TrainStep, type TrainStepConfig } from '../../../src/train/engine/train-step.js';
import { buildTrainProgram } from '../../../src/runtime/train-program.js';
import { TrainWorker } from '../../../src/train/engine/worker-client.js';

const SEQ = 8, HIDDEN = 32, VOCAB = 4, CLS = 3;

/**
 * Majority vote: [CLS] then 7 tokens from {1, 2}; the label says whether 1s outnumber 2s.
 * The classifier reads only the [CLS] position, so attention must gather the whole sequence.
 */
function majorityBatch(rng: Rng, size: number): Batch {
  const ids = new BigInt64Array(size * SEQ);
  const mask = new BigInt64Array(size * SEQ).fill(1n);
  const labels = new BigInt64Array(size);
  for (let b = 0; b < size; b++) {
    ids[b * SEQ] = BigInt(CLS);
    let ones = 0;
    for (let s = 1; s < SEQ; s++) {
      const token = rng.uniform() < 0.5 ? 1 : 2;
      ids[b * SEQ + s] = BigInt(token);
      if (token === 1) ones++;
    }
    labels[b] = BigInt(Number(ones > (SEQ - 1) / 2));
  }
  return { input_ids: { data: ids, dims: [size, SEQ] }, attention_mask: { data: mask, dims: [size, SEQ] }, labels: { data: labels, dims: [size] } };
}

function transformerProgram(dropoutRate: number) {
  const graph = new Graph();
  const ids = graph.input('input_ids', 'int64', ['batch', SEQ]);
  const mask = graph.input('attention_mask', 'int64', ['batch', SEQ]);
  const labels = graph.input('labels', 'int64', ['batch']);
  // [batch, SEQ, HIDDEN]: token + learned position embeddings, then LayerNorm as BertEmbeddings does
  const embedded = add(gather(graph.parameter('embeddings.word_embeddings.weight', [VOCAB, HIDDEN]), ids), graph.parameter('embeddings.position_embeddings.weight', [SEQ, HIDDEN]));
  const x = layerNorm(embedded, graph.parameter('embeddings.LayerNorm.weight', [HIDDEN]), graph.parameter('embeddings.LayerNorm.bias', [HIDDEN]));
  const config = { hidden_size: HIDDEN, num_attention_heads: 4, intermediate_size: 64, hidden_act: 'gelu', hidden_dropout_prob: dropoutRate, attention_probs_dropout_prob: dropoutRate, layer_norm_eps: 1e-12 } as const;
  const { hidden } = encoderLayer(x, attentionBias(mask), config, { prefix: 'encoder.layer.0.', training: true });
  const cls = squeeze(slice(hidden, [0], [1], { axes: [1] }), [1]); // [batch, HIDDEN]
  const logits = linear(cls, graph.parameter('classifier.weight', [2, HIDDEN]), graph.parameter('classifier.bias', [2]));
  return buildTrainProgram(crossEntropy(logits, labels));
}

const CONFIG: TrainStepConfig = {
  seed: 11, threads: 1,
  update: { optimizer: { kind: 'adamw', weightDecay: 0.01 }, schedule: { kind: 'linear', peak: 3e-3, warmupSteps: 10, totalSteps: 400 }, maxGradNorm: 1 },
};

test('a one-layer transformer learns majority vote through the worker, and the main thread stays free', async () => {
  const program = transformerProgram(0.05);
  const worker = await TrainWorker.create(program, initializeParameters(program.parameters, { seed: 4, initializerRange: 0.1 }), CONFIG);
  const data = new Rng(8);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const losses: number[] = [];
  for (let step = 0; step < 250; step++) losses.push((await worker.step(majorityBatch(data, 32))).loss);
  clearInterval(timer);
  await worker.close();
  const tail = losses.slice(-20).reduce((a, b) => a + b) / 20;
  assert.ok(losses[0]! > 0.5, `initial loss ${losses[0]}`);
  assert.ok(tail < 0.1, `mean loss of the last 20 steps ${tail}`);
  assert.ok(ticks > 50, `the main thread's timer ran only ${ticks} times during training`);
});

test('through the worker: save, restore into a fresh worker, continue with bit-identical losses (dropout on)', async () => {
  const program = transformerProgram(0.1);
  const batches = Array.from({ length: 10 }, (_, i) => majorityBatch(new Rng(500 + i), 16));
  const copyOf = (batch: Batch): Batch => Object.fromEntries(Object.entries(batch).map(([k, t]) => [k, { data: t.data.slice(), dims: t.dims }]));

  const straight = await TrainWorker.create(program, initializeParameters(program.parameters, { seed: 4 }), CONFIG);
  const expected: number[] = [];
  for (const batch of batches) expected.push((await straight.step(copyOf(batch))).loss);
  await straight.close();

  const first = await TrainWorker.create(program, initializeParameters(program.parameters, { seed: 4 }), CONFIG);
  const resumed: number[] = [];
  for (const batch of batches.slice(0, 4)) resumed.push((await first.step(copyOf(batch))).loss);
  const saved = await first.state();
  assert.equal(saved.step, 4);
  assert.deepEqual(await first.parameters(), saved.parameters);
  await first.close();
  const second = await TrainWorker.create(program, initializeParameters(program.parameters, { seed: 99 }), { ...CONFIG, seed: 1234 });
  await second.restore(saved);
  for (const batch of batches.slice(4)) resumed.push((await second.step(copyOf(batch))).loss);
  await second.close();
  assert.deepEqual(resumed, expected);
});

test('errors inside the worker reach the caller with their message', async () => {
  const program = transformerProgram(0);
  const worker = await TrainWorker.create(program, initializeParameters(program.parameters, { seed: 4 }), CONFIG);
  const batch = majorityBatch(new Rng(1), 4);
  delete batch.labels;
  await assert.rejects(worker.step(batch), /labels/);
  await worker.close();
  await assert.rejects(
    TrainWorker.create(program, initializeParameters([], { seed: 1 }), CONFIG),
    /no value for parameter 'embeddings.word_embeddings.weight'/,
  );
});

test('parameters already placed in kernel memory by an in-thread TrainStep are copied, not transferred, to a worker', async () => {
  const program = transformerProgram(0);
  const params = initializeParameters(program.parameters, { seed: 4 });
  const local = await TrainStep.create(program, params, CONFIG); // params now live in WebAssembly memory
  const before = params.get('classifier.weight').slice();
  const worker = await TrainWorker.create(program, params, CONFIG);
  assert.deepEqual(params.get('classifier.weight'), before, 'the in-thread copy stays intact');
  const result = await worker.step(majorityBatch(new Rng(3), 8));
  assert.ok(Number.isFinite(result.loss));
  await Promise.all([worker.close(), local.dispose()]);
});
