// One BERT encoder layer for inference only, in ONNX Runtime's fused transformer ops (com.microsoft
// contrib ops, present in onnxruntime-node's CPU build and in every ORT that serves transformers.js):
//   h1  = SkipLayerNormalization(Attention(x) · Woᵀ, x, bias bo)      attention.output.*
//   out = SkipLayerNormalization(BiasGelu(h1 · W1ᵀ, b1) · W2ᵀ, h1, bias b2)
// It computes what encoder-layer.ts does (the layer training differentiates), with the same
// Hugging Face parameter names, so the same weights feed either. Why a second form:
//   - weights are transposed (and Q, K, V packed into one [hidden, 3·hidden]) by Transpose/Concat
//     nodes on initializers, which ORT folds once at load: each product is then a MatMul on a
//     constant [in, out] weight, which ORT prepacks, with no Reshape to rows and back;
//   - Attention does Q/K/V, the scaled scores, the mask, softmax and the context in one kernel,
//     without materialising the per-head transposes;
//   - the biases ride in SkipLayerNormalization and BiasGelu instead of separate Adds.
// ORT's own fusions do not find this from the training layer's graph (they need PyTorch's export
// pattern). Attention probabilities stay inside the Attention kernel, so graphs that output
// `attentions` use the training layer instead. No dropout and no gradient rules: inference only.
// The weight products are pluggable (FusedLayerProducts): float here, int8 in quantized-encoder-layer.ts.
import type { Graph } from '../graph/graph.js';
import type { Tensor } from '../graph/tensor.js';
import { add, cast, concat, matmul, transpose } from '../graph/ops.js';
import { hiddenActivation } from './activation.js';
import { type EncoderLayerConfig, type EncoderLayerKind, FLOAT32_MIN } from './encoder-layer.js';

export const CONTRIB = 'com.microsoft';

/** attention_mask int64 [batch, seq] (1 = token, 0 = padding) → the int32 raw mask Attention takes. */
export function attentionMaskIndex(attentionMask: Tensor): Tensor {
  if (attentionMask.shape.length !== 2) throw new Error(`attentionMaskIndex: mask must be [batch, seq], got [${attentionMask.shape.join(',')}]`);
  return cast(attentionMask, 'int32');
}

/** What a fused layer's products see: its parameters' prefix and shapes. */
export interface FusedLayerScope {
  readonly graph: Graph;
  /** e.g. 'bert.encoder.layer.0.' */
  readonly prefix: string;
  readonly config: EncoderLayerConfig;
}

/**
 * The weight products of the fused layer, which the float layer and the int8 layer
 * (quantized-encoder-layer.ts) compute differently; the rest of the layer (SkipLayerNormalization,
 * BiasGelu, the biases) is the same.
 */
export interface FusedLayerProducts {
  /**
   * Q, K, V = x·Wqᵀ + bq, … per head, softmax(QKᵀ/√d, masked)·V: the context [batch, seq, hidden],
   * before the attention output projection. qkvBias [3·hidden] is bq, bk, bv concatenated.
   */
  attention(x: Tensor, maskIndex: Tensor, qkvBias: Tensor, scope: FusedLayerScope): Tensor;
  /** input · Wᵀ for the Hugging Face Linear `name` (weight [out, in]), bias not added. */
  dense(input: Tensor, name: string, outFeatures: number, inFeatures: number, scope: FusedLayerScope): Tensor;
}

/** The Linear layers packed into the attention's one [hidden, 3·hidden] product, in Attention's Q, K, V order. */
export const QKV_PROJECTIONS = ['query', 'key', 'value'].map((name) => `attention.self.${name}`);

const transposed = (w: Tensor): Tensor => transpose(w, [1, 0]); // [out, in] → [in, out], folded at load

/** The float products: ORT's Attention on the packed [hidden, 3·hidden] weight, and MatMuls on prepacked [in, out] weights. */
const FLOAT_PRODUCTS: FusedLayerProducts = {
  attention: (x, maskIndex, qkvBias, { graph, prefix, config }) => {
    const hidden = config.hidden_size;
    const qkvWeight = transposed(concat(QKV_PROJECTIONS.map((name) => graph.parameter(`${prefix}${name}.weight`, [hidden, hidden])), 0)); // [hidden, 3·hidden]
    return graph.addNode( // [batch, seq, hidden]
      'Attention',
      [x, qkvWeight, qkvBias, maskIndex],
      [{ dtype: 'float32', shape: x.shape }],
      { num_heads: { int: config.num_attention_heads }, mask_filter_value: { float: FLOAT32_MIN } },
      CONTRIB,
    )[0]!;
  },
  dense: (input, name, outFeatures, inFeatures, { graph, prefix }) => matmul(input, transposed(graph.parameter(`${prefix}${name}.weight`, [outFeatures, inFeatures]))),
};

/** The fused layer with the given weight products: x [batch, seq, hidden], maskIndex int32 [batch, seq] → hidden [batch, seq, hidden]. */
export function fusedEncoderLayerWith(products: FusedLayerProducts): EncoderLayerKind['layer'] {
  return (x, maskIndex, config, options) => {
    if (options.training) throw new Error('fusedEncoderLayer: inference only (no dropout, no gradient rules); training graphs use the plain encoder layer');
    const graph = x.graph;
    const prefix = options.prefix;
    const hidden = config.hidden_size, heads = config.num_attention_heads, inner = config.intermediate_size;
    if (hidden % heads !== 0) throw new Error(`fusedEncoderLayer: hidden_size ${hidden} is not a multiple of num_attention_heads ${heads}`);
    if (x.shape.length !== 3 || x.shape[2] !== hidden) throw new Error(`fusedEncoderLayer: input must be [batch, seq, ${hidden}], got [${x.shape.join(',')}]`);
    const scope: FusedLayerScope = { graph, prefix, config };
    const bias = (name: string, outFeatures: number): Tensor => graph.parameter(`${prefix}${name}.bias`, [outFeatures]);
    const skipLayerNorm = (input: Tensor, skip: Tensor, name: string, denseBias: Tensor): Tensor => graph.addNode(
      'SkipLayerNormalization',
      [input, skip, graph.parameter(`${prefix}${name}.LayerNorm.weight`, [hidden]), graph.parameter(`${prefix}${name}.LayerNorm.bias`, [hidden]), denseBias],
      [{ dtype: 'float32', shape: input.shape }],
      { epsilon: { float: config.layer_norm_eps } },
      CONTRIB,
    )[0]!;

    const qkvBias = concat(QKV_PROJECTIONS.map((name) => bias(name, hidden)), 0); // [3·hidden]
    const context = products.attention(x, maskIndex, qkvBias, scope); // [batch, seq, hidden]
    const h1 = skipLayerNorm(products.dense(context, 'attention.output.dense', hidden, hidden, scope), x, 'attention.output', bias('attention.output.dense', hidden));

    const up = products.dense(h1, 'intermediate.dense', inner, hidden, scope); // [batch, seq, inner]
    const activated = config.hidden_act === 'gelu'
      ? graph.addNode('BiasGelu', [up, bias('intermediate.dense', inner)], [{ dtype: 'float32', shape: up.shape }], {}, CONTRIB)[0]!
      : hiddenActivation(config.hidden_act, add(up, bias('intermediate.dense', inner)));
    const down = products.dense(activated, 'output.dense', hidden, inner, scope); // [batch, seq, hidden]
    return { hidden: skipLayerNorm(down, h1, 'output', bias('output.dense', hidden)) };
  };
}

/** The fused layer for the encoder: the int32 raw mask that Attention takes, no attention probabilities. */
export const FUSED_ENCODER_LAYER: EncoderLayerKind = { prepareMask: attentionMaskIndex, layer: fusedEncoderLayerWith(FLOAT_PRODUCTS) };
