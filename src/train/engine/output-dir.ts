// What a new training run may find in its output directory. Checkpoints of an earlier run: that run
// is continued with --resume, not overwritten. A model (a finished run, or the very model being
// trained from: `finetune --model X --output X`, `pretrain --init X --output X`): the run would
// replace it without a word, so it is replaced only when asked, with transformers' name for the flag.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { WEIGHT_FILES } from '../../model/checkpoint.js';
import { latestCheckpoint } from './checkpoint-dir.js';

export function checkOutputDir(outputDir: string, options: { readonly resume: boolean; readonly overwrite: boolean }): void {
  if (options.resume) return;
  const latest = latestCheckpoint(outputDir);
  if (latest !== undefined) throw new Error(`${outputDir} holds checkpoints of an earlier run (${latest}): continue it with --resume, or choose another output directory`);
  if (!options.overwrite) refuseToReplaceModel(outputDir);
}

/** Throws when `dir` holds a model (config.json or a weights file). */
export function refuseToReplaceModel(dir: string): void {
  const found = ['config.json', ...WEIGHT_FILES].filter((name) => existsSync(join(dir, name)));
  if (found.length > 0) {
    throw new Error(`${dir} already holds a model (${found.join(', ')}), which training would replace: choose another --output, or pass --overwrite-output-dir to replace it`);
  }
}
