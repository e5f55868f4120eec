// BERT's text normalizer: clean text, space CJK ideographs apart, lowercase, strip accents.
//
// Semantics are those of google-research/bert tokenization.py (BasicTokenizer), which
// transformers.js shares: lowercase FIRST, then NFD and drop Mn marks. (HF tokenizers' Rust
// BertNormalizer strips accents first, then lowercases character by character; the orders agree
// on every single code point, see test/tokenizer/normalizer.test.ts.) Python's str.lower()
// applies the final-sigma rule (Σ → ς at the end of a word); so does this normalizer, where
// HF Rust gives σ. Control characters are Cc/Cf only, as in Google's _is_control: private-use
// characters stay (HF Rust and transformers.js remove them).
//
// Offsets: `AlignedNormalizer` maps every UTF-16 code unit of the normalized text back to the
// [start, end) UTF-16 range of the original character it came from. Characters that
// normalization removes (control characters, stripped combining marks) belong to no output
// character, so token spans leave them out, exactly as HF tokenizers' offsets do
// ("cafe\u0301" → "cafe" spans [0, 4)).

import {
  ASCII_FLAGS,
  CASED,
  CASE_IGNORABLE,
  CJK,
  CONTROL,
  NONSPACING_MARK,
  WHITESPACE,
  charFlags,
  isHighSurrogate,
  isLowSurrogate,
} from './char-classes.js';

export interface NormalizerOptions {
  /** Drop NUL, U+FFFD and control characters (Cc, Cf; not \t \n \r); turn every whitespace character into a space. */
  cleanText: boolean;
  /** Put spaces around CJK ideographs so each becomes a word. */
  handleChineseChars: boolean;
  /** NFD, then drop nonspacing marks. null: strip exactly when lowercasing (as HF tokenizers and Google's BERT). */
  stripAccents: boolean | null;
  lowercase: boolean;
}

export const BERT_UNCASED: NormalizerOptions = Object.freeze({
  cleanText: true,
  handleChineseChars: true,
  stripAccents: null,
  lowercase: true,
});

export const BERT_CASED: NormalizerOptions = Object.freeze({
  cleanText: true,
  handleChineseChars: true,
  stripAccents: null,
  lowercase: false,
});

/** Normalized text with, per UTF-16 code unit of `text`, the UTF-16 range of its source in the original string. */
export interface AlignedText {
  text: string;
  /**
   * null when text[i] comes from original[sourceOffset + i] (pure ASCII input without removed
   * characters); otherwise sourceStarts[i], sourceEnds[i] (valid for i < text.length) are
   * absolute indices into the original string.
   */
  sourceStarts: Int32Array | null;
  sourceEnds: Int32Array | null;
  sourceOffset: number;
}

/** The source range in the original string of the normalized code units [start, end) (start < end). */
export function sourceSpan(aligned: AlignedText, start: number, end: number): [number, number] {
  if (aligned.sourceStarts === null) return [aligned.sourceOffset + start, aligned.sourceOffset + end];
  return [aligned.sourceStarts[start]!, aligned.sourceEnds![end - 1]!];
}

const normalizers = new WeakMap<NormalizerOptions, AlignedNormalizer>();

/** Normalizes a whole string (offsets not needed, e.g. vocabulary training). Reuses one normalizer per options object. */
export function normalize(text: string, options: NormalizerOptions): string {
  let normalizer = normalizers.get(options);
  if (normalizer === undefined) {
    normalizer = new AlignedNormalizer(options);
    normalizers.set(options, normalizer);
  }
  return normalizer.normalize(text, 0, text.length).text;
}

const SPACE = 0x20;
const CAPITAL_SIGMA = 0x3a3;
const SMALL_SIGMA = 'σ';
const SMALL_FINAL_SIGMA = 'ς';

/**
 * Normalizes substrings of an original text and keeps the alignment. Reuses its buffers:
 * the arrays of a returned AlignedText are valid until the next call.
 */
export class AlignedNormalizer {
  private readonly cleanText: boolean;
  private readonly handleChineseChars: boolean;
  private readonly lowercase: boolean;
  private readonly mapping: CharacterMapping | null;
  private codes = new Uint16Array(256);
  private starts = new Int32Array(256);
  private ends = new Int32Array(256);
  private length = 0;

  constructor(options: NormalizerOptions) {
    this.cleanText = options.cleanText;
    this.handleChineseChars = options.handleChineseChars;
    this.lowercase = options.lowercase;
    const stripAccents = options.stripAccents ?? options.lowercase;
    this.mapping = options.lowercase || stripAccents ? CharacterMapping.of(options.lowercase, stripAccents) : null;
  }

  /** Normalizes original.slice(start, end). */
  normalize(original: string, start: number, end: number): AlignedText {
    return this.normalizeAscii(original, start, end) ?? this.normalizeGeneral(original, start, end);
  }

  /** The fast path: pure ASCII, nothing removed, so the alignment is the identity. */
  private normalizeAscii(original: string, start: number, end: number): AlignedText | null {
    let hasTabOrNewline = false;
    for (let i = start; i < end; i++) {
      const c = original.charCodeAt(i);
      if (c >= 128) return null;
      const flags = ASCII_FLAGS[c]!;
      if (flags & CONTROL) {
        if (this.cleanText) return null;
      } else if (flags & WHITESPACE && c !== SPACE) {
        hasTabOrNewline = true;
      }
    }
    let text = start === 0 && end === original.length ? original : original.slice(start, end);
    if (this.lowercase) text = text.toLowerCase();
    if (this.cleanText && hasTabOrNewline) text = text.replace(/[\t\n\r]/g, ' ');
    return { text, sourceStarts: null, sourceEnds: null, sourceOffset: start };
  }

  private normalizeGeneral(original: string, start: number, end: number): AlignedText {
    this.length = 0;
    const { cleanText, handleChineseChars, mapping } = this;
    for (let i = start; i < end; ) {
      let codePoint = original.charCodeAt(i);
      let next = i + 1;
      if (codePoint < 128) {
        const flags = ASCII_FLAGS[codePoint]!;
        if (!(cleanText && flags & CONTROL)) {
          if (cleanText && flags & WHITESPACE) codePoint = SPACE;
          else if (this.lowercase && codePoint >= 65 && codePoint <= 90) codePoint |= 0x20;
          this.emitUnit(codePoint, i, next);
        }
        i = next;
        continue;
      }
      if (isHighSurrogate(codePoint) && next < end) {
        const low = original.charCodeAt(next);
        if (isLowSurrogate(low)) {
          codePoint = ((codePoint - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
          next++;
        }
      }
      const flags = charFlags(codePoint);
      const removed = cleanText && (flags & CONTROL) !== 0;
      if (!removed && cleanText && flags & WHITESPACE) {
        this.emitUnit(SPACE, i, next);
      } else if (!removed) {
        const isCjk = handleChineseChars && (flags & CJK) !== 0;
        if (isCjk) this.emitUnit(SPACE, i, i);
        let mapped: string | undefined;
        if (mapping === null) mapped = undefined;
        else if (codePoint === CAPITAL_SIGMA && this.lowercase) mapped = this.lowercaseSigma(original, start, end, i, next);
        else mapped = mapping.map(codePoint);
        if (mapped === undefined) {
          this.emitUnit(original.charCodeAt(i), i, next);
          if (next - i === 2) this.emitUnit(original.charCodeAt(i + 1), i, next);
        } else {
          for (let k = 0; k < mapped.length; k++) this.emitUnit(mapped.charCodeAt(k), i, next);
        }
        if (isCjk) this.emitUnit(SPACE, next, next);
      }
      i = next;
    }
    return {
      text: this.decodeCodes(),
      sourceStarts: this.starts,
      sourceEnds: this.ends,
      sourceOffset: start,
    };
  }

  private emitUnit(unit: number, sourceStart: number, sourceEnd: number): void {
    if (this.length === this.codes.length) this.grow();
    this.codes[this.length] = unit;
    this.starts[this.length] = sourceStart;
    this.ends[this.length] = sourceEnd;
    this.length++;
  }

  private grow(): void {
    const size = this.codes.length * 2;
    const codes = new Uint16Array(size);
    codes.set(this.codes);
    const starts = new Int32Array(size);
    starts.set(this.starts);
    const ends = new Int32Array(size);
    ends.set(this.ends);
    this.codes = codes;
    this.starts = starts;
    this.ends = ends;
  }

  private decodeCodes(): string {
    const chunk = 8192;
    if (this.length <= chunk) return String.fromCharCode.apply(null, this.codes.subarray(0, this.length) as unknown as number[]);
    let text = '';
    for (let k = 0; k < this.length; k += chunk) {
      const part = this.codes.subarray(k, Math.min(k + chunk, this.length));
      text += String.fromCharCode.apply(null, part as unknown as number[]);
    }
    return text;
  }

  /**
   * Python's (and JavaScript's) final-sigma rule: Σ lowercases to ς when a cased letter precedes
   * it and none follows, skipping case-ignorable characters and (when cleaning) removed ones.
   */
  private lowercaseSigma(original: string, start: number, end: number, at: number, after: number): string {
    const isSkipped = (flags: number) => (flags & CASE_IGNORABLE) !== 0 || (this.cleanText && (flags & CONTROL) !== 0);
    let precededByCased = false;
    for (let i = at; i > start; ) {
      let width = 1;
      if (isLowSurrogate(original.charCodeAt(i - 1)) && i - 2 >= start && isHighSurrogate(original.charCodeAt(i - 2))) width = 2;
      const flags = charFlags(original.codePointAt(i - width)!);
      if (!isSkipped(flags)) {
        precededByCased = (flags & CASED) !== 0;
        break;
      }
      i -= width;
    }
    let followedByCased = false;
    if (precededByCased) {
      for (let i = after; i < end; ) {
        const codePoint = original.codePointAt(i)!;
        const flags = charFlags(codePoint);
        if (!isSkipped(flags)) {
          followedByCased = (flags & CASED) !== 0;
          break;
        }
        i += codePoint > 0xffff ? 2 : 1;
      }
    }
    return precededByCased && !followedByCased ? SMALL_FINAL_SIGMA : SMALL_SIGMA;
  }
}

/** Lowercasing and accent stripping of single code points, cached; shared by normalizers with the same settings. */
class CharacterMapping {
  private static readonly shared = new Map<string, CharacterMapping>();
  private readonly cache = new Map<number, string>();

  static of(lowercase: boolean, stripAccents: boolean): CharacterMapping {
    const key = `${lowercase}/${stripAccents}`;
    let mapping = CharacterMapping.shared.get(key);
    if (mapping === undefined) {
      mapping = new CharacterMapping(lowercase, stripAccents);
      CharacterMapping.shared.set(key, mapping);
    }
    return mapping;
  }

  private constructor(
    readonly lowercase: boolean,
    readonly stripAccents: boolean,
  ) {}

  map(codePoint: number): string {
    const cached = this.cache.get(codePoint);
    if (cached !== undefined) return cached;
    let mapped = String.fromCodePoint(codePoint);
    if (this.lowercase) mapped = mapped.toLowerCase();
    if (this.stripAccents) mapped = stripNonspacingMarks(mapped.normalize('NFD'));
    this.cache.set(codePoint, mapped);
    return mapped;
  }
}

function stripNonspacingMarks(text: string): string {
  let kept = '';
  for (const char of text) {
    if ((charFlags(char.codePointAt(0)!) & NONSPACING_MARK) === 0) kept += char;
  }
  return kept;
}
