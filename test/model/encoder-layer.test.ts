import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Graph } from '../../src/graph/graph.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { attentionBias, encoderLayer } from '../../src/model/encoder-layer.js';
import { Session } from '../../src/runtime/session.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';

const FIXTURE = 'fixtures/bert-tiny-uncased';
const config = { hidden_size: 32, num_attention_heads: 4, intermediate_size: 128, hidden_act: 'gelu', hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1, layer_norm_eps: 1e-12 } as const;

// PyTorch's BertModel outputs (hidden_states.{l}, attentions.{l}) on the fixture batch are the reference.
const skip = skipWithoutShared(FIXTURE, 'expected_outputs.safetensors');

/** Layer `layer` of the fixture on PyTorch's hidden_states.{layer}: our outputs and PyTorch's. */
async function runFixtureLayer(layer: number, firstTokenOnly: boolean) {
  const weights = readSafetensors(sharedPath(FIXTURE, 'model.safetensors')).tensors;
  const expected = readSafetensors(sharedPath(FIXTURE, 'expected_outputs.safetensors')).tensors;
  const inputs = JSON.parse(readFileSync(sharedPath(FIXTURE, 'inputs.json'), 'utf8')) as { attention_mask: number[][] };
  const [batch, seq] = [inputs.attention_mask.length, inputs.attention_mask[0]!.length];
  const graph = new Graph();
  const x = graph.input('x', 'float32', ['batch', 'seq', 32]);
  const mask = graph.input('attention_mask', 'int64', ['batch', 'seq']);
  const { hidden, attentionProbs } = encoderLayer(x, attentionBias(mask), config, { prefix: `bert.encoder.layer.${layer}.`, training: false, firstTokenOnly });
  graph.output('hidden', hidden);
  graph.output('probs', attentionProbs);
  const session = await Session.create(graph, { threads: 1 });
  const feeds: Parameters<Session['run']>[0] = {
    x: { data: expected.get(`hidden_states.${layer}`)!.data as Float32Array, dims: [batch, seq, 32] },
    attention_mask: { data: BigInt64Array.from(inputs.attention_mask.flat(), BigInt), dims: [batch, seq] },
  };
  for (const parameter of graph.parameters) feeds[parameter.name] = { data: weights.get(parameter.name)!.data as Float32Array, dims: parameter.shape as number[] };
  const out = await session.run(feeds);
  await session.dispose();
  return {
    batch, seq, mask: inputs.attention_mask, shapes: [hidden.shape, attentionProbs.shape], dims: out.hidden!.dims,
    hidden: out.hidden!.data as Float32Array, probs: out.probs!.data as Float32Array,
    wantHidden: expected.get(`hidden_states.${layer + 1}`)!.data as Float32Array, wantProbs: expected.get(`attentions.${layer}`)!.data as Float32Array,
  };
}

test('encoder layers reproduce Hugging Face BertLayer (PyTorch) hidden states and attention maps', { skip }, async () => {
  for (const layer of [0, 1]) {
    const { batch, seq, mask, hidden: got, wantHidden: want, probs: gotProbs, wantProbs } = await runFixtureLayer(layer, false);
    let worst = 0, compared = 0;
    for (let b = 0; b < batch; b++) for (let s = 0; s < seq; s++) {
      if (mask[b]![s] === 0) continue; // HF leaves padded positions unspecified
      for (let h = 0; h < 32; h++) {
        const i = (b * seq + s) * 32 + h;
        worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
        compared++;
      }
    }
    assert.ok(compared > 1000 && worst < 1e-4, `layer ${layer}: worst |Δhidden| ${worst} over ${compared} values`);
    let worstProb = 0;
    wantProbs.forEach((p, i) => (worstProb = Math.max(worstProb, Math.abs(p - gotProbs[i]!))));
    assert.ok(worstProb < 1e-5, `layer ${layer}: worst |Δattention| ${worstProb}`);
  }
});

test('a first-token-only layer gives PyTorch\'s [CLS] row of the hidden states and of the attention maps', { skip }, async () => {
  const heads = 4;
  for (const layer of [0, 1]) {
    const { batch, seq, shapes, dims, hidden, wantHidden, probs, wantProbs } = await runFixtureLayer(layer, true);
    assert.deepEqual(shapes, [['batch', 1, 32], ['batch', heads, 1, 'seq']]);
    assert.deepEqual(dims, [batch, 1, 32]);
    let worst = 0, worstProb = 0;
    for (let b = 0; b < batch; b++) {
      for (let h = 0; h < 32; h++) worst = Math.max(worst, Math.abs(hidden[b * 32 + h]! - wantHidden[b * seq * 32 + h]!));
      for (let head = 0; head < heads; head++) for (let s = 0; s < seq; s++) {
        worstProb = Math.max(worstProb, Math.abs(probs[(b * heads + head) * seq + s]! - wantProbs[(b * heads + head) * seq * seq + s]!));
      }
    }
    assert.ok(worst < 1e-4 && worstProb < 1e-5, `layer ${layer}: worst |Δhidden| ${worst}, |Δattention| ${worstProb}`);
  }
});
