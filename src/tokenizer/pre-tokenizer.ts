// BERT's pre-tokenizer: split normalized text on whitespace, and isolate every punctuation
// character as a word of its own (google-research/bert _run_split_on_punc, HF BertPreTokenizer).
// Works on code points: an astral punctuation character stays whole.

import { ASCII_FLAGS, PUNCTUATION, WHITESPACE, charFlags } from './char-classes.js';

/** The words of normalized text. */
export function splitWords(normalized: string): string[] {
  const spans = wordSpans(normalized, []);
  const words: string[] = new Array(spans.length / 2);
  for (let k = 0; k < spans.length; k += 2) words[k / 2] = normalized.slice(spans[k], spans[k + 1]);
  return words;
}

/**
 * Appends to `spans` the [start, end) UTF-16 ranges of the words of normalized.slice(from, to),
 * as indices into `normalized` in consecutive pairs start0, end0, start1, end1, …; returns `spans`.
 */
export function wordSpans(normalized: string, spans: number[], from = 0, to = normalized.length): number[] {
  let wordStart = -1;
  const length = to;
  for (let i = from; i < length; ) {
    const unit = normalized.charCodeAt(i);
    let flags: number;
    let next = i + 1;
    if (unit < 128) {
      flags = ASCII_FLAGS[unit]!;
    } else if (unit >= 0xd800 && unit <= 0xdbff && next < length && isLowSurrogate(normalized.charCodeAt(next))) {
      flags = charFlags(normalized.codePointAt(i)!);
      next++;
    } else {
      flags = charFlags(unit);
    }
    if (flags & (WHITESPACE | PUNCTUATION)) {
      if (wordStart >= 0) spans.push(wordStart, i);
      wordStart = -1;
      if (flags & PUNCTUATION) spans.push(i, next);
    } else if (wordStart < 0) {
      wordStart = i;
    }
    i = next;
  }
  if (wordStart >= 0) spans.push(wordStart, length);
  return spans;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
