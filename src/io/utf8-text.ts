// Strict UTF-8 for every text file bertkit reads whole (vocab.txt, JSON Lines inputs, task tables,
// tokenizer.json). Node's own decoders silently replace bad bytes with U+FFFD, which would put
// garbage into vocabularies and predictions without anyone noticing; here a bad byte is an error
// naming the file and the line it is on.
import { isUtf8 } from 'node:buffer';
import { readFileSync, readSync } from 'node:fs';

const NEWLINE = 0x0a;

/**
 * `bytes` as text; a UTF-8 BOM is dropped. Invalid UTF-8 throws `source:LINE: invalid UTF-8`, the
 * line counted from `firstLine` (the line `bytes` starts on).
 */
export function decodeUtf8(bytes: Uint8Array, source: string, firstLine = 1): string {
  if (!isUtf8(bytes)) throw new Error(`${source}:${firstLine + firstInvalidLineIndex(bytes)}: invalid UTF-8`);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Index (from 0) of the first `\n`-separated line of `bytes` that is not valid UTF-8 (the last line when none is). */
export function firstInvalidLineIndex(bytes: Uint8Array): number {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let start = 0;
  for (let index = 0; ; index++) {
    const end = buffer.indexOf(NEWLINE, start);
    if (end < 0 || !isUtf8(buffer.subarray(start, end))) return index;
    start = end + 1;
  }
}

/**
 * A whole file (`'-'` = standard input) as strict UTF-8 text. Errors name the file (`<stdin>` for
 * standard input) and say what is wrong in words: no such file, a directory, invalid UTF-8 on line N.
 */
export function readUtf8File(path: string): string {
  const source = path === '-' ? '<stdin>' : path;
  let bytes: Buffer;
  try {
    bytes = path === '-' ? readStandardInput() : readFileSync(path);
  } catch (error) {
    throw new Error(`${source}: ${describeReadError(error)}`, { cause: error });
  }
  return decodeUtf8(bytes, source);
}

/**
 * Standard input to its end. Not `readFileSync(0)`: once anything in the process has touched
 * `process.stdin`, a pipe on fd 0 is non-blocking and that read fails with EAGAIN whenever the writer
 * is slower than the reader (a parent piping megabytes of JSON Lines in), so this waits and reads again.
 */
function readStandardInput(): Buffer {
  const chunks: Buffer[] = [];
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const chunk = Buffer.allocUnsafe(1 << 16);
  for (;;) {
    let count: number;
    try {
      count = readSync(0, chunk, 0, chunk.length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') { Atomics.wait(pause, 0, 0, 5); continue; }
      if (code === 'EOF') break; // Windows' closed pipe
      throw error;
    }
    if (count === 0) break;
    chunks.push(Buffer.from(chunk.subarray(0, count))); // a copy: the next read reuses the chunk
  }
  return Buffer.concat(chunks);
}

/** An errno error of a read as words ('no such file', 'is a directory', 'permission denied'), else its code or message. */
export function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT': return 'no such file';
    case 'EISDIR': return 'is a directory, not a file';
    case 'EACCES': case 'EPERM': return 'permission denied';
    default: return `cannot read: ${code ?? (error instanceof Error ? error.message : String(error))}`;
  }
}
