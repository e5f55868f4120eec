import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attentionRollout } from '../../src/explain/attention-rollout.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, expectedOutputs } from '../model/fixture.js';

test('rollout of two 2-token layers, by hand: Â₂·Â₁ (last layer first), [CLS] row', () => {
  // Â₁ = ½[[.5,.5],[.25,.75]] + ½I = [[.75,.25],[.125,.875]];  Â₂ = ½[[0,1],[1,0]] + ½I = [[.5,.5],[.5,.5]]
  // R = Â₂·Â₁: row 0 = .5·[.75,.25] + .5·[.125,.875] = [.4375, .5625]  (Â₁·Â₂ would give [.5, .5])
  const layer1 = Float32Array.from([0.5, 0.5, 0.25, 0.75]);
  const layer2 = Float32Array.from([0, 1, 1, 0]);
  const scores = attentionRollout([layer1, layer2], 1, 2);
  assert.ok(Math.abs(scores[0]! - 0.4375) < 1e-7 && Math.abs(scores[1]! - 0.5625) < 1e-7, `got ${scores}`);
  // Two heads average: heads [[1,0],[0,1]] and [[0,1],[1,0]] mean to [[.5,.5],[.5,.5]] → Â = [[.75,.25],[.25,.75]].
  const twoHeads = attentionRollout([Float32Array.from([1, 0, 0, 1, 0, 1, 1, 0])], 2, 2);
  assert.ok(Math.abs(twoHeads[0]! - 0.75) < 1e-7 && Math.abs(twoHeads[1]! - 0.25) < 1e-7, `got ${twoHeads}`);
});

test('rollout of the PyTorch fixture\'s real attention maps equals the full matrix product, row by row', { skip: skipWithoutShared(FIXTURE, 'expected_outputs.safetensors') }, () => {
  const expected = expectedOutputs();
  const [batch, heads, seq] = expected.get('attentions.0')!.shape as number[];
  const row = 1; // the unpadded pair of the fixture batch
  const layers = [0, 1].map((layer) => (expected.get(`attentions.${layer}`)!.data as Float32Array).slice(row * heads! * seq! * seq!, (row + 1) * heads! * seq! * seq!));
  assert.equal(batch, 4);
  // Independent reference: every Âₗ as a full matrix, R = Â₂·Â₁ by plain matrix multiplication.
  const T = seq!;
  const mixed = layers.map((probs) => Array.from({ length: T }, (_, i) => {
    const cells = Array.from({ length: T }, (_, j) => {
      let mean = 0;
      for (let h = 0; h < heads!; h++) mean += probs[(h * T + i) * T + j]! / heads!;
      return 0.5 * mean + (i === j ? 0.5 : 0);
    });
    const sum = cells.reduce((a, b) => a + b, 0);
    return cells.map((c) => c / sum);
  }));
  const product = mixed[1]!.map((rowOf2) => Array.from({ length: T }, (_, j) => rowOf2.reduce((sum, a, k) => sum + a * mixed[0]![k]![j]!, 0)));
  const scores = attentionRollout(layers, heads!, T);
  product[0]!.forEach((want, j) => assert.ok(Math.abs(scores[j]! - want) < 1e-12, `token ${j}: ${scores[j]} vs ${want}`));
  assert.ok(Math.abs(scores.reduce((a, b) => a + b, 0) - 1) < 1e-9, 'a rollout row is a distribution');
});
