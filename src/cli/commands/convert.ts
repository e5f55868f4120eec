// `bertkit convert`: any BERT directory bertkit reads (safetensors, sharded safetensors, torch.save
// .bin, legacy names, explicit decoder) → a clean Hugging Face directory with model.safetensors.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadBert, saveBert } from '../../model/checkpoint.js';
import { BertTokenizer } from '../../tokenizer/bert-tokenizer.js';

interface ConvertOptions {
  model: string;
  output: string;
}

export function registerConvert(program: Command): void {
  program
    .command('convert')
    .description('rewrite a BERT model directory as a clean Hugging Face one: config.json, model.safetensors, tokenizer files')
    .requiredOption('--model <dir>', 'model directory: config.json + model.safetensors, model.safetensors.index.json or pytorch_model.bin')
    .requiredOption('--output <dir>', 'directory to write (created if missing; may not be the input directory)')
    .action(async (options: ConvertOptions) => {
      if (resolve(options.model) === resolve(options.output)) throw new Error(`--output ${options.output} is the input directory; write the converted model elsewhere`);
      const model = await loadBert(options.model);
      const hasTokenizer = ['tokenizer.json', 'vocab.txt'].some((name) => existsSync(join(options.model, name)));
      saveBert(options.output, model, hasTokenizer ? { tokenizer: BertTokenizer.fromPretrained(options.model) } : {});
      console.error(`bertkit convert: wrote ${model.architecture} (${model.parameters.size.toLocaleString('en')} parameters) to ${options.output}`);
    });
}
