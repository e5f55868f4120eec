import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Graph } from '../../src/graph/graph.js';
import { bertForward } from '../../src/model/bert.js';
import { loadBert } from '../../src/model/checkpoint.js';
import { bertLoss } from '../../src/model/losses.js';
import { buildTrainProgram } from '../../src/runtime/train-program.js';
import { TrainStep } from '../../src/train/engine/train-step.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, fixturePath, fixtureTrainingBatch } from './fixture.js';

test('a training graph has HF\'s dropout sites fed from the runtime Rng, and pretraining on the fixture batch lowers the loss',
  { skip: skipWithoutShared(FIXTURE, 'model.safetensors') }, async () => {
    const model = await loadBert(fixturePath(), { warn: () => {} });
    const program = buildTrainProgram(bertLoss(bertForward(new Graph(), model.config, { heads: model.heads, training: true }), model.config).loss);
    assert.deepEqual(program.random.map((input) => input.name), [
      'random.bert.embeddings.dropout',
      ...[0, 1].flatMap((l) => ['attention.self.dropout', 'attention.output.dropout', 'output.dropout'].map((site) => `random.bert.encoder.layer.${l}.${site}`)),
    ]);
    assert.deepEqual(program.data.map((input) => input.name).sort(), ['attention_mask', 'input_ids', 'labels', 'next_sentence_label', 'token_type_ids']);

    const data = fixtureTrainingBatch();
    const update = { optimizer: { kind: 'adamw' as const, weightDecay: 0.01 }, schedule: { kind: 'constant' as const, peak: 3e-3 }, maxGradNorm: 1 };
    const trainer = await TrainStep.create(program, model.parameters.clone(), { seed: 1, threads: 1, update });
    const losses: number[] = [];
    for (let step = 0; step < 15; step++) losses.push((await trainer.step(data)).loss);
    await trainer.dispose();
    assert.ok(losses[14]! < losses[0]! - 1, `losses ${losses.map((l) => l.toFixed(3)).join(' ')}`);

    // dropout is live: another seed draws other masks, so the first loss differs from the dropout-free 10.9434
    const other = await TrainStep.create(program, model.parameters.clone(), { seed: 2, threads: 1, update });
    const first = (await other.step(data)).loss;
    await other.dispose();
    assert.notEqual(first, losses[0]);
    assert.ok(Math.abs(first - 10.9434) > 1e-4 && Math.abs(losses[0]! - 10.9434) > 1e-4);
  });
