import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file so that readers see either the old or the new content, never a torn one:
 * the bytes go to a temporary file in the same folder, are flushed, then renamed over the target.
 */
export function writeFileAtomic(path: string, chunks: Uint8Array | Uint8Array[]): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(temp, 'w');
  try {
    for (const chunk of Array.isArray(chunks) ? chunks : [chunks]) {
      let written = 0;
      while (written < chunk.byteLength) written += writeSync(fd, chunk, written);
    }
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(temp, path);
}
