import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file so that readers see either the old or the new content, never a torn one:
 * the bytes go to a temporary file in the same folder, are flushed, then renamed over the target.
 */
export function writeFileAtomic(path: string, chunks: Uint8Array | Uint8Array[]): void {
  const temp = temporaryPathFor(path);
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
  renameIntoPlace(temp, path);
}

/** A temporary name beside `path` (same folder, so that the final rename stays on one file system). */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
}

/**
 * Makes a finished and closed temporary file (written as a stream, say) the content of `path`, as
 * writeFileAtomic does: flushed, renamed over the target, the rename itself flushed.
 */
export function commitTemporaryFile(temp: string, path: string): void {
  try {
    const fd = openSync(temp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  renameIntoPlace(temp, path);
}

function renameIntoPlace(temp: string, path: string): void {
  try {
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  // The new directory entry is durable only once the folder itself is flushed.
  fsyncDirectory(dirname(path));
}

/** Flushes a folder's entries (a rename, a removal) to disk; a no-op where the platform cannot. */
export function fsyncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch (error) {
    if (refusesDirectorySync(error)) return;
    throw error;
  }
  try {
    fsyncSync(fd);
  } catch (error) {
    if (!refusesDirectorySync(error)) throw error;
  } finally {
    closeSync(fd);
  }
}

/** Windows cannot open a folder as a file (EISDIR, EPERM); some file systems refuse to fsync one (EINVAL). */
function refusesDirectorySync(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EISDIR' || code === 'EPERM' || code === 'EINVAL';
}
