// `bertkit finetune`: fine-tune a pretrained BERT on a task (classification, regression, ner, srl, qa)
// with the stable recipe by default (Mosbach et al. 2021), dev evaluation every epoch, best checkpoint,
// early stopping, and on request several seeds with a report.
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { taskSpec } from '../../data/tasks/registry.js';
import type { TaskKind, TaskLoadOptions } from '../../data/tasks/task.js';
import { BertTokenizer } from '../../tokenizer/bert-tokenizer.js';
import { type FinetuneOptions, type FinetuneResult, FINETUNE_DEFAULTS, defaultEpochs, finetune } from '../../train/finetune.js';
import { parseClassWeights } from '../../train/finetune-loss.js';
import { prepareFinetuneModel, taskLabelsOf } from '../../train/finetune-model.js';
import { finetuneSeeds } from '../../train/stability/multi-seed.js';
import { integerAtLeast, number } from '../args.js';
import { ProgressBar } from '../progress.js';

export const TASK_KINDS: readonly TaskKind[] = ['classification', 'regression', 'ner', 'srl', 'qa'];


interface FinetuneCliOptions {
  task: TaskKind;
  model: string;
  train: string;
  dev?: string;
  output: string;
  seeds: number;
  seed: number;
  epochs?: number;
  learningRate: number;
  batchSize: number;
  gradientAccumulationSteps: number;
  groupByLength?: boolean;
  warmupRatio: number;
  weightDecay: number;
  maxGradNorm: number;
  adamEpsilon: number;
  lrScheduler: 'linear' | 'constant' | 'cosine';
  maxSeqLength?: number;
  stride?: number;
  patience?: number;
  evalSteps: number;
  metric?: string;
  classWeights?: string;
  reinitLayers: number;
  layerLrDecay: number;
  textColumn?: string;
  textPairColumn?: string;
  labelColumn?: string;
  format?: 'tsv' | 'csv' | 'jsonl';
  multiLabel?: boolean;
  limit?: number;
  saveSteps: number;
  resume?: string | true;
  threads?: number;
  quiet?: boolean;
}

/** The task-reading options shared by finetune and evaluate. */
export function addDataOptions(command: Command): Command {
  return command
    .option('--max-seq-length <n>', 'tokens per input, special tokens included (default 128; qa 384)', integerAtLeast(8))
    .option('--stride <n>', 'tokens shared by consecutive windows of a long input: qa contexts (default 128), ner/srl sentences (default max-seq-length / 4)', integerAtLeast(0))
    .option('--text-column <name>', 'column (or JSON field) of the text (default: sentence, sentence1, text_a or text)')
    .option('--text-pair-column <name>', 'column of the second text of a pair (default: sentence2 or text_b when present)')
    .option('--label-column <name>', 'column of the label (default: label or score)')
    .addOption(new Option('--format <format>', 'table format (default: from the extension)').choices(['tsv', 'csv', 'jsonl']))
    .option('--multi-label', 'classification: a label cell holds several comma-separated labels')
    .option('--limit <n>', 'read at most n examples per file', integerAtLeast(1));
}

export function taskLoadOptions(options: { maxSeqLength?: number; stride?: number; textColumn?: string; textPairColumn?: string; labelColumn?: string; format?: 'tsv' | 'csv' | 'jsonl'; multiLabel?: boolean; limit?: number }): TaskLoadOptions {
  const picked: TaskLoadOptions = {};
  if (options.maxSeqLength !== undefined) picked.maxSeqLength = options.maxSeqLength;
  if (options.stride !== undefined) picked.stride = options.stride;
  if (options.textColumn !== undefined) picked.textColumn = options.textColumn;
  if (options.textPairColumn !== undefined) picked.textPairColumn = options.textPairColumn;
  if (options.labelColumn !== undefined) picked.labelColumn = options.labelColumn;
  if (options.format !== undefined) picked.format = options.format;
  if (options.multiLabel) picked.multiLabel = true;
  if (options.limit !== undefined) picked.limit = options.limit;
  return picked;
}

export function registerFinetune(program: Command): void {
  const command = program
    .command('finetune')
    .description('fine-tune a pretrained BERT on a task; the best dev checkpoint is saved as a Hugging Face model directory')
    .addOption(new Option('--task <kind>', 'the task').choices([...TASK_KINDS]).makeOptionMandatory())
    .requiredOption('--model <dir>', 'pretrained Hugging Face BERT directory (with its tokenizer)')
    .requiredOption('--train <file>', 'training data (tsv/csv/jsonl tables; CoNLL for ner; CoNLL-U PropBank for srl; SQuAD JSON for qa)')
    .option('--dev <file>', 'dev data: scored every epoch, picks the best checkpoint')
    .requiredOption('--output <dir>', 'where the fine-tuned model, log.jsonl, training_curve.svg and eval_results.json go')
    .option('--seeds <n>', 'run n seeds (seed, seed+1, …) and write OUTPUT/seeds-report.{json,md}; the best run goes to OUTPUT/best', integerAtLeast(1), 1)
    .option('--seed <n>', 'seed of the head initialisation, data order and dropout', integerAtLeast(0), 42)
    .option('--epochs <n>', `passes over the training data (default ${FINETUNE_DEFAULTS.smallDataEpochs} below 10,000 examples, else ${FINETUNE_DEFAULTS.largeDataEpochs})`, integerAtLeast(1))
    .option('--learning-rate <lr>', 'peak learning rate', number({ min: 0 }), FINETUNE_DEFAULTS.learningRate)
    .option('--batch-size <n>', 'examples per micro-batch', integerAtLeast(1), FINETUNE_DEFAULTS.batchSize)
    .option('--gradient-accumulation-steps <n>', 'micro-batches per update', integerAtLeast(1), 1)
    .option('--group-by-length', 'batch examples of similar length together: less padding, faster epochs (HF group_by_length)')
    .option('--warmup-ratio <r>', 'share of updates with a linear warm-up', number({ min: 0, max: 1 }), FINETUNE_DEFAULTS.warmupRatio)
    .addOption(new Option('--lr-scheduler <kind>', 'learning-rate schedule after warm-up').choices(['linear', 'constant', 'cosine']).default('linear'))
    .option('--weight-decay <w>', 'AdamW weight decay (none on biases and LayerNorm)', number({ min: 0 }), FINETUNE_DEFAULTS.weightDecay)
    .option('--adam-epsilon <eps>', 'AdamW epsilon', number({ above: 0 }), FINETUNE_DEFAULTS.adamEpsilon)
    .option('--max-grad-norm <n>', 'clip the global gradient norm to this', number({ above: 0 }), FINETUNE_DEFAULTS.maxGradNorm)
    .option('--patience <n>', `stop after n evaluations without improvement (default ${FINETUNE_DEFAULTS.patience} with --dev)`, integerAtLeast(1))
    .option('--eval-steps <n>', 'evaluate every n updates (0: at the end of every epoch)', integerAtLeast(0), 0)
    .option('--metric <name>', 'dev metric that picks the best checkpoint (default: the task\'s: accuracy, pearson, f1; "loss" = dev loss)')
    .option('--class-weights <spec>', 'weighted cross-entropy: auto (balanced), w1,w2,… in label order, or label=w,…')
    .option('--reinit-layers <k>', 're-initialise the top k encoder layers and the pooler', integerAtLeast(0), 0)
    .option('--layer-lr-decay <d>', 'layer-wise learning-rate decay: layer l trains at lr·d^(L−l)', number({ above: 0, max: 1 }), 1)
    .option('--save-steps <n>', 'write OUTPUT/checkpoint-STEP every n updates and when interrupted, keeping the latest (0: none)', integerAtLeast(0), 0)
    .option('--resume [checkpoint]', 'continue exactly from the latest checkpoint in --output, or from this checkpoint directory')
    .option('--threads <n>', 'ONNX Runtime threads (default: all cores)', integerAtLeast(1))
    .option('--quiet', 'no progress bar');
  addDataOptions(command).action(async (options: FinetuneCliOptions) => {
    await runFinetune(options);
  });
}

async function runFinetune(options: FinetuneCliOptions): Promise<void> {
  if (options.seeds > 1 && options.dev === undefined) throw new Error('finetune: --seeds compares runs on dev metrics; give --dev');
  if (options.seeds > 1 && options.resume !== undefined) throw new Error('finetune: --resume continues a single run; resume a seed with --seeds 1 --seed S --output OUTPUT/seed-S');
  const spec = taskSpec(options.task);
  const tokenizer = BertTokenizer.fromPretrained(options.model);
  const loadOptions = taskLoadOptions(options);
  const train = await spec.load(options.train, tokenizer, loadOptions);
  const dev = options.dev === undefined ? undefined : await spec.load(options.dev, tokenizer, { ...loadOptions, ...(train.labels.length > 0 ? { labels: train.labels } : {}) });
  const task = taskLabelsOf(train);
  const epochs = options.epochs ?? defaultEpochs(train.examples.length);
  const say = (message: string): void => {
    if (!options.quiet) process.stderr.write(process.stderr.isTTY ? `\r\x1b[K${message}\n` : `${message}\n`);
  };
  say(`bertkit finetune: ${options.task}, ${train.examples.length} training examples (${train.features.length} features)${dev ? `, ${dev.examples.length} dev examples` : ''}, ${epochs} epochs`);
  const settings = {
    task: options.task, model: options.model, train: options.train, dev: options.dev ?? null, maxSeqLength: loadOptions.maxSeqLength ?? null,
    ...loadOptions, epochs, learningRate: options.learningRate, batchSize: options.batchSize, groupByLength: options.groupByLength ?? false, warmupRatio: options.warmupRatio,
    weightDecay: options.weightDecay, maxGradNorm: options.maxGradNorm, reinitLayers: options.reinitLayers, layerLrDecay: options.layerLrDecay,
    classWeights: options.classWeights ?? null, seeds: options.seeds, seed: options.seed,
  };
  let progress: ProgressBar | undefined;
  const common: Omit<FinetuneOptions, 'model' | 'seed' | 'outputDir'> = {
    task: spec, train, ...(dev ? { dev } : {}), tokenizer, epochs,
    batchSize: options.batchSize, gradientAccumulationSteps: options.gradientAccumulationSteps, groupByLength: options.groupByLength ?? false, learningRate: options.learningRate,
    warmupRatio: options.warmupRatio, weightDecay: options.weightDecay, maxGradNorm: options.maxGradNorm, adamEpsilon: options.adamEpsilon,
    scheduler: options.lrScheduler, evalSteps: options.evalSteps,
    ...(dev ? { patience: options.patience ?? FINETUNE_DEFAULTS.patience } : {}),
    ...(options.metric ? { metric: options.metric } : {}),
    ...(options.classWeights ? { classWeights: parseClassWeights(options.classWeights, train) } : {}),
    reinitLayers: options.reinitLayers, layerLrDecay: options.layerLrDecay,
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    saveSteps: options.saveSteps,
    settings,
    onStep: (entry, total) => {
      progress ??= new ProgressBar({ label: 'finetune', total, unit: 'steps' }, { quiet: options.quiet === true });
      progress.update(entry.step);
    },
    onEval: (entry) => say(`epoch ${entry.epoch}, step ${entry.step}: ${formatMetrics(entry.metrics, options.metric ?? spec.primaryMetric)}${entry.improved ? ' (best so far)' : ''}`),
  };
  const abort = new AbortController();
  const onSignal = (): void => {
    process.stderr.write(`\nbertkit finetune: interrupted; stopping after this update (the best model so far stays in --output${options.saveSteps ? '; a checkpoint is written for --resume' : ''})\n`);
    abort.abort();
  };
  process.once('SIGINT', onSignal);
  try {
    if (options.seeds === 1) {
      const model = await prepareFinetuneModel(options.model, task, options.seed);
      say(`initialised ${model.initialised.length} head parameters (${model.initialised.join(', ')})`);
      const result = await finetune({ ...common, model, seed: options.seed, outputDir: options.output, signal: abort.signal, ...(options.resume === undefined ? {} : { resume: options.resume }) });
      progress?.stop();
      report(result, options.output);
      return;
    }
    const seeds = Array.from({ length: options.seeds }, (_, i) => options.seed + i);
    const { report: seedsReport, bestDir } = await finetuneSeeds({
      ...common, seeds, outputDir: options.output, signal: abort.signal,
      model: (seed) => prepareFinetuneModel(options.model, task, seed),
      onRunStart: (seed, index) => say(`seed ${seed} (${index + 1}/${seeds.length})`),
      onRunEnd: () => {
        progress?.stop();
        progress = undefined;
      },
    });
    const primary = seedsReport.metrics[seedsReport.primaryMetric];
    process.stdout.write(`${JSON.stringify({
      metric: seedsReport.primaryMetric, mean: primary?.mean ?? null, std: primary?.std ?? null, min: primary?.min ?? null, max: primary?.max ?? null,
      best_seed: seedsReport.bestSeed, failed_seeds: seedsReport.failedSeeds, best: bestDir, report: join(options.output, 'seeds-report.md'),
    })}\n`);
  } finally {
    process.removeListener('SIGINT', onSignal);
    progress?.stop();
  }
}

function report(result: FinetuneResult, output: string): void {
  process.stdout.write(`${JSON.stringify({
    steps: result.steps, best_step: result.bestStep, metric: result.metric, best_metrics: result.bestMetrics ?? null,
    stopped_early: result.stoppedEarly, interrupted: result.interrupted, examples_per_second: Math.round(result.examplesPerSecond * 10) / 10, output,
  })}\n`);
}

/** The selection metric and the dev loss, for a progress line (the full set is in log.jsonl). */
function formatMetrics(metrics: Readonly<Record<string, number>>, metric: string): string {
  const names = metric === 'loss' ? ['loss'] : [metric, 'loss'];
  return names.map((name) => `${name} ${Number.isFinite(metrics[name]) ? metrics[name]!.toFixed(4) : metrics[name]}`).join(', ');
}
