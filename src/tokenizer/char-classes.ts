// Unicode character classes BERT's basic tokenizer needs, per code point, as bit flags.
// Definitions follow google-research/bert tokenization.py (the reference BERT tokenizer):
// _is_control, _is_whitespace (plus what Python's str.split() also splits on), _is_punctuation,
// _is_chinese_char. Flags are computed on first use and cached: the BMP in a table, astral
// code points in a map.

/** Removed by clean_text: NUL, U+FFFD, and Cc/Cf characters other than \t \n \r. */
export const CONTROL = 1;
/** Word separator: \t \n \r space, Zs, and what Python's str.split() splits on (U+2028, U+2029, \v, \f, U+001C–U+001F, U+0085). */
export const WHITESPACE = 2;
/** Isolated as a word of its own: ASCII 33–47, 58–64, 91–96, 123–126, and every Unicode P* category. */
export const PUNCTUATION = 4;
/** A CJK ideograph (BERT's _is_chinese_char ranges; not kana, not hangul): spaced apart. */
export const CJK = 8;
/** Unicode Mn, the marks that accent stripping drops after NFD. */
export const NONSPACING_MARK = 16;
/** Unicode Cased and Case_Ignorable: context of the final-sigma rule of lowercasing. */
export const CASED = 32;
export const CASE_IGNORABLE = 64;
const COMPUTED = 128;

const controlPattern = /^[\p{Cc}\p{Cf}]$/u;
const spaceSeparatorPattern = /^\p{Zs}$/u;
const punctuationPattern = /^\p{P}$/u;
const nonspacingMarkPattern = /^\p{Mn}$/u;
const casedPattern = /^\p{Cased}$/u;
const caseIgnorablePattern = /^\p{Case_Ignorable}$/u;

const bmpFlags = new Uint8Array(0x10000);
const astralFlags = new Map<number, number>();

/** The first UTF-16 unit of an astral code point. */
export function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

/** The second UTF-16 unit of an astral code point. */
export function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** The class flags of a code point (any value up to 0x10FFFF; a lone surrogate is its own code point). */
export function charFlags(codePoint: number): number {
  if (codePoint < 0x10000) {
    const cached = bmpFlags[codePoint]!;
    if (cached !== 0) return cached;
    const flags = computeFlags(codePoint) | COMPUTED;
    bmpFlags[codePoint] = flags;
    return flags;
  }
  let flags = astralFlags.get(codePoint);
  if (flags === undefined) {
    flags = computeFlags(codePoint) | COMPUTED;
    astralFlags.set(codePoint, flags);
  }
  return flags;
}

function computeFlags(codePoint: number): number {
  const char = String.fromCodePoint(codePoint);
  let flags = 0;
  const isTabOrNewline = codePoint === 0x09 || codePoint === 0x0a || codePoint === 0x0d;
  if (codePoint === 0 || codePoint === 0xfffd || (!isTabOrNewline && controlPattern.test(char))) flags |= CONTROL;
  if (
    isTabOrNewline ||
    codePoint === 0x20 ||
    codePoint === 0x0b ||
    codePoint === 0x0c ||
    (codePoint >= 0x1c && codePoint <= 0x1f) ||
    codePoint === 0x85 ||
    codePoint === 0x2028 ||
    codePoint === 0x2029 ||
    spaceSeparatorPattern.test(char)
  ) {
    flags |= WHITESPACE;
  }
  if (
    (codePoint >= 33 && codePoint <= 47) ||
    (codePoint >= 58 && codePoint <= 64) ||
    (codePoint >= 91 && codePoint <= 96) ||
    (codePoint >= 123 && codePoint <= 126) ||
    punctuationPattern.test(char)
  ) {
    flags |= PUNCTUATION;
  }
  if (isChineseChar(codePoint)) flags |= CJK;
  if (nonspacingMarkPattern.test(char)) flags |= NONSPACING_MARK;
  if (casedPattern.test(char)) flags |= CASED;
  if (caseIgnorablePattern.test(char)) flags |= CASE_IGNORABLE;
  return flags;
}

/** BERT's _is_chinese_char: the CJK Unified Ideographs blocks and their extensions and compatibility forms. */
export function isChineseChar(codePoint: number): boolean {
  return (
    (codePoint >= 0x4e00 && codePoint <= 0x9fff) ||
    (codePoint >= 0x3400 && codePoint <= 0x4dbf) ||
    (codePoint >= 0x20000 && codePoint <= 0x2a6df) ||
    (codePoint >= 0x2a700 && codePoint <= 0x2b73f) ||
    (codePoint >= 0x2b740 && codePoint <= 0x2b81f) ||
    (codePoint >= 0x2b820 && codePoint <= 0x2ceaf) ||
    (codePoint >= 0xf900 && codePoint <= 0xfaff) ||
    (codePoint >= 0x2f800 && codePoint <= 0x2fa1f)
  );
}

/** Flags of the ASCII range, filled eagerly: the hot path reads them without a call. */
export const ASCII_FLAGS = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII_FLAGS[c] = charFlags(c);
