// `bertkit silver-pairs`: new scored pairs of a labelled file's sentences, scored by a fine-tuned
// bi-encoder, as training data for a cross-encoder (src/recipes/silver-pairs.ts says why).
import { type Command, Option } from 'commander';
import { formatScoredPairs } from '../../data/tasks/scored-pairs.js';
import { formatOf } from '../../data/tasks/table.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { SILVER_PAIRS_DEFAULTS, type SilverPairs, silverPairs } from '../../recipes/silver-pairs.js';
import { integerAtLeast } from '../args.js';
import { ProgressBar } from '../progress.js';
import { type DataCliOptions, taskLoadOptions } from './finetune.js';

interface SilverPairsCliOptions extends Pick<DataCliOptions, 'textColumn' | 'textPairColumn' | 'labelColumn' | 'format'> {
  teacher: string[];
  pairs: string;
  output: string;
  neighbours: number;
  randomPartners: number;
  seed: number;
  gold: boolean;
  threads?: number;
  quiet?: boolean;
}

export function registerSilverPairs(program: Command): void {
  program
    .command('silver-pairs')
    .description('score new pairs of the sentences of a labelled pair file with a fine-tuned bi-encoder (finetune --task similarity): training data for a cross-encoder (finetune --task regression), as Augmented SBERT')
    .requiredOption('--teacher <dirs...>', 'the bi-encoder: a sentence-embedding model fine-tuned on the gold pairs; several (e.g. the seeds of one run) score by their mean cosine')
    .requiredOption('--pairs <file>', 'the gold scored pairs (tsv/csv/jsonl, as finetune reads them, e.g. STS-B\'s train.tsv)')
    .requiredOption('--output <file>', 'where the pairs go, atomically: .jsonl as JSON Lines, else TSV (sentence1, sentence2, score); not .csv or .gz')
    .option('--neighbours <k>', 'pair each sentence with its k most similar other sentences', integerAtLeast(0), SILVER_PAIRS_DEFAULTS.neighbours)
    .option('--random-partners <k>', 'and with k random other sentences', integerAtLeast(0), SILVER_PAIRS_DEFAULTS.randomPartners)
    .option('--seed <n>', 'seed of the random partners', integerAtLeast(0), SILVER_PAIRS_DEFAULTS.seed)
    .option('--no-gold', 'write the silver pairs only (default: the gold pairs first, then the silver ones)')
    .option('--text-column <name>', 'column (or JSON field) of the first text (default: sentence1, text_a, …)')
    .option('--text-pair-column <name>', 'column of the second text (default: sentence2, text_b, …)')
    .option('--label-column <name>', 'column of the score (default: score or label)')
    .addOption(new Option('--format <format>', 'format of --pairs (default: from the extension)').choices(['tsv', 'csv', 'jsonl']))
    .option('--threads <n>', 'ONNX Runtime threads (default: all cores)', integerAtLeast(1))
    .option('--quiet', 'no progress bar')
    .action(async (options: SilverPairsCliOptions) => {
      const outputFormat = formatOf(options.output);
      if (outputFormat === 'csv' || /\.gz$/i.test(options.output)) throw new Error(`--output ${options.output}: silver-pairs writes .jsonl (JSON Lines) or TSV (any other name, e.g. .tsv), not CSV or gzip`);
      const progress = new ProgressBar({ label: 'embedding', total: 1, unit: 'sentences' }, { quiet: options.quiet });
      let result: SilverPairs;
      try {
        result = await silverPairs(options.pairs, options.teacher, {
          neighbours: options.neighbours,
          randomPartners: options.randomPartners,
          seed: options.seed,
          load: taskLoadOptions(options),
          ...(options.threads === undefined ? {} : { threads: options.threads }),
          onProgress: (done, total) => {
            progress.setTotal(total);
            progress.update(done);
          },
        });
      } finally {
        progress.stop();
      }
      const pairs = options.gold ? [...result.gold, ...result.silver] : result.silver;
      writeFileAtomic(options.output, new TextEncoder().encode(formatScoredPairs(pairs, outputFormat)));
      const { intercept, slope, pearson } = result.calibration;
      const teachers = options.teacher.length === 1 ? 'teacher' : `${options.teacher.length} teachers' mean`;
      process.stderr.write(`bertkit silver-pairs: ${result.sentences} sentences; ${teachers} on the gold pairs: Pearson ${pearson.toFixed(3)}, score = ${intercept.toFixed(3)} + ${slope.toFixed(3)} · cosine\n`);
      process.stderr.write(`bertkit silver-pairs: wrote ${options.gold ? `${result.gold.length} gold + ` : ''}${result.silver.length} silver pairs to ${options.output}\n`);
    });
}
