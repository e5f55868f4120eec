// Time to train a 30k WordPiece vocabulary on the shared Gutenberg corpus (~6.7 MB), lowercased,
// end to end (streamed reading, normalization, word counting, merges), and the merge phase alone.
// No peer: HF tokenizers' trainer lives in its Rust/Python packages; the npm @huggingface/tokenizers
// (the JS port) has no trainer, and PyPI is not reachable here.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readLineChunks } from '../src/io/text-lines.js';
import { BERT_UNCASED } from '../src/tokenizer/normalizer.js';
import { trainOnWordCounts, trainWordPiece } from '../src/tokenizer/trainer.js';
import { WordCounter } from '../src/tokenizer/trainer-words.js';
import { sharedPath } from '../test/helpers/shared.js';
import type { BenchRow } from './types.js';
import { median } from './measure.js';

export const suite = 'vocab-train';

const VOCAB_SIZE = 30000;
const RUNS = 3;

export async function run(): Promise<BenchRow[]> {
  const dir = sharedPath('data', 'corpus', 'gutenberg');
  if (!existsSync(dir)) {
    console.error(`vocab-train: skipped, ${dir} (the project's shared data) is absent`);
    return [];
  }
  const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort().map((f) => join(dir, f));
  const megabytes = files.reduce((total, file) => total + statSync(file).size, 0) / 1e6;

  const endToEnd: number[] = [];
  let vocabSize = 0;
  for (let r = 0; r < RUNS; r++) {
    console.error(`vocab-train: end to end, run ${r + 1}/${RUNS}`);
    const started = performance.now();
    const training = await trainWordPiece({ files }, { vocabSize: VOCAB_SIZE, normalizer: BERT_UNCASED });
    endToEnd.push((performance.now() - started) / 1000);
    vocabSize = training.vocab.size;
  }
  if (vocabSize !== VOCAB_SIZE) throw new Error(`vocab-train: trained ${vocabSize} tokens instead of ${VOCAB_SIZE}`);

  const counter = new WordCounter(BERT_UNCASED);
  for (const file of files) for await (const chunk of readLineChunks(file)) for (const line of chunk.lines) counter.add(line);
  const mergeOnly: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    console.error(`vocab-train: merges only, run ${r + 1}/${RUNS}`);
    const started = performance.now();
    trainOnWordCounts(counter.counts, { vocabSize: VOCAB_SIZE });
    mergeOnly.push((performance.now() - started) / 1000);
  }

  const total = median(endToEnd);
  const note = `${files.length} Gutenberg files, ${megabytes.toFixed(1)} MB, ${counter.counts.size} distinct words; median of ${RUNS}; no peer (no WordPiece trainer in npm @huggingface/tokenizers)`;
  return [
    { suite, metric: 'train 30k WordPiece vocab, end to end', value: total, unit: 's', goal: '≤ 60 s', note },
    { suite, metric: 'corpus throughput (read + normalize + count + merge)', value: megabytes / total, unit: 'MB/s', note },
    { suite, metric: 'merge phase only (30k vocab)', value: median(mergeOnly), unit: 's', note },
  ];
}

