// `--resume` without every flag again: a resumed run takes each setting it is not given on the command
// line from the checkpoint's recorded settings. Commander fills defaults in, so the flags left at their
// default are dropped here (Commander's getOptionValueSource says which came from the command line);
// an explicit flag still wins, and one that changes what the checkpoint fixed is refused by the identity check.
import type { Command } from 'commander';
import { latestCheckpoint } from '../train/engine/checkpoint-dir.js';

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
