// `bertkit compare`: models (and their q8 forms) side by side on a task's labelled file: size,
// parameters, batch-1 latency, batch-32×128 throughput, the task's metric (src/serve/compare-models.ts),
// as a Markdown table on stdout and, with --output, JSON.
import { type Command, Option } from 'commander';
import type { TaskKind } from '../../data/tasks/task.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { compareModels, comparisonMarkdown, parseComparedModel } from '../../serve/compare-models.js';
import { integerAtLeast } from '../args.js';
import { type DataCliOptions, TASK_KINDS, addDataOptions, taskLoadOptions } from './finetune.js';

interface CompareCliOptions extends DataCliOptions {
  models: string[];
  task?: TaskKind;
  data: string;
  output?: string;
  latencyInputs: number;
  threads?: number;
}

export function registerCompare(program: Command): void {
  const command = program
    .command('compare')
    .description('compare fine-tuned models on one labelled file: size, parameters, p50/p99 latency at batch 1, throughput at 32 × 128, the task metric')
    .requiredOption('--models <dir...>', 'model directories; DIR:q8 for the int8 form of DIR (as bertkit quantize makes it)')
    .addOption(new Option('--task <kind>', 'the task (default: the first model\'s)').choices([...TASK_KINDS]))
    .requiredOption('--data <file>', 'labelled data, in the format finetune reads')
    .option('--output <file.json>', 'also write the rows as JSON')
    .option('--latency-inputs <n>', 'inputs timed one at a time (the file\'s first n)', integerAtLeast(1), 100)
    .option('--threads <n>', 'ONNX Runtime threads (default: all cores)', integerAtLeast(1));
  addDataOptions(command).action(async (options: CompareCliOptions) => {
    const rows = await compareModels(options.models.map(parseComparedModel), options.task, options.data, {
      loadOptions: taskLoadOptions(options),
      latencyInputs: options.latencyInputs,
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      onProgress: (message) => process.stderr.write(`${message}\n`),
    });
    process.stdout.write(comparisonMarkdown(rows));
    if (options.output !== undefined) writeFileAtomic(options.output, Buffer.from(`${JSON.stringify(rows, null, 2)}\n`, 'utf8'));
  });
}
