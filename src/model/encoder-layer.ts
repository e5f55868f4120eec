// One BERT encoder layer (HF BertLayer), post-LayerNorm, with Hugging Face parameter names:
//   h1  = LayerNorm(x + Dropout(Wo · Attention(x)))                     attention.output.*
//   out = LayerNorm(h1 + Dropout(W2 · act(W1 · h1)))                    intermediate.dense, output.*
// Attention: softmax(QKᵀ/√d + bias) V per head, bias = (1 − mask)·float32_min as in HF.
// This is the layer training differentiates. The encoder (bert.ts) takes its layers as an
// EncoderLayerKind: this one (PLAIN_ENCODER_LAYER), or ORT's fused inference layer
// (fused-encoder-layer.ts), which computes the same with the same parameters.
import type { Dim, Tensor } from '../graph/tensor.js';
import { add, cast, dropout, layerNorm, linear, matmul, mul, reshape, slice, softmax, sub, transpose, unsqueeze } from '../graph/ops.js';
import { randomUniform } from '../runtime/train-program.js';
import { hiddenActivation } from './activation.js';
import type { BertConfig } from './config.js';

export type EncoderLayerConfig = Pick<
  BertConfig,
  'hidden_size' | 'num_attention_heads' | 'intermediate_size' | 'hidden_act' | 'hidden_dropout_prob' | 'attention_probs_dropout_prob' | 'layer_norm_eps'
>;

export interface EncoderLayerOptions {
  /** Name prefix of the layer's parameters, e.g. 'encoder.layer.0.' (or 'bert.encoder.layer.0.'). */
  readonly prefix: string;
  /** Training graphs get dropout fed by `random.*` inputs; inference graphs have none. */
  readonly training: boolean;
  /**
   * Only the first position's output, the [CLS] state that the pooler and ELECTRA's classifier read:
   * keys and values still come from every position, but the queries, the attention output and the
   * feed-forward block run on that one row, and the layer returns [batch, 1, hidden]. For the last
   * layer of a graph whose outputs read nothing else (HF computes the other rows and drops them).
   */
  readonly firstTokenOnly?: boolean;
}

export interface EncoderLayerOutput {
  /** [batch, seq, hidden] ([batch, 1, hidden] with firstTokenOnly) */
  readonly hidden: Tensor;
  /** [batch, heads, seq, seq] ([batch, heads, 1, seq]), after softmax and before dropout (what attention maps show). */
  readonly attentionProbs: Tensor;
}

/**
 * How the encoder builds its layers: `prepareMask` turns attention_mask int64 [batch, seq] into what
 * every layer reads (computed once), `layer` maps x [batch, seq, hidden] to the next hidden state.
 */
export interface EncoderLayerKind {
  readonly prepareMask: (attentionMask: Tensor) => Tensor;
  /** attentionProbs only from layers that materialise them (not the fused Attention kernel). */
  readonly layer: (x: Tensor, mask: Tensor, config: EncoderLayerConfig, options: EncoderLayerOptions) => { hidden: Tensor; attentionProbs?: Tensor };
}

/** HF's additive mask value: (1 − mask)·float32_min, so that a row with every key masked matches HF too. */
export const FLOAT32_MIN = -3.4028234663852886e38;

/** HF's extended attention mask: mask [batch, seq] (1 = attend, 0 = padding) → [batch, 1, 1, seq] additive bias. */
export function attentionBias(mask: Tensor): Tensor {
  if (mask.shape.length !== 2) throw new Error(`attentionBias: mask must be [batch, seq], got [${mask.shape.join(',')}]`);
  const keep = mask.dtype === 'float32' ? mask : cast(mask, 'float32');
  return unsqueeze(mul(sub(1, keep), FLOAT32_MIN), [1, 2]);
}

export function encoderLayer(x: Tensor, bias: Tensor, config: EncoderLayerConfig, options: EncoderLayerOptions): EncoderLayerOutput {
  const graph = x.graph;
  const hidden = config.hidden_size, heads = config.num_attention_heads;
  if (hidden % heads !== 0) throw new Error(`encoderLayer: hidden_size ${hidden} is not a multiple of num_attention_heads ${heads}`);
  if (x.shape.length !== 3 || x.shape[2] !== hidden) throw new Error(`encoderLayer: input must be [batch, seq, ${hidden}], got [${x.shape.join(',')}]`);
  const [batch, seq] = x.shape as [Dim, Dim];
  const headSize = hidden / heads;
  const p = options.prefix;
  const dense = (name: string, input: Tensor, outFeatures: number, inFeatures: number): Tensor =>
    linear(input, graph.parameter(`${p}${name}.weight`, [outFeatures, inFeatures]), graph.parameter(`${p}${name}.bias`, [outFeatures]));
  const drop = (input: Tensor, rate: number, site: string, shape: Dim[]): Tensor =>
    options.training && rate > 0 ? dropout(input, rate, randomUniform(graph, `${p}${site}`, shape)) : input;
  const norm = (name: string, input: Tensor): Tensor =>
    layerNorm(input, graph.parameter(`${p}${name}.LayerNorm.weight`, [hidden]), graph.parameter(`${p}${name}.LayerNorm.bias`, [hidden]), config.layer_norm_eps);

  // The rows whose outputs are computed: every position, or only the first (q = 1).
  const q: Dim = options.firstTokenOnly ? 1 : seq;
  const rows = options.firstTokenOnly ? slice(x, [0], [1], { axes: [1] }) : x; // [batch, q, hidden]
  // [batch, length, hidden] → [batch, heads, length, headSize]
  const splitHeads = (t: Tensor, length: Dim): Tensor => transpose(reshape(t, [batch, length, heads, headSize]), [0, 2, 1, 3]);
  const query = splitHeads(dense('attention.self.query', rows, hidden, hidden), q);
  const key = splitHeads(dense('attention.self.key', x, hidden, hidden), seq);
  const value = splitHeads(dense('attention.self.value', x, hidden, hidden), seq);
  // [batch, heads, q, seq]
  const scores = add(mul(matmul(query, transpose(key, [0, 1, 3, 2])), 1 / Math.sqrt(headSize)), bias);
  const attentionProbs = softmax(scores, -1);
  const probs = drop(attentionProbs, config.attention_probs_dropout_prob, 'attention.self.dropout', [batch, heads, q, seq]);
  // [batch, heads, q, headSize] → [batch, q, hidden]
  const context = reshape(transpose(matmul(probs, value), [0, 2, 1, 3]), [batch, q, hidden]);
  const attended = drop(dense('attention.output.dense', context, hidden, hidden), config.hidden_dropout_prob, 'attention.output.dropout', [batch, q, hidden]);
  const h1 = norm('attention.output', add(attended, rows));

  const inner = hiddenActivation(config.hidden_act, dense('intermediate.dense', h1, config.intermediate_size, hidden));
  const projected = drop(dense('output.dense', inner, hidden, config.intermediate_size), config.hidden_dropout_prob, 'output.dropout', [batch, q, hidden]);
  return { hidden: norm('output', add(projected, h1)), attentionProbs };
}

/** The plain layer: additive bias [batch, 1, 1, seq], dropout in training graphs, attention probabilities exposed. */
export const PLAIN_ENCODER_LAYER: EncoderLayerKind = { prepareMask: attentionBias, layer: encoderLayer };
