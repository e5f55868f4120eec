// Word-level labels on word-piece encodings: the words of a pre-split sentence (CoNLL tokens,
// characters) are joined with spaces and encoded; each word's FIRST piece carries its label and
// the other pieces are ignored (-100), as Devlin et al. (2019) and Hugging Face's run_ner do.
// Words are found back through character offsets rather than the tokenizer's own word ids,
// because BERT's pre-tokenizer splits some corpus tokens further ("15-year" → 15, -, year).
//
// A sentence longer than the max sequence length is not cut: it becomes overlapping windows
// (windows.ts), each one feature. A word is labelled in EVERY window that holds its first piece, as
// HF's run_ner (labels on every overflow window) and Google's run_squad (every window is a training
// feature) do: a copy near a window's edge is an extra example with less context, which costs no
// extra compute (the window is run anyway) and overweights only the overlap words, `stride` of every
// (max length − 2 − stride) tokens. Labelling only the max-context copy would instead leave each
// window's edges without any training signal. For prediction, each word is read from the one window
// where its first piece has the most context.

import type { BertTokenizer } from '../../tokenizer/index.js';
import type { TaskFeatures } from './task.js';
import { maxContextWindows, windowEncoding, windowIndex, type TokenWindow } from './windows.js';

export const IGNORED_LABEL = -100;

export interface WordWindows {
  /** The sentence's windows (one when it fits in maxLength), in order. */
  windows: TokenWindow[];
  /** Position in the full (unwindowed) encoding of each word's first piece; -1 when the word has no pieces. */
  firstTokenOfWord: Int32Array;
  /** Where each word is predicted: the window where its first piece has the most context (-1: no pieces) and the token index in it. */
  readout: WordReadout;
}

/** Per word: an index (of a window, or of a feature) and the token in it to read the word's prediction from; index -1 when the word has no pieces. */
export interface WordReadout {
  index: Int32Array;
  token: Int32Array;
}

/** Encodes `words` (joined by spaces) as the first sequence, with an optional second text, in windows of at most `maxLength` tokens overlapping by `stride`. */
export function encodeWordWindows(
  tokenizer: BertTokenizer,
  words: readonly string[],
  options: { pair?: string; maxLength: number; stride: number; where: string },
): WordWindows {
  const wordStarts = new Int32Array(words.length);
  let position = 0;
  words.forEach((word, w) => {
    wordStarts[w] = position;
    position += word.length + 1;
  });
  const encoding = tokenizer.encode(words.join(' '), options.pair ?? null, { truncation: false });
  const firstTokenOfWord = new Int32Array(words.length).fill(-1);
  encoding.offsets.forEach(([start], token) => {
    if (encoding.sequenceIds[token] !== 0 || encoding.specialTokensMask[token] === 1) return;
    const word = lastAtOrBefore(wordStarts, start);
    if (firstTokenOfWord[word] === -1) firstTokenOfWord[word] = token;
  });
  const windows = windowEncoding(encoding, options.maxLength, options.stride, options.where);
  const readFrom = maxContextWindows(windows, encoding.ids.length);
  const index = new Int32Array(words.length).fill(-1);
  const token = new Int32Array(words.length).fill(-1);
  firstTokenOfWord.forEach((first, word) => {
    if (first < 0) return;
    index[word] = readFrom[first]!;
    token[word] = windowIndex(windows[readFrom[first]!]!, first);
  });
  return { windows, firstTokenOfWord, readout: { index, token } };
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

/**
 * Label id per word. A label the model was not trained with (a rare role or tag that only the dev
 * file has) cannot be predicted: it is left out of the loss (-100) but stays gold for scoring, so it
 * counts as a miss, as conlleval would count it. Without fixed labels every label must be known.
 */
export function wordLabelIds(labels: readonly string[], wordLabels: readonly string[], fixedLabels: boolean, where: string, what: string): number[] {
  const ids = new Map(labels.map((name, id) => [name, id]));
  return wordLabels.map((label) => {
    const id = ids.get(label);
    if (id !== undefined) return id;
    if (fixedLabels) return IGNORED_LABEL;
    throw new Error(`${where}: ${what} '${label}' is not one of the labels ${labels.join(', ')}`);
  });
}

/** Per-token label ids of one window: the label id of each word whose first piece the window holds on that piece, -100 elsewhere. */
export function tokenLabelsFor(window: TokenWindow, firstTokenOfWord: Int32Array, wordLabelIds: ArrayLike<number>): Int32Array {
  const labels = new Int32Array(window.inputIds.length).fill(IGNORED_LABEL);
  firstTokenOfWord.forEach((position, word) => {
    if (position >= window.start && position < window.end) labels[windowIndex(window, position)] = wordLabelIds[word]!;
  });
  return labels;
}

/**
 * Appends one labelled feature per window of `encoded` to `features`; returns where each word is
 * predicted, as feature indices into `features`.
 */
export function appendWordFeatures(features: TaskFeatures[], encoded: WordWindows, wordLabelIds: ArrayLike<number>, exampleIndex: number): WordReadout {
  const firstFeature = features.length;
  for (const window of encoded.windows) {
    features.push({ inputIds: window.inputIds, tokenTypeIds: window.tokenTypeIds, tokenLabels: tokenLabelsFor(window, encoded.firstTokenOfWord, wordLabelIds), exampleIndex });
  }
  return { index: encoded.readout.index.map((w) => (w < 0 ? -1 : firstFeature + w)), token: encoded.readout.token };
}

/**
 * Per-word predicted label ids: the argmax of the [tokens, numLabels] logits `logits[readout.index[w]]`
 * at token `readout.token[w]`; `fallback` for words without pieces.
 */
export function wordPredictions(logits: readonly Float32Array[], numLabels: number, readout: WordReadout, fallback: number): Int32Array {
  const predictions = new Int32Array(readout.index.length);
  readout.index.forEach((index, word) => {
    const token = readout.token[word]!;
    if (index < 0) {
      predictions[word] = fallback;
      return;
    }
    const rows = logits[index];
    if (rows === undefined || (token + 1) * numLabels > rows.length) throw new Error(`wordPredictions: no logits for token ${token} of output ${index}`);
    let best = 0;
    for (let l = 1; l < numLabels; l++) if (rows[token * numLabels + l]! > rows[token * numLabels + best]!) best = l;
    predictions[word] = best;
  });
  return predictions;
}
