// WordPiece: split one word into vocabulary pieces, greedy longest-match-first; pieces after
// the first carry the continuing-subword prefix ("##"). A word longer than
// maxInputCharsPerWord code points, or with any part no piece matches, becomes one [UNK]
// (google-research/bert WordpieceTokenizer, HF tokenizers WordPiece).

import { isHighSurrogate, isLowSurrogate } from './char-classes.js';
import { WORD_HASH_SEED, hashUnit } from './pre-tokenizer.js';
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

/** Slots of the word cache (a power of two); it starts over when half full. Text repeats words, so most lookups hit. */
const DEFAULT_CACHE_SLOTS = 1 << 18;

export class WordPiece {
  readonly unkId: number;
  private readonly maxInputCharsPerWord: number;
  /** Tokens that may start a word, by content. */
  private readonly wordStarts = new Map<string, number>();
  /** Tokens that continue a word, by content without the prefix: lookups need no string concatenation. */
  private readonly continuations = new Map<string, number>();
  private readonly longestStart: number;
  private readonly longestContinuation: number;
  // The word cache: open addressing, linear probing, keyed by the word's hash and content, so a
  // word inside a longer string is looked up without being sliced out.
  private readonly cacheMask: number;
  private readonly cacheWords: (string | undefined)[];
  private readonly cacheHashes: Int32Array;
  private readonly cachePieces: (WordPieces | undefined)[];
  private cacheCount = 0;

  constructor(vocab: Vocab, options: WordPieceOptions, cacheSlots = DEFAULT_CACHE_SLOTS) {
    if (!(Number.isInteger(options.maxInputCharsPerWord) && options.maxInputCharsPerWord > 0)) {
      throw new Error(`maxInputCharsPerWord must be a positive integer, got ${options.maxInputCharsPerWord}`);
    }
    const slots = 1 << Math.ceil(Math.log2(Math.max(16, cacheSlots)));
    this.cacheMask = slots - 1;
    this.cacheWords = new Array<string | undefined>(slots).fill(undefined);
    this.cacheHashes = new Int32Array(slots);
    this.cachePieces = new Array<WordPieces | undefined>(slots).fill(undefined);
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
    let hash = WORD_HASH_SEED;
    for (let i = 0; i < word.length; i++) hash = hashUnit(hash, word.charCodeAt(i));
    return this.tokenizeRange(word, 0, word.length, hash);
  }

  /** tokenizeWord(text.slice(start, end)), given the word's hash (pre-tokenizer's hashUnit over its code units). */
  tokenizeRange(text: string, start: number, end: number, hash: number): WordPieces {
    const mask = this.cacheMask;
    const words = this.cacheWords;
    let slot = hash & mask;
    for (;;) {
      const cached = words[slot];
      if (cached === undefined) break;
      if (this.cacheHashes[slot] === hash && sameText(cached, text, start, end)) return this.cachePieces[slot]!;
      slot = (slot + 1) & mask;
    }
    const word = start === 0 && end === text.length ? text : text.slice(start, end);
    const pieces = this.split(word);
    if (this.cacheCount * 2 >= mask) {
      this.cacheWords.fill(undefined);
      this.cachePieces.fill(undefined);
      this.cacheCount = 0;
      slot = hash & mask;
    }
    words[slot] = word;
    this.cacheHashes[slot] = hash;
    this.cachePieces[slot] = pieces;
    this.cacheCount++;
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

function sameText(word: string, text: string, start: number, end: number): boolean {
  if (word.length !== end - start) return false;
  for (let i = 0; i < word.length; i++) if (word.charCodeAt(i) !== text.charCodeAt(start + i)) return false;
  return true;
}

function countCodePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    if (!(isLowSurrogate(text.charCodeAt(i)) && i > 0 && isHighSurrogate(text.charCodeAt(i - 1)))) count++;
  }
  return count;
}
