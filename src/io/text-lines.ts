// Streaming line reader for text corpora that may not fit in memory.
// Files are read in chunks (never whole), gunzipped when their name ends in `.gz`, and checked as
// strict UTF-8: Node's own decoders silently replace bad bytes with U+FFFD, which would put
// garbage into vocabularies and datasets without anyone noticing.
import { createReadStream, statSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { createGunzip } from 'node:zlib';
import { firstInvalidLineIndex } from './utf8-text.js';

/** A run of consecutive lines from one file. */
export interface LineChunk {
  /** Lines without their terminator (`\n` or `\r\n`). */
  lines: string[];
  /** 1-based line number of `lines[0]` in the file. */
  firstLineNumber: number;
  /** Bytes of the file on disk consumed so far (compressed bytes for .gz), for progress bars. */
  bytesRead: number;
}

export interface ReadLinesOptions {
  /** Read size in bytes (default 1 MiB). */
  chunkBytes?: number;
}

const NEWLINE = 0x0a;
const UTF8_BOM = '\ufeff';

/** Size in bytes of `path` on disk, to give progress bars their total. */
export function fileSize(path: string): number {
  return statSync(path).size;
}

/**
 * Reads `path` as UTF-8 text, line by line, in chunks of lines.
 * Throws `path:line: invalid UTF-8` on malformed bytes and a clear error on a missing file.
 */
export async function* readLineChunks(path: string, options: ReadLinesOptions = {}): AsyncGenerator<LineChunk> {
  const fileStream = openFile(path, options.chunkBytes ?? 1 << 20);
  const bytes: AsyncIterable<Buffer> = path.endsWith('.gz') ? fileStream.pipe(createGunzip()) : fileStream;
  let pending: Buffer = Buffer.alloc(0);
  let nextLineNumber = 1;
  try {
    for await (const piece of bytes as AsyncIterable<Buffer>) {
      const buffer = pending.length === 0 ? piece : Buffer.concat([pending, piece]);
      const lastNewline = buffer.lastIndexOf(NEWLINE);
      if (lastNewline < 0) {
        pending = buffer;
        continue;
      }
      // Cutting at a newline byte never splits a UTF-8 sequence (0x0a occurs in none).
      pending = buffer.subarray(lastNewline + 1);
      const lines = decodeLines(buffer.subarray(0, lastNewline), path, nextLineNumber);
      yield { lines, firstLineNumber: nextLineNumber, bytesRead: fileStream.bytesRead };
      nextLineNumber += lines.length;
    }
  } catch (error) {
    throw describeStreamError(error, path);
  }
  if (pending.length > 0) {
    const lines = decodeLines(pending, path, nextLineNumber);
    yield { lines, firstLineNumber: nextLineNumber, bytesRead: fileStream.bytesRead };
  }
}

/** Reads `path` line by line (see `readLineChunks`). */
export async function* readTextLines(path: string, options: ReadLinesOptions = {}): AsyncGenerator<string> {
  for await (const chunk of readLineChunks(path, options)) yield* chunk.lines;
}

function openFile(path: string, chunkBytes: number) {
  try {
    if (!statSync(path).isFile()) throw new Error(`${path}: not a file`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${path}: no such file`);
    throw error;
  }
  return createReadStream(path, { highWaterMark: chunkBytes });
}

/** Decodes `\n`-separated lines (the last one without its terminator), failing on the first bad line. */
function decodeLines(bytes: Buffer, path: string, firstLineNumber: number): string[] {
  if (!isUtf8(bytes)) throw new Error(`${path}:${firstLineNumber + firstInvalidLineIndex(bytes)}: invalid UTF-8`);
  const lines = bytes.toString('utf8').split('\n');
  if (firstLineNumber === 1 && lines[0]!.startsWith(UTF8_BOM)) lines[0] = lines[0]!.slice(1);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
  }
  return lines;
}

function describeStreamError(error: unknown, path: string): Error {
  if (error instanceof Error && error.message.startsWith(path)) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') {
    return new Error(`${path}: not a valid gzip file (${(error as Error).message})`);
  }
  return new Error(`${path}: ${error instanceof Error ? error.message : String(error)}`);
}
