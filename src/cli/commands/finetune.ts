// `bertkit finetune`: fine-tune a pretrained BERT on a task (classification, regression, similarity, ner, srl, qa)
// with the stable recipe by default (Mosbach et al. 2021), dev evaluation every epoch, best checkpoint,
// early stopping, and on request several seeds with a report.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { scoreLabelsWarning } from '../../data/tasks/classification.js';
import { taskSpec } from '../../data/tasks/registry.js';
import { type TaskKind, type TaskLoadOptions, defaultMaxSeqLength } from '../../data/tasks/task.js';
import { readBertConfig, sequenceLengthFor } from '../../model/config.js';
import type { Pooling } from '../../model/pooling.js';
import { sentenceTransformersPooling } from '../../model/sentence-transformers.js';
import { BertTokenizer } from '../../tokenizer/bert-tokenizer.js';
import { readJsonFile } from '../../io/json-file.js';
import { latestCheckpoint, recordedSettingsObject } from '../../train/engine/checkpoint-dir.js';
import { FINETUNE_STATE_FILE, type FinetuneOptions, defaultEpochs, finetune } from '../../train/finetune.js';
import { parseClassWeights } from '../../train/finetune-loss.js';
import { prepareFinetuneModel, taskLabelsOf } from '../../train/finetune-model.js';
import { finetuneSeeds } from '../../train/stability/multi-seed.js';
import { integerAtLeast, maxLengthAlias, number } from '../args.js';
import { CLI_OPTIONS_KEY, cliOptionsRecord, resumedCliOptions, withRecordedOptions } from '../resume-options.js';
import { type RecipeCliOptions, addRecipeOptions, recipeOptions, recipeSettings, reportRun, sayer, stoppableByCtrlC, trainingProgress } from '../task-training.js';

export const TASK_KINDS: readonly TaskKind[] = ['classification', 'regression', 'similarity', 'ner', 'srl', 'qa'];


interface FinetuneCliOptions extends RecipeCliOptions, DataCliOptions {
  task: TaskKind;
  model: string;
  train: string;
  dev?: string;
  output: string;
  seeds: number;
  classWeights?: string;
  pooling?: Pooling;
  reinitLayers: number;
  layerLrDecay: number;
}

/** The flags of addDataOptions. */
export interface DataCliOptions {
  maxSeqLength?: number;
  stride?: number;
  textColumn?: string;
  textPairColumn?: string;
  labelColumn?: string;
  format?: 'tsv' | 'csv' | 'jsonl';
  multiLabel?: boolean;
  limit?: number;
}

/** The task-reading options shared by finetune and evaluate. */
export function addDataOptions(command: Command): Command {
  return command
    .option('--max-seq-length <n>', 'tokens per input, special tokens included (default 128; qa 384)', integerAtLeast(8))
    .addOption(maxLengthAlias(integerAtLeast(8)))
    .option('--stride <n>', 'tokens shared by consecutive windows of a long input: qa contexts (default 128), ner/srl sentences (default max-seq-length / 4)', integerAtLeast(0))
    .option('--text-column <name>', 'column (or JSON field) of the text (default: sentence, sentence1, text_a or text)')
    .option('--text-pair-column <name>', 'column of the second text of a pair (default: sentence2 or text_b when present)')
    .option('--label-column <name>', 'column of the label (default: label or score)')
    .addOption(new Option('--format <format>', 'table format (default: from the extension)').choices(['tsv', 'csv', 'jsonl']))
    .option('--multi-label', 'classification: a label cell holds several comma-separated labels')
    .option('--limit <n>', 'read at most n examples per file', integerAtLeast(1));
}

export function taskLoadOptions(options: DataCliOptions): TaskLoadOptions {
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
    // Required unless resuming (runFinetune checks): a resumed run takes them from its checkpoint.
    .addOption(new Option('--task <kind>', 'the task (required); similarity trains a sentence-embedding model (sentence-transformers layout) on scored pairs').choices([...TASK_KINDS]))
    .option('--model <dir>', 'pretrained Hugging Face BERT directory (with its tokenizer) (required)')
    .option('--train <file>', 'training data (tsv/csv/jsonl tables: texts or pairs with a label or score; CoNLL for ner; CoNLL-U PropBank for srl; SQuAD JSON for qa) (required)')
    .option('--dev <file>', 'dev data: scored every epoch, picks the best checkpoint')
    .requiredOption('--output <dir>', 'where the fine-tuned model, log.jsonl, training_curve.svg and eval_results.json go')
    .option('--seeds <n>', 'run n seeds (seed, seed+1, …) and write OUTPUT/seeds-report.{json,md}; the best run goes to OUTPUT/best', integerAtLeast(1), 1)
    .addOption(new Option('--pooling <kind>', "similarity: a text's embedding is the mean of its token states or the [CLS] state (default: the model's 1_Pooling/config.json, else mean)").choices(['mean', 'cls']))
    .option('--class-weights <spec>', 'weighted cross-entropy: auto (balanced), w1,w2,… in label order, or label=w,…')
    .option('--reinit-layers <k>', 're-initialise the top k encoder layers and the pooler', integerAtLeast(0), 0)
    .option('--layer-lr-decay <d>', 'layer-wise learning-rate decay: layer l trains at lr·d^(L−l)', number({ above: 0, max: 1 }), 1);
  addDataOptions(addRecipeOptions(command)).action(async (options: FinetuneCliOptions, command: Command) => {
    await runFinetune(options.resume === undefined ? options : resumedFinetuneOptions(command, options, options.resume));
  });
}

/**
 * A resumed run's options: from the checkpoint, or for a multi-seed run (OUTPUT/seed-S, no checkpoint of
 * its own) from its seeds' records, when one got far enough to write them (else the flags given).
 */
function resumedFinetuneOptions(command: Command, options: FinetuneCliOptions, resume: string | true): FinetuneCliOptions {
  const runDirs = resume === true && latestCheckpoint(options.output) === undefined ? multiSeedRunDirs(options.output) : [];
  return runDirs.length === 0 ? resumedCliOptions(command, options, resume) : withRecordedOptions(command, options, multiSeedRecordedOptions(runDirs) ?? {});
}

/** OUTPUT/seed-S and OUTPUT/best: the runs of a multi-seed run. */
function multiSeedRunDirs(outputDir: string): string[] {
  if (!existsSync(outputDir)) return [];
  return readdirSync(outputDir).filter((name) => name === 'best' || /^seed-\d+$/.test(name)).map((name) => join(outputDir, name));
}

/** The command-line options a multi-seed run recorded (in a seed's finetune_state.json or checkpoint). */
function multiSeedRecordedOptions(runDirs: readonly string[]): Record<string, unknown> | undefined {
  for (const dir of runDirs) {
    const statePath = join(dir, FINETUNE_STATE_FILE);
    if (existsSync(statePath)) {
      const recorded = (readJsonFile(statePath) as { settings?: Record<string, unknown> } | null)?.settings?.[CLI_OPTIONS_KEY];
      if (typeof recorded === 'object' && recorded !== null && !Array.isArray(recorded)) return recorded as Record<string, unknown>;
    }
    const checkpoint = latestCheckpoint(dir);
    if (checkpoint !== undefined) return recordedSettingsObject(checkpoint, CLI_OPTIONS_KEY);
  }
  return undefined;
}

/** Paths recorded absolute, so that a run resumes from another working directory. */
const PATH_OPTIONS = new Set(['model', 'train', 'dev']);

async function runFinetune(options: FinetuneCliOptions): Promise<void> {
  if (options.task === undefined || options.model === undefined || options.train === undefined) throw new Error('finetune: give --task, --model and --train (or --resume a checkpoint, which records them)');
  if (options.seeds > 1 && options.dev === undefined) throw new Error('finetune: --seeds compares runs on dev metrics; give --dev');
  if (options.seeds > 1 && typeof options.resume === 'string') throw new Error(`finetune: --resume ${options.resume} names one run's checkpoint; a multi-seed run resumes as a whole with --resume and its --output`);
  const spec = taskSpec(options.task);
  const tokenizer = BertTokenizer.fromPretrained(options.model);
  const loadOptions = taskLoadOptions(options);
  // Checked before any data is read: a length beyond the position table would fail deep inside ONNX Runtime.
  const config = readBertConfig(join(options.model, 'config.json'));
  const maxSeqLength = sequenceLengthFor(config, options.maxSeqLength, defaultMaxSeqLength(options.task), '--max-seq-length');
  if (maxSeqLength !== defaultMaxSeqLength(options.task)) loadOptions.maxSeqLength = maxSeqLength;
  const train = await spec.load(options.train, tokenizer, loadOptions);
  const dev = options.dev === undefined ? undefined : await spec.load(options.dev, tokenizer, { ...loadOptions, ...(train.labels.length > 0 ? { labels: train.labels } : {}) });
  if (options.pooling !== undefined && options.task !== 'similarity') throw new Error(`finetune: --pooling is for --task similarity, not ${options.task}`);
  const pooling = options.task === 'similarity' ? options.pooling ?? sentenceTransformersPooling(options.model) ?? 'mean' : undefined;
  const scoreWarning = options.task === 'classification' ? scoreLabelsWarning(train.labels, options.train) : undefined;
  if (scoreWarning !== undefined) process.stderr.write(`bertkit finetune: warning: ${scoreWarning}\n`);
  const task = taskLabelsOf(train);
  const epochs = options.epochs ?? defaultEpochs(train.examples.length);
  const say = sayer(options.quiet);
  say(`bertkit finetune: ${options.task}, ${train.examples.length} training examples (${train.features.length} features)${dev ? `, ${dev.examples.length} dev examples` : ''}, ${epochs} epochs`);
  const settings = {
    task: options.task, model: options.model, train: options.train, dev: options.dev ?? null, maxSeqLength: loadOptions.maxSeqLength ?? null,
    ...loadOptions, ...recipeSettings(options, epochs), reinitLayers: options.reinitLayers, layerLrDecay: options.layerLrDecay,
    classWeights: options.classWeights ?? null, pooling: pooling ?? null, seeds: options.seeds, [CLI_OPTIONS_KEY]: cliOptionsRecord(options, PATH_OPTIONS),
  };
  const progress = trainingProgress('finetune', options, spec.primaryMetric);
  const common: Omit<FinetuneOptions, 'model' | 'seed' | 'outputDir'> = {
    task: spec, train, ...(dev ? { dev } : {}), tokenizer, maxSeqLength, ...(pooling ? { pooling } : {}),
    ...recipeOptions(options, epochs, dev !== undefined),
    ...(options.classWeights ? { classWeights: parseClassWeights(options.classWeights, train) } : {}),
    reinitLayers: options.reinitLayers, layerLrDecay: options.layerLrDecay,
    settings,
    onStep: progress.onStep!,
    onEval: progress.onEval!,
  };
  await stoppableByCtrlC('finetune', options.saveSteps, async (signal) => {
    if (options.seeds === 1) {
      const model = await prepareFinetuneModel(options.model, task, options.seed);
      say(`initialised ${model.initialised.length} head parameters (${model.initialised.join(', ')})`);
      const result = await finetune({ ...common, model, seed: options.seed, outputDir: options.output, signal, ...(options.resume === undefined ? {} : { resume: options.resume }) }).finally(() => progress.stop());
      reportRun(result, options.output);
      return;
    }
    const seeds = Array.from({ length: options.seeds }, (_, i) => options.seed + i);
    const result = await finetuneSeeds({
      ...common, seeds, outputDir: options.output, signal, resume: options.resume === true,
      model: (seed) => prepareFinetuneModel(options.model, task, seed),
      onRunStart: (seed, index) => say(`seed ${seed} (${index + 1}/${seeds.length})`),
      onRunEnd: () => progress.stop(),
      onRunKept: (seed, run) => say(`seed ${seed}: finished before (${spec.primaryMetric} ${run.metrics[spec.primaryMetric]}), kept`),
    }).finally(() => progress.stop());
    if (result.interrupted) {
      process.stdout.write(`${JSON.stringify({ interrupted: true, finished_seeds: result.finishedSeeds, seeds, resume: `bertkit finetune --resume --output ${options.output}` })}\n`);
      return;
    }
    const { report: seedsReport, bestDir } = result;
    const primary = seedsReport.metrics[seedsReport.primaryMetric];
    process.stdout.write(`${JSON.stringify({
      metric: seedsReport.primaryMetric, mean: primary?.mean ?? null, std: primary?.std ?? null, min: primary?.min ?? null, max: primary?.max ?? null,
      best_seed: seedsReport.bestSeed, failed_seeds: seedsReport.failedSeeds, best: bestDir, report: join(options.output, 'seeds-report.md'),
    })}\n`);
  });
}
