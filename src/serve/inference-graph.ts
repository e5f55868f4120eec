// Inference graphs: the model with only the outputs a use needs, parameters baked in as
// initializers so that ONNX Runtime can constant-fold and prepack them, and encoder layers in ORT's
// fused transformer ops (fused-encoder-layer.ts). The same builder serves in-process inference and
// the ONNX export.
import { Graph } from '../graph/graph.js';
import { toOnnx } from '../graph/onnx.js';
import type { Tensor } from '../graph/tensor.js';
import { basePrefixOf } from '../model/architecture.js';
import { type BertHeadOutputs, bertForward, bertHeadOutputs, bertInputs } from '../model/bert.js';
import type { BertModelState } from '../model/checkpoint.js';
import { bertEmbeddings } from '../model/embeddings.js';
import { pooler } from '../model/heads.js';
import { attentionMaskIndex, fusedEncoderLayer } from './fused-encoder-layer.js';

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
  /**
   * Encoder layers in ORT's com.microsoft fused ops (default true). false keeps to standard ONNX
   * opset 18, which any ONNX runtime runs; ORT runs it more slowly.
   */
  readonly fusedOps?: boolean;
}

/** The inference graph of `model` with the requested outputs; throws when the model lacks one. */
export function buildInferenceGraph(model: Pick<BertModelState, 'config' | 'heads'>, options: InferenceGraphOptions): Graph {
  const graph = new Graph();
  const maskedPositions = options.maskedPositions ?? false;
  // Attention probabilities exist only outside the fused Attention kernel.
  const fused = (options.fusedOps ?? true) && !options.outputs.includes('attentions');
  const forward: InferenceForward = fused
    ? fusedForward(graph, model, maskedPositions)
    : bertForward(graph, model.config, { heads: model.heads, maskedPositions });
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
    else if (output === 'attentions') forward.attentions?.forEach((probs, index) => graph.output(`${name(output)}.${index}`, probs));
    else {
      const tensor = single[output];
      if (tensor === undefined) throw new Error(`buildInferenceGraph: the model (${describeHeads(model)}) has no ${output}`);
      graph.output(name(output), tensor);
    }
  }
  return graph;
}

interface InferenceForward {
  /** [batch, seq, hidden] */
  readonly lastHiddenState: Tensor;
  /** [batch, hidden] */
  readonly pooledOutput?: Tensor;
  /** L + 1 tensors [batch, seq, hidden] */
  readonly hiddenStates: readonly Tensor[];
  /** L tensors [batch, heads, seq, seq]; only from the unfused layers. */
  readonly attentions?: readonly Tensor[];
  readonly heads: BertHeadOutputs;
}

/**
 * bertForward (src/model/bert.ts) with fusedEncoderLayer for the encoder layers: the same inputs,
 * parameters and heads. Inference only: no dropout, no next-sentence head (nothing serves it).
 */
function fusedForward(graph: Graph, model: Pick<BertModelState, 'config' | 'heads'>, maskedPositions: boolean): InferenceForward {
  const { config, heads } = model;
  const prefix = basePrefixOf(heads);
  const inputs = bertInputs(graph);
  const { output: embedded, wordEmbeddings } = bertEmbeddings(inputs.inputIds, inputs.tokenTypeIds, config, { prefix: `${prefix}embeddings.`, training: false });
  const maskIndex = attentionMaskIndex(inputs.attentionMask);
  const hiddenStates = [embedded];
  for (let layer = 0; layer < config.num_hidden_layers; layer++) {
    hiddenStates.push(fusedEncoderLayer(hiddenStates.at(-1)!, maskIndex, config, `${prefix}encoder.layer.${layer}.`));
  }
  const hidden = hiddenStates.at(-1)!;
  const pooledOutput = heads.pooler ? pooler(hidden, config, prefix) : undefined;
  return {
    lastHiddenState: hidden,
    ...(pooledOutput ? { pooledOutput } : {}),
    hiddenStates,
    // No next-sentence head: nothing serves it.
    heads: bertHeadOutputs(graph, config, { ...heads, nextSentence: false }, hidden, pooledOutput, wordEmbeddings, { maskedPositions, training: false }),
  };
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
