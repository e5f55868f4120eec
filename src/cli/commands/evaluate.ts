// `bertkit evaluate`: score a fine-tuned model directory on a labelled file with its task's metrics
// (and loss); prints them as JSON and writes them to --output.
import type { Command } from 'commander';
import { Option } from 'commander';
import { taskSpec } from '../../data/tasks/registry.js';
import type { TaskKind } from '../../data/tasks/task.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { evaluateFinetuned, loadFinetuned, trainedLoadOptions } from '../../serve/finetuned-model.js';
import type { InferenceDtype } from '../../compress/quantize-model.js';
import { dtypeOption, integerAtLeast } from '../args.js';
import { withProgressBar } from '../progress.js';
import { TASK_KINDS, addDataOptions, taskLoadOptions } from './finetune.js';

interface EvaluateCliOptions {
  model: string;
  task?: TaskKind;
  data: string;
  output?: string;
  batchSize: number;
  threads?: number;
  maxSeqLength?: number;
  stride?: number;
  textColumn?: string;
  textPairColumn?: string;
  labelColumn?: string;
  format?: 'tsv' | 'csv' | 'jsonl';
  multiLabel?: boolean;
  limit?: number;
  dtype: InferenceDtype;
  quiet?: boolean;
}

export function registerEvaluate(program: Command): void {
  const command = program
    .command('evaluate')
    .description('score a fine-tuned model on a labelled file: the task\'s metrics and loss, as JSON')
    .requiredOption('--model <dir>', 'fine-tuned model directory (from bertkit finetune, or a Hugging Face task model; with --task similarity also a pretrained encoder, scored zero-shot by the cosine of its mean-pooled states)')
    .addOption(new Option('--task <kind>', 'the task (default: the one the model was fine-tuned for)').choices([...TASK_KINDS]))
    .requiredOption('--data <file>', 'labelled data, in the format finetune reads')
    .option('--output <file>', 'also write the metrics to this JSON file')
    .option('--batch-size <n>', 'inputs per ONNX Runtime run', integerAtLeast(1), 32)
    .option('--threads <n>', 'ONNX Runtime threads (default: all cores)', integerAtLeast(1))
    .addOption(dtypeOption())
    .option('--quiet', 'no progress');
  addDataOptions(command).action(async (options: EvaluateCliOptions) => {
    const finetuned = await loadFinetuned(options.model, options.task === undefined ? {} : { kind: options.task });
    // Read the file as training read its files, unless told otherwise.
    const loadOptions = { ...trainedLoadOptions(finetuned), ...taskLoadOptions(options) };
    const { metrics, data } = await withProgressBar({ label: 'evaluating', unit: 'sequences' }, { quiet: options.quiet === true }, (onProgress) => evaluateFinetuned(finetuned, taskSpec(finetuned.kind), options.data, loadOptions, {
      batchSize: options.batchSize, dtype: options.dtype, onProgress, ...(options.threads === undefined ? {} : { threads: options.threads }),
    }));
    const result = { task: finetuned.kind, examples: data.examples.length, ...metrics };
    const text = `${JSON.stringify(result, null, 2)}\n`;
    process.stdout.write(text);
    if (options.output !== undefined) writeFileAtomic(options.output, Buffer.from(text, 'utf8'));
  });
}

