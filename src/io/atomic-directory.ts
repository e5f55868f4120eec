// Directories of files (a model, a training checkpoint) written so that no failure leaves one that
// loads wrongly. Every file is first written and flushed into a staging directory; only then do
// renames, which move directory entries and write no data, put them in place. A full disk, a bad
// tensor or an exception halfway therefore leaves the target as it was.
//
// Two ways to put the staged files in place:
//   'directory'  the target becomes exactly the staged directory (checkpoint-STEP: wholly ours).
//                The old one is renamed aside, the new one renamed in, the old one removed: a crash
//                between the two renames leaves the old version complete under .NAME.PID.old, which
//                removeStaleTemporaries puts back.
//   'files'      each staged file replaces its namesake and the target's other entries stay. This is
//                how a model is saved into a training run's OUTPUT, which also holds log.jsonl,
//                checkpoints and finetune_state.json: swapping the whole folder would need a copy of
//                all of that (checkpoints are hundreds of MB) and would break while the run writes
//                into it. Renaming file by file is not one atomic step, so the guarantee is stated
//                per file: (1) a failure while writing changes nothing; (2) each file is the old or
//                the new one, never torn; (3) within a run, successive saves differ only in their
//                weights file (config and tokenizer are fixed for a run), so a crash between the
//                renames still leaves a matching model; (4) where the file named `last`
//                (config.json) changes, i.e. a different model replaces another, its old version is
//                removed before the first rename and the new one arrives last, so a directory caught
//                halfway has no config.json and every loader refuses it instead of pairing the new
//                weights with the old config.
// Node has no renameat2(RENAME_EXCHANGE), which would make either way a single atomic step.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fsyncDirectory } from './atomic-write.js';

export interface DirectoryWriteOptions {
  /** 'directory': the target becomes the staged directory; 'files': staged files replace their namesakes only. */
  readonly replace: 'directory' | 'files';
  /** 'files': the staged file moved last, whose old version is withdrawn first when it changes (a model's config.json). */
  readonly last?: string;
}

/**
 * Writes the files `fill` puts into a staging directory, then moves them into `dir` (created when
 * missing: then one rename puts the whole directory in place).
 */
export function writeDirectoryAtomic(dir: string, fill: (staging: string) => void, options: DirectoryWriteOptions): void {
  const exists = existsSync(dir);
  // Inside an existing target (same file system, and the parent need not be writable), else beside it.
  const staging = options.replace === 'files' && exists ? join(dir, `.staging.${process.pid}.tmp`) : join(dirname(dir), `.${basename(dir)}.${process.pid}.tmp`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    fill(staging);
    fsyncDirectory(staging);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  if (!exists) {
    renameSync(staging, dir);
    fsyncDirectory(dirname(dir));
  } else if (options.replace === 'directory') {
    const previous = join(dirname(dir), `.${basename(dir)}.${process.pid}.old`);
    rmSync(previous, { recursive: true, force: true });
    renameSync(dir, previous);
    renameSync(staging, dir);
    fsyncDirectory(dirname(dir));
    rmSync(previous, { recursive: true, force: true });
  } else {
    moveFilesInto(staging, dir, options.last);
  }
}

function moveFilesInto(staging: string, dir: string, last: string | undefined): void {
  const names = readdirSync(staging).sort();
  const ordered = last !== undefined && names.includes(last) ? [...names.filter((name) => name !== last), last] : names;
  if (last !== undefined && ordered.includes(last) && existsSync(join(dir, last)) && !readFileSync(join(dir, last)).equals(readFileSync(join(staging, last)))) {
    unlinkSync(join(dir, last));
  }
  for (const name of ordered) {
    const from = join(staging, name), to = join(dir, name);
    // A staged folder (an export's onnx/) merges into an existing one, file by file, like the top level.
    if (statSync(from).isDirectory() && existsSync(to)) moveFilesInto(from, to, undefined);
    else renameSync(from, to);
  }
  fsyncDirectory(dir);
  rmSync(staging, { recursive: true, force: true });
}

/**
 * The temporary names of this folder's writers: `.NAME.PID.tmp` (staging and checkpoint
 * directories), `.NAME.PID.old` (a directory moved aside) and `.NAME.PID.MILLISECONDS.tmp`
 * (writeFileAtomic's files).
 */
const TEMPORARY_NAME = /^\.(.+?)\.(\d+)(?:\.\d+)?\.(tmp|old)$/;

/**
 * Removes what killed processes left in `dir`: temporary files and directories whose process is no
 * longer running. A directory moved aside (.NAME.PID.old) whose NAME is missing is the complete
 * previous version of a directory whose replacement did not arrive: it is put back instead.
 * Returns the entries removed or restored.
 */
export function removeStaleTemporaries(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const handled: string[] = [];
  for (const entry of readdirSync(dir)) {
    const match = TEMPORARY_NAME.exec(entry);
    if (match === null || isRunning(Number(match[2]))) continue;
    const original = join(dir, match[1]!);
    if (match[3] === 'old' && !existsSync(original)) renameSync(join(dir, entry), original);
    else rmSync(join(dir, entry), { recursive: true, force: true });
    handled.push(entry);
  }
  if (handled.length > 0) fsyncDirectory(dir);
  return handled;
}

/** Whether process `pid` exists (EPERM: it does, under another user). */
function isRunning(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
