// What the commands that train on task data (finetune, distill) share: the training-recipe flags
// and their mapping onto the library's FinetuneOptions, the progress bar and per-evaluation lines,
// Ctrl-C handling, and the one-line JSON result.
import type { Command } from 'commander';
import { type FinetuneOptions, type FinetuneResult, FINETUNE_DEFAULTS } from '../train/finetune.js';
import { duration, integerAtLeast, lrSchedulerOption, number } from './args.js';
import { stoppableBySignals } from './interruption.js';
import { ProgressBar } from './progress.js';
import { type SchedulerKind } from '../train/optim/schedules.js';

export interface RecipeCliOptions {
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
  lrScheduler: SchedulerKind;
  patience?: number;
  evalSteps: number;
  metric?: string;
  saveSteps: number;
  resume?: string | true;
  overwriteOutputDir?: boolean;
  threads?: number;
  quiet?: boolean;
  dropout?: number;
  timeBudget?: number;
}

/** The training-recipe flags (Mosbach et al. 2021's defaults, FINETUNE_DEFAULTS). */
export function addRecipeOptions(command: Command): Command {
  return command
    .option('--seed <n>', 'seed of the head initialisation, data order and dropout', integerAtLeast(0), 42)
    .option('--epochs <n>', `passes over the training data (default ${FINETUNE_DEFAULTS.smallDataEpochs} below 10,000 examples, else ${FINETUNE_DEFAULTS.largeDataEpochs})`, integerAtLeast(1))
    .option('--learning-rate <lr>', 'peak learning rate', number({ min: 0 }), FINETUNE_DEFAULTS.learningRate)
    .option('--batch-size <n>', 'examples per micro-batch', integerAtLeast(1), FINETUNE_DEFAULTS.batchSize)
    .option('--gradient-accumulation-steps <n>', 'micro-batches per update', integerAtLeast(1), 1)
    .option('--group-by-length', 'batch examples of similar length together: less padding, faster epochs (HF group_by_length)')
    .option('--warmup-ratio <r>', 'share of updates with a linear warm-up', number({ min: 0, max: 1 }), FINETUNE_DEFAULTS.warmupRatio)
    .addOption(lrSchedulerOption('linear'))
    .option('--weight-decay <w>', 'AdamW weight decay (none on biases and LayerNorm)', number({ min: 0 }), FINETUNE_DEFAULTS.weightDecay)
    .option('--adam-epsilon <eps>', 'AdamW epsilon', number({ above: 0 }), FINETUNE_DEFAULTS.adamEpsilon)
    .option('--max-grad-norm <n>', 'clip the global gradient norm to this', number({ above: 0 }), FINETUNE_DEFAULTS.maxGradNorm)
    .option('--patience <n>', `stop after n evaluations without improvement (default ${FINETUNE_DEFAULTS.patience} with --dev)`, integerAtLeast(1))
    .option('--eval-steps <n>', 'evaluate every n updates (0: at the end of every epoch), and after the last', integerAtLeast(0), 0)
    .option('--metric <name>', 'dev metric that picks the best checkpoint (default: the task\'s: accuracy, pearson, f1; "loss" = dev loss)')
    .option('--save-steps <n>', 'write OUTPUT/checkpoint-STEP every n updates and when interrupted, keeping the latest (0: none)', integerAtLeast(0), 0)
    .option('--resume [checkpoint]', 'continue exactly from the latest checkpoint in --output, or from this checkpoint directory')
    .option('--overwrite-output-dir', 'train into an --output that already holds a model (the --model one included), replacing it')
    .option('--dropout <p>', "hidden and attention dropout of the run and the saved model (default: the model's config; e.g. 0.1 for a model pretrained with --dropout 0)", number({ min: 0, max: 0.999 }))
    .option('--time-budget <duration>', "train each run this long at most ('90s', '10m'): it times its first updates, then fits the number of updates (at most --epochs' worth) and the schedule's end to the budget (kept on --resume)", duration)
    .option('--threads <n>', 'ONNX Runtime threads (default: all cores)', integerAtLeast(1))
    .option('--quiet', 'no progress bar');
}

/** The recipe flags as library options. */
export function recipeOptions(options: RecipeCliOptions, epochs: number, hasDev: boolean): Partial<FinetuneOptions> {
  return {
    epochs, batchSize: options.batchSize, gradientAccumulationSteps: options.gradientAccumulationSteps, groupByLength: options.groupByLength ?? false,
    learningRate: options.learningRate, warmupRatio: options.warmupRatio, weightDecay: options.weightDecay, maxGradNorm: options.maxGradNorm,
    adamEpsilon: options.adamEpsilon, scheduler: options.lrScheduler, evalSteps: options.evalSteps,
    ...(hasDev ? { patience: options.patience ?? FINETUNE_DEFAULTS.patience } : {}),
    ...(options.metric ? { metric: options.metric } : {}),
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    saveSteps: options.saveSteps,
    ...(options.overwriteOutputDir ? { overwriteOutputDir: true } : {}),
    ...(options.dropout === undefined ? {} : { dropout: options.dropout }),
    ...(options.timeBudget === undefined ? {} : { timeBudget: options.timeBudget }),
  };
}

/** The recipe as recorded in finetune_state.json's settings. */
export function recipeSettings(options: RecipeCliOptions, epochs: number): Record<string, unknown> {
  return {
    epochs, learningRate: options.learningRate, batchSize: options.batchSize, groupByLength: options.groupByLength ?? false, warmupRatio: options.warmupRatio,
    weightDecay: options.weightDecay, maxGradNorm: options.maxGradNorm, seed: options.seed, dropout: options.dropout ?? null, timeBudget: options.timeBudget ?? null,
  };
}

/** A line on stderr (above the progress bar), unless --quiet. */
export function sayer(quiet: boolean | undefined): (message: string) => void {
  return (message) => {
    if (!quiet) process.stderr.write(process.stderr.isTTY ? `\r\x1b[K${message}\n` : `${message}\n`);
  };
}

/** The progress bar over updates and a line per dev evaluation, as onStep / onEval; `stop` ends the bar (a new one starts on the next step). */
export function trainingProgress(label: string, options: RecipeCliOptions, primaryMetric: string): Pick<FinetuneOptions, 'onStep' | 'onEval'> & { stop(): void } {
  let progress: ProgressBar | undefined;
  const say = sayer(options.quiet);
  return {
    onStep: (entry, total) => {
      progress ??= new ProgressBar({ label, total, unit: 'steps' }, { quiet: options.quiet === true });
      progress.setTotal(total); // a time budget fits the total after the first updates
      progress.update(entry.step);
    },
    onEval: (entry) => say(`epoch ${entry.epoch}, step ${entry.step}: ${formatMetrics(entry.metrics, options.metric ?? primaryMetric)}${entry.improved ? ' (best so far)' : ''}`),
    stop: () => {
      progress?.stop();
      progress = undefined;
    },
  };
}

/** Runs `body` with Ctrl-C and SIGTERM turned into a stop after the current update (and exit status 130 / 143: interruption.ts). */
export async function stoppableByCtrlC<T>(command: string, saveSteps: number, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const announce = `bertkit ${command}: interrupted; stopping after this update (the best model so far stays in --output${saveSteps ? '; a checkpoint is written for --resume' : ''})`;
  return stoppableBySignals(announce, body);
}

/** The run's result as one JSON line on stdout. */
export function reportRun(result: FinetuneResult, output: string, extra: Readonly<Record<string, unknown>> = {}): void {
  process.stdout.write(`${JSON.stringify({
    steps: result.steps, best_step: result.bestStep, metric: result.metric, best_metrics: result.bestMetrics ?? null,
    stopped_early: result.stoppedEarly, interrupted: result.interrupted, examples_per_second: Math.round(result.examplesPerSecond * 10) / 10, ...extra, output,
  })}\n`);
}

/** The selection metric and the dev loss, for a progress line (the full set is in log.jsonl). */
function formatMetrics(metrics: Readonly<Record<string, number>>, metric: string): string {
  const names = metric === 'loss' ? ['loss'] : [metric, 'loss'];
  return names.map((name) => `${name} ${Number.isFinite(metrics[name]) ? metrics[name]!.toFixed(4) : metrics[name]}`).join(', ');
}
