import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { registerCompare } from './commands/compare.js';
import { mergeMaxLengthAlias } from './args.js';
import { registerConvert } from './commands/convert.js';
import { registerDistill } from './commands/distill.js';
import { registerEmbed } from './commands/embed.js';
import { registerExplain } from './commands/explain.js';
import { registerExportOnnx } from './commands/export-onnx.js';
import { registerFillMask } from './commands/fill-mask.js';
import { registerForward } from './commands/forward.js';
import { registerFinetune } from './commands/finetune.js';
import { registerEvaluate } from './commands/evaluate.js';
import { registerPredict } from './commands/predict.js';
import { registerPretrain } from './commands/pretrain.js';
import { registerServe } from './commands/serve.js';
import { registerSilverPairs } from './commands/silver-pairs.js';
import { registerQuantize } from './commands/quantize.js';
import { registerStart } from './commands/start.js';
import { registerTokenize } from './commands/tokenize.js';
import { registerVocab } from './commands/vocab.js';

/** Builds the `bertkit` command line: a thin layer over the library API in src/index.ts. */
export function buildProgram(): Command {
  const program = new Command('bertkit')
    .description('BERT end to end: tokenize, train vocabularies, pretrain, fine-tune, export')
    .version(packageVersion(), '-V, --version', 'print the version of bertkit')
    // One line under a flag error, not the whole usage text it would scroll away.
    .showHelpAfterError("(add --help for the command's options)")
    .hook('preAction', (_program, command) => mergeMaxLengthAlias(command));
  registerCompare(program);
  registerConvert(program);
  registerDistill(program);
  registerEmbed(program);
  registerExplain(program);
  registerExportOnnx(program);
  registerFillMask(program);
  registerForward(program);
  registerFinetune(program);
  registerEvaluate(program);
  registerPredict(program);
  registerPretrain(program);
  registerServe(program);
  registerSilverPairs(program);
  registerQuantize(program);
  registerStart(program);
  registerTokenize(program);
  registerVocab(program);
  return program;
}

/** The version in bertkit's package.json (three folders above the compiled dist/src/cli/, in the repository as in the published package). */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}
