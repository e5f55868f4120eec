// `bertkit export-onnx`: a Hugging Face BERT directory → the transformers.js layout (onnx/model.onnx).
import { Option, type Command } from 'commander';
import { loadBert } from '../../model/checkpoint.js';
import { EXPORT_TASKS, type ExportTask, exportOnnx, exportTasksFor } from '../../model/onnx-export.js';
import { BertTokenizer } from '../../tokenizer/bert-tokenizer.js';

interface ExportOnnxCommandOptions {
  model: string;
  output: string;
  task?: ExportTask;
  tokenizer?: string;
  portable?: boolean;
}

const OUTPUT_HELP = `
Writes OUTPUT/onnx/model.onnx (inputs input_ids, attention_mask, token_type_ids: int64 [batch, sequence];
outputs last_hidden_state, or logits for fill-mask / text-classification / token-classification,
start_logits and end_logits for question-answering), OUTPUT/config.json and the tokenizer files.
transformers.js loads it from the folder:
  env.allowRemoteModels = false; await pipeline('fill-mask', '/abs/path/OUTPUT', { dtype: 'fp32' })`;

export function registerExportOnnx(program: Command): void {
  program
    .command('export-onnx')
    .description('export a BERT model directory to ONNX in the transformers.js layout')
    .requiredOption('--model <dir>', 'Hugging Face model directory (config.json + weights)')
    .requiredOption('--output <dir>', 'export directory (created)')
    .addOption(new Option('--task <task>', "pipeline to serve (default: the model's head; fill-mask for pretraining checkpoints)").choices(Object.keys(EXPORT_TASKS)))
    .option('--tokenizer <path>', 'tokenizer files to ship (default: the model directory)')
    .option('--portable', "standard ONNX opset 18 only, without ONNX Runtime's com.microsoft fused ops: for other ONNX runtimes (slower in ONNX Runtime)")
    .addHelpText('after', OUTPUT_HELP)
    .action(async (options: ExportOnnxCommandOptions) => {
      const model = await loadBert(options.model);
      let tokenizer: BertTokenizer;
      try {
        tokenizer = BertTokenizer.fromPretrained(options.tokenizer ?? options.model);
      } catch (error) {
        throw new Error(`export-onnx: transformers.js pipelines need the tokenizer, and ${options.tokenizer ?? options.model} has none usable (${(error as Error).message}); give one with --tokenizer`, { cause: error });
      }
      const exported = exportOnnx(options.output, model, { ...(options.task ? { task: options.task } : {}), tokenizer, portable: options.portable ?? false });
      const others = exportTasksFor(model.heads).filter((task) => task !== exported.task);
      process.stderr.write(`wrote ${exported.modelFile} for ${exported.task} (outputs: ${exported.outputs.join(', ')})${others.length > 0 ? `; --task also takes ${others.join(', ')}` : ''}\n`);
    });
}
