// What the CLI prints when a command fails. Errors of the library already name their file, line or
// field; what reaches here raw is the operating system's (an errno error from a write, a rename, a
// mkdir), whose message names internal temp files ('.model.safetensors.8825.1733….tmp'), says
// "ENOENT … mkdir" for a read-only file system, or names no path at all ("ENOSPC … write"). Those are
// said in words, with the path the user gave.
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, sep } from 'node:path';

const ERRNO_WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large for the file system',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EEXIST: 'already exists',
  ENOTEMPTY: 'is a directory that is not empty',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'name too long',
  EIO: 'input/output error (the disk or the network file system failed)',
};

const SYSCALL_WORDS: Readonly<Record<string, string>> = {
  open: 'opening a file', read: 'reading', write: 'writing', fsync: 'flushing a file to disk',
  rename: 'renaming a file into place', mkdir: 'creating a directory', rmdir: 'removing a directory', unlink: 'removing a file',
  scandir: 'listing a directory', stat: 'looking up a file', lstat: 'looking up a file', copyfile: 'copying a file',
};

/** The message to print for a failed command. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code, syscall } = error as NodeJS.ErrnoException;
  if (typeof code === 'string' && typeof syscall === 'string') return describeSystemError(error as NodeJS.ErrnoException);
  return error.message;
}

function describeSystemError(error: NodeJS.ErrnoException): string {
  const code = error.code!;
  const words = ERRNO_WORDS[code] ?? error.message;
  if (error.path === undefined) return `${words} (while ${SYSCALL_WORDS[error.syscall!] ?? error.syscall})`;
  const path = userPath(error.path);
  if (code === 'ENOENT' && (error.syscall === 'mkdir' || error.syscall === 'open')) {
    // mkdir -p and open(O_CREAT) under a read-only mount report the missing entry, not the mount.
    const ancestor = nearestExisting(dirname(path));
    if (ancestor !== undefined && !writable(ancestor)) return `cannot create ${path}: ${ancestor} is not writable (a read-only file system, or no permission)`;
  }
  return `${path}: ${words}`;
}

/**
 * The path the user named for one that goes through the atomic writers' temporary names (io/): a file
 * or directory '.NAME.PID[.TIME].tmp' (or '.old') written beside NAME is NAME, and a directory's
 * '.staging.PID.tmp' folder is the directory itself.
 */
export function userPath(path: string): string {
  return path.split(sep).flatMap((part) => {
    const temp = /^\.(.+?)(\.\d+)+\.(tmp|old)$/.exec(part);
    if (temp === null) return [part];
    return temp[1] === 'staging' ? [] : [temp[1]!];
  }).join(sep);
}

function nearestExisting(dir: string): string | undefined {
  for (let current = dir; ; current = dirname(current)) {
    if (existsSync(current)) return current;
    if (dirname(current) === current) return undefined;
  }
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
