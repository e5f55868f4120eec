import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Graph } from '../../src/graph/graph.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { bertForward } from '../../src/model/bert.js';
import { loadBert } from '../../src/model/checkpoint.js';
import { bertLoss } from '../../src/model/losses.js';
import { buildTrainProgram } from '../../src/runtime/train-program.js';
import { TrainStep } from '../../src/train/engine/train-step.js';
import { type HostTensor, Session } from '../../src/runtime/session.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, fixtureBatch, fixtureInputs, fixturePath, fixtureTrainingBatch, maxAbsDiff } from './fixture.js';

// PyTorch's one pretraining step on inputs.json (dropout off): loss = mean MLM CE (labels != -100) + NSP CE,
// gradients before clipping, then clip to global norm 1.0 and one AdamW step.
test('pretraining loss, every gradient (tied decoder included) and one clipped AdamW step match PyTorch',
  { skip: skipWithoutShared(FIXTURE, 'pretraining_step_params_after.safetensors') }, async () => {
    const model = await loadBert(fixturePath(), { warn: () => assert.fail('the fixture loads without warnings') });
    const graph = new Graph();
    const forward = bertForward(graph, model.config, { heads: model.heads, training: false });
    const { loss } = bertLoss(forward, model.config);
    const program = buildTrainProgram(loss);
    assert.deepEqual(program.random, [], 'no dropout inputs in a graph built with training: false');

    const data = fixtureTrainingBatch();

    const facts = JSON.parse(readFileSync(fixturePath('pretraining_step.json'), 'utf8')) as { loss: number };
    const session = await Session.create(program.model, { threads: 1 });
    const feeds: Record<string, HostTensor> = { ...data };
    for (const { name, shape } of program.parameters) feeds[name] = { data: model.parameters.get(name), dims: [...shape] };
    const outputs = await session.run(feeds);
    await session.dispose();
    const gotLoss = (outputs[program.loss]!.data as Float32Array)[0]!;
    assert.ok(Math.abs(gotLoss - facts.loss) <= 1e-5 * facts.loss, `loss ${gotLoss} vs PyTorch ${facts.loss}`);

    const expectedGrads = readSafetensors(fixturePath('pretraining_step_grads.safetensors')).tensors;
    assert.deepEqual(program.parameters.map((p) => p.name).sort(), [...expectedGrads.keys()].sort());
    let worstRelative = 0, worstName = '';
    for (const [name, reference] of expectedGrads) {
      const { diff, scale } = gradientError(reference.data as Float32Array, outputs[program.gradients[name]!]!.data as Float32Array);
      // Relative to the tensor's largest gradient (elementwise ratios of near-zero entries mean nothing).
      // The key biases' gradient is zero in exact arithmetic (softmax ignores a per-row shift): both
      // sides hold rounding noise of ~1e-12, hence the absolute floor.
      assert.ok(diff <= 1e-4 * scale + 1e-9, `gradient of ${name}: max |Δ| ${diff}, ${diff / scale} of its largest entry ${scale}`);
      if (scale > 1e-6 && !(diff / scale <= worstRelative)) [worstRelative, worstName] = [diff / scale, name];
    }

    const trainer = await TrainStep.create(program, model.parameters, {
      seed: 0,
      threads: 1,
      update: {
        optimizer: { kind: 'adamw', beta1: 0.9, beta2: 0.999, epsilon: 1e-6, weightDecay: 0.01, noDecay: ['bias', 'LayerNorm'] },
        schedule: { kind: 'constant', peak: 1e-3 },
        maxGradNorm: 1.0,
      },
    });
    const step = await trainer.step(data);
    await trainer.dispose();
    const after = readSafetensors(fixturePath('pretraining_step_params_after.safetensors')).tensors;
    let worstAfter = 0;
    for (const [name, reference] of after) {
      const got = model.parameters.get(name);
      (reference.data as Float32Array).forEach((value, i) => (worstAfter = Math.max(worstAfter, Math.abs(value - got[i]!))));
    }
    assert.ok(worstAfter <= 1e-5, `parameters after the step: max |Δ| ${worstAfter}`);
    console.log(`pretraining: loss ${gotLoss} (PyTorch ${facts.loss}), worst relative gradient error ${worstRelative} (${worstName}), grad norm ${step.gradNorm}, params after max |Δ| ${worstAfter}`);
  });

test('with masked_lm_positions the MLM head runs on the masked tokens only and gives PyTorch\'s loss and gradients',
  { skip: skipWithoutShared(FIXTURE, 'pretraining_step_grads.safetensors') }, async () => {
    const model = await loadBert(fixturePath(), { warn: () => {} });
    const graph = new Graph();
    const forward = bertForward(graph, model.config, { heads: model.heads, maskedPositions: true });
    assert.deepEqual(forward.heads.mlmLogits!.shape, ['masked', 30522]);
    const program = buildTrainProgram(bertLoss(forward, model.config).loss);
    const inputs = fixtureInputs();
    const batch = fixtureBatch(inputs);
    const dims = [batch.batchSize, batch.seqLength];
    const flat = inputs.mlm_labels.flat();
    const positions = flat.flatMap((label, index) => (label === -100 ? [] : [index]));
    const feeds: Record<string, HostTensor> = {
      input_ids: { data: batch.inputIds, dims },
      token_type_ids: { data: batch.tokenTypeIds!, dims },
      attention_mask: { data: batch.attentionMask!, dims },
      masked_lm_positions: { data: BigInt64Array.from(positions, BigInt), dims: [positions.length] },
      labels: { data: BigInt64Array.from(positions, (index) => BigInt(flat[index]!)), dims: [positions.length] },
      next_sentence_label: { data: BigInt64Array.from(inputs.nsp_labels, BigInt), dims: [batch.batchSize] },
    };
    for (const { name, shape } of program.parameters) feeds[name] = { data: model.parameters.get(name), dims: [...shape] };
    const session = await Session.create(program.model, { threads: 1 });
    const outputs = await session.run(feeds);
    await session.dispose();
    const facts = JSON.parse(readFileSync(fixturePath('pretraining_step.json'), 'utf8')) as { loss: number };
    const loss = (outputs[program.loss]!.data as Float32Array)[0]!;
    assert.ok(Math.abs(loss - facts.loss) <= 1e-5 * facts.loss, `loss ${loss} vs PyTorch ${facts.loss}`);
    for (const [name, reference] of readSafetensors(fixturePath('pretraining_step_grads.safetensors')).tensors) {
      const { diff, scale } = gradientError(reference.data as Float32Array, outputs[program.gradients[name]!]!.data as Float32Array);
      assert.ok(diff <= 1e-4 * scale + 1e-9, `gradient of ${name}: max |Δ| ${diff} (largest entry ${scale})`);
    }
  });

/** Max |got − want| and the largest |want|: a gradient is compared relative to its tensor's scale. */
function gradientError(want: Float32Array, got: Float32Array): { diff: number; scale: number } {
  let scale = 0;
  for (const value of want) scale = Math.max(scale, Math.abs(value));
  return { diff: maxAbsDiff(got, want).worst, scale };
}
