// Weight quantization for dynamic int8 inference, done once: every encoder layer's four products
// (Q/K/V packed, attention output, FFN in, FFN out) to int8 with symmetric scales,
//   scale_j = max_i |W[i, j]| / qmax,   Wq[i, j] = round(W[i, j] / scale_j) ∈ [−qmax, qmax]
// per output column j (per channel) or one scale for the matrix (per tensor), transposed to the
// [in, out] layout MatMul reads. Embeddings, biases, LayerNorms, the pooler and the heads stay float.
//
// The kernel pitfall (onnxruntime issue 5644): ORT multiplies uint8 activations by int8 weights
// (u8s8). On x86 without VNNI its AVX2 kernel sums pairs of u8·s8 products into int16 with
// saturation (vpmaddubsw): 255·127·2 = 64770 > 32767, so large activations against large weights
// come out wrong. Two ways out, recorded in the quantization JSON:
//   reduce-range: 7-bit weights, qmax = 64: 255·64·2 = 32640 fits, at half the weight resolution;
//   u8u8: uint8 weights (Wq + 128, zero point 128), which ORT's u8u8 kernel widens to int16 first.
// With VNNI (vpdpbusd sums into int32) full-range int8 is exact.
import { basePrefixOf } from '../model/architecture.js';
import type { BertModelState } from '../model/checkpoint.js';
import { QKV_PROJECTIONS } from '../model/fused-encoder-layer.js';
import { QKV_PRODUCT, type QuantizedMatrices, type QuantizedMatrix } from '../model/quantized-encoder-layer.js';

/** How weights are stored: int8 over [−127, 127], int8 over [−64, 64] (reduce-range), or uint8 around 128 (u8u8). */
export type WeightFormat = 'int8' | 'int8-reduce-range' | 'uint8';

export interface QuantizationScheme {
  readonly weights: WeightFormat;
  /** One scale per output column (true) or per matrix. */
  readonly perChannel: boolean;
}

const QMAX: Record<WeightFormat, number> = { 'int8': 127, 'int8-reduce-range': 64, 'uint8': 127 };

/** W [out, in] (HF Linear layout, row-major) → its quantized [in, out] form. */
export function quantizeMatrix(weight: Float32Array, outFeatures: number, inFeatures: number, scheme: QuantizationScheme): QuantizedMatrix {
  if (weight.length !== outFeatures * inFeatures) throw new Error(`quantizeMatrix: ${weight.length} values do not fill [${outFeatures}, ${inFeatures}]`);
  const qmax = QMAX[scheme.weights];
  const scale = new Float32Array(scheme.perChannel ? outFeatures : 1);
  for (let o = 0; o < outFeatures; o++) {
    const at = scheme.perChannel ? o : 0;
    for (let i = 0; i < inFeatures; i++) {
      const magnitude = Math.abs(weight[o * inFeatures + i]!);
      if (!Number.isFinite(magnitude)) throw new Error(`quantizeMatrix: weight [${o}, ${i}] is ${weight[o * inFeatures + i]}`);
      if (magnitude > scale[at]!) scale[at] = magnitude;
    }
  }
  for (let c = 0; c < scale.length; c++) scale[c] = scale[c]! > 0 ? scale[c]! / qmax : 1; // an all-zero column stays zero at any scale
  const uint8 = scheme.weights === 'uint8';
  const values = uint8 ? new Uint8Array(outFeatures * inFeatures) : new Int8Array(outFeatures * inFeatures);
  const offset = uint8 ? 128 : 0;
  for (let o = 0; o < outFeatures; o++) {
    const step = scale[scheme.perChannel ? o : 0]!;
    for (let i = 0; i < inFeatures; i++) {
      const q = Math.max(-qmax, Math.min(qmax, Math.round(weight[o * inFeatures + i]! / step)));
      values[i * outFeatures + o] = q + offset;
    }
  }
  return { values, inFeatures, outFeatures, scale, ...(uint8 ? { zeroPoint: new Uint8Array(scale.length).fill(128) } : {}) };
}

/** Every encoder layer's products of `model`, quantized with `scheme` (names as QuantizedMatrices says). */
export function quantizeEncoderWeights(model: BertModelState, scheme: QuantizationScheme): QuantizedMatrices {
  const { hidden_size: hidden, intermediate_size: inner, num_hidden_layers: layers } = model.config;
  const weight = (name: string): Float32Array => {
    if (!model.parameters.has(name)) throw new Error(`quantize: the model has no ${name}`);
    return model.parameters.get(name);
  };
  const matrices = new Map<string, QuantizedMatrix>();
  for (let layer = 0; layer < layers; layer++) {
    const prefix = `${basePrefixOf(model.heads, model.config.model_type)}encoder.layer.${layer}.`;
    // Q, K, V weights [hidden, hidden] each, stacked as rows: [3·hidden, hidden], i.e. the packed product's [out, in].
    const qkv = new Float32Array(3 * hidden * hidden);
    QKV_PROJECTIONS.forEach((name, index) => qkv.set(weight(`${prefix}${name}.weight`), index * hidden * hidden));
    matrices.set(`${prefix}${QKV_PRODUCT}`, quantizeMatrix(qkv, 3 * hidden, hidden, scheme));
    for (const [name, out, inFeatures] of [['attention.output.dense', hidden, hidden], ['intermediate.dense', inner, hidden], ['output.dense', hidden, inner]] as const) {
      matrices.set(`${prefix}${name}`, quantizeMatrix(weight(`${prefix}${name}.weight`), out, inFeatures, scheme));
    }
  }
  return matrices;
}
