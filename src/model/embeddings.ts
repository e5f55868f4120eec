// BERT's input embeddings (HF BertEmbeddings), with Hugging Face parameter names:
//   e = LayerNorm(word[input_ids] + token_type[token_type_ids] + position[0..seq)) → dropout
// As in HF, word[input_ids] may come in ready-made (inputs_embeds): attributions differentiate
// with respect to it.
// Positions are learned ('absolute', a parameter) or the fixed sin/cos table ('sinusoidal', a constant).
import { add, arange, dropout, gather, layerNorm } from '../graph/ops.js';
import type { Tensor } from '../graph/tensor.js';
import { randomUniform } from '../runtime/train-program.js';
import type { BertConfig } from './config.js';
import { sinusoidalTable } from './sinusoidal.js';

export type EmbeddingsConfig = Pick<
  BertConfig,
  'vocab_size' | 'hidden_size' | 'max_position_embeddings' | 'type_vocab_size' | 'position_embedding_type' | 'layer_norm_eps' | 'hidden_dropout_prob'
>;

export interface EmbeddingsOptions {
  /** Name prefix of the parameters: 'bert.embeddings.' in head models, 'embeddings.' in a bare BertModel. */
  readonly prefix: string;
  readonly training: boolean;
  /** The dropout's random input (default `${prefix}dropout`); two encoders sharing the embeddings (ELECTRA) draw their own. */
  readonly dropoutName?: string;
}

export interface EmbeddingsOutput {
  /** [batch, seq, hidden]: hidden_states[0] of HF. */
  readonly output: Tensor;
  /** [vocab, hidden]: the word embedding table, which the masked-LM decoder shares. */
  readonly wordEmbeddings: Tensor;
}

/**
 * The word part of the embeddings: token ids looked up in the table, or HF's inputs_embeds, the
 * looked-up vectors themselves (float32 [batch, seq, hidden]).
 */
export type WordInput = { readonly inputIds: Tensor } | { readonly inputsEmbeds: Tensor };

/** input_ids (or inputs_embeds), token_type_ids: int64 [batch, seq]. */
export function bertEmbeddings(words: WordInput, tokenTypeIds: Tensor, config: EmbeddingsConfig, options: EmbeddingsOptions): EmbeddingsOutput {
  const graph = tokenTypeIds.graph;
  const hidden = config.hidden_size;
  const p = options.prefix;
  if ('inputIds' in words) {
    const { inputIds } = words;
    if (inputIds.shape.length !== 2 || inputIds.dtype !== 'int64') throw new Error(`bertEmbeddings: input_ids must be int64 [batch, seq], got ${inputIds.dtype}[${inputIds.shape.join(',')}]`);
  } else {
    const { inputsEmbeds } = words;
    if (inputsEmbeds.shape.length !== 3 || inputsEmbeds.dtype !== 'float32' || inputsEmbeds.shape[2] !== hidden) throw new Error(`bertEmbeddings: inputs_embeds must be float32 [batch, seq, ${hidden}], got ${inputsEmbeds.dtype}[${inputsEmbeds.shape.join(',')}]`);
  }
  const [batch, seq] = tokenTypeIds.shape;

  const wordEmbeddings = graph.parameter(`${p}word_embeddings.weight`, [config.vocab_size, hidden]);
  const positionTable = config.position_embedding_type === 'sinusoidal'
    ? graph.constant(sinusoidalTable(config.max_position_embeddings, hidden), [config.max_position_embeddings, hidden])
    : graph.parameter(`${p}position_embeddings.weight`, [config.max_position_embeddings, hidden]);
  const tokenTypeEmbeddings = graph.parameter(`${p}token_type_embeddings.weight`, [config.type_vocab_size, hidden]);

  const positionIds = arange(tokenTypeIds, 1); // [seq]: 0, 1, …, seq−1

  // [batch, seq, hidden] (+ [seq, hidden] broadcast over the batch), summed in HF's order
  const wordVectors = 'inputIds' in words ? gather(wordEmbeddings, words.inputIds) : words.inputsEmbeds;
  const summed = add(add(wordVectors, gather(tokenTypeEmbeddings, tokenTypeIds)), gather(positionTable, positionIds));
  const normed = layerNorm(summed, graph.parameter(`${p}LayerNorm.weight`, [hidden]), graph.parameter(`${p}LayerNorm.bias`, [hidden]), config.layer_norm_eps);
  const output = options.training && config.hidden_dropout_prob > 0
    ? dropout(normed, config.hidden_dropout_prob, randomUniform(graph, options.dropoutName ?? `${p}dropout`, [batch!, seq!, hidden]))
    : normed;
  return { output, wordEmbeddings };
}
