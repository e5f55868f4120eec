// BERT top to bottom (HF BertModel and its heads), as one graph:
//   input_ids, token_type_ids, attention_mask                        int64 [batch, seq]
//   h₀ = Embeddings(input_ids, token_type_ids)                       [batch, seq, hidden]
//   hₗ = EncoderLayer(hₗ₋₁, (1 − mask)·float32_min)   l = 1..L       [batch, seq, hidden]
//   pooled = tanh(dense(h_L[:, 0]))                                  [batch, hidden]
//   heads: MLM [batch, seq, vocab], NSP [batch, 2], classifier, QA start/end
// The layer is a choice (encoder-layer.ts's EncoderLayerKind): the plain layer, which training
// differentiates, or ORT's fused inference layer (fused-encoder-layer.ts). Inference graphs with
// named outputs are built by inference-graph.ts. A graph that reads only [CLS] (the pooler, a sequence
// classifier) computes only that row in its last layer (firstTokenOnly), where keys and values still
// read every position: about 5/6 of that layer's matmul work saved.
import { Graph } from '../graph/graph.js';
import { gather, linear, reshape } from '../graph/ops.js';
import type { Tensor } from '../graph/tensor.js';
import { type BertHeads, basePrefixOf } from './architecture.js';
import { type BertConfig, embeddingSizeOf } from './config.js';
import { type WordInput, bertEmbeddings } from './embeddings.js';
import { type EncoderLayerKind, PLAIN_ENCODER_LAYER, attentionBias, encoderLayer } from './encoder-layer.js';
import { electraClassificationHead, electraGeneratorHead, maskedLmHead, nextSentenceHead, pooler, questionAnsweringHead, replacedTokenHead, sequenceClassificationHead, tokenClassificationHead } from './heads.js';

/**
 * The graph inputs, named as the HF forward arguments (and transformers.js ONNX inputs):
 * input_ids int64 [batch, seq] (or inputs_embeds float32 [batch, seq, hidden], see WordInput),
 * token_type_ids int64 [batch, seq] (0 for the first segment, 1 for the second),
 * attention_mask int64 [batch, seq] (1 = token, 0 = padding).
 */
export type BertInputs = WordInput & {
  readonly tokenTypeIds: Tensor;
  readonly attentionMask: Tensor;
};

/** With `inputsEmbeds`, the graph takes HF's inputs_embeds float32 [batch, seq, hidden] in place of input_ids. */
export function bertInputs(graph: Graph, options: { inputsEmbeds?: Pick<BertConfig, 'hidden_size'> } = {}): BertInputs {
  const words: WordInput = options.inputsEmbeds
    ? { inputsEmbeds: graph.input('inputs_embeds', 'float32', ['batch', 'seq', options.inputsEmbeds.hidden_size]) }
    : { inputIds: graph.input('input_ids', 'int64', ['batch', 'seq']) };
  return {
    ...words,
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
  /** Default PLAIN_ENCODER_LAYER; FUSED_ENCODER_LAYER (inference only) is faster in ORT. */
  readonly layer?: EncoderLayerKind;
  /** The embeddings' parameter prefix (default `${prefix}embeddings.`): an ELECTRA generator reads its discriminator's. */
  readonly embeddingsPrefix?: string;
  /**
   * The last layer computes only the first position (EncoderLayerOptions.firstTokenOnly), in plain ops
   * whatever `layer` is, so lastHiddenState is [batch, 1, hidden]: for graphs that read only [CLS]
   * (the pooler, ELECTRA's classifier), where it saves most of a layer.
   */
  readonly firstTokenOnly?: boolean;
}

export interface BertEncoderOutput {
  /** [batch, seq, hidden] ([batch, 1, hidden] with firstTokenOnly) */
  readonly lastHiddenState: Tensor;
  /** [batch, hidden], when the model has a pooler. */
  readonly pooledOutput?: Tensor;
  /** L + 1 tensors [batch, seq, hidden]: 0 = embedding output, l = output of layer l (the last [batch, 1, hidden] with firstTokenOnly). */
  readonly hiddenStates: readonly Tensor[];
  /**
   * L tensors [batch, heads, seq, seq] (the last [batch, heads, 1, seq] with firstTokenOnly): softmax probabilities (before attention dropout); none from
   * the fused layer, which keeps them inside its Attention kernel.
   */
  readonly attentions: readonly Tensor[];
  /** [vocab, hidden]: the word-embedding table (the MLM decoder's tied weight). */
  readonly wordEmbeddings: Tensor;
}

/**
 * HF BertModel: embeddings, the encoder stack and the pooler. ElectraModel's embeddings are
 * embedding_size wide and, when that is not hidden_size, projected: embeddings_project [hidden, embedding].
 */
export function bertEncoder(inputs: BertInputs, config: BertConfig, options: BertEncoderOptions): BertEncoderOutput {
  const embeddingSize = embeddingSizeOf(config);
  const { output: embeddingOutput, wordEmbeddings } = bertEmbeddings(inputs, inputs.tokenTypeIds, { ...config, hidden_size: embeddingSize }, {
    prefix: options.embeddingsPrefix ?? `${options.prefix}embeddings.`,
    training: options.training,
    dropoutName: `${options.prefix}embeddings.dropout`,
  });
  const graph = embeddingOutput.graph;
  const embedded = embeddingSize === config.hidden_size ? embeddingOutput : linear(
    embeddingOutput,
    graph.parameter(`${options.prefix}embeddings_project.weight`, [config.hidden_size, embeddingSize]),
    graph.parameter(`${options.prefix}embeddings_project.bias`, [config.hidden_size]),
  );
  const kind = options.layer ?? PLAIN_ENCODER_LAYER;
  const mask = kind.prepareMask(inputs.attentionMask); // plain: additive bias [batch, 1, 1, seq]; fused: int32 [batch, seq]
  const hiddenStates: Tensor[] = [embedded];
  const attentions: Tensor[] = [];
  let hidden = embedded;
  const last = config.num_hidden_layers - 1;
  for (let layer = 0; layer < config.num_hidden_layers; layer++) {
    const layerOptions = { prefix: `${options.prefix}encoder.layer.${layer}.`, training: options.training };
    const out = layer === last && options.firstTokenOnly
      ? encoderLayer(hidden, kind === PLAIN_ENCODER_LAYER ? mask : attentionBias(inputs.attentionMask), config, { ...layerOptions, firstTokenOnly: true })
      : kind.layer(hidden, mask, config, layerOptions);
    hidden = out.hidden;
    hiddenStates.push(hidden);
    if (out.attentionProbs) attentions.push(out.attentionProbs);
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
  /** [batch, seq]: ELECTRA's discriminator, > 0 where it takes the token for a replaced one */
  readonly rtdLogits?: Tensor;
}

export interface BertForward extends BertEncoderOutput {
  readonly inputs: BertInputs;
  readonly heads: BertHeadOutputs;
}

export interface BertForwardOptions {
  /** The heads to build (inference graphs build only those their outputs read). */
  readonly heads: BertHeads;
  /** The encoder's parameter prefix; default basePrefixOf(heads), the model's own when it builds fewer heads than it has. */
  readonly prefix?: string;
  readonly training?: boolean;
  /** The encoder layer (default PLAIN_ENCODER_LAYER). */
  readonly layer?: EncoderLayerKind;
  /**
   * MLM logits only where they are needed, as google-research/bert does: an input
   * `masked_lm_positions` int64 [masked] of flat indices b·seq + s picks the hidden states, and
   * mlmLogits is [masked, vocab] instead of [batch, seq, vocab] (the widest tensor of pretraining).
   */
  readonly maskedPositions?: boolean;
  /**
   * The graph takes HF's inputs_embeds float32 [batch, seq, hidden] (the word-embedding lookup's
   * output, before position and token-type embeddings and LayerNorm) in place of input_ids: what
   * attributions differentiate with respect to.
   */
  readonly inputsEmbeds?: boolean;
  /** BertEncoderOptions.firstTokenOnly; only with heads that read [CLS] alone. */
  readonly firstTokenOnly?: boolean;
}

/** Declares the inputs and builds the encoder and the requested heads; registers no outputs. */
export function bertForward(graph: Graph, config: BertConfig, options: BertForwardOptions): BertForward {
  const { heads } = options;
  const training = options.training ?? false;
  if (heads.nextSentence && !heads.pooler) throw new Error('bertForward: the next-sentence head needs the pooler');
  if (heads.sequenceClassification && !heads.pooler && config.model_type === 'bert') throw new Error('bertForward: the sequence-classification head needs the pooler');
  if (heads.sequenceClassification && heads.tokenClassification) throw new Error('bertForward: sequence and token classification both name their parameters classifier.*');
  const firstTokenOnly = options.firstTokenOnly === true;
  if (firstTokenOnly && (heads.maskedLm || heads.tokenClassification || heads.questionAnswering || heads.replacedTokenDetection)) {
    throw new Error('bertForward: firstTokenOnly computes [CLS] alone in the last layer; the masked-LM, token-classification, question-answering and replaced-token heads read every position');
  }
  const inputs = bertInputs(graph, options.inputsEmbeds ? { inputsEmbeds: { hidden_size: embeddingSizeOf(config) } } : {});
  const encoder = bertEncoder(inputs, config, {
    prefix: options.prefix ?? basePrefixOf(heads, config.model_type), pooler: heads.pooler, training, layer: options.layer, firstTokenOnly,
  });
  const outputs = bertHeadOutputs(graph, config, heads, encoder.lastHiddenState, encoder.pooledOutput, encoder.wordEmbeddings, { maskedPositions: options.maskedPositions ?? false, training });
  return { ...encoder, inputs, heads: outputs };
}

/** The heads' outputs on the encoder's hidden states [batch, seq, hidden] and pooled [CLS] [batch, hidden] (BERT's, ELECTRA's by ELECTRA's heads). */
function bertHeadOutputs(
  graph: Graph, config: BertConfig, heads: BertHeads, hidden: Tensor, pooled: Tensor | undefined, wordEmbeddings: Tensor,
  options: { maskedPositions: boolean; training: boolean },
): BertHeadOutputs {
  const { training } = options;
  const electra = config.model_type === 'electra';
  const outputs: { -readonly [K in keyof BertHeadOutputs]: BertHeadOutputs[K] } = {};
  if (heads.maskedLm) {
    const picked = options.maskedPositions
      ? gather(reshape(hidden, [-1, config.hidden_size]), graph.input('masked_lm_positions', 'int64', ['masked'])) // [masked, hidden]
      : hidden;
    outputs.mlmLogits = electra ? electraGeneratorHead(picked, wordEmbeddings, config) : maskedLmHead(picked, wordEmbeddings, config);
  }
  if (heads.replacedTokenDetection) outputs.rtdLogits = replacedTokenHead(hidden, config);
  if (heads.nextSentence) outputs.nspLogits = nextSentenceHead(pooled!, config);
  if (heads.sequenceClassification) outputs.logits = electra ? electraClassificationHead(hidden, config, { training }) : sequenceClassificationHead(pooled!, config, { training });
  if (heads.tokenClassification) outputs.logits = tokenClassificationHead(hidden, config, { training });
  if (heads.questionAnswering) Object.assign(outputs, questionAnsweringHead(hidden, config));
  return outputs;
}

/** Every parameter the model with these heads has, by HF name, in graph order. */
export function bertParameterShapes(config: BertConfig, heads: BertHeads): Map<string, number[]> {
  const graph = new Graph();
  bertForward(graph, config, { heads });
  return new Map(graph.parameters.map((parameter) => [parameter.name, parameter.shape as number[]]));
}
