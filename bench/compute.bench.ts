// Suite 'compute': how much of ONNX Runtime's raw MatMul speed bertkit's training keeps.
//   1. bare ORT MatMul [1024×768]×[768×3072] (warm, median of 7): the machine's reference GFLOPS;
//   2. one BERT-base encoder layer (hidden 768, 12 heads, FFN 3072, batch 8 × seq 128, dropout on)
//      doing forward + backward + AdamW through TrainStep, in GFLOPS of analytic model FLOPs
//      (forward matmuls incl. attention, ×3 for forward + backward), as a ratio to (1);
//   3. a 110 M-parameter BERT-base body (embeddings + 12 such layers): the share of each step spent
//      outside Session.run (random inputs, gradient norm, the AdamW update, feeds).
// TrainStep runs in this thread here (the worker adds only message passing around the same code).
import type { BenchRow } from './types.js';
import { bareMatMulGflops, median } from './measure.js';
import { Graph } from '../src/graph/graph.js';
import { add, dropout, gather, layerNorm, mse } from '../src/graph/ops.js';
import type { Tensor } from '../src/graph/tensor.js';
import { attentionBias, encoderLayer } from '../src/model/encoder-layer.js';
import { initializeParameters } from '../src/runtime/init.js';
import { Rng } from '../src/runtime/rng.js';
import { type Batch, type StepResult, TrainStep, type TrainStepConfig } from '../src/train/engine/train-step.js';
import { buildTrainProgram, randomUniform } from '../src/runtime/train-program.js';

export const suite = 'compute';

const BATCH = 8, SEQ = 128, HIDDEN = 768, HEADS = 12, FFN = 3072, VOCAB = 30522, POSITIONS = 512;
const TOKENS = BATCH * SEQ;
const LAYER_CONFIG = { hidden_size: HIDDEN, num_attention_heads: HEADS, intermediate_size: FFN, hidden_act: 'gelu', hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1, layer_norm_eps: 1e-12 } as const;
const TRAIN_CONFIG: TrainStepConfig = { seed: 1, update: { optimizer: { kind: 'adamw' }, schedule: { kind: 'constant', peak: 1e-5 }, maxGradNorm: 1 } };

/** Forward FLOPs of one encoder layer: Q, K, V, output and FFN matmuls plus QKᵀ and PV. */
const LAYER_FORWARD_FLOPS = 2 * TOKENS * HIDDEN * HIDDEN * 4 + 2 * 2 * TOKENS * HIDDEN * FFN + 2 * 2 * BATCH * SEQ * SEQ * HIDDEN;

const progress = (message: string): void => void process.stderr.write(`  compute: ${message}\n`);

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const matmulGflops = await bareMatMulGflops(progress);
  rows.push({ suite, metric: 'ORT MatMul [1024×768]×[768×3072] (warm, median of 7)', value: matmulGflops, unit: 'GFLOPS' });

  const layer = await timeSteps(layerBody, 5);
  const layerGflops = (3 * LAYER_FORWARD_FLOPS) / (median(layer.map((s) => s.totalMs)) / 1000) / 1e9;
  rows.push({
    suite, metric: 'BERT-base layer fwd+bwd+AdamW, batch 8×128 (model FLOPs, median of 5)', value: layerGflops, unit: 'GFLOPS',
    peer: { name: 'ORT MatMul', value: matmulGflops }, ratio: layerGflops / matmulGflops, goal: '≥ 85% of MatMul',
  });

  const full = await timeSteps(bertBaseBody, 3);
  const pick = (key: keyof StepResult): number => median(full.map((s) => s[key] as number));
  const outside = median(full.map((s) => (s.totalMs - s.runMs) / s.totalMs)) * 100;
  rows.push({
    suite, metric: 'BERT-base 110M step: time outside Session.run (median of 3)', value: outside, unit: '% of step', goal: '< 5%',
    note: `step ${pick('totalMs').toFixed(0)} ms, run ${pick('runMs').toFixed(0)} ms, random inputs ${pick('randomMs').toFixed(0)} ms, clip+AdamW ${pick('updateMs').toFixed(0)} ms`,
  });
  rows.push({ suite, metric: 'BERT-base 110M step: fwd+bwd+AdamW throughput', value: (12 * 3 * LAYER_FORWARD_FLOPS) / (pick('totalMs') / 1000) / 1e9, unit: 'GFLOPS', peer: { name: 'ORT MatMul', value: matmulGflops } });
  rows[rows.length - 1] = { ...rows[rows.length - 1]!, ratio: rows[rows.length - 1]!.value / matmulGflops };
  return rows;
}

interface Body {
  readonly loss: Tensor;
  readonly batch: (rng: Rng) => Batch;
}

/** One layer; its input is a parameter so the backward pass also computes the input gradient, as inside a stack. */
function layerBody(): Body {
  const graph = new Graph();
  const x = graph.parameter('input.hidden', [BATCH, SEQ, HIDDEN]);
  const mask = graph.input('attention_mask', 'int64', [BATCH, SEQ]);
  const target = graph.input('target', 'float32', [BATCH, SEQ, HIDDEN]);
  const { hidden } = encoderLayer(x, attentionBias(mask), LAYER_CONFIG, { prefix: 'encoder.layer.0.', training: true });
  return { loss: mse(hidden, target), batch: (rng) => ({ attention_mask: ones(), target: { data: rng.fillNormal(new Float32Array(TOKENS * HIDDEN)), dims: [BATCH, SEQ, HIDDEN] } }) };
}

/** BertModel's body: word + position + type embeddings, LayerNorm, dropout, 12 layers; an MSE on the last hidden state. */
function bertBaseBody(): Body {
  const graph = new Graph();
  const ids = graph.input('input_ids', 'int64', ['batch', 'seq']);
  const types = graph.input('token_type_ids', 'int64', ['batch', 'seq']);
  const positions = graph.input('position_ids', 'int64', ['batch', 'seq']);
  const mask = graph.input('attention_mask', 'int64', ['batch', 'seq']);
  const target = graph.input('target', 'float32', ['batch', 'seq', HIDDEN]);
  const embedded = add(add(
    gather(graph.parameter('embeddings.word_embeddings.weight', [VOCAB, HIDDEN]), ids),
    gather(graph.parameter('embeddings.position_embeddings.weight', [POSITIONS, HIDDEN]), positions)),
    gather(graph.parameter('embeddings.token_type_embeddings.weight', [2, HIDDEN]), types));
  const normed = layerNorm(embedded, graph.parameter('embeddings.LayerNorm.weight', [HIDDEN]), graph.parameter('embeddings.LayerNorm.bias', [HIDDEN]));
  let hidden = dropout(normed, 0.1, randomUniform(graph, 'embeddings.dropout', ['batch', 'seq', HIDDEN]));
  const bias = attentionBias(mask);
  for (let layer = 0; layer < 12; layer++) hidden = encoderLayer(hidden, bias, LAYER_CONFIG, { prefix: `encoder.layer.${layer}.`, training: true }).hidden;
  return {
    loss: mse(hidden, target),
    batch: (rng) => {
      const idData = new BigInt64Array(TOKENS).map(() => BigInt(rng.int(VOCAB)));
      const positionData = new BigInt64Array(TOKENS).map((_, i) => BigInt(i % SEQ));
      return {
        input_ids: { data: idData, dims: [BATCH, SEQ] },
        token_type_ids: { data: new BigInt64Array(TOKENS), dims: [BATCH, SEQ] },
        position_ids: { data: positionData, dims: [BATCH, SEQ] },
        attention_mask: ones(),
        target: { data: rng.fillNormal(new Float32Array(TOKENS * HIDDEN)), dims: [BATCH, SEQ, HIDDEN] },
      };
    },
  };
}

function ones(): Batch[string] {
  return { data: new BigInt64Array(TOKENS).fill(1n), dims: [BATCH, SEQ] };
}

/** Builds the body's training program, then times `steps` steps after one warm-up step. */
async function timeSteps(body: () => Body, steps: number): Promise<StepResult[]> {
  const { loss, batch } = body();
  const program = buildTrainProgram(loss);
  const parameters = initializeParameters(program.parameters, { seed: 1 });
  progress(`${program.parameters.length} parameter tensors, ${(parameters.size / 1e6).toFixed(1)} M parameters`);
  const trainer = await TrainStep.create(program, parameters, TRAIN_CONFIG);
  const rng = new Rng(5);
  const results: StepResult[] = [];
  for (let step = 0; step <= steps; step++) {
    const result = await trainer.step(batch(rng));
    progress(`step ${step}: ${result.totalMs.toFixed(0)} ms (run ${result.runMs.toFixed(0)}, random ${result.randomMs.toFixed(0)}, update ${result.updateMs.toFixed(0)})`);
    if (step > 0) results.push(result);
  }
  await trainer.dispose();
  return results;
}
