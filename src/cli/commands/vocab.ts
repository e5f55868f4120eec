// `bertkit vocab train`: a WordPiece vocabulary from text files, as HF tokenizers' WordPieceTrainer.
import type { Command } from 'commander';
import { expandCorpusPaths } from '../../data/corpus.js';
import { count } from '../../recipes/report-format.js';
import { BERT_CASED, BERT_UNCASED } from '../../tokenizer/normalizer.js';
import {
  BERT_SPECIAL_TOKENS,
  saveTrainedTokenizer,
  trainWordPiece,
  type SavedTokenizer,
  type TrainingProgress,
  type WordPieceTraining,
} from '../../tokenizer/trainer.js';
import { integerAtLeast } from '../args.js';
import { ProgressBar } from '../progress.js';

interface VocabTrainOptions {
  corpus: string[];
  vocabSize: number;
  lowercase: boolean;
  minFrequency: number;
  limitAlphabet?: number;
  initialAlphabet?: string;
  specialTokens: string[];
  output: string;
  quiet?: boolean;
}

export function registerVocab(program: Command): void {
  const vocab = program.command('vocab').description('WordPiece vocabularies');
  vocab
    .command('train')
    .description("train a WordPiece vocabulary on text files, as Hugging Face tokenizers' WordPieceTrainer")
    .requiredOption('--corpus <paths...>', 'UTF-8 text files (.gz accepted), folders (every file below) or globs (quote them: "corpus/**/*.txt"), read line by line')
    .requiredOption('--vocab-size <n>', 'vocabulary size, special tokens included', integerAtLeast(1))
    .option('--lowercase', 'lowercase and strip accents, as uncased BERT', true)
    .option('--no-lowercase', 'keep case and accents, as cased BERT')
    .option('--min-frequency <n>', 'merge only pairs seen at least n times', integerAtLeast(0), 0)
    .option('--limit-alphabet <n>', 'keep only the n most frequent characters', integerAtLeast(0))
    .option('--initial-alphabet <chars>', 'characters to keep in the alphabet even if rare or absent')
    .option('--special-tokens <tokens...>', 'first tokens of the vocabulary, in order', [...BERT_SPECIAL_TOKENS])
    .requiredOption('--output <dir>', 'directory for vocab.txt, tokenizer.json, tokenizer_config.json, special_tokens_map.json')
    .option('--quiet', 'no progress bars')
    .action(async (options: VocabTrainOptions) => {
      await runVocabTrain(options);
    });
}

async function runVocabTrain(options: VocabTrainOptions): Promise<void> {
  const started = performance.now();
  const normalizer = options.lowercase ? BERT_UNCASED : BERT_CASED;
  const progress = new TrainingProgressBars({ quiet: options.quiet });
  const files = expandCorpusPaths(options.corpus);
  let training: WordPieceTraining;
  try {
    training = await trainWordPiece(
      { files },
      {
        vocabSize: options.vocabSize,
        minFrequency: options.minFrequency,
        limitAlphabet: options.limitAlphabet,
        initialAlphabet: options.initialAlphabet,
        specialTokens: options.specialTokens,
        normalizer,
        onProgress: progress.onProgress,
      },
    );
  } finally {
    progress.stop();
  }
  const saved = saveTrainedTokenizer(training.vocab, options.output, normalizer);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `Trained a WordPiece vocabulary of ${count(training.vocab.size)} tokens in ${seconds.toFixed(1)} s ` +
      `(${options.lowercase ? 'lowercased' : 'cased'}).`,
  );
  console.log(
    `  corpus:   ${count(files.length)} file(s), ${count(training.texts)} lines, ` +
      `${count(training.words)} words (${count(training.distinctWords)} distinct)`,
  );
  console.log(`  alphabet: ${count(training.alphabetSize)} characters; ${count(training.merges)} merges`);
  if (training.stoppedBy !== 'vocab-size') console.log(`  ${describeEarlyStop(training, options.vocabSize)}`);
  printSaved(saved);
}

/** Why a training ended below the requested size, in words a user can act on. */
export function describeEarlyStop(training: WordPieceTraining, requested: number): string {
  const reason =
    training.stoppedBy === 'min-frequency'
      ? 'every remaining pair occurs fewer times than --min-frequency'
      : 'no pairs are left to merge (every word is a single token)';
  return `note: stopped at ${count(training.vocab.size)} of the ${count(requested)} tokens asked for: ${reason}`;
}

export function printSaved(saved: SavedTokenizer): void {
  console.log(`  saved:    ${saved.files.join(', ')}`);
  if (saved.missingSpecialTokens.length > 0) {
    console.log(
      `  note: only vocab.txt was written: a BERT tokenizer also needs ${saved.missingSpecialTokens.join(' ')}, ` +
        'which --special-tokens left out',
    );
  }
}

/** Progress on stderr: bytes read (files) or texts counted, then merges. */
export class TrainingProgressBars {
  private reading: ProgressBar | null = null;
  private merging: ProgressBar | null = null;

  constructor(private readonly options: { quiet?: boolean }) {}

  readonly onProgress = (progress: TrainingProgress): void => {
    if (progress.phase === 'read') {
      this.reading ??= new ProgressBar({ label: 'reading corpus', total: progress.bytesTotal, unit: 'bytes' }, this.options);
      this.reading.update(progress.bytesRead);
      return;
    }
    if (this.merging === null) {
      this.reading?.stop();
      this.reading = null;
      this.merging = new ProgressBar({ label: 'merging pairs', total: progress.target, unit: 'tokens' }, this.options);
    }
    this.merging.update(progress.vocabularySize);
  };

  stop(): void {
    this.reading?.stop();
    this.merging?.stop();
  }
}
