// Inference graphs: the model with only the outputs a use names, and only the heads those outputs
// read (a BertForPreTraining checkpoint exported for fill-mask carries no NSP parameters). Encoder
// layers are ORT's fused transformer ops (fused-encoder-layer.ts) unless the graph outputs attention
// maps or `fusedOps` is off. Every graph with named outputs is built here: in-process inference and
// the ONNX export (parameters baked in as initializers, which ORT constant-folds and prepacks), and
// the weight-fed runner (runner.ts: unfused, parameters fed as inputs on each run).
import { Graph } from '../graph/graph.js';
import { toOnnx } from '../graph/onnx.js';
import type { Tensor } from '../graph/tensor.js';
import { type BertHeads, basePrefixOf } from './architecture.js';
import { bertForward } from './bert.js';
import type { BertModelState } from './checkpoint.js';
import { PLAIN_ENCODER_LAYER } from './encoder-layer.js';
import { FUSED_ENCODER_LAYER } from './fused-encoder-layer.js';
import { type QuantizedMatrices, quantizedEncoderLayer } from './quantized-encoder-layer.js';

/** What a graph can output (each when the model has it), named as `bertkit forward` writes them. */
export type InferenceOutput =
  /** [batch, seq, hidden] */
  | 'last_hidden_state'
  /** [batch, hidden] */
  | 'pooler_output'
  /** hidden_states.{0..L}: [batch, seq, hidden] each (0 = embedding output) */
  | 'hidden_states'
  /** attentions.{0..L−1}: [batch, heads, seq, seq] each */
  | 'attentions'
  /** [batch, seq, vocab], or [masked, vocab] with `maskedPositions` */
  | 'mlm_logits'
  /** [batch, 2] (0 = B follows A, 1 = B is random) */
  | 'nsp_logits'
  /** [batch, labels] (sequence classification), [batch, seq, labels] (token classification) or [batch, seq] (ELECTRA's discriminator) */
  | 'logits'
  /** [batch, seq] each (question answering) */
  | 'start_logits'
  | 'end_logits';

export interface InferenceGraphOptions {
  readonly outputs: readonly InferenceOutput[];
  /** MLM logits only at the flat positions fed as `masked_lm_positions` int64 [masked] (b·seq + s). */
  readonly maskedPositions?: boolean;
  /** Graph output names other than the defaults (e.g. mlm_logits → 'logits' in a fill-mask export). */
  readonly rename?: Partial<Record<InferenceOutput, string>>;
  /**
   * Encoder layers in ORT's com.microsoft fused ops (default true). false keeps to standard ONNX
   * opset 18, which any ONNX runtime runs; ORT runs it more slowly.
   */
  readonly fusedOps?: boolean;
  /**
   * Int8 encoder layers on these quantized weights (quantized-encoder-layer.ts; they become
   * constants of the graph): the q8 model. Needs ORT's fused ops; no attention maps.
   */
  readonly quantized?: QuantizedMatrices;
}

/**
 * Every output a model with these heads has, in the order `bertkit forward` writes them; the
 * per-layer hidden states and attention maps only on request.
 */
export function modelOutputs(heads: BertHeads, perLayer: { hiddenStates?: boolean; attentions?: boolean } = {}): InferenceOutput[] {
  const outputs: InferenceOutput[] = ['last_hidden_state'];
  if (heads.pooler) outputs.push('pooler_output');
  if (perLayer.hiddenStates) outputs.push('hidden_states');
  if (perLayer.attentions) outputs.push('attentions');
  if (heads.maskedLm) outputs.push('mlm_logits');
  if (heads.nextSentence) outputs.push('nsp_logits');
  if (heads.sequenceClassification || heads.tokenClassification || heads.replacedTokenDetection) outputs.push('logits');
  if (heads.questionAnswering) outputs.push('start_logits', 'end_logits');
  return outputs;
}

/** The inference graph of `model` with the requested outputs; throws when the model lacks one. */
export function buildInferenceGraph(model: Pick<BertModelState, 'config' | 'heads'>, options: InferenceGraphOptions): Graph {
  const graph = new Graph();
  // Attention probabilities exist only outside the fused Attention kernel.
  const fused = (options.fusedOps ?? true) && !options.outputs.includes('attentions');
  if (options.quantized !== undefined && !fused) {
    throw new Error(`buildInferenceGraph: the int8 layers are ORT's fused ops, which keep attention maps inside; ${options.outputs.includes('attentions') ? 'attention maps come from the fp32 model' : 'fusedOps must stay on'}`);
  }
  const heads = headsReadBy(model, options.outputs);
  // Outputs that read [CLS] alone (the pooler, NSP, a sequence classifier) let the last layer compute that
  // row only; the int8 model keeps every layer in its quantized kernels.
  const readsClsOnly = options.outputs.every((output) => output === 'pooler_output' || output === 'nsp_logits' || (output === 'logits' && heads.sequenceClassification));
  const forward = bertForward(graph, model.config, {
    heads,
    prefix: basePrefixOf(model.heads, model.config.model_type),
    maskedPositions: options.maskedPositions ?? false,
    layer: options.quantized !== undefined ? quantizedEncoderLayer(options.quantized) : fused ? FUSED_ENCODER_LAYER : PLAIN_ENCODER_LAYER,
    firstTokenOnly: readsClsOnly && options.quantized === undefined,
  });
  const name = (output: InferenceOutput): string => options.rename?.[output] ?? output;
  const single: Record<Exclude<InferenceOutput, 'hidden_states' | 'attentions'>, Tensor | undefined> = {
    last_hidden_state: forward.lastHiddenState,
    pooler_output: forward.pooledOutput,
    mlm_logits: forward.heads.mlmLogits,
    nsp_logits: forward.heads.nspLogits,
    logits: forward.heads.logits ?? forward.heads.rtdLogits,
    start_logits: forward.heads.startLogits,
    end_logits: forward.heads.endLogits,
  };
  for (const output of options.outputs) {
    if (output === 'hidden_states') forward.hiddenStates.forEach((state, index) => graph.output(`${name(output)}.${index}`, state));
    else if (output === 'attentions') forward.attentions.forEach((probs, index) => graph.output(`${name(output)}.${index}`, probs));
    else graph.output(name(output), single[output]!);
  }
  return graph;
}

/** The graph as ONNX bytes with every parameter it uses stored as an initializer. */
export function inferenceOnnx(model: BertModelState, graph: Graph): Uint8Array {
  const initializers = new Map(graph.parameters.map((parameter) => [parameter.name, model.parameters.get(parameter.name)]));
  return toOnnx(graph, { initializers });
}

/** The heads that `outputs` read, among the model's; throws naming the first output the model lacks. */
function headsReadBy(model: Pick<BertModelState, 'heads'>, outputs: readonly InferenceOutput[]): BertHeads {
  const has = model.heads;
  const available: Record<InferenceOutput, boolean> = {
    last_hidden_state: true,
    hidden_states: true,
    attentions: true,
    pooler_output: has.pooler,
    mlm_logits: has.maskedLm,
    nsp_logits: has.nextSentence,
    logits: has.sequenceClassification || has.tokenClassification || has.replacedTokenDetection === true,
    start_logits: has.questionAnswering,
    end_logits: has.questionAnswering,
  };
  const missing = outputs.find((output) => available[output] !== true);
  if (missing !== undefined) throw new Error(`buildInferenceGraph: the model (${describeHeads(model)}) has no ${missing}`);
  const wants = (output: InferenceOutput): boolean => outputs.includes(output);
  const sequenceClassification = wants('logits') && has.sequenceClassification;
  return {
    // BERT's classifier reads the pooler; ELECTRA's, which has none, reads [CLS] itself.
    pooler: wants('pooler_output') || wants('nsp_logits') || (sequenceClassification && has.pooler),
    maskedLm: wants('mlm_logits'),
    nextSentence: wants('nsp_logits'),
    sequenceClassification,
    tokenClassification: wants('logits') && has.tokenClassification,
    questionAnswering: wants('start_logits') || wants('end_logits'),
    replacedTokenDetection: wants('logits') && has.replacedTokenDetection === true,
  };
}

function describeHeads(model: Pick<BertModelState, 'heads'>): string {
  const present = Object.entries(model.heads).filter(([, has]) => has).map(([head]) => head);
  return present.length === 0 ? 'no heads' : `heads: ${present.join(', ')}`;
}
