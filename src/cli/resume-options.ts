// `--resume` without every flag again: a resumed run takes each setting it is not given on the command
// line from the checkpoint's recorded settings. Commander fills defaults in, so the flags left at their
// default are dropped here (Commander's getOptionValueSource says which came from the command line);
// an explicit flag still wins, and one that changes what the checkpoint fixed is refused by the identity check.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { latestCheckpoint, recordedSettingsObject } from '../train/engine/checkpoint-dir.js';

/** The options without those Commander filled in from defaults. */
export function optionsGiven<T extends object>(command: Command, options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([name]) => command.getOptionValueSource(name) !== 'default')) as Partial<T>;
}

/** The checkpoint `--resume` names: the latest in `outputDir` (resume = true) or the directory given. */
export function checkpointToResume(outputDir: string, resume: string | true): string {
  if (resume !== true) return resume;
  const dir = latestCheckpoint(outputDir);
  if (dir === undefined) throw new Error(`--resume: ${outputDir} holds no checkpoint-STEP directory with a bertkit_trainer_state.json`);
  return dir;
}

/** Where a checkpoint's settings record the command-line options, which --resume takes up. */
export const CLI_OPTIONS_KEY = 'cli_options';
/** Options that are not the run's: where it writes, how it is resumed, the progress bar. (Threads are: ONNX Runtime's sums may round differently on another count.) */
const UNRECORDED_OPTIONS = new Set(['output', 'resume', 'overwriteOutputDir', 'quiet']);

/** The options that decide the run, as JSON; those named in `pathOptions` (a path or a list of paths) recorded absolute, so that a run resumes from another working directory. */
export function cliOptionsRecord(options: object, pathOptions: ReadonlySet<string>): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined || UNRECORDED_OPTIONS.has(name)) continue;
    if (!pathOptions.has(name)) record[name] = value;
    else record[name] = Array.isArray(value) ? value.map((path: string) => resolve(path)) : resolve(value as string);
  }
  return record;
}

/** A resumed run's options: those given on the command line, else the checkpoint's recorded ones, else the defaults. */
export function resumedCliOptions<T extends { output: string }>(command: Command, options: T, resume: string | true): T {
  return withRecordedOptions(command, options, recordedSettingsObject(checkpointToResume(options.output, resume), CLI_OPTIONS_KEY));
}

/** The options given on the command line, else those `recorded` (cliOptionsRecord's object), else the defaults. */
export function withRecordedOptions<T extends object>(command: Command, options: T, recorded: Readonly<Record<string, unknown>>): T {
  const taken = Object.entries(recorded).filter(([name]) => !UNRECORDED_OPTIONS.has(name));
  return { ...options, ...Object.fromEntries(taken), ...optionsGiven(command, options) };
}
