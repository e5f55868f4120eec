// The task heads on top of the encoder, with Hugging Face parameter names (HF modeling_bert.py, and
// modeling_electra.py for ELECTRA's generator, discriminator and classification heads).
import { dropout, layerNorm, linear, slice, squeeze, tanh } from '../graph/ops.js';
import type { Dim, Tensor } from '../graph/tensor.js';
import { randomUniform } from '../runtime/train-program.js';
import { hiddenActivation } from './activation.js';
import { type BertConfig, embeddingSizeOf, numLabels } from './config.js';

export interface HeadOptions {
  readonly training: boolean;
}

function dense(input: Tensor, name: string, outFeatures: number, inFeatures: number): Tensor {
  const graph = input.graph;
  return linear(input, graph.parameter(`${name}.weight`, [outFeatures, inFeatures]), graph.parameter(`${name}.bias`, [outFeatures]));
}

/** The first token's hidden state: [batch, seq, hidden] → [batch, hidden]. */
function firstToken(hidden: Tensor): Tensor {
  return squeeze(slice(hidden, [0], [1], { axes: [1] }), [1]);
}

/** BertPooler: tanh(dense(hidden[:, 0])): [batch, seq, hidden] → [batch, hidden]. */
export function pooler(hidden: Tensor, config: Pick<BertConfig, 'hidden_size'>, prefix: string): Tensor {
  return tanh(dense(firstToken(hidden), `${prefix}pooler.dense`, config.hidden_size, config.hidden_size));
}

/** HF unties only when the config says tie_word_embeddings: false; the default shares the table. */
export function tiesWordEmbeddings(config: BertConfig): boolean {
  return config.tie_word_embeddings !== false;
}

/**
 * BertOnlyMLMHead / the MLM half of BertPreTrainingHeads:
 *   logits = LayerNorm(act(dense(h))) · Eᵀ + cls.predictions.bias    [batch, seq, hidden] → [batch, seq, vocab]
 * E is the word-embedding table (tied, so its gradient gathers the decoder's share too) or, untied,
 * cls.predictions.decoder.weight.
 */
export function maskedLmHead(hidden: Tensor, wordEmbeddings: Tensor, config: BertConfig): Tensor {
  const graph = hidden.graph;
  const size = config.hidden_size;
  const transformed = layerNorm(
    hiddenActivation(config.hidden_act, dense(hidden, 'cls.predictions.transform.dense', size, size)),
    graph.parameter('cls.predictions.transform.LayerNorm.weight', [size]),
    graph.parameter('cls.predictions.transform.LayerNorm.bias', [size]),
    config.layer_norm_eps,
  );
  const decoder = tiesWordEmbeddings(config) ? wordEmbeddings : graph.parameter('cls.predictions.decoder.weight', [config.vocab_size, size]);
  return linear(transformed, decoder, graph.parameter('cls.predictions.bias', [config.vocab_size]));
}

/**
 * ElectraGeneratorPredictions + generator_lm_head (ElectraForMaskedLM): the generator's hidden states
 * go back to the embedding width, and the decoder is the (tied) word-embedding table:
 *   logits = LayerNorm(gelu(dense(h))) · Eᵀ + generator_lm_head.bias    [..., hidden] → [..., vocab]
 * `prefix` names a generator trained beside its discriminator (ELECTRA pretraining).
 */
export function electraGeneratorHead(hidden: Tensor, wordEmbeddings: Tensor, config: BertConfig, prefix = ''): Tensor {
  const graph = hidden.graph;
  const embedding = embeddingSizeOf(config);
  const transformed = layerNorm(
    hiddenActivation('gelu', dense(hidden, `${prefix}generator_predictions.dense`, embedding, config.hidden_size)),
    graph.parameter(`${prefix}generator_predictions.LayerNorm.weight`, [embedding]),
    graph.parameter(`${prefix}generator_predictions.LayerNorm.bias`, [embedding]),
    config.layer_norm_eps,
  );
  const decoder = tiesWordEmbeddings(config) ? wordEmbeddings : graph.parameter(`${prefix}generator_lm_head.weight`, [config.vocab_size, embedding]);
  return linear(transformed, decoder, graph.parameter(`${prefix}generator_lm_head.bias`, [config.vocab_size]));
}

/**
 * ElectraDiscriminatorPredictions: one logit per token, > 0 for "replaced":
 *   dense_prediction(act(dense(h)))    [batch, seq, hidden] → [batch, seq]
 */
export function replacedTokenHead(hidden: Tensor, config: BertConfig): Tensor {
  const size = config.hidden_size;
  const activated = hiddenActivation(config.hidden_act, dense(hidden, 'discriminator_predictions.dense', size, size));
  return squeeze(dense(activated, 'discriminator_predictions.dense_prediction', 1, size), [-1]);
}

/** BertOnlyNSPHead: pooled [batch, hidden] → [batch, 2] (0 = B follows A, 1 = B is random). */
export function nextSentenceHead(pooled: Tensor, config: Pick<BertConfig, 'hidden_size'>): Tensor {
  return dense(pooled, 'cls.seq_relationship', 2, config.hidden_size);
}

function classifierDropout(x: Tensor, config: BertConfig, options: HeadOptions, shape: Dim[], site = 'classifier.dropout'): Tensor {
  const rate = config.classifier_dropout ?? config.hidden_dropout_prob;
  return options.training && rate > 0 ? dropout(x, rate, randomUniform(x.graph, site, shape)) : x;
}

/** BertForSequenceClassification: dropout → classifier: pooled [batch, hidden] → [batch, num_labels]. */
export function sequenceClassificationHead(pooled: Tensor, config: BertConfig, options: HeadOptions): Tensor {
  const dropped = classifierDropout(pooled, config, options, [pooled.shape[0]!, config.hidden_size]);
  return dense(dropped, 'classifier', numLabels(config), config.hidden_size);
}

/**
 * ElectraClassificationHead (no pooler): on the first token,
 *   out_proj(dropout(gelu(dense(dropout(h[:, 0])))))    [batch, seq, hidden] → [batch, num_labels]
 */
export function electraClassificationHead(hidden: Tensor, config: BertConfig, options: HeadOptions): Tensor {
  const size = config.hidden_size;
  const first = firstToken(hidden);
  const shape = [first.shape[0]!, size];
  const inner = hiddenActivation('gelu', dense(classifierDropout(first, config, options, shape, 'classifier.dropout.0'), 'classifier.dense', size, size));
  return dense(classifierDropout(inner, config, options, shape, 'classifier.dropout.1'), 'classifier.out_proj', numLabels(config), size);
}

/** BertForTokenClassification: dropout → classifier: [batch, seq, hidden] → [batch, seq, num_labels]. */
export function tokenClassificationHead(hidden: Tensor, config: BertConfig, options: HeadOptions): Tensor {
  const dropped = classifierDropout(hidden, config, options, [hidden.shape[0]!, hidden.shape[1]!, config.hidden_size]);
  return dense(dropped, 'classifier', numLabels(config), config.hidden_size);
}

/** BertForQuestionAnswering: qa_outputs [batch, seq, hidden] → start and end logits, each [batch, seq]. */
export function questionAnsweringHead(hidden: Tensor, config: Pick<BertConfig, 'hidden_size'>): { startLogits: Tensor; endLogits: Tensor } {
  const logits = dense(hidden, 'qa_outputs', 2, config.hidden_size); // [batch, seq, 2]
  const column = (index: number): Tensor => squeeze(slice(logits, [index], [index + 1], { axes: [2] }), [2]);
  return { startLogits: column(0), endLogits: column(1) };
}
