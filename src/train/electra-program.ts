// ELECTRA's training graph (Clark et al. 2020, google-research/electra run_pretraining.py): a small
// generator and the discriminator in one graph, trained jointly by one loss.
//   generator      ElectraForMaskedLM on the masked input; its embeddings are the discriminator's
//                  (electra.embeddings.*, embedding width = the discriminator's hidden size), its own
//                  layers under generator.* (generator.electra.embeddings_project: embedding → its hidden)
//   sampling       one token per masked position from softmax(generator logits), by inverse CDF with
//                  one U[0,1) draw per position fed from JS (random.electra.sample), so a run resumes
//                  exactly; no gradient flows through the sample
//   discriminator  ElectraForPreTraining on the input with the samples written in; a token counts
//                  as replaced where it differs from the original (a sampled original is "original")
//   loss           generator MLM cross-entropy + 50 · discriminator sigmoid cross-entropy over every
//                  non-padding token (ELECTRA's disc_weight)
// Feeds: input_ids, token_type_ids, attention_mask [batch, seq]; masked_lm_positions [masked] (flat
// b·seq + s); labels [masked] (the original tokens there), as the masked-LM objective feeds them.
import { Graph } from '../graph/graph.js';
import { abs, add, cast, crossEntropy, div, equal, exp, gather, greater, less, log, maximum, mul, neg, not, reduceMean, reduceSum, relu, reshape, sigmoid, softmax, sub, unsqueeze, where } from '../graph/ops.js';
import type { Tensor } from '../graph/tensor.js';
import { bertEncoder, bertInputs } from '../model/bert.js';
import type { BertConfig } from '../model/config.js';
import { electraGeneratorHead, replacedTokenHead } from '../model/heads.js';
import { type TrainProgram, buildTrainProgram, randomUniform } from '../runtime/train-program.js';

/** The generator's parameters are its ElectraForMaskedLM names under this prefix (its embeddings excepted: they are the discriminator's). */
export const GENERATOR_PREFIX = 'generator.';
/** ELECTRA's disc_weight: the discriminator's loss is ~50× smaller than the generator's. */
export const DISCRIMINATOR_WEIGHT = 50;

export interface ElectraConfigs {
  /** ElectraForPreTraining (model_type electra, embedding_size = hidden_size). */
  readonly discriminator: BertConfig;
  /** ElectraForMaskedLM (embedding_size = the discriminator's hidden size). */
  readonly generator: BertConfig;
}

/**
 * The generator of a discriminator as google-research/electra sizes it (get_generator_config):
 * hidden = round(fraction · hidden), heads = max(1, hidden / 64), FFN = 4 · hidden, the same depth;
 * its embeddings are the discriminator's, so embedding_size is the discriminator's hidden size.
 */
export function generatorConfig(discriminator: BertConfig, fraction: number): BertConfig {
  if (!(fraction > 0 && fraction <= 1)) throw new Error(`ELECTRA: the generator size must be a fraction in (0, 1] of the discriminator's, got ${fraction}`);
  const hidden = Math.max(1, Math.round(discriminator.hidden_size * fraction));
  const heads = Math.max(1, Math.floor(hidden / 64));
  if (hidden % heads !== 0) throw new Error(`ELECTRA: generator hidden size ${hidden} is not a multiple of its ${heads} attention heads`);
  const { architectures: _architectures, ...rest } = discriminator;
  return { ...rest, model_type: 'electra', embedding_size: discriminator.hidden_size, hidden_size: hidden, num_attention_heads: heads, intermediate_size: 4 * hidden };
}

/** A BERT config as ELECTRA's discriminator: the same encoder, embeddings as wide as the hidden states. */
export function discriminatorConfig(bert: BertConfig): BertConfig {
  const { architectures: _architectures, ...rest } = bert;
  return { ...rest, model_type: 'electra', embedding_size: bert.hidden_size };
}

/**
 * One draw per row of softmax(logits) [rows, vocab] by inverse CDF: the number of cumulative
 * probabilities below u [rows, 1], clamped to the last class (rounding may leave the last sum under u).
 */
export function sampleFromLogits(logits: Tensor, uniform: Tensor): Tensor {
  const graph = logits.graph;
  const vocab = logits.shape[logits.shape.length - 1];
  if (typeof vocab !== 'number') throw new Error('sampleFromLogits: the class axis must be static');
  const cdf = graph.addNode('CumSum', [softmax(logits, -1), graph.constant([-1], [], 'int64')], [{ dtype: 'float32', shape: logits.shape }])[0]!;
  const below = cast(reduceSum(cast(less(cdf, uniform), 'float32'), [-1]), 'int64'); // [rows]
  return where(less(below, vocab - 1), below, vocab - 1);
}

/** `values` [masked] written at flat positions [masked] of ids [batch, seq] (ONNX ScatterND). */
function writeAt(ids: Tensor, positions: Tensor, values: Tensor): Tensor {
  const flat = reshape(ids, [-1]);
  const written = ids.graph.addNode('ScatterND', [flat, unsqueeze(positions, [-1]), values], [{ dtype: ids.dtype, shape: flat.shape }])[0]!;
  return reshape(written, [...ids.shape], ids);
}

/**
 * Mean sigmoid cross-entropy of logits [batch, seq] against 0/1 targets over the tokens with
 * weight 1 (attention_mask): Σ w·(max(x,0) − x·t + log(1 + e^−|x|)) / Σ w, ELECTRA's discriminator
 * loss. Its gradient, w·(sigmoid(x) − t) / Σ w, is written by hand.
 */
export function replacedTokenLoss(logits: Tensor, targets: Tensor, weights: Tensor): Tensor {
  const graph = logits.graph;
  const perToken = add(sub(relu(logits), mul(logits, targets)), log(add(exp(neg(abs(logits))), 1)));
  const count = maximum(reduceSum(weights), 1);
  const loss = div(reduceSum(mul(perToken, weights)), count);
  return graph.defineGradient('ReplacedTokenLoss', [logits, targets, weights], loss, ([x, t, w], [dy]) => [mul(mul(sub(sigmoid(x!), t!), w!), div(dy!, count)), undefined, undefined]);
}

export interface ElectraGraph {
  readonly loss: Tensor;
  readonly generatorLoss: Tensor;
  readonly discriminatorLoss: Tensor;
  /** Share of non-padding tokens the discriminator classifies right. */
  readonly discriminatorAccuracy: Tensor;
  /** Share of masked positions whose sample differs from the original token. */
  readonly replacedShare: Tensor;
}

/** Builds generator, sampling, discriminator and the joint loss into `graph` (dropout on, fed by random.* inputs). */
export function electraGraph(graph: Graph, configs: ElectraConfigs, discriminatorWeight = DISCRIMINATOR_WEIGHT): ElectraGraph {
  const { discriminator, generator } = configs;
  if (generator.embedding_size !== discriminator.hidden_size || discriminator.embedding_size !== discriminator.hidden_size) {
    throw new Error(`ELECTRA: the generator shares the discriminator's embeddings, so both embedding sizes must be the discriminator's hidden size ${discriminator.hidden_size}`);
  }
  graph.shareParameters('electra.embeddings.');
  const inputs = bertInputs(graph);
  if (!('inputIds' in inputs)) throw new Error('ELECTRA: the graph reads input_ids');
  const positions = graph.input('masked_lm_positions', 'int64', ['masked']);
  const labels = graph.input('labels', 'int64', ['masked']);

  const generated = bertEncoder(inputs, generator, { prefix: `${GENERATOR_PREFIX}electra.`, embeddingsPrefix: 'electra.embeddings.', pooler: false, training: true });
  const atMasked = gather(reshape(generated.lastHiddenState, [-1, generator.hidden_size]), positions); // [masked, generator hidden]
  const mlmLogits = electraGeneratorHead(atMasked, generated.wordEmbeddings, generator, GENERATOR_PREFIX); // [masked, vocab]
  const generatorLoss = crossEntropy(mlmLogits, labels);

  const sampled = sampleFromLogits(mlmLogits, randomUniform(graph, 'electra.sample', ['masked', 1])); // [masked]
  const original = writeAt(inputs.inputIds, positions, labels);
  const corrupted = writeAt(inputs.inputIds, positions, sampled);
  const isReplaced = cast(not(equal(corrupted, original)), 'float32'); // [batch, seq]

  const judged = bertEncoder({ inputIds: corrupted, tokenTypeIds: inputs.tokenTypeIds, attentionMask: inputs.attentionMask }, discriminator, { prefix: 'electra.', pooler: false, training: true });
  const rtdLogits = replacedTokenHead(judged.lastHiddenState, discriminator); // [batch, seq]
  const weights = cast(inputs.attentionMask, 'float32');
  const discriminatorLoss = replacedTokenLoss(rtdLogits, isReplaced, weights);
  const right = cast(equal(cast(greater(rtdLogits, 0), 'float32'), isReplaced), 'float32');
  const tokens = maximum(reduceSum(weights), 1);
  return {
    loss: add(generatorLoss, mul(discriminatorLoss, discriminatorWeight)),
    generatorLoss,
    discriminatorLoss,
    discriminatorAccuracy: div(reduceSum(mul(right, weights)), tokens),
    replacedShare: reduceMean(cast(not(equal(sampled, labels)), 'float32')),
  };
}

/** The ELECTRA training program; its metrics are the two losses, the discriminator's accuracy and the share of replaced masked tokens. */
export function buildElectraProgram(configs: ElectraConfigs, discriminatorWeight = DISCRIMINATOR_WEIGHT): TrainProgram {
  const graph = new Graph();
  const built = electraGraph(graph, configs, discriminatorWeight);
  return buildTrainProgram(built.loss, {
    generator_loss: built.generatorLoss,
    discriminator_loss: built.discriminatorLoss,
    discriminator_accuracy: built.discriminatorAccuracy,
    replaced_share: built.replacedShare,
  });
}
