// Rows of a TSV, CSV or JSON Lines file as records of named string cells, each with its line number,
// for error messages that point into the file. Task files are small (GLUE-sized), so they are read whole:
// CSV cells may span lines inside quotes, which a line-by-line reader cannot follow.

import { readFile } from 'node:fs/promises';
import { parseJson } from '../../io/json-file.js';
import { decodeUtf8 } from '../../io/utf8-text.js';
import type { TableFormat } from './task.js';

export interface TableRow {
  /** 1-based line of the row's first character. */
  line: number;
  cells: Record<string, string>;
}

export interface Table {
  path: string;
  columns: string[];
  rows: TableRow[];
}

export interface ReadTableOptions {
  format?: TableFormat;
  /** tsv/csv: the first row names the columns (default true); otherwise columns are '0', '1', … */
  header?: boolean;
  /** tsv: honour double quotes (default false, as GLUE is read). */
  quoting?: boolean;
}

/** The format a file name suggests: .csv → csv, .jsonl/.json/.ndjson → jsonl, otherwise tsv. */
export function formatOf(path: string): TableFormat {
  const lower = path.toLowerCase().replace(/\.gz$/, '');
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.json') || lower.endsWith('.ndjson')) return 'jsonl';
  return 'tsv';
}

/** Reads a whole file as strict UTF-8 (a BOM is dropped), naming the file on failure. */
export async function readUtf8File(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${path}: no such file` : `${path}: ${(error as Error).message}`);
  }
  return decodeUtf8(bytes, path);
}

export async function readTable(path: string, options: ReadTableOptions = {}): Promise<Table> {
  const format = options.format ?? formatOf(path);
  const text = await readUtf8File(path);
  if (format === 'jsonl') return jsonLinesTable(path, text);
  const records = format === 'csv' ? quotedRecords(text, ',', path) : options.quoting ? quotedRecords(text, '\t', path) : plainRecords(text, '\t');
  const header = options.header ?? true;
  if (records.length === 0) throw new Error(`${path}: empty file`);
  const columns = header ? records[0]!.cells : records[0]!.cells.map((_, i) => String(i));
  if (header) {
    const seen = new Set<string>();
    for (const name of columns) {
      if (seen.has(name)) throw new Error(`${path}:1: column '${name}' appears twice in the header`);
      seen.add(name);
    }
  }
  const rows: TableRow[] = [];
  for (const record of header ? records.slice(1) : records) {
    if (record.cells.length !== columns.length) {
      throw new Error(`${path}:${record.line}: expected ${columns.length} ${format === 'csv' ? 'comma' : 'tab'}-separated columns, found ${record.cells.length}`);
    }
    const cells: Record<string, string> = {};
    columns.forEach((name, i) => (cells[name] = record.cells[i]!));
    rows.push({ line: record.line, cells });
  }
  return { path, columns, rows };
}

/** A column's cell, or a clear error naming the file and the columns it has. */
export function requireColumn(table: Table, name: string, role: string): string {
  if (!table.columns.includes(name)) throw new Error(`${table.path}: unknown ${role} column '${name}' (columns: ${table.columns.join(', ')})`);
  return name;
}

interface RawRecord {
  line: number;
  cells: string[];
}

/** Lines split at the delimiter; quotes are ordinary characters. Blank lines are skipped. */
function plainRecords(text: string, delimiter: string): RawRecord[] {
  const records: RawRecord[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length > 0) records.push({ line: index + 1, cells: line.split(delimiter) });
  });
  return records;
}

/** RFC 4180 records: "…" cells may hold delimiters, newlines and doubled quotes. Blank lines are skipped. */
function quotedRecords(text: string, delimiter: string, path: string): RawRecord[] {
  const records: RawRecord[] = [];
  let line = 1;
  let position = 0;
  while (position < text.length) {
    const recordLine = line;
    const cells: string[] = [];
    let cell = '';
    let atRecordEnd = false;
    while (!atRecordEnd) {
      if (text[position] === '"') {
        const openedAt = line;
        position++;
        for (;;) {
          if (position >= text.length) throw new Error(`${path}:${openedAt}: quoted cell is never closed`);
          const c = text[position]!;
          if (c === '"') {
            if (text[position + 1] === '"') {
              cell += '"';
              position += 2;
              continue;
            }
            position++;
            break;
          }
          if (c === '\n') line++;
          cell += c;
          position++;
        }
        const next = text[position];
        if (next !== undefined && next !== delimiter && next !== '\n' && next !== '\r') {
          throw new Error(`${path}:${line}: unexpected character after a closing quote`);
        }
      }
      while (position < text.length && text[position] !== delimiter && text[position] !== '\n') cell += text[position++];
      if (text[position] === delimiter) {
        position++;
        cells.push(cell);
        cell = '';
        continue;
      }
      if (cell.endsWith('\r')) cell = cell.slice(0, -1);
      cells.push(cell);
      atRecordEnd = true;
      if (text[position] === '\n') {
        position++;
        line++;
      }
    }
    if (!(cells.length === 1 && cells[0] === '')) records.push({ line: recordLine, cells });
  }
  return records;
}

function jsonLinesTable(path: string, text: string): Table {
  const rows: TableRow[] = [];
  const columns = new Set<string>();
  text.split('\n').forEach((raw, index) => {
    if (raw.trim().length === 0) return;
    const value = parseJson(raw, path, { line: index + 1 });
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${path}:${index + 1}: expected a JSON object per line`);
    const cells: Record<string, string> = {};
    for (const [name, cell] of Object.entries(value)) {
      columns.add(name);
      // Arrays stay JSON so multi-label cells can be lists; everything else becomes its text.
      cells[name] = typeof cell === 'string' ? cell : JSON.stringify(cell);
    }
    rows.push({ line: index + 1, cells });
  });
  return { path, columns: [...columns], rows };
}
