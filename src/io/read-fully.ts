// Positional reads that fill the whole buffer. readSync may return fewer bytes than asked: Linux
// caps one read at about 2 GiB (0x7ffff000 bytes), and a truncated file ends early.
import { readSync } from 'node:fs';

/** Fills `buffer` with the bytes of `fd` from `position`; throws, naming `path`, when the file ends first. */
export function readFully(fd: number, buffer: Uint8Array, position: number, path: string): void {
  let read = 0;
  while (read < buffer.length) {
    const n = readSync(fd, buffer, read, buffer.length - read, position + read);
    if (n === 0) throw new Error(`${path}: file ends early, at byte ${position + read}, ${buffer.length - read} bytes short (truncated?)`);
    read += n;
  }
}
