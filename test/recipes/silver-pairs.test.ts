// silverPairs against a float64 reimplementation of its rules: the teacher's embeddings (taken
// through BertInference, whose forward pass other tests hold to PyTorch) compared by brute force in
// float64, gold scores made an exact line of those cosines, so the calibration must recover the line.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readTextExamples } from '../../src/data/tasks/classification.js';
import { headsOf } from '../../src/model/architecture.js';
import { saveBert } from '../../src/model/checkpoint.js';
import { initialParameters } from '../../src/model/initial-parameters.js';
import { silverPairs } from '../../src/recipes/silver-pairs.js';
import { BertInference } from '../../src/serve/bert-inference.js';
import { BertTokenizer } from '../../src/tokenizer/bert-tokenizer.js';
import { Vocab } from '../../src/tokenizer/vocab.js';
import { presetConfig } from '../../src/train/presets.js';
import { bertkit } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-silver-pairs-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const WORDS = ['red', 'blue', 'green', 'cat', 'dog', 'bird', 'runs', 'sleeps', 'sings', 'fast', 'slowly', 'here'];
const vocab = Vocab.fromTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...WORDS]);
const config = { ...presetConfig('tiny', vocab.size), hidden_size: 16, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 16, num_hidden_layers: 1 };
const teacher = join(dir, 'teacher');
saveBert(teacher, { config, heads: headsOf('BertModel'), parameters: initialParameters(config, headsOf('BertModel'), 7).parameters }, { tokenizer: BertTokenizer.fromVocab(vocab) });

/** 24 distinct three-word sentences. */
const sentences = Array.from({ length: 24 }, (_, i) => `${WORDS[i % 3]} ${WORDS[3 + (Math.floor(i / 3) % 4)]} ${WORDS[6 + Math.floor(i / 12)]}`);
assert.equal(new Set(sentences).size, sentences.length);

/** A second teacher, wider and with other weights, for the mean of two teachers' cosines. */
const secondTeacher = join(dir, 'second-teacher');
const wider = { ...config, hidden_size: 24, intermediate_size: 48 };
saveBert(secondTeacher, { config: wider, heads: headsOf('BertModel'), parameters: initialParameters(wider, headsOf('BertModel'), 8).parameters }, { tokenizer: BertTokenizer.fromVocab(vocab) });

async function teacherCosines(model = teacher): Promise<number[][]> {
  const inference = await BertInference.load(model, { threads: 1 });
  try {
    const embeddings = await inference.embed(sentences, { pooling: 'mean' });
    const unit = embeddings.map((e) => { const norm = Math.hypot(...e); return Array.from(e, (x) => x / norm); });
    return unit.map((a) => unit.map((b) => a.reduce((sum, x, k) => sum + x * b[k]!, 0)));
  } finally {
    await inference.dispose();
  }
}

/** Gold pairs (i, i+1) for even i, scored 1 + 3 · cosine. */
function writeGold(path: string, cosines: number[][], line = (c: number) => 1 + 3 * c): [number, number][] {
  const pairs: [number, number][] = [];
  for (let i = 0; i + 1 < sentences.length; i += 2) pairs.push([i, i + 1]);
  writeFileSync(path, ['sentence1\tsentence2\tscore', ...pairs.map(([a, b]) => `${sentences[a]}\t${sentences[b]}\t${line(cosines[a]![b]!)}`)].join('\n') + '\n');
  return pairs;
}

const key = (a: string, b: string) => [a, b].sort().join(' | ');

/** Each sentence with its k nearest others by brute-force cosine (ties to the lower index), gold pairs left out. */
function nearestPairKeys(cosines: number[][], k: number, goldPairs: [number, number][]): Set<string> {
  const goldKeys = new Set(goldPairs.map(([a, b]) => key(sentences[a]!, sentences[b]!)));
  const expected = new Set<string>();
  sentences.forEach((_, i) => {
    const nearest = sentences.map((__, j) => j).filter((j) => j !== i).sort((a, b) => cosines[i]![b]! - cosines[i]![a]! || a - b).slice(0, k);
    for (const j of nearest) if (!goldKeys.has(key(sentences[i]!, sentences[j]!))) expected.add(key(sentences[i]!, sentences[j]!));
  });
  return expected;
}

test('silverPairs: each sentence with its nearest others by float64 cosine, scored on the gold line, gold pairs not repeated', async () => {
  const cosines = await teacherCosines();
  const gold = join(dir, 'gold.tsv');
  const goldPairs = writeGold(gold, cosines);
  const result = await silverPairs(gold, teacher, { neighbours: 2, randomPartners: 0, threads: 1 });

  assert.equal(result.sentences, sentences.length);
  assert.equal(result.gold.length, goldPairs.length);
  assert.ok(Math.abs(result.calibration.slope - 3) < 1e-3 && Math.abs(result.calibration.intercept - 1) < 1e-3, JSON.stringify(result.calibration));
  assert.ok(result.calibration.pearson > 0.9999);

  const expected = nearestPairKeys(cosines, 2, goldPairs);
  assert.deepEqual(new Set(result.silver.map((pair) => key(pair.text, pair.textPair))), expected);
  assert.equal(result.silver.length, expected.size, 'no pair twice');
  const lowest = Math.min(...result.gold.map((p) => p.score)), highest = Math.max(...result.gold.map((p) => p.score));
  for (const pair of result.silver) {
    const c = cosines[sentences.indexOf(pair.text)]![sentences.indexOf(pair.textPair)]!;
    assert.ok(Math.abs(pair.score - Math.min(highest, Math.max(lowest, 1 + 3 * c))) < 1e-4, `${pair.text} | ${pair.textPair}: ${pair.score}`);
  }
});

test('silverPairs with two teachers: neighbours and scores by the mean of their float64 cosines', async () => {
  const [first, second] = [await teacherCosines(), await teacherCosines(secondTeacher)];
  const mean = first.map((row, i) => row.map((c, j) => (c + second[i]![j]!) / 2));
  const gold = join(dir, 'gold-two-teachers.tsv');
  const goldPairs = writeGold(gold, mean);
  const result = await silverPairs(gold, [teacher, secondTeacher], { neighbours: 3, randomPartners: 0, threads: 1 });
  assert.ok(Math.abs(result.calibration.slope - 3) < 1e-3 && Math.abs(result.calibration.intercept - 1) < 1e-3, JSON.stringify(result.calibration));

  const expected = nearestPairKeys(mean, 3, goldPairs);
  assert.deepEqual(new Set(result.silver.map((pair) => key(pair.text, pair.textPair))), expected);
  const alone = await silverPairs(gold, teacher, { neighbours: 3, randomPartners: 0, threads: 1 });
  assert.notDeepEqual(new Set(alone.silver.map((pair) => key(pair.text, pair.textPair))), expected, 'the fixture must tell one teacher from two');
  for (const pair of result.silver) {
    const c = mean[sentences.indexOf(pair.text)]![sentences.indexOf(pair.textPair)]!;
    assert.ok(Math.abs(pair.score - (1 + 3 * c)) < 1e-4, `${pair.text} | ${pair.textPair}: ${pair.score} against ${1 + 3 * c}`);
  }
  await assert.rejects(silverPairs(gold, [], { threads: 1 }), /silverPairs: no teacher/);
});

test('silverPairs: random partners add distinct pairs; a teacher whose cosines fall with the scores, or single texts, are errors', async () => {
  const cosines = await teacherCosines();
  const gold = join(dir, 'gold-random.tsv');
  writeGold(gold, cosines);
  const result = await silverPairs(gold, teacher, { neighbours: 0, randomPartners: 3, seed: 5, threads: 1 });
  const keys = result.silver.map((pair) => key(pair.text, pair.textPair));
  assert.equal(result.silver.length, 3 * sentences.length, 'three partners each: a draw that hits a taken pair draws again');
  // sentence i's partners are pairs 3i..3i+2; each pair is written in a random order, not anchor first
  const anchorFirst = result.silver.filter((pair, k) => pair.text === sentences[Math.floor(k / 3)]).length;
  assert.ok(anchorFirst > 0.25 * result.silver.length && anchorFirst < 0.75 * result.silver.length, `${anchorFirst} of ${result.silver.length} pairs open with their anchor`);
  assert.ok(result.silver.every((pair, k) => pair.text === sentences[Math.floor(k / 3)] || pair.textPair === sentences[Math.floor(k / 3)]));
  assert.equal(new Set(keys).size, keys.length);
  assert.ok(result.silver.every((pair) => pair.text !== pair.textPair));
  const goldKeys = new Set(result.gold.map((pair) => key(pair.text, pair.textPair)));
  assert.ok(keys.every((k) => !goldKeys.has(k)), 'no gold pair again');
  assert.deepEqual((await silverPairs(gold, teacher, { neighbours: 0, randomPartners: 3, seed: 5, threads: 1 })).silver, result.silver, 'the seed decides');
  assert.notDeepEqual((await silverPairs(gold, teacher, { neighbours: 0, randomPartners: 3, seed: 6, threads: 1 })).silver, result.silver);

  const flat = join(dir, 'flat.tsv');
  writeGold(flat, cosines, () => 2);
  await assert.rejects(silverPairs(flat, teacher, { threads: 1 }), /flat\.tsv: all 12 pairs score 2; silver scores are placed on the gold scale/);

  const falling = join(dir, 'falling.tsv');
  writeGold(falling, cosines, (c) => 5 - 3 * c);
  await assert.rejects(silverPairs(falling, teacher, { threads: 1 }), /teacher's cosines do not rise with the scores of .*falling\.tsv \(Pearson -1\.000\)/);

  const twoTexts = join(dir, 'two-texts.tsv');
  writeFileSync(twoTexts, 'sentence1\tsentence2\tscore\nred cat runs\tblue dog sleeps\t1\nblue dog sleeps\tred cat runs\t2\n');
  await assert.rejects(silverPairs(twoTexts, teacher, { threads: 1 }), /two-texts\.tsv: 2 distinct texts; new pairs need at least 3/);

  const single = join(dir, 'single.tsv');
  writeFileSync(single, 'sentence\tscore\nred cat runs\t1\nblue dog sleeps\t2\n');
  await assert.rejects(silverPairs(single, teacher, { threads: 1 }), /single\.tsv: similarity needs a pair of texts per row; no text pair column/);
});

test('bertkit silver-pairs writes gold then silver pairs that finetune reads back, as TSV or JSON Lines', async () => {
  const gold = join(dir, 'gold-cli.tsv');
  const goldPairs = writeGold(gold, await teacherCosines());
  const tsv = join(dir, 'silver.tsv');
  const run = bertkit('silver-pairs', '--teacher', teacher, '--pairs', gold, '--output', tsv, '--threads', '1', '--quiet');
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /24 sentences; teacher on the gold pairs: Pearson 1\.000, score = 1\.000 \+ 3\.000 · cosine/);
  const two = bertkit('silver-pairs', '--teacher', teacher, secondTeacher, '--pairs', gold, '--output', join(dir, 'two.tsv'), '--threads', '1', '--quiet');
  assert.equal(two.status, 0, two.stderr);
  assert.match(two.stderr, /24 sentences; 2 teachers' mean on the gold pairs: Pearson/);
  const written = await readTextExamples(tsv, 'regression');
  const silverCount = Number(/wrote 12 gold \+ (\d+) silver pairs/.exec(run.stderr)![1]);
  assert.equal(written.length, goldPairs.length + silverCount);
  assert.deepEqual(written.slice(0, 2).map((e) => [e.text, e.textPair]), [[sentences[0], sentences[1]], [sentences[2], sentences[3]]]);

  const jsonl = join(dir, 'silver.jsonl');
  const silverOnly = bertkit('silver-pairs', '--teacher', teacher, '--pairs', gold, '--output', jsonl, '--no-gold', '--threads', '1', '--quiet');
  assert.equal(silverOnly.status, 0, silverOnly.stderr);
  const lines = readFileSync(jsonl, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { sentence1: string; sentence2: string; score: number });
  assert.equal(lines.length, silverCount);
  assert.deepEqual((await readTextExamples(jsonl, 'regression')).map((e) => e.label), lines.map((l) => l.score));

  const tabbed = join(dir, 'tabbed.jsonl');
  writeFileSync(tabbed, `${JSON.stringify({ sentence1: 'red\tcat', sentence2: 'blue dog', score: 1 })}\n${JSON.stringify({ sentence1: 'green bird', sentence2: 'red dog', score: 3 })}\n`);
  const bad = bertkit('silver-pairs', '--teacher', teacher, '--pairs', tabbed, '--output', join(dir, 'tabbed-out.tsv'), '--threads', '1', '--quiet');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /the text "red\\tcat" holds a tab or a line break, which a TSV cell cannot; write \.jsonl instead/);
  const csv = bertkit('silver-pairs', '--teacher', teacher, '--pairs', gold, '--output', join(dir, 'silver.csv'), '--quiet');
  assert.notEqual(csv.status, 0);
  assert.match(csv.stderr, /--output .*silver\.csv: silver-pairs writes \.jsonl \(JSON Lines\) or TSV/);
});
