// Word-level labels on word-piece encodings: the words of a pre-split sentence (CoNLL tokens,
// characters) are joined with spaces and encoded; each word's FIRST piece carries its label and
// the other pieces are ignored (-100), as Devlin et al. (2019) and Hugging Face's run_ner do.
// Words are found back through character offsets rather than the tokenizer's own word ids,
// because BERT's pre-tokenizer splits some corpus tokens further ("15-year" → 15, -, year).

import type { BertTokenizer, Encoding, TruncationStrategy } from '../../tokenizer/index.js';

export const IGNORED_LABEL = -100;

export interface WordEncoding {
  encoding: Encoding;
  /** Token index of each word's first piece; -1 when truncation cut the word off or it has no pieces. */
  firstTokenOfWord: Int32Array;
}

/** Encodes `words` (joined by spaces) as the first sequence, with an optional second text. */
export function encodeWords(
  tokenizer: BertTokenizer,
  words: readonly string[],
  options: { pair?: string; maxLength: number; truncation?: TruncationStrategy },
): WordEncoding {
  const wordStarts = new Int32Array(words.length);
  let position = 0;
  words.forEach((word, w) => {
    wordStarts[w] = position;
    position += word.length + 1;
  });
  const encoding = tokenizer.encode(words.join(' '), options.pair ?? null, {
    truncation: options.truncation ?? (options.pair === undefined ? 'longest_first' : 'only_first'),
    maxLength: options.maxLength,
  });
  const firstTokenOfWord = new Int32Array(words.length).fill(-1);
  encoding.offsets.forEach(([start], token) => {
    if (encoding.sequenceIds[token] !== 0) return;
    const word = lastAtOrBefore(wordStarts, start);
    if (firstTokenOfWord[word] === -1) firstTokenOfWord[word] = token;
  });
  return { encoding, firstTokenOfWord };
}

function lastAtOrBefore(sorted: Int32Array, value: number): number {
  let low = 0;
  let high = sorted.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (sorted[middle]! <= value) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** Per-token label ids: each word's label id on its first piece, -100 elsewhere. */
export function tokenLabelsFor(tokenCount: number, firstTokenOfWord: Int32Array, wordLabelIds: ArrayLike<number>): Int32Array {
  const labels = new Int32Array(tokenCount).fill(IGNORED_LABEL);
  firstTokenOfWord.forEach((token, word) => {
    if (token >= 0) labels[token] = wordLabelIds[word]!;
  });
  return labels;
}

/** Per-word predicted label ids from [tokens, numLabels] logits: argmax at each word's first piece; `fallback` for words without one. */
export function wordPredictions(logits: Float32Array, numLabels: number, firstTokenOfWord: Int32Array, fallback: number): Int32Array {
  const predictions = new Int32Array(firstTokenOfWord.length);
  firstTokenOfWord.forEach((token, word) => {
    if (token < 0 || (token + 1) * numLabels > logits.length) {
      predictions[word] = fallback;
      return;
    }
    let best = 0;
    for (let l = 1; l < numLabels; l++) if (logits[token * numLabels + l]! > logits[token * numLabels + best]!) best = l;
    predictions[word] = best;
  });
  return predictions;
}
