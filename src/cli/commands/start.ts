// `bertkit start` (what `npm start` runs): the WordNet supersense story of src/recipes/wordnet-supersenses.ts
// (a vocabulary, a small BERT pretrained and fine-tuned over several seeds against baselines, saved
// with an ONNX export), with its account on stdout, progress bars on stderr, and what to try next.
import { Option, type Command } from 'commander';
import { LONG_PLAN, QUICK_PLAN, type SupersensePlan } from '../../recipes/wordnet-supersenses-plan.js';
import { runWordNetSupersenses } from '../../recipes/wordnet-supersenses.js';
import { count, shownPath } from '../../recipes/report-format.js';
import { duration, integerAtLeast, number } from '../args.js';
import { ProgressBar } from '../progress.js';

interface StartOptions {
  long?: boolean;
  output: string;
  quiet?: boolean;
  threads?: number;
  // hidden, for tests and experiments
  synsets?: number;
  vocabSize?: number;
  pretrainSteps?: number;
  finetuneEpochs?: number;
  finetuneLr?: number;
  finetuneBatchSize?: number;
  classWeightPower?: number;
  nsp?: boolean;
  seeds?: number;
  tiny?: boolean;
  timeBudget?: number;
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description(
      'the whole BERT story on WordNet 3.1 (offline, minutes on 2 cores): train a WordPiece vocabulary, pretrain a tiny BERT ' +
        '(whole-word masked LM) on the glosses, fine-tune it over several seeds to predict a gloss\'s supersense ' +
        '(45 classes) against a naive Bayes baseline, and save it as a Hugging Face directory with an ONNX export',
    )
    .option('--long', `a longer, better run: a ${count(LONG_PLAN.vocabSize)}-token vocabulary, the ${LONG_PLAN.preset} preset, ${count(LONG_PLAN.pretrainSteps)} pretraining steps, ${LONG_PLAN.seeds} seeds (2–2.5 hours on 2 cores)`)
    .option('--output <dir>', 'where everything goes', './bertkit-out')
    .option('--threads <n>', 'ONNX Runtime threads (default: all cores)', integerAtLeast(1))
    .option('--quiet', 'no progress bars')
    .option('--time-budget <duration>', `the whole run's wall-clock budget ('20m', '1h'): pretraining and each seed fit their updates to what is left (default ${(QUICK_PLAN.timeBudgetSeconds ?? 0) / 60}m; --long: none)`, duration)
    // For tests and quick experiments; --long is the documented way to change the sizes.
    .addOption(new Option('--synsets <n>', 'use only n training synsets (and n/9 held-out ones)').argParser(integerAtLeast(10)).hideHelp())
    .addOption(new Option('--vocab-size <n>').argParser(integerAtLeast(1)).hideHelp())
    .addOption(new Option('--pretrain-steps <n>').argParser(integerAtLeast(1)).hideHelp())
    .addOption(new Option('--finetune-epochs <n>').argParser(integerAtLeast(1)).hideHelp())
    .addOption(new Option('--finetune-lr <x>').argParser(number({ above: 0 })).hideHelp())
    .addOption(new Option('--finetune-batch-size <n>').argParser(integerAtLeast(1)).hideHelp())
    .addOption(new Option('--class-weight-power <x>', '0: unweighted, 1: balanced').argParser(number({ min: 0 })).hideHelp())
    .addOption(new Option('--nsp', 'pretrain with next-sentence prediction (segment pairs) instead of packed sequences').hideHelp())
    .addOption(new Option('--seeds <n>', 'fine-tuning runs').argParser(integerAtLeast(1)).hideHelp())
    .addOption(new Option('--tiny', 'a 1-layer, 64-wide model with short sequences').hideHelp())
    .action(async (options: StartOptions) => {
      await runStart(options);
    });
}

function planOf(options: StartOptions): SupersensePlan {
  const plan = { ...(options.long ? LONG_PLAN : QUICK_PLAN) };
  if (options.vocabSize !== undefined) plan.vocabSize = options.vocabSize;
  if (options.pretrainSteps !== undefined) plan.pretrainSteps = options.pretrainSteps;
  if (options.finetuneEpochs !== undefined) plan.finetuneEpochs = options.finetuneEpochs;
  if (options.finetuneLr !== undefined) plan.finetuneLearningRate = options.finetuneLr;
  if (options.finetuneBatchSize !== undefined) plan.finetuneBatchSize = options.finetuneBatchSize;
  if (options.classWeightPower !== undefined) plan.classWeightPower = options.classWeightPower;
  if (options.nsp) plan.pretrainNsp = true;
  if (options.seeds !== undefined) plan.seeds = options.seeds;
  if (options.timeBudget !== undefined) plan.timeBudgetSeconds = options.timeBudget;
  return plan;
}

async function runStart(options: StartOptions): Promise<void> {
  // A line printed while a bar is drawn (the held-out scores during pretraining) first clears the bar's line.
  const drawn = new Set<ProgressBar>();
  const print = (line: string): void => {
    if (drawn.size > 0 && process.stderr.isTTY && !options.quiet) process.stderr.write('\r\x1b[K');
    console.log(line);
  };
  const result = await runWordNetSupersenses({
    output: options.output,
    plan: planOf(options),
    ...(options.synsets === undefined ? {} : { synsets: options.synsets }),
    ...(options.tiny ? { tiny: true } : {}),
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    print,
    progress: (task) => {
      const bar = new ProgressBar(task, options);
      drawn.add(bar);
      return {
        update: (done) => bar.update(done),
        setTotal: (total) => bar.setTotal(total),
        stop: () => {
          bar.stop();
          drawn.delete(bar);
        },
      };
    },
  });
  console.log('\nNext');
  console.log(`  echo '{"text": "a small dog with a curly tail"}' | npx bertkit predict --model ${shownPath(result.classifierDir)} --input -`);
  console.log(`  npx bertkit fill-mask --model ${shownPath(result.pretrainedDir)} "a domesticated [MASK] that barks"`);
  console.log(`  npx bertkit pretrain --init ${shownPath(result.pretrainedDir)} --corpus my-corpus.txt --output my-bert --max-steps 1000`);
  if (!options.long) console.log('  npm start -- --long        # a bigger model, longer training, more seeds');
}
