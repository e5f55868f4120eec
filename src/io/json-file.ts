// JSON parsing whose errors say where: `tokenizer.json:12:5: invalid JSON: unexpected '}'`. Every
// reader of JSON files and JSON Lines records parses through here, so a user always learns the file,
// line and column. Node 20's JSON.parse names a position only for some errors, so on failure a small
// scanner finds the first offending character.

import { readUtf8File } from './utf8-text.js';

export interface JsonSource {
  /** Line of the file on which `text` starts (default 1): a JSON Lines record passes its own line. */
  line?: number;
  /** What the text should hold, appended to a syntax error: 'an object such as {"text": "..."}'. */
  expected?: string;
}

/** Parses `text` read from `source` (a file name); a syntax error becomes `source:line:column: invalid JSON: …`. */
export function parseJson(text: string, source: string, options: JsonSource = {}): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const offset = firstSyntaxError(text);
    const { line, column } = lineAndColumn(text, offset);
    const what = offset >= text.length ? 'unexpected end of JSON' : `unexpected ${describe(text, offset)}`;
    const expected = options.expected === undefined ? '' : `; expected ${options.expected}`;
    throw new Error(`${source}:${line + (options.line ?? 1) - 1}:${column}: invalid JSON: ${what}${expected}`, { cause: error });
  }
}

/** Reads (as strict UTF-8; a BOM is dropped) and parses a JSON file; every error names the file. */
export function readJsonFile(path: string): unknown {
  return parseJson(readUtf8File(path), path);
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function describe(text: string, offset: number): string {
  const char = text[offset]!;
  return /[\x21-\x7e]/.test(char) ? `'${char}'` : `character U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Offset of the first character where `text` stops being valid JSON (text.length: it ended too early). */
function firstSyntaxError(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const literal = (word: string) => {
    for (const char of word) {
      if (text[i] !== char) fail();
      i++;
    }
  };
  const string = () => {
    i++;
    for (;;) {
      if (i >= text.length) fail();
      const code = text.charCodeAt(i);
      if (code === 0x22) {
        i++;
        return;
      }
      if (code < 0x20) fail();
      if (code === 0x5c) {
        i++;
        const escape = text[i];
        if (escape === 'u') {
          for (let k = 1; k <= 4; k++) {
            if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) {
              i += k;
              fail();
            }
          }
          i += 5;
          continue;
        }
        if (escape === undefined || !'"\\/bfnrt'.includes(escape)) fail();
      }
      i++;
    }
  };
  const number = () => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!match || match[0] === '-' || match[0] === '') fail();
    i += match![0].length;
  };
  const value = (): void => {
    space();
    const char = text[i];
    if (char === '{') {
      i++;
      space();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        space();
        if (text[i] !== '"') fail();
        string();
        space();
        if (text[i] !== ':') fail();
        i++;
        value();
        space();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail();
      }
    } else if (char === '[') {
      i++;
      space();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        space();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail();
      }
    } else if (char === '"') string();
    else if (char === 't') literal('true');
    else if (char === 'f') literal('false');
    else if (char === 'n') literal('null');
    else if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) number();
    else fail();
  };
  try {
    value();
    space();
    if (i < text.length) fail();
  } catch (offset) {
    if (typeof offset === 'number') return Math.min(offset, text.length);
    throw offset;
  }
  // JSON.parse rejected what the scanner accepts (should not happen): point at the start.
  return 0;
}
