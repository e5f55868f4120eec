// WordPiece vocabulary training, as Hugging Face tokenizers' WordPieceTrainer (a BpeTrainer with
// continuing_subword_prefix '##'; the vocabulary keeps the BPE ids, see trainer-merges.ts).
// Corpora are streamed line by line; only the word counts are held in memory.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';
import { fileSize, readLineChunks } from '../io/text-lines.js';
import { BertTokenizer, type BertTokenizerConfig } from './bert-tokenizer.js';
import { BERT_UNCASED, type NormalizerOptions } from './normalizer.js';
import { learnVocabulary, type LearnedVocabulary } from './trainer-merges.js';
import { WordCounter } from './trainer-words.js';
import { Vocab } from './vocab.js';

export { VocabularyTooSmallError } from './trainer-merges.js';

/** BERT's special tokens, in the order of Google's vocab files' conventions and HF's BertWordPieceTokenizer. */
export const BERT_SPECIAL_TOKENS: readonly string[] = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];

export interface WordPieceTrainerOptions {
  /** Target vocabulary size, special tokens included (HF default 30000). */
  vocabSize?: number;
  /** A pair must occur at least this often to be merged (default 0, as HF). */
  minFrequency?: number;
  /** First in the vocabulary, in this order (default BERT_SPECIAL_TOKENS). */
  specialTokens?: readonly string[];
  /** Keep at most this many alphabet characters, the most frequent (default: all). */
  limitAlphabet?: number;
  /** Characters always in the alphabet (a string is taken as its characters). */
  initialAlphabet?: readonly string[] | string;
  /** Default '##'. */
  continuingSubwordPrefix?: string;
  /** Applied to each line before splitting it into words (default BERT_UNCASED). */
  normalizer?: NormalizerOptions;
  onProgress?: (progress: TrainingProgress) => void;
}

export type TrainingProgress =
  | { phase: 'read'; file: string; bytesRead: number; bytesTotal: number; lines: number }
  | { phase: 'merge'; vocabularySize: number; target: number };

/** Lines of text, or corpus files (plain text or .gz, read as UTF-8 lines). */
export type TrainingSource = { texts: Iterable<string> | AsyncIterable<string> } | { files: readonly string[] };

export interface WordPieceTraining extends Omit<LearnedVocabulary, 'tokens'> {
  vocab: Vocab;
  /** Lines or texts read. */
  texts: number;
  /** Words after normalization and pre-tokenization, with repetitions. */
  words: number;
  distinctWords: number;
}

/** Trains a WordPiece vocabulary on a corpus. */
export async function trainWordPiece(source: TrainingSource, options: WordPieceTrainerOptions = {}): Promise<WordPieceTraining> {
  const counter = new WordCounter(options.normalizer ?? BERT_UNCASED);
  if ('files' in source) await countFiles(source.files, counter, options.onProgress);
  else for await (const text of source.texts) counter.add(text);
  return trainOnWordCounts(counter.counts, options, counter);
}

/** Trains on word counts (word → occurrences) that were already normalized and pre-tokenized. */
export function trainOnWordCounts(
  wordCounts: ReadonlyMap<string, number>,
  options: WordPieceTrainerOptions = {},
  totals: { texts: number; words: number } = { texts: 0, words: sum(wordCounts.values()) },
): WordPieceTraining {
  const vocabSize = options.vocabSize ?? 30000;
  checkCount('vocabSize', vocabSize, 1);
  checkCount('minFrequency', options.minFrequency ?? 0, 0);
  if (options.limitAlphabet !== undefined) checkCount('limitAlphabet', options.limitAlphabet, 0);
  const onProgress = options.onProgress;
  const { tokens, ...learned } = learnVocabulary(wordCounts, {
    vocabSize,
    minFrequency: options.minFrequency ?? 0,
    specialTokens: options.specialTokens ?? BERT_SPECIAL_TOKENS,
    limitAlphabet: options.limitAlphabet,
    initialAlphabet: typeof options.initialAlphabet === 'string' ? [...options.initialAlphabet] : options.initialAlphabet ?? [],
    continuingSubwordPrefix: options.continuingSubwordPrefix ?? '##',
    onMerge: onProgress && ((vocabularySize) => onProgress({ phase: 'merge', vocabularySize, target: vocabSize })),
  });
  return {
    vocab: Vocab.fromTokens(tokens, 'trained vocabulary'),
    ...learned,
    texts: totals.texts,
    words: totals.words,
    distinctWords: wordCounts.size,
  };
}

async function countFiles(
  files: readonly string[],
  counter: WordCounter,
  onProgress: WordPieceTrainerOptions['onProgress'],
): Promise<void> {
  // Sizes first, so that a missing file fails before minutes of reading, and progress has a total.
  const sizes = files.map((file) => {
    try {
      return fileSize(file);
    } catch {
      throw new Error(`corpus file ${file} does not exist or cannot be read`);
    }
  });
  const bytesTotal = sum(sizes);
  let bytesBefore = 0;
  for (let f = 0; f < files.length; f++) {
    const file = files[f]!;
    for await (const chunk of readLineChunks(file)) {
      for (const line of chunk.lines) counter.add(line);
      onProgress?.({ phase: 'read', file, bytesRead: bytesBefore + chunk.bytesRead, bytesTotal, lines: counter.texts });
    }
    bytesBefore += sizes[f]!;
  }
}

export interface SavedTokenizer {
  /** Paths of the files written. */
  files: string[];
  /** Special tokens a BertTokenizer needs that the vocabulary lacks; when any, only vocab.txt is written. */
  missingSpecialTokens: string[];
}

/**
 * Writes a trained vocabulary as a tokenizer directory in Hugging Face's layout (vocab.txt,
 * tokenizer.json, tokenizer_config.json, special_tokens_map.json), configured to normalize
 * as the training did. A vocabulary without BERT's special tokens gets vocab.txt alone.
 */
export function saveTrainedTokenizer(vocab: Vocab, dir: string, normalizer: NormalizerOptions = BERT_UNCASED): SavedTokenizer {
  const config: Partial<BertTokenizerConfig> = {
    doLowerCase: normalizer.lowercase,
    stripAccents: normalizer.stripAccents,
    tokenizeChineseChars: normalizer.handleChineseChars,
    cleanText: normalizer.cleanText,
  };
  const missingSpecialTokens = BERT_SPECIAL_TOKENS.filter((token) => vocab.id(token) === undefined);
  mkdirSync(dir, { recursive: true });
  if (missingSpecialTokens.length > 0) {
    const path = join(dir, 'vocab.txt');
    writeFileAtomic(path, Buffer.from(vocab.toText(), 'utf8'));
    return { files: [path], missingSpecialTokens };
  }
  BertTokenizer.fromVocab(vocab, config).save(dir);
  const names = ['vocab.txt', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'];
  return { files: names.map((name) => join(dir, name)), missingSpecialTokens };
}

function checkCount(name: string, value: number, minimum: number): void {
  if (!Number.isInteger(value) || value < minimum) throw new Error(`${name} must be an integer ≥ ${minimum}, got ${value}`);
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
