// The fused encoder layer (fused-encoder-layer.ts) with int8 weight products: dynamic quantization
// as ONNX Runtime's quantize_dynamic does it. Each weight W [out, in] was quantized once
// (src/compress/quantize-weights.ts), transposed to [in, out]:
//   W ≈ scale[j] · (Wq[:, j] − zeroPoint[j])        per output column j (or one scale for all)
// and activations are quantized at run time, per tensor, to uint8 (asymmetric: min..max → 0..255):
//   context = QAttention(DynamicQuantizeLinear(x), Wq_qkv, b_qkv, …)         Q, K, V, softmax, context
//   y       = DynamicQuantizeMatMul(input, Wq, scale, zeroPoint)            the other three products
// Both are ORT com.microsoft CPU ops whose int8 weights are constants, so ORT prepacks them at load
// (MlasGemmPackB), as it does the float weights. The biases, LayerNorms, GELU and embeddings stay float.
// Why these ops: a microbenchmark of one BERT-base layer's products at batch 32 × 128 (M = 4096),
// medians of 5, on the 2-core AMD EPYC (Zen 3, AVX2, no VNNI) while other jobs loaded it (load
// average ~11, so only the ratios within the run mean anything):
//   the four weight matmuls   fp32 MatMul 4088 ms; DynamicQuantizeMatMul int8 per channel 1961,
//                             per tensor 2211, 7-bit 2026, uint8 2075; DynamicQuantizeLinear +
//                             MatMulIntegerToFloat 1722 (ORT fuses that pair into DynamicQuantizeMatMul
//                             at load, so the two are one kernel and the gap is noise)
//   Q, K, V + attention       fp32 Attention 1137 ms; DynamicQuantizeLinear + QAttention 668;
//                             DynamicQuantizeMatMul on the packed QKV + Split + MultiHeadAttention 842
// Per channel costs nothing over per tensor, so it is the default. And the saturation pitfall is
// real here: a = 1 (quantized 255) against w = 1 (127) over K = 768 gave 388.5 instead of 768 with
// full-range int8 weights (pairs clipped at 32767), and exactly 768 with 7-bit or uint8 weights.
import type { Tensor } from '../graph/tensor.js';
import { type EncoderLayerKind, FLOAT32_MIN } from './encoder-layer.js';
import { CONTRIB, type FusedLayerProducts, attentionMaskIndex, fusedEncoderLayerWith } from './fused-encoder-layer.js';

/** One weight matrix in int8 (or uint8) with its dequantization scales. */
export interface QuantizedMatrix {
  /** [inFeatures, outFeatures] row-major: MatMul's right operand (HF Linear weights are [out, in]). */
  readonly values: Int8Array | Uint8Array;
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** [outFeatures] per output column, or [1] for the whole matrix. */
  readonly scale: Float32Array;
  /** uint8 weights only: the zero point of each scale (128: symmetric around it). int8 weights are symmetric around 0. */
  readonly zeroPoint?: Uint8Array;
}

/**
 * The quantized products of every encoder layer, by parameter prefix + product name:
 * `${prefix}attention.self.qkv` ([hidden, 3·hidden], Q, K, V columns in that order),
 * `${prefix}attention.output.dense`, `${prefix}intermediate.dense`, `${prefix}output.dense`.
 */
export type QuantizedMatrices = ReadonlyMap<string, QuantizedMatrix>;

/** The packed Q, K, V product's name under a layer's prefix. */
export const QKV_PRODUCT = 'attention.self.qkv';

/** The fused layer on int8 weights: ORT's QAttention and DynamicQuantizeMatMul. */
export function quantizedEncoderLayer(matrices: QuantizedMatrices): EncoderLayerKind {
  const lookup = (name: string, inFeatures: number, outFeatures: number): QuantizedMatrix => {
    const matrix = matrices.get(name);
    if (matrix === undefined) throw new Error(`quantizedEncoderLayer: no quantized weight for ${name}`);
    if (matrix.inFeatures !== inFeatures || matrix.outFeatures !== outFeatures) {
      throw new Error(`quantizedEncoderLayer: ${name} is [${matrix.inFeatures}, ${matrix.outFeatures}], the layer needs [${inFeatures}, ${outFeatures}]`);
    }
    return matrix;
  };
  const constants = (x: Tensor, matrix: QuantizedMatrix): { weight: Tensor; scale: Tensor; zeroPoint?: Tensor } => {
    const graph = x.graph;
    const uint8 = matrix.values instanceof Uint8Array;
    if (uint8 !== (matrix.zeroPoint !== undefined)) throw new Error('quantizedEncoderLayer: uint8 weights need zero points, int8 weights have none');
    return {
      weight: graph.constant(matrix.values, [matrix.inFeatures, matrix.outFeatures], uint8 ? 'uint8' : 'int8'),
      scale: graph.constant(matrix.scale, [matrix.scale.length]),
      ...(matrix.zeroPoint ? { zeroPoint: graph.constant(matrix.zeroPoint, [matrix.zeroPoint.length], 'uint8') } : {}),
    };
  };
  const products: FusedLayerProducts = {
    attention: (x, maskIndex, qkvBias, { graph, prefix, config }) => {
      const hidden = config.hidden_size;
      const { weight, scale, zeroPoint } = constants(x, lookup(`${prefix}${QKV_PRODUCT}`, hidden, 3 * hidden));
      const [quantized, inputScale, inputZeroPoint] = graph.addNode('DynamicQuantizeLinear', [x], [
        { dtype: 'uint8', shape: x.shape }, { dtype: 'float32', shape: [] }, { dtype: 'uint8', shape: [] },
      ]);
      // Inputs: input, weight, bias, input_scale, weight_scale, mask_index, input_zero_point[, weight_zero_point].
      const inputs = [quantized!, weight, qkvBias, inputScale!, scale, maskIndex, inputZeroPoint!, ...(zeroPoint ? [zeroPoint] : [])];
      return graph.addNode('QAttention', inputs, [{ dtype: 'float32', shape: x.shape }],
        { num_heads: { int: config.num_attention_heads }, mask_filter_value: { float: FLOAT32_MIN } }, CONTRIB)[0]!;
    },
    dense: (input, name, outFeatures, inFeatures, { graph, prefix }) => {
      const { weight, scale, zeroPoint } = constants(input, lookup(`${prefix}${name}`, inFeatures, outFeatures));
      const shape = [...input.shape.slice(0, -1), outFeatures];
      return graph.addNode('DynamicQuantizeMatMul', [input, weight, scale, ...(zeroPoint ? [zeroPoint] : [])], [{ dtype: 'float32', shape }], {}, CONTRIB)[0]!;
    },
  };
  return { prepareMask: attentionMaskIndex, layer: fusedEncoderLayerWith(products) };
}
