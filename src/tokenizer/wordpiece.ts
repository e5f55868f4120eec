// WordPiece: split one word into vocabulary pieces, greedy longest-match-first; pieces after
// the first carry the continuing-subword prefix ("##"). A word longer than
// maxInputCharsPerWord code points, or with any part no piece matches, becomes one [UNK]
// (google-research/bert WordpieceTokenizer, HF tokenizers WordPiece).

import type { Vocab } from './vocab.js';

export interface WordPieceOptions {
  unkToken: string;
  continuingSubwordPrefix: string;
  maxInputCharsPerWord: number;
}

export const BERT_WORDPIECE: WordPieceOptions = Object.freeze({
  unkToken: '[UNK]',
  continuingSubwordPrefix: '##',
  maxInputCharsPerWord: 100,
});

/** The pieces of one word: ids, and the end of each piece within the word (UTF-16, exclusive). */
export interface WordPieces {
  ids: Int32Array;
  ends: Int32Array;
  /** The whole word is the unknown token. */
  unknown: boolean;
}

/** Distinct words kept in the cache before it starts over; text repeats words, so most lookups hit. */
const DEFAULT_CACHE_CAPACITY = 100_000;

export class WordPiece {
  readonly unkId: number;
  private readonly maxInputCharsPerWord: number;
  /** Tokens that may start a word, by content. */
  private readonly wordStarts = new Map<string, number>();
  /** Tokens that continue a word, by content without the prefix: lookups need no string concatenation. */
  private readonly continuations = new Map<string, number>();
  private readonly longestStart: number;
  private readonly longestContinuation: number;
  private readonly cache = new Map<string, WordPieces>();

  constructor(
    vocab: Vocab,
    options: WordPieceOptions,
    private readonly cacheCapacity = DEFAULT_CACHE_CAPACITY,
  ) {
    this.unkId = vocab.requireId(options.unkToken, 'unknown token');
    this.maxInputCharsPerWord = options.maxInputCharsPerWord;
    const prefix = options.continuingSubwordPrefix;
    let longestStart = 0;
    let longestContinuation = 0;
    vocab.tokens.forEach((token, id) => {
      this.wordStarts.set(token, id);
      longestStart = Math.max(longestStart, token.length);
      if (prefix.length > 0 && token.startsWith(prefix) && token.length > prefix.length) {
        const rest = token.slice(prefix.length);
        this.continuations.set(rest, id);
        longestContinuation = Math.max(longestContinuation, rest.length);
      }
    });
    if (prefix.length === 0) {
      for (const [token, id] of this.wordStarts) this.continuations.set(token, id);
      longestContinuation = longestStart;
    }
    this.longestStart = longestStart;
    this.longestContinuation = longestContinuation;
  }

  /** The pieces of a normalized, pre-tokenized word (non-empty). Results are cached: do not modify them. */
  tokenizeWord(word: string): WordPieces {
    let pieces = this.cache.get(word);
    if (pieces === undefined) {
      pieces = this.split(word);
      if (this.cache.size >= this.cacheCapacity) this.cache.clear();
      this.cache.set(word, pieces);
    }
    return pieces;
  }

  private split(word: string): WordPieces {
    const length = word.length;
    if (length > this.maxInputCharsPerWord && countCodePoints(word) > this.maxInputCharsPerWord) return this.unknown(length);
    const ids: number[] = [];
    const ends: number[] = [];
    let start = 0;
    while (start < length) {
      const lookup = start === 0 ? this.wordStarts : this.continuations;
      let end = Math.min(length, start + (start === 0 ? this.longestStart : this.longestContinuation));
      if (end < length && isLowSurrogate(word.charCodeAt(end)) && isHighSurrogate(word.charCodeAt(end - 1))) end--;
      let id: number | undefined;
      while (end > start) {
        id = lookup.get(start === 0 && end === length ? word : word.slice(start, end));
        if (id !== undefined) break;
        const splitsPair = end - 2 >= start && isLowSurrogate(word.charCodeAt(end - 1)) && isHighSurrogate(word.charCodeAt(end - 2));
        end -= splitsPair ? 2 : 1;
      }
      if (id === undefined) return this.unknown(length);
      ids.push(id);
      ends.push(end);
      start = end;
    }
    return { ids: Int32Array.from(ids), ends: Int32Array.from(ends), unknown: false };
  }

  private unknown(length: number): WordPieces {
    return { ids: Int32Array.of(this.unkId), ends: Int32Array.of(length), unknown: true };
  }
}

function countCodePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    if (!(isLowSurrogate(text.charCodeAt(i)) && i > 0 && isHighSurrogate(text.charCodeAt(i - 1)))) count++;
  }
  return count;
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
