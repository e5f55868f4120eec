// JSON Lines texts for the inference commands: {"text": "...", "text_pair": "..."} per line in,
// one JSON object per input line out (written atomically to a file, or to stdout).
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomic-write.js';
import { parseJson } from '../io/json-file.js';
import type { BatchInput } from '../tokenizer/bert-tokenizer.js';

/** Every line of a JSONL file ('-' = stdin) as a text or pair; errors name the file and line. */
export function readJsonlTexts(path: string): BatchInput[] {
  const source = path === '-' ? '<stdin>' : path;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path === '-' ? 0 : path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${source}: no such file` : `${source}: cannot read: ${code ?? (error as Error).message}`, { cause: error });
  }
  let content: string;
  try {
    content = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`${source}: invalid UTF-8`);
  }
  const lines = content.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((raw, index) => parseTextLine(raw.endsWith('\r') ? raw.slice(0, -1) : raw, source, index + 1));
}

function parseTextLine(line: string, source: string, lineNumber: number): BatchInput {
  const where = `${source}:${lineNumber}`;
  const value = parseJson(line, source, { line: lineNumber, expected: 'an object such as {"text": "..."}' });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${where}: expected a JSON object such as {"text": "..."}`);
  const { text, text_pair: pair } = value as { text?: unknown; text_pair?: unknown };
  if (typeof text !== 'string') throw new Error(`${where}: "text" must be a string, got ${text === undefined ? 'nothing' : JSON.stringify(text)}`);
  if (pair !== undefined && pair !== null && typeof pair !== 'string') throw new Error(`${where}: "text_pair" must be a string, got ${JSON.stringify(pair)}`);
  return typeof pair === 'string' ? [text, pair] : text;
}

/** Writes one JSON object per line to `path` (atomically), or to stdout when `path` is undefined. */
export function writeJsonl(path: string | undefined, records: readonly unknown[]): void {
  const text = records.map((record) => `${JSON.stringify(record)}\n`).join('');
  if (path === undefined) process.stdout.write(text);
  else writeFileAtomic(path, new TextEncoder().encode(text));
}
