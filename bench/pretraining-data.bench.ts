// Suite 'pretraining-data': the MLM + NSP data pipeline on the shared Gutenberg corpus with
// bert-base-uncased's vocabulary: building shards (read, split sentences, tokenise, write), and
// instances/s of PretrainingDataset batches (Google's instance algorithm + masking + [B, T] int64
// tensors) for NSP at 128 and 512, whole-word masking, and MLM-only packing. Peer: the same
// instance algorithm in CPython (bench/google_instances.py, as create_pretraining_data.py runs it)
// over the same token ids, one pass, without writing TFRecords.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildShards, type ShardSet } from '../src/data/shards.js';
import { PretrainingDataset, type PretrainingDataOptions } from '../src/data/pretraining-dataset.js';
import { BertTokenizer } from '../src/tokenizer/bert-tokenizer.js';
import { sharedPath } from '../test/helpers/shared.js';
import type { BenchRow } from './types.js';
import { median } from './measure.js';

export const suite = 'pretraining-data';

const RUNS = 3;

export async function run(): Promise<BenchRow[]> {
  const corpus = sharedPath('data', 'corpus', 'gutenberg');
  const vocabFile = sharedPath('data', 'vocab', 'bert-base-uncased', 'vocab.txt');
  if (!existsSync(corpus) || !existsSync(vocabFile)) {
    console.error(`pretraining-data: skipped, needs ${corpus} and ${vocabFile}`);
    return [];
  }
  const tokenizer = BertTokenizer.fromPretrained(vocabFile);
  const megabytes = readdirSync(corpus).reduce((sum, file) => sum + statSync(join(corpus, file)).size, 0) / 1e6;
  const work = mkdtempSync(join(tmpdir(), 'bertkit-bench-data-'));
  try {
    const buildTimes: number[] = [];
    let shards: ShardSet | null = null;
    for (let r = 0; r < RUNS; r++) {
      console.error(`pretraining-data: building shards, run ${r + 1}/${RUNS}`);
      const started = performance.now();
      shards = await buildShards([corpus], tokenizer, join(work, `shards-${r}`), { maxDocumentSentences: 100 });
      buildTimes.push((performance.now() - started) / 1000);
    }
    const tokens = shards!.manifest.splits.train.tokens + shards!.manifest.splits.heldOut.tokens;
    const build = median(buildTimes);
    const corpusNote = `Gutenberg ${megabytes.toFixed(1)} MB, ${tokens} tokens, documents of ≤ ~100 sentences; median of ${RUNS}`;
    const rows: BenchRow[] = [
      { suite, metric: 'build shards (read + split + tokenise + write)', value: megabytes / build, unit: 'MB/s', note: corpusNote },
      { suite, metric: 'build shards, tokens', value: tokens / build, unit: 'tokens/s', note: corpusNote },
    ];

    const peer = pythonPeer(shards!, work);
    const base: PretrainingDataOptions = { maxSeqLength: 128, shortSeqProb: 0.1, maskedLmProb: 0.15, maxPredictionsPerSeq: 20, nsp: true, wholeWordMask: false, seed: 1, vocab: tokenizer.vocab };
    const cases: [string, Partial<PretrainingDataOptions>][] = [
      ['NSP + MLM, T=128, batch 32', {}],
      ['NSP + MLM, T=512, batch 32', { maxSeqLength: 512, maxPredictionsPerSeq: 80 }],
      ['NSP + whole-word MLM, T=128, batch 32', { wholeWordMask: true }],
      ['MLM only (FULL-SENTENCES), T=128, batch 32', { nsp: false }],
    ];
    for (const [name, overrides] of cases) {
      const options = { ...base, ...overrides };
      const rates: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        console.error(`pretraining-data: ${name}, run ${r + 1}/${RUNS}`);
        const dataset = await PretrainingDataset.open(shards!, options);
        let instances = 0;
        const started = performance.now();
        while (dataset.epoch === 0) {
          dataset.nextBatch(32);
          instances += 32;
        }
        rates.push(instances / ((performance.now() - started) / 1000));
        dataset.close();
      }
      const row: BenchRow = { suite, metric: `batches/s × 32: ${name}`, value: median(rates), unit: 'instances/s', note: `one epoch from shards, batches as int64 tensors; median of ${RUNS}` };
      const peerRate = peer?.[options.maxSeqLength];
      if (options.nsp && !options.wholeWordMask && peerRate !== undefined) {
        row.peer = { name: 'Google instance algorithm, CPython (bench/google_instances.py)', value: peerRate };
        row.ratio = row.value / peerRate;
      }
      rows.push(row);
    }
    return rows;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Instances/s of the CPython port at T = 128 and 512, or null without python3. */
function pythonPeer(shards: ShardSet, work: string): Record<number, number> | null {
  const train = shards.split('train');
  const documents = Array.from({ length: train.documentCount }, (_, d) => train.document(d).map((sentence) => Array.from(sentence)));
  const file = join(work, 'documents.json');
  writeFileSync(file, JSON.stringify(documents));
  const script = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'google_instances.py');
  const rates: Record<number, number> = {};
  try {
    for (const [length, predictions] of [[128, 20], [512, 80]] as const) {
      console.error(`pretraining-data: CPython peer, T=${length}`);
      const result = JSON.parse(execFileSync('python3', [script, file, String(length), String(predictions), String(shards.manifest.vocab.size)], { encoding: 'utf8' })) as { instances: number; seconds: number };
      rates[length] = result.instances / result.seconds;
    }
  } catch (error) {
    console.error(`pretraining-data: no CPython peer (${(error as Error).message.split('\n')[0]})`);
    return null;
  }
  return rates;
}

