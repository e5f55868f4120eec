// BERT top to bottom (HF BertModel and its heads), as one graph:
//   input_ids, token_type_ids, attention_mask                        int64 [batch, seq]
//   h₀ = Embeddings(input_ids, token_type_ids)                       [batch, seq, hidden]
//   hₗ = EncoderLayer(hₗ₋₁, (1 − mask)·float32_min)   l = 1..L       [batch, seq, hidden]
//   pooled = tanh(dense(h_L[:, 0]))                                  [batch, hidden]
//   heads: MLM [batch, seq, vocab], NSP [batch, 2], classifier, QA start/end
import { Graph } from '../graph/graph.js';
import { gather, reshape } from '../graph/ops.js';
import type { Tensor } from '../graph/tensor.js';
import { type BertHeads, basePrefixOf } from './architecture.js';
import type { BertConfig } from './config.js';
import { bertEmbeddings } from './embeddings.js';
import { attentionBias, encoderLayer } from './encoder-layer.js';
import { maskedLmHead, nextSentenceHead, pooler, questionAnsweringHead, sequenceClassificationHead, tokenClassificationHead } from './heads.js';

/** The graph inputs, named as the HF forward arguments (and transformers.js ONNX inputs). */
export interface BertInputs {
  /** int64 [batch, seq] */
  readonly inputIds: Tensor;
  /** int64 [batch, seq]: 0 for the first segment, 1 for the second */
  readonly tokenTypeIds: Tensor;
  /** int64 [batch, seq]: 1 = token, 0 = padding */
  readonly attentionMask: Tensor;
}

export function bertInputs(graph: Graph): BertInputs {
  return {
    inputIds: graph.input('input_ids', 'int64', ['batch', 'seq']),
    tokenTypeIds: graph.input('token_type_ids', 'int64', ['batch', 'seq']),
    attentionMask: graph.input('attention_mask', 'int64', ['batch', 'seq']),
  };
}

export interface BertEncoderOptions {
  /** 'bert.' in head models, '' in a bare BertModel (basePrefixOf(heads)). */
  readonly prefix: string;
  readonly pooler: boolean;
  /** Dropout on (fed by `random.*` inputs) for training graphs; off for inference. */
  readonly training: boolean;
}

export interface BertEncoderOutput {
  /** [batch, seq, hidden] */
  readonly lastHiddenState: Tensor;
  /** [batch, hidden], when the model has a pooler. */
  readonly pooledOutput?: Tensor;
  /** L + 1 tensors [batch, seq, hidden]: 0 = embedding output, l = output of layer l. */
  readonly hiddenStates: readonly Tensor[];
  /** L tensors [batch, heads, seq, seq]: softmax probabilities (before attention dropout). */
  readonly attentions: readonly Tensor[];
  /** [vocab, hidden]: the word-embedding table (the MLM decoder's tied weight). */
  readonly wordEmbeddings: Tensor;
}

/** HF BertModel: embeddings, the encoder stack and the pooler. */
export function bertEncoder(inputs: BertInputs, config: BertConfig, options: BertEncoderOptions): BertEncoderOutput {
  const { output: embedded, wordEmbeddings } = bertEmbeddings(inputs.inputIds, inputs.tokenTypeIds, config, {
    prefix: `${options.prefix}embeddings.`,
    training: options.training,
  });
  const bias = attentionBias(inputs.attentionMask); // [batch, 1, 1, seq]
  const hiddenStates: Tensor[] = [embedded];
  const attentions: Tensor[] = [];
  let hidden = embedded;
  for (let layer = 0; layer < config.num_hidden_layers; layer++) {
    const out = encoderLayer(hidden, bias, config, { prefix: `${options.prefix}encoder.layer.${layer}.`, training: options.training });
    hidden = out.hidden;
    hiddenStates.push(hidden);
    attentions.push(out.attentionProbs);
  }
  const pooledOutput = options.pooler ? pooler(hidden, config, options.prefix) : undefined;
  return { lastHiddenState: hidden, ...(pooledOutput ? { pooledOutput } : {}), hiddenStates, attentions, wordEmbeddings };
}

export interface BertHeadOutputs {
  /** [batch, seq, vocab], or [masked, vocab] with maskedPositions */
  readonly mlmLogits?: Tensor;
  /** [batch, 2] */
  readonly nspLogits?: Tensor;
  /** [batch, num_labels] (sequence classification) or [batch, seq, num_labels] (token classification) */
  readonly logits?: Tensor;
  /** [batch, seq] each (question answering) */
  readonly startLogits?: Tensor;
  readonly endLogits?: Tensor;
}

export interface BertForward extends BertEncoderOutput {
  readonly inputs: BertInputs;
  readonly heads: BertHeadOutputs;
}

export interface BertForwardOptions {
  readonly heads: BertHeads;
  readonly training?: boolean;
  /**
   * MLM logits only where they are needed, as google-research/bert does: an input
   * `masked_lm_positions` int64 [masked] of flat indices b·seq + s picks the hidden states, and
   * mlmLogits is [masked, vocab] instead of [batch, seq, vocab] (the widest tensor of pretraining).
   */
  readonly maskedPositions?: boolean;
}

/** Declares the inputs and builds the encoder and the requested heads; registers no outputs. */
export function bertForward(graph: Graph, config: BertConfig, options: BertForwardOptions): BertForward {
  const { heads } = options;
  const training = options.training ?? false;
  if (heads.nextSentence && !heads.pooler) throw new Error('bertForward: the next-sentence head needs the pooler');
  if (heads.sequenceClassification && !heads.pooler) throw new Error('bertForward: the sequence-classification head needs the pooler');
  if (heads.sequenceClassification && heads.tokenClassification) throw new Error('bertForward: sequence and token classification both name their parameters classifier.*');
  const inputs = bertInputs(graph);
  const encoder = bertEncoder(inputs, config, { prefix: basePrefixOf(heads), pooler: heads.pooler, training });
  const outputs = bertHeadOutputs(graph, config, heads, encoder.lastHiddenState, encoder.pooledOutput, encoder.wordEmbeddings, { maskedPositions: options.maskedPositions ?? false, training });
  return { ...encoder, inputs, heads: outputs };
}

/** The heads' outputs on the encoder's hidden states [batch, seq, hidden] and pooled [CLS] [batch, hidden]. */
export function bertHeadOutputs(
  graph: Graph, config: BertConfig, heads: BertHeads, hidden: Tensor, pooled: Tensor | undefined, wordEmbeddings: Tensor,
  options: { maskedPositions: boolean; training: boolean },
): BertHeadOutputs {
  const { training } = options;
  const outputs: { -readonly [K in keyof BertHeadOutputs]: BertHeadOutputs[K] } = {};
  if (heads.maskedLm) {
    const picked = options.maskedPositions
      ? gather(reshape(hidden, [-1, config.hidden_size]), graph.input('masked_lm_positions', 'int64', ['masked'])) // [masked, hidden]
      : hidden;
    outputs.mlmLogits = maskedLmHead(picked, wordEmbeddings, config);
  }
  if (heads.nextSentence) outputs.nspLogits = nextSentenceHead(pooled!, config);
  if (heads.sequenceClassification) outputs.logits = sequenceClassificationHead(pooled!, config, { training });
  if (heads.tokenClassification) outputs.logits = tokenClassificationHead(hidden, config, { training });
  if (heads.questionAnswering) Object.assign(outputs, questionAnsweringHead(hidden, config));
  return outputs;
}

export interface BuildBertGraphOptions extends BertForwardOptions {
  readonly outputHiddenStates?: boolean;
  readonly outputAttentions?: boolean;
}

/**
 * An inference graph whose outputs carry the names of `bertkit forward`:
 * last_hidden_state, pooler_output, hidden_states.{i}, attentions.{i}, mlm_logits, nsp_logits,
 * logits, start_logits, end_logits (each when the model and options have it).
 */
export function buildBertGraph(graph: Graph, config: BertConfig, options: BuildBertGraphOptions): BertForward {
  const forward = bertForward(graph, config, options);
  graph.output('last_hidden_state', forward.lastHiddenState);
  if (forward.pooledOutput) graph.output('pooler_output', forward.pooledOutput);
  if (options.outputHiddenStates) forward.hiddenStates.forEach((state, index) => graph.output(`hidden_states.${index}`, state));
  if (options.outputAttentions) forward.attentions.forEach((probs, index) => graph.output(`attentions.${index}`, probs));
  const heads = forward.heads;
  if (heads.mlmLogits) graph.output('mlm_logits', heads.mlmLogits);
  if (heads.nspLogits) graph.output('nsp_logits', heads.nspLogits);
  if (heads.logits) graph.output('logits', heads.logits);
  if (heads.startLogits) graph.output('start_logits', heads.startLogits);
  if (heads.endLogits) graph.output('end_logits', heads.endLogits);
  return forward;
}

/** Every parameter the model with these heads has, by HF name, in graph order. */
export function bertParameterShapes(config: BertConfig, heads: BertHeads): Map<string, number[]> {
  const graph = new Graph();
  bertForward(graph, config, { heads });
  return new Map(graph.parameters.map((parameter) => [parameter.name, parameter.shape as number[]]));
}
