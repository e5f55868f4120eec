// JSON Lines in and out for every command that reads texts (tokenize, embed, fill-mask, predict):
// {"text": "...", "text_pair": "..."} per line in, one JSON object per input line out (written
// atomically to a file, or to stdout). One reader, one set of rules: strict UTF-8, and no blank
// lines, so that output line n always answers input line n; errors name the file and the line.
import { isatty } from 'node:tty';
import { writeFileAtomic } from '../io/atomic-write.js';
import { parseJson } from '../io/json-file.js';
import { readUtf8File } from '../io/utf8-text.js';
import type { BatchInput } from '../tokenizer/bert-tokenizer.js';

/** One line's object and `file:line`, for messages about it. */
export interface JsonlObject {
  readonly value: Readonly<Record<string, unknown>>;
  readonly where: string;
}

/** The name of an input in messages: the path, or <stdin> for '-'. */
export function inputName(path: string): string {
  return path === '-' ? '<stdin>' : path;
}

/** Every line of a JSONL file ('-' = stdin) as a JSON object (see the file comment for the rules). */
export function readJsonlObjects(path: string): JsonlObject[] {
  const source = inputName(path);
  if (path === '-' && isatty(0)) process.stderr.write('bertkit: reading JSON Lines from the terminal, one {"text": …} per line (end with Ctrl-D); --input FILE reads a file\n');
  const lines = readUtf8File(path).split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((raw, index) => ({ value: parseJsonlObject(raw, source, index + 1), where: `${source}:${index + 1}` }));
}

/** One JSONL line (a trailing \r is dropped) as an object; a blank line or any other JSON value is an error naming `source:lineNumber`. */
export function parseJsonlObject(raw: string, source: string, lineNumber: number): Readonly<Record<string, unknown>> {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  const where = `${source}:${lineNumber}`;
  if (line.trim() === '') throw new Error(`${where}: empty line; every line must hold one JSON object such as {"text": "..."}, so that output line n answers input line n`);
  const value = parseJson(line, source, { line: lineNumber, expected: 'an object such as {"text": "..."}' });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${where}: expected a JSON object such as {"text": "..."}, got ${describeJson(value)}`);
  return value as Record<string, unknown>;
}

/** {"text", "text_pair"?} as a text or a pair; errors name `where`. */
export function textInputOf(record: Readonly<Record<string, unknown>>, where: string): BatchInput {
  const { text, text_pair: pair } = record as { text?: unknown; text_pair?: unknown };
  if (text === undefined) throw new Error(`${where}: missing "text"`);
  if (typeof text !== 'string') throw new Error(`${where}: "text" must be a string, got ${describeJson(text)}`);
  if (pair !== undefined && pair !== null && typeof pair !== 'string') throw new Error(`${where}: "text_pair" must be a string, got ${describeJson(pair)}`);
  return typeof pair === 'string' ? [text, pair] : text;
}

/** Every line of a JSONL file ('-' = stdin) as a text or pair. */
export function readJsonlTexts(path: string): BatchInput[] {
  return readJsonlObjects(path).map(({ value, where }) => textInputOf(value, where));
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

/** Writes one JSON object per line to `path` (atomically), or to stdout when `path` is undefined. */
export function writeJsonl(path: string | undefined, records: readonly unknown[]): void {
  const text = records.map((record) => `${JSON.stringify(record)}\n`).join('');
  if (path === undefined) process.stdout.write(text);
  else writeFileAtomic(path, new TextEncoder().encode(text));
}
