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
import type { Tensor } from '../graph/tensor.js';
import { add, cast, concat, matmul, transpose } from '../graph/ops.js';
import { hiddenActivation } from './activation.js';
import { type EncoderLayerConfig, type EncoderLayerKind, type EncoderLayerOptions, FLOAT32_MIN } from './encoder-layer.js';

const CONTRIB = 'com.microsoft';

/** attention_mask int64 [batch, seq] (1 = token, 0 = padding) → the int32 raw mask Attention takes. */
export function attentionMaskIndex(attentionMask: Tensor): Tensor {
  if (attentionMask.shape.length !== 2) throw new Error(`attentionMaskIndex: mask must be [batch, seq], got [${attentionMask.shape.join(',')}]`);
  return cast(attentionMask, 'int32');
}

/** x [batch, seq, hidden], maskIndex int32 [batch, seq] → hidden [batch, seq, hidden]. */
export function fusedEncoderLayer(x: Tensor, maskIndex: Tensor, config: EncoderLayerConfig, options: EncoderLayerOptions): { hidden: Tensor } {
  if (options.training) throw new Error('fusedEncoderLayer: inference only (no dropout, no gradient rules); training graphs use the plain encoder layer');
  const graph = x.graph;
  const prefix = options.prefix;
  const hidden = config.hidden_size, heads = config.num_attention_heads, inner = config.intermediate_size;
  if (hidden % heads !== 0) throw new Error(`fusedEncoderLayer: hidden_size ${hidden} is not a multiple of num_attention_heads ${heads}`);
  if (x.shape.length !== 3 || x.shape[2] !== hidden) throw new Error(`fusedEncoderLayer: input must be [batch, seq, ${hidden}], got [${x.shape.join(',')}]`);
  const weight = (name: string, outFeatures: number, inFeatures: number): Tensor => graph.parameter(`${prefix}${name}.weight`, [outFeatures, inFeatures]);
  const bias = (name: string, outFeatures: number): Tensor => graph.parameter(`${prefix}${name}.bias`, [outFeatures]);
  const transposed = (w: Tensor): Tensor => transpose(w, [1, 0]); // [out, in] → [in, out], folded at load
  const skipLayerNorm = (input: Tensor, skip: Tensor, name: string, denseBias: Tensor): Tensor => graph.addNode(
    'SkipLayerNormalization',
    [input, skip, graph.parameter(`${prefix}${name}.LayerNorm.weight`, [hidden]), graph.parameter(`${prefix}${name}.LayerNorm.bias`, [hidden]), denseBias],
    [{ dtype: 'float32', shape: input.shape }],
    { epsilon: { float: config.layer_norm_eps } },
    CONTRIB,
  )[0]!;

  const projections = ['query', 'key', 'value'].map((name) => `attention.self.${name}`);
  const qkvWeight = transposed(concat(projections.map((name) => weight(name, hidden, hidden)), 0)); // [hidden, 3·hidden]
  const qkvBias = concat(projections.map((name) => bias(name, hidden)), 0); // [3·hidden]
  const [context] = graph.addNode( // [batch, seq, hidden]
    'Attention',
    [x, qkvWeight, qkvBias, maskIndex],
    [{ dtype: 'float32', shape: x.shape }],
    { num_heads: { int: heads }, mask_filter_value: { float: FLOAT32_MIN } },
    CONTRIB,
  );
  const h1 = skipLayerNorm(matmul(context!, transposed(weight('attention.output.dense', hidden, hidden))), x, 'attention.output', bias('attention.output.dense', hidden));

  const up = matmul(h1, transposed(weight('intermediate.dense', inner, hidden))); // [batch, seq, inner]
  const activated = config.hidden_act === 'gelu'
    ? graph.addNode('BiasGelu', [up, bias('intermediate.dense', inner)], [{ dtype: 'float32', shape: up.shape }], {}, CONTRIB)[0]!
    : hiddenActivation(config.hidden_act, add(up, bias('intermediate.dense', inner)));
  const down = matmul(activated, transposed(weight('output.dense', hidden, inner))); // [batch, seq, hidden]
  return { hidden: skipLayerNorm(down, h1, 'output', bias('output.dense', hidden)) };
}

/** The fused layer for the encoder: the int32 raw mask that Attention takes, no attention probabilities. */
export const FUSED_ENCODER_LAYER: EncoderLayerKind = { prepareMask: attentionMaskIndex, layer: fusedEncoderLayer };
