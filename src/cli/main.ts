import { Command } from 'commander';
import { registerConvert } from './commands/convert.js';
import { registerEmbed } from './commands/embed.js';
import { registerExportOnnx } from './commands/export-onnx.js';
import { registerFillMask } from './commands/fill-mask.js';
import { registerForward } from './commands/forward.js';
import { registerFinetune } from './commands/finetune.js';
import { registerEvaluate } from './commands/evaluate.js';
import { registerPredict } from './commands/predict.js';
import { registerPretrain } from './commands/pretrain.js';
import { registerStart } from './commands/start.js';
import { registerTokenize } from './commands/tokenize.js';
import { registerVocab } from './commands/vocab.js';

/** Builds the `bertkit` command line: a thin layer over the library API in src/index.ts. */
export function buildProgram(): Command {
  const program = new Command('bertkit')
    .description('BERT end to end: tokenize, train vocabularies, pretrain, fine-tune, export')
    .showHelpAfterError();
  registerConvert(program);
  registerEmbed(program);
  registerExportOnnx(program);
  registerFillMask(program);
  registerForward(program);
  registerFinetune(program);
  registerEvaluate(program);
  registerPredict(program);
  registerPretrain(program);
  registerStart(program);
  registerTokenize(program);
  registerVocab(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}
