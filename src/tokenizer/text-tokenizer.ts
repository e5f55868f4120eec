// The tokenizer's hot path: one text → WordPiece ids, tokens and offsets, without [CLS]/[SEP].
//   added tokens (raw text) → normalizer (aligned) → added tokens (normalized text)
//   → pre-tokenizer (words) → WordPiece (pieces, cached per word)
// Offsets are UTF-16 code-unit indices [start, end) into the ORIGINAL text, so
// text.slice(start, end) is the token's source, through lowercasing, accent stripping, removed
// control characters and astral characters. An [UNK] standing for a whole word spans the word.

import { AddedTokenMatcher, type AddedToken } from './added-tokens.js';
import { AlignedNormalizer, normalize, sourceSpan, type AlignedText, type NormalizerOptions } from './normalizer.js';
import { forEachWord } from './pre-tokenizer.js';
import type { Vocab } from './vocab.js';
import { WordPiece, type WordPieceOptions } from './wordpiece.js';

export interface TokenizeOptions extends NormalizerOptions, WordPieceOptions {}

export interface TokenPieces {
  ids: number[];
  tokens: string[];
  /** [start, end) UTF-16 code-unit offsets into the original text: text.slice(start, end) is the source. */
  offsets: [number, number][];
  /** Index of the word (pre-tokenizer split) each token belongs to, counted within this text; an added token is a word of its own, as in HF tokenizers. */
  wordIds: (number | null)[];
  /** True where an added token marked special (e.g. "[MASK]") matched in the text. */
  special: boolean[];
}

export class TextTokenizer {
  readonly vocab: Vocab;
  readonly options: TokenizeOptions;
  private readonly normalizer: AlignedNormalizer;
  private readonly wordPiece: WordPiece;
  private readonly vocabTokens: readonly string[];
  private readonly rawTokens: AddedTokenMatcher;
  private readonly rawTokenIds: number[];
  private readonly rawTokenList: AddedToken[];
  private readonly normalizedTokens: AddedTokenMatcher;
  private readonly normalizedTokenIds: number[];
  private readonly normalizedTokenList: AddedToken[];
  private output: TokenPieces = emptyPieces();
  private nextWordId = 0;

  constructor(vocab: Vocab, options: TokenizeOptions, addedTokens: readonly AddedToken[] = []) {
    this.vocab = vocab;
    this.options = options;
    this.normalizer = new AlignedNormalizer(options);
    this.wordPiece = new WordPiece(vocab, options);
    this.vocabTokens = vocab.tokens;
    const idOf = (token: AddedToken): number => {
      const id = token.id ?? vocab.id(token.content);
      if (id === undefined) {
        throw new Error(`added token ${JSON.stringify(token.content)} has no id and is on no line of ${vocab.source}`);
      }
      return id;
    };
    this.rawTokenList = addedTokens.filter((token) => !token.normalized);
    this.rawTokenIds = this.rawTokenList.map(idOf);
    this.rawTokens = new AddedTokenMatcher(
      this.rawTokenList,
      this.rawTokenList.map((token) => token.content),
    );
    this.normalizedTokenList = addedTokens.filter((token) => token.normalized);
    this.normalizedTokenIds = this.normalizedTokenList.map(idOf);
    this.normalizedTokens = new AddedTokenMatcher(
      this.normalizedTokenList,
      this.normalizedTokenList.map((token) => {
        const pattern = normalize(token.content, options);
        if (pattern.length === 0) throw new Error(`added token ${JSON.stringify(token.content)} normalizes to nothing; mark it normalized: false`);
        return pattern;
      }),
    );
  }

  tokenize(text: string): TokenPieces {
    const output = (this.output = emptyPieces());
    this.nextWordId = 0;
    let position = 0;
    if (!this.rawTokens.isEmpty) {
      for (const match of this.rawTokens.findAll(text, 0, text.length)) {
        this.tokenizeSegment(text, position, match.start);
        this.pushAdded(this.rawTokenList[match.token]!, this.rawTokenIds[match.token]!, match.start, match.end);
        position = match.end;
      }
    }
    this.tokenizeSegment(text, position, text.length);
    return output;
  }

  private tokenizeSegment(text: string, start: number, end: number): void {
    if (start >= end) return;
    const aligned = this.normalizer.normalize(text, start, end);
    if (this.normalizedTokens.isEmpty) {
      this.tokenizeWords(aligned, 0, aligned.text.length);
      return;
    }
    let position = 0;
    for (const match of this.normalizedTokens.findAll(aligned.text, 0, aligned.text.length)) {
      this.tokenizeWords(aligned, position, match.start);
      const [sourceStart, sourceEnd] = sourceSpan(aligned, match.start, match.end);
      this.pushAdded(this.normalizedTokenList[match.token]!, this.normalizedTokenIds[match.token]!, sourceStart, sourceEnd);
      position = match.end;
    }
    this.tokenizeWords(aligned, position, aligned.text.length);
  }

  private tokenizeWords(aligned: AlignedText, from: number, to: number): void {
    if (from < to) forEachWord(aligned.text, from, to, this.emitWord(aligned));
  }

  /** The visitor that appends a word's pieces to the output; one closure per normalized segment. */
  private emitWord(aligned: AlignedText): (wordStart: number, wordEnd: number, hash: number) => void {
    const { ids, tokens, offsets, wordIds, special } = this.output;
    const vocabTokens = this.vocabTokens;
    const wordPiece = this.wordPiece;
    const normalized = aligned.text;
    const starts = aligned.sourceStarts;
    const ends = aligned.sourceEnds;
    const shift = aligned.sourceOffset;
    return (wordStart, wordEnd, hash) => {
      const pieces = wordPiece.tokenizeRange(normalized, wordStart, wordEnd, hash);
      const wordId = this.nextWordId++;
      const count = pieces.ids.length;
      let pieceStart = wordStart;
      for (let k = 0; k < count; k++) {
        const id = pieces.ids[k]!;
        const pieceEnd = wordStart + pieces.ends[k]!;
        ids.push(id);
        tokens.push(vocabTokens[id]!);
        offsets.push(starts === null ? [shift + pieceStart, shift + pieceEnd] : [starts[pieceStart]!, ends![pieceEnd - 1]!]);
        wordIds.push(wordId);
        special.push(false);
        pieceStart = pieceEnd;
      }
    };
  }

  private pushAdded(token: AddedToken, id: number, start: number, end: number): void {
    const output = this.output;
    output.ids.push(id);
    output.tokens.push(token.content);
    output.offsets.push([start, end]);
    output.wordIds.push(this.nextWordId++);
    output.special.push(token.special);
  }
}

function emptyPieces(): TokenPieces {
  return { ids: [], tokens: [], offsets: [], wordIds: [], special: [] };
}
