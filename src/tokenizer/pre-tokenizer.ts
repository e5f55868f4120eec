// BERT's pre-tokenizer: split normalized text on whitespace, and isolate every punctuation
// character as a word of its own (google-research/bert _run_split_on_punc, HF BertPreTokenizer).
// Works on code points: an astral punctuation character stays whole.

import { ASCII_FLAGS, PUNCTUATION, WHITESPACE, charFlags, isHighSurrogate, isLowSurrogate } from './char-classes.js';

/** The words of normalized text. */
export function splitWords(normalized: string): string[] {
  const words: string[] = [];
  forEachWord(normalized, 0, normalized.length, (start, end) => {
    words.push(normalized.slice(start, end));
  });
  return words;
}

/** FNV-1a over UTF-16 code units: start from WORD_HASH_SEED, fold each unit with hashUnit. */
export const WORD_HASH_SEED = 0x811c9dc5 | 0;
export function hashUnit(hash: number, unit: number): number {
  return Math.imul(hash ^ unit, 0x01000193);
}

/**
 * Calls visit(start, end, hash) for each word of normalized.slice(from, to), in order, with
 * indices into `normalized` and the word's hash (see hashUnit), so that callers can look words
 * up without slicing them out.
 */
export function forEachWord(
  normalized: string,
  from: number,
  to: number,
  visit: (start: number, end: number, hash: number) => void,
): void {
  let wordStart = -1;
  let hash = WORD_HASH_SEED;
  for (let i = from; i < to; ) {
    const unit = normalized.charCodeAt(i);
    let flags: number;
    let next = i + 1;
    if (unit < 128) {
      flags = ASCII_FLAGS[unit]!;
    } else if (isHighSurrogate(unit) && next < to && isLowSurrogate(normalized.charCodeAt(next))) {
      flags = charFlags(normalized.codePointAt(i)!);
      next++;
    } else {
      flags = charFlags(unit);
    }
    if (flags & (WHITESPACE | PUNCTUATION)) {
      if (wordStart >= 0) visit(wordStart, i, hash);
      wordStart = -1;
      if (flags & PUNCTUATION) visit(i, next, next - i === 1 ? hashUnit(WORD_HASH_SEED, unit) : hashUnit(hashUnit(WORD_HASH_SEED, unit), normalized.charCodeAt(i + 1)));
    } else {
      if (wordStart < 0) {
        wordStart = i;
        hash = WORD_HASH_SEED;
      }
      hash = hashUnit(hash, unit);
      if (next - i === 2) hash = hashUnit(hash, normalized.charCodeAt(i + 1));
    }
    i = next;
  }
  if (wordStart >= 0) visit(wordStart, to, hash);
}
