// Inference graphs: the model with only the outputs a use needs, parameters baked in as
// initializers so that ONNX Runtime can constant-fold and fuse around them (Gemm + Gelu,
// SkipLayerNormalization). The same builder serves in-process inference and the ONNX export.
import { Graph } from '../graph/graph.js';
import { toOnnx } from '../graph/onnx.js';
import { bertForward } from '../model/bert.js';
import type { BertModelState } from '../model/checkpoint.js';

/** What a graph can output (each when the model has it). */
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
  /** [batch, labels] (sequence classification) or [batch, seq, labels] (token classification) */
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
}

/** The inference graph of `model` with the requested outputs; throws when the model lacks one. */
export function buildInferenceGraph(model: Pick<BertModelState, 'config' | 'heads'>, options: InferenceGraphOptions): Graph {
  const graph = new Graph();
  const forward = bertForward(graph, model.config, { heads: model.heads, maskedPositions: options.maskedPositions ?? false });
  const name = (output: InferenceOutput): string => options.rename?.[output] ?? output;
  const single = {
    last_hidden_state: forward.lastHiddenState,
    pooler_output: forward.pooledOutput,
    mlm_logits: forward.heads.mlmLogits,
    logits: forward.heads.logits,
    start_logits: forward.heads.startLogits,
    end_logits: forward.heads.endLogits,
  };
  for (const output of options.outputs) {
    if (output === 'hidden_states') forward.hiddenStates.forEach((state, index) => graph.output(`${name(output)}.${index}`, state));
    else if (output === 'attentions') forward.attentions.forEach((probs, index) => graph.output(`${name(output)}.${index}`, probs));
    else {
      const tensor = single[output];
      if (tensor === undefined) throw new Error(`buildInferenceGraph: the model (${describeHeads(model)}) has no ${output}`);
      graph.output(name(output), tensor);
    }
  }
  return graph;
}

/** The graph as ONNX bytes with every parameter it uses stored as an initializer. */
export function inferenceOnnx(model: BertModelState, graph: Graph): Uint8Array {
  const initializers = new Map(graph.parameters.map((parameter) => [parameter.name, model.parameters.get(parameter.name)]));
  return toOnnx(graph, { initializers });
}

function describeHeads(model: Pick<BertModelState, 'heads'>): string {
  const present = Object.entries(model.heads).filter(([, has]) => has).map(([head]) => head);
  return present.length === 0 ? 'no heads' : `heads: ${present.join(', ')}`;
}
