// The inference graph's fused encoder layers (ORT's Attention, SkipLayerNormalization, BiasGelu)
// against BertRunner, which runs the training layer's graph (itself checked against PyTorch in
// test/model): every activation, sinusoidal positions, padding, a row with no real token, heads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BertArchitecture, headsOf } from '../../src/model/architecture.js';
import { bertParameterShapes } from '../../src/model/bert.js';
import { parseBertConfig } from '../../src/model/config.js';
import { type InferenceOutput, buildInferenceGraph, inferenceOnnx, modelOutputs } from '../../src/model/inference-graph.js';
import { BertRunner } from '../../src/model/runner.js';
import { initializeParameters } from '../../src/runtime/init.js';
import { Session } from '../../src/runtime/session.js';
import { maxAbsDiff } from './fixture.js';

const BATCH = 3, SEQ = 7;
// Row 1 is padded after 4 tokens; row 2 has no real token at all (HF then attends to every key evenly).
const MASK = [[1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0]];

function randomModel(architecture: BertArchitecture, overrides: Record<string, unknown>) {
  const config = parseBertConfig({ vocab_size: 50, hidden_size: 24, num_hidden_layers: 2, num_attention_heads: 3, intermediate_size: 40, max_position_embeddings: 16, num_labels: 3, ...overrides }, 'test config');
  const heads = headsOf(architecture);
  const shapes = bertParameterShapes(config, heads);
  // BERT's 0.02 would leave every layer close to the identity; 0.5 makes each op's error visible.
  const parameters = initializeParameters([...shapes].map(([name, shape]) => ({ name, shape })), { seed: 11, initializerRange: 0.5 });
  return { config, heads, parameters };
}

function batch() {
  const dims = [BATCH, SEQ];
  const inputIds = BigInt64Array.from({ length: BATCH * SEQ }, (_, i) => BigInt((i * 17 + 3) % 50));
  const tokenTypeIds = BigInt64Array.from({ length: BATCH * SEQ }, (_, i) => BigInt(i % SEQ >= 4 ? 1 : 0));
  const attentionMask = BigInt64Array.from(MASK.flat(), BigInt);
  return {
    runner: { batchSize: BATCH, seqLength: SEQ, inputIds, tokenTypeIds, attentionMask },
    feeds: { input_ids: { data: inputIds, dims }, token_type_ids: { data: tokenTypeIds, dims }, attention_mask: { data: attentionMask, dims } },
  };
}

// clsOnly: the outputs read [CLS] alone, so the last layer computes that row only, in plain ops.
const cases: { name: string; architecture: BertArchitecture; config: Record<string, unknown>; outputs: InferenceOutput[]; compare: [string, string][]; clsOnly?: true }[] = [
  { name: 'gelu, pooler and sequence classification', architecture: 'BertForSequenceClassification', config: {}, outputs: ['last_hidden_state', 'hidden_states', 'pooler_output', 'logits'], compare: [['last_hidden_state', 'last_hidden_state'], ['hidden_states.1', 'hidden_states.1'], ['pooler_output', 'pooler_output'], ['logits', 'logits']] },
  { name: 'sequence classification logits alone ([CLS]-only last layer)', architecture: 'BertForSequenceClassification', config: {}, outputs: ['logits'], compare: [['logits', 'logits']], clsOnly: true },
  { name: 'pooler and NSP alone, gelu_new ([CLS]-only last layer)', architecture: 'BertForPreTraining', config: { hidden_act: 'gelu_new' }, outputs: ['pooler_output', 'nsp_logits'], compare: [['pooler_output', 'pooler_output'], ['nsp_logits', 'nsp_logits']], clsOnly: true },
  { name: 'gelu_new, sinusoidal positions, masked LM', architecture: 'BertForMaskedLM', config: { hidden_act: 'gelu_new', position_embedding_type: 'sinusoidal' }, outputs: ['last_hidden_state', 'mlm_logits'], compare: [['last_hidden_state', 'last_hidden_state'], ['mlm_logits', 'mlm_logits']] },
  { name: 'relu, question answering', architecture: 'BertForQuestionAnswering', config: { hidden_act: 'relu' }, outputs: ['start_logits', 'end_logits'], compare: [['start_logits', 'start_logits'], ['end_logits', 'end_logits']] },
  { name: 'token classification', architecture: 'BertForTokenClassification', config: {}, outputs: ['logits'], compare: [['logits', 'logits']] },
];

for (const { name, architecture, config, outputs, compare, clsOnly } of cases) {
  test(`fused inference graph equals the training layers' graph: ${name}`, async () => {
    const model = randomModel(architecture, config);
    const graph = buildInferenceGraph(model, { outputs });
    assert.equal(graph.nodes.filter((node) => node.op === 'Attention' && node.domain === 'com.microsoft').length, model.config.num_hidden_layers - (clsOnly ? 1 : 0));
    const { runner: rows, feeds } = batch();
    const runner = await BertRunner.create(model, { outputs: modelOutputs(model.heads, { hiddenStates: true }) });
    const session = await Session.create(inferenceOnnx(model, graph));
    try {
      const want = await runner.run(rows, model.parameters);
      const got = await session.run(feeds);
      for (const [ours, reference] of compare) {
        const { worst, compared } = maxAbsDiff(got[ours]!.data as Float32Array, want[reference]!.data as Float32Array);
        assert.deepEqual(got[ours]!.dims, want[reference]!.dims, ours);
        assert.ok(compared > 0 && worst < 1e-5, `${ours}: off by ${worst}`);
      }
    } finally {
      await runner.dispose();
      await session.dispose();
    }
  });
}

test('graphs that output attention maps keep the unfused layers, whose probabilities they need', () => {
  const model = randomModel('BertModel', {});
  const graph = buildInferenceGraph(model, { outputs: ['last_hidden_state', 'attentions'] });
  assert.equal(graph.nodes.filter((node) => node.domain === 'com.microsoft').length, 0);
  assert.deepEqual(graph.outputs.map((output) => output.name), ['last_hidden_state', 'attentions.0', 'attentions.1']);
});
