// Added tokens ([CLS], [MASK], user additions) are never split: they are found in the text
// before normalization and pre-tokenization, with HF tokenizers' semantics:
// - normalized: false (every special token by default) → matched on the raw input;
//   normalized: true → matched on the normalized text (the content normalized the same way);
// - leftmost-longest matching, non-overlapping;
// - single_word: only where no word character (\w) touches the match on either side;
// - lstrip / rstrip: the match also takes the whitespace on its left / right (offsets include it).

import { ASCII_FLAGS, WHITESPACE, charFlags, isLowSurrogate } from './char-classes.js';

export interface AddedToken {
  content: string;
  /** Its id; absent → the content's id in the vocabulary. */
  id?: number;
  special: boolean;
  singleWord: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
}

/** An added token with HF defaults: special tokens are not normalized, other added tokens are. */
export function addedToken(content: string, flags: Partial<Omit<AddedToken, 'content'>> = {}): AddedToken {
  const special = flags.special ?? false;
  return {
    content,
    ...(flags.id === undefined ? {} : { id: flags.id }),
    special,
    singleWord: flags.singleWord ?? false,
    lstrip: flags.lstrip ?? false,
    rstrip: flags.rstrip ?? false,
    normalized: flags.normalized ?? !special,
  };
}

/** The `added_tokens` array of a tokenizer.json; errors name the file and the entry. */
export function parseAddedTokens(json: unknown, source: string): AddedToken[] {
  if (!Array.isArray(json)) throw new Error(`${source}: "added_tokens" must be an array`);
  return json.map((entry: unknown, index) => {
    const where = `${source}: added_tokens[${index}]`;
    if (typeof entry !== 'object' || entry === null) throw new Error(`${where} must be an object`);
    const record = entry as Record<string, unknown>;
    if (typeof record.content !== 'string' || record.content.length === 0) {
      throw new Error(`${where}.content must be a non-empty string`);
    }
    if (record.id !== undefined && !(Number.isInteger(record.id) && (record.id as number) >= 0)) {
      throw new Error(`${where}.id must be a non-negative integer, got ${JSON.stringify(record.id)}`);
    }
    const flag = (name: string): boolean | undefined => {
      const value = record[name];
      if (value === undefined) return undefined;
      if (typeof value !== 'boolean') throw new Error(`${where}.${name} must be true or false, got ${JSON.stringify(value)}`);
      return value;
    };
    const flags: Partial<Omit<AddedToken, 'content'>> = {};
    if (record.id !== undefined) flags.id = record.id as number;
    const special = flag('special');
    const singleWord = flag('single_word');
    const lstrip = flag('lstrip');
    const rstrip = flag('rstrip');
    const normalized = flag('normalized');
    if (special !== undefined) flags.special = special;
    if (singleWord !== undefined) flags.singleWord = singleWord;
    if (lstrip !== undefined) flags.lstrip = lstrip;
    if (rstrip !== undefined) flags.rstrip = rstrip;
    if (normalized !== undefined) flags.normalized = normalized;
    return addedToken(record.content, flags);
  });
}

/** One occurrence: [start, end) in the searched string (including stripped whitespace), and which token. */
export interface AddedTokenMatch {
  start: number;
  end: number;
  /** Index into the matcher's token list. */
  token: number;
}

const wordCharacter = /[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]/u;

/** Finds added tokens in text; `patterns[k]` is what is searched for token k (its content, or its normalized content). */
export class AddedTokenMatcher {
  /** The distinct first characters of the patterns: one indexOf each rules most texts out at once. */
  private readonly firstCharacters: string[];

  constructor(
    private readonly tokens: readonly AddedToken[],
    private readonly patterns: readonly string[],
  ) {
    this.firstCharacters = [...new Set(patterns.map((pattern) => pattern[0]!))];
  }

  get isEmpty(): boolean {
    return this.tokens.length === 0;
  }

  /** Matches within text[start, end), in order, not overlapping. */
  findAll(text: string, start: number, end: number): AddedTokenMatch[] {
    const matches: AddedTokenMatch[] = [];
    if (!this.firstCharacters.some((char) => indexWithin(text, char, start, end) >= 0)) return matches;
    const nextAt = this.patterns.map((pattern) => indexWithin(text, pattern, start, end));
    let position = start;
    let previousEnd = start;
    for (;;) {
      let best = -1;
      for (let k = 0; k < this.patterns.length; k++) {
        if (nextAt[k]! >= 0 && nextAt[k]! < position) nextAt[k] = indexWithin(text, this.patterns[k]!, position, end);
        const at = nextAt[k]!;
        if (at < 0) continue;
        if (best < 0 || at < nextAt[best]! || (at === nextAt[best]! && this.patterns[k]!.length > this.patterns[best]!.length)) best = k;
      }
      if (best < 0) return matches;
      const token = this.tokens[best]!;
      let matchStart = nextAt[best]!;
      let matchEnd = matchStart + this.patterns[best]!.length;
      if (token.singleWord && (touchesWordBefore(text, matchStart, start) || touchesWordAfter(text, matchEnd, end))) {
        position = matchStart + 1;
        continue;
      }
      if (token.lstrip) while (matchStart > previousEnd && isWhitespaceUnit(text.charCodeAt(matchStart - 1))) matchStart--;
      if (token.rstrip) while (matchEnd < end && isWhitespaceUnit(text.charCodeAt(matchEnd))) matchEnd++;
      matches.push({ start: matchStart, end: matchEnd, token: best });
      position = previousEnd = matchEnd;
    }
  }
}

function indexWithin(text: string, pattern: string, from: number, end: number): number {
  const at = text.indexOf(pattern, from);
  return at >= 0 && at + pattern.length <= end ? at : -1;
}

function isWhitespaceUnit(unit: number): boolean {
  return (unit < 128 ? ASCII_FLAGS[unit]! : charFlags(unit)) & WHITESPACE ? true : false;
}

function touchesWordBefore(text: string, at: number, start: number): boolean {
  if (at <= start) return false;
  const low = text.charCodeAt(at - 1);
  const from = isLowSurrogate(low) && at - 2 >= start ? at - 2 : at - 1;
  return wordCharacter.test(String.fromCodePoint(text.codePointAt(from)!));
}

function touchesWordAfter(text: string, at: number, end: number): boolean {
  if (at >= end) return false;
  return wordCharacter.test(String.fromCodePoint(text.codePointAt(at)!));
}
