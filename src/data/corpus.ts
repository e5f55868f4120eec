// Corpus readers for pretraining: text files → documents of sentences, streamed.
//   'sentences'  BERT's format (create_pretraining_data.py): one sentence per line, blank lines
//                between documents.
//   'paragraphs' hard-wrapped running text (books): paragraphs separated by blank lines, their lines
//                joined and split into sentences; a file is one document unless
//                `maxDocumentSentences` cuts it at paragraph ends.
//   'jsonl'      one JSON object per line, `{"text": …}` (field configurable), one document per line;
//                the text is cut into paragraphs at blank lines and into sentences.
// Paths may be files, directories (all files below, sorted) or globs (`*`, `?`, `**`, through tinyglobby); `.gz` files
// are gunzipped. Every error names the file and line.
import { closeSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import { globSync, isDynamicPattern } from 'tinyglobby';
import { parseJson } from '../io/json-file.js';
import { fileSize, readLineChunks } from '../io/text-lines.js';
import { splitSentences } from './sentence-splitter.js';

export type CorpusFormat = 'sentences' | 'paragraphs' | 'jsonl';

export interface CorpusOptions {
  /** 'auto' (default): 'jsonl' for *.jsonl / *.json (.gz), else 'paragraphs' when the file looks hard-wrapped, else 'sentences'. */
  format?: CorpusFormat | 'auto';
  /** 'paragraphs' only: start a new document at the first paragraph end after this many sentences (default: one document per file). */
  maxDocumentSentences?: number;
  /** 'jsonl' only: the field that holds the text (default 'text'). */
  jsonField?: string;
  /** Called after each chunk of lines with the bytes read so far over all files and their total on disk. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

export interface CorpusDocument {
  /** The document's sentences, trimmed, none empty. */
  sentences: string[];
  /** The file and 1-based line where the document starts, for messages. */
  file: string;
  line: number;
}

/** Expands files, directories and globs into a sorted, de-duplicated list of files; fails on a pattern that matches nothing. */
export function expandCorpusPaths(patterns: readonly string[]): string[] {
  const files: string[] = [];
  const seen = new Set<string>();
  for (const pattern of patterns) {
    const matched = isDynamicPattern(pattern) ? globFiles(pattern) : filesUnder(pattern);
    if (matched.length === 0) throw new Error(`corpus: ${pattern} matches no file`);
    for (const file of matched) {
      if (!seen.has(resolve(file))) {
        seen.add(resolve(file));
        files.push(file);
      }
    }
  }
  return files;
}

/** The format a file is read in under `options.format`. */
export function corpusFormatOf(file: string, format: CorpusFormat | 'auto' = 'auto'): CorpusFormat {
  if (format !== 'auto') {
    if (format !== 'sentences' && format !== 'paragraphs' && format !== 'jsonl') {
      throw new Error(`corpus: format must be 'sentences', 'paragraphs', 'jsonl' or 'auto', got ${JSON.stringify(format)}`);
    }
    return format;
  }
  if (/\.(jsonl|json)(\.gz)?$/i.test(file)) return 'jsonl';
  return looksHardWrapped(file) ? 'paragraphs' : 'sentences';
}

const SNIFF_BYTES = 1 << 18;
const SENTENCE_END = /[.!?…。！？]["'”’)\]»_*」』）]*$/;

/**
 * Whether a text file looks like hard-wrapped paragraphs rather than one sentence per line: in its
 * first 256 KB, most lines that another line follows within the paragraph end without a sentence
 * terminator (one-sentence-per-line files end nearly every line with one), and the text has paragraph
 * breaks or lines wrapped near one width. A list of phrases (SST-2's) also lacks terminators, but its
 * lines run on without a blank line and their lengths scatter: each is a text of its own.
 */
function looksHardWrapped(file: string): boolean {
  const fd = openSync(file, 'r');
  let head: Buffer;
  try {
    head = Buffer.alloc(SNIFF_BYTES);
    head = head.subarray(0, readSync(fd, head, 0, SNIFF_BYTES, 0));
  } finally {
    closeSync(fd);
  }
  if (file.endsWith('.gz')) {
    try {
      head = gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    } catch (error) {
      throw new Error(`${file}: not a valid gzip file (${(error as Error).message})`);
    }
  }
  const lines = head.toString('utf8').split('\n').map((line) => line.trim());
  const innerLengths: number[] = [];
  let unterminated = 0;
  let paragraphBreaks = 0;
  for (let k = 0; k + 2 < lines.length; k++) {
    if (lines[k]!.length === 0) paragraphBreaks++;
    if (lines[k]!.length === 0 || lines[k + 1]!.length === 0) continue;
    innerLengths.push(lines[k]!.length);
    if (!SENTENCE_END.test(lines[k]!)) unterminated++;
  }
  const inner = innerLengths.length;
  if (inner < 10 || unterminated <= inner / 2) return false;
  return paragraphBreaks > 0 || shareNearWrapWidth(innerLengths) >= 0.8;
}

/** The share of lines at least 60 % as long as the 90th percentile: near 1 for wrapped prose, 0.2–0.4 for phrase lists. */
function shareNearWrapWidth(lengths: readonly number[]): number {
  const width = [...lengths].sort((a, b) => a - b)[Math.floor(lengths.length * 0.9)]!;
  return lengths.filter((length) => length >= 0.6 * width).length / lengths.length;
}

/** Streams the documents of every file of `paths` (see `expandCorpusPaths`), in order; empty documents are dropped. */
export async function* readCorpus(paths: readonly string[], options: CorpusOptions = {}): AsyncGenerator<CorpusDocument> {
  const maxSentences = options.maxDocumentSentences ?? Infinity;
  if (!(maxSentences === Infinity || (Number.isInteger(maxSentences) && maxSentences > 0))) {
    throw new Error(`corpus: maxDocumentSentences must be a positive integer, got ${options.maxDocumentSentences}`);
  }
  const files = expandCorpusPaths(paths);
  const totalBytes = files.reduce((sum, file) => sum + fileSize(file), 0);
  let bytesBefore = 0;
  for (const file of files) {
    const format = corpusFormatOf(file, options.format);
    const progress = options.onProgress && ((bytes: number) => options.onProgress!(bytesBefore + bytes, totalBytes));
    if (format === 'sentences') yield* readSentenceLines(file, progress);
    else if (format === 'paragraphs') yield* readParagraphs(file, maxSentences, progress);
    else yield* readJsonLines(file, options.jsonField ?? 'text', progress);
    bytesBefore += fileSize(file);
  }
}

async function* readSentenceLines(file: string, progress?: (bytes: number) => void): AsyncGenerator<CorpusDocument> {
  let document: CorpusDocument = { sentences: [], file, line: 1 };
  for await (const chunk of readLineChunks(file)) {
    for (let k = 0; k < chunk.lines.length; k++) {
      const sentence = chunk.lines[k]!.trim();
      if (sentence.length > 0) {
        if (document.sentences.length === 0) document.line = chunk.firstLineNumber + k;
        document.sentences.push(sentence);
      } else if (document.sentences.length > 0) {
        yield document;
        document = { sentences: [], file, line: chunk.firstLineNumber + k + 1 };
      }
    }
    progress?.(chunk.bytesRead);
  }
  if (document.sentences.length > 0) yield document;
}

async function* readParagraphs(file: string, maxSentences: number, progress?: (bytes: number) => void): AsyncGenerator<CorpusDocument> {
  let document: CorpusDocument = { sentences: [], file, line: 1 };
  let paragraph: string[] = [];
  let paragraphLine = 1;
  const endParagraph = (): CorpusDocument | null => {
    if (paragraph.length === 0) return null;
    if (document.sentences.length === 0) document.line = paragraphLine;
    document.sentences.push(...splitSentences(paragraph.join(' ')));
    paragraph = [];
    if (document.sentences.length < maxSentences) return null;
    const full = document;
    document = { sentences: [], file, line: 1 };
    return full;
  };
  for await (const chunk of readLineChunks(file)) {
    for (let k = 0; k < chunk.lines.length; k++) {
      const line = chunk.lines[k]!.trim();
      if (line.length > 0) {
        if (paragraph.length === 0) paragraphLine = chunk.firstLineNumber + k;
        paragraph.push(line);
        continue;
      }
      const full = endParagraph();
      if (full !== null) yield full;
    }
    progress?.(chunk.bytesRead);
  }
  const full = endParagraph();
  if (full !== null) yield full;
  else if (document.sentences.length > 0) yield document;
}

async function* readJsonLines(file: string, field: string, progress?: (bytes: number) => void): AsyncGenerator<CorpusDocument> {
  for await (const chunk of readLineChunks(file)) {
    for (let k = 0; k < chunk.lines.length; k++) {
      const line = chunk.lines[k]!;
      if (line.trim().length === 0) continue;
      const where = `${file}:${chunk.firstLineNumber + k}`;
      const record = parseJson(line, file, { line: chunk.firstLineNumber + k });
      if (typeof record !== 'object' || record === null || Array.isArray(record)) {
        throw new Error(`${where}: expected a JSON object with a "${field}" string, got ${Array.isArray(record) ? 'an array' : typeof record}`);
      }
      const text = (record as Record<string, unknown>)[field];
      if (typeof text !== 'string') {
        throw new Error(`${where}: the "${field}" field must be a string, got ${text === undefined ? 'nothing' : typeof text}`);
      }
      const sentences = textSentences(text);
      if (sentences.length > 0) yield { sentences, file, line: chunk.firstLineNumber + k };
    }
    progress?.(chunk.bytesRead);
  }
}

/** Sentences of a free text: paragraphs at blank lines, lines within a paragraph joined. */
export function textSentences(text: string): string[] {
  const sentences: string[] = [];
  for (const paragraph of text.split(/\n[ \t\r\f\v]*\n/)) {
    const joined = paragraph.split('\n').map((line) => line.trim()).filter((line) => line.length > 0).join(' ');
    sentences.push(...splitSentences(joined));
  }
  return sentences;
}

/**
 * The files below `path`, sorted by name. Symbolic links are followed (a corpus folder of links to the
 * data is common); a directory reached twice (a link back up) is read once.
 */
function filesUnder(path: string, visited = new Set<string>()): string[] {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    throw new Error(`corpus: ${path}: no such file or directory${isSymbolicLink(path) ? ' (a broken symbolic link)' : ''}`);
  }
  if (stats.isFile()) return [path];
  if (!stats.isDirectory()) throw new Error(`corpus: ${path}: not a file or directory`);
  const real = realpathSync(path);
  if (visited.has(real)) return [];
  visited.add(real);
  const files: string[] = [];
  for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.name.startsWith('.')) continue;
    const child = join(path, entry.name);
    if (entry.isDirectory() || entry.isSymbolicLink()) files.push(...filesUnder(child, visited));
    else if (entry.isFile()) files.push(child);
  }
  return files;
}

function isSymbolicLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Files matching a glob (`*`, `?`, `**`, `[abc]`, `{a,b}`; tinyglobby's syntax), as absolute paths, sorted; dot files are left out as in folders. */
function globFiles(pattern: string): string[] {
  return globSync(pattern, { absolute: true, onlyFiles: true, dot: false, expandDirectories: false }).map((file) => resolve(file)).sort();
}
