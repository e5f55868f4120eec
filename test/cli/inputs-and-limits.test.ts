// What the inference and training commands do with inputs that used to give silently wrong results
// or crash: blank and invalid-UTF-8 JSONL lines, standard input by default, TSV inputs for predict,
// the NER aggregation strategy, --max-seq-length beyond the position table, float labels for a
// classification task, and an --init model without its vocabulary. The model is the tiny random
// token-classification fixture with the fixture's vocabulary: no training needed.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { corpusFormatOf } from '../../src/data/corpus.js';
import { BertTokenizer } from '../../src/tokenizer/bert-tokenizer.js';
import { bertkit, runCli } from '../helpers/cli.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, fixturePath } from '../model/fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-inputs-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const skip = skipWithoutShared(FIXTURE, 'token-classification', 'model.safetensors');

/** A model directory from the fixture's files: config and weights of `variant` (or the base model), the fixture's vocabulary. */
function modelDir(name: string, variant: string | null, withVocab = true): string {
  const target = join(dir, name);
  if (existsSync(target)) return target;
  mkdirSync(target);
  const source = variant === null ? fixturePath() : fixturePath(variant);
  for (const file of ['config.json', 'model.safetensors']) copyFileSync(join(source, file), join(target, file));
  if (withVocab) for (const file of ['vocab.txt', 'tokenizer_config.json']) copyFileSync(fixturePath(file), join(target, file));
  return target;
}

const TEXTS = ['Yesterday Mary Wilson visited Headingley and Thiruvananthapuram', 'friends met Llanfairpwllgwyngyll folk in Kanagawa-ken today'];
const jsonl = (records: unknown[]) => records.map((record) => JSON.stringify(record)).join('\n') + '\n';
const lines = (text: string) => text.trim().split('\n').map((line) => JSON.parse(line) as unknown);

test('predict refuses a blank line and invalid UTF-8, naming the line, instead of skipping or replacing them', { skip }, () => {
  const tagger = modelDir('tagger', 'token-classification');
  const blank = join(dir, 'blank.jsonl');
  writeFileSync(blank, `${JSON.stringify({ text: TEXTS[0] })}\n\n${JSON.stringify({ text: TEXTS[1] })}\n`);
  const run = bertkit('predict', '--model', tagger, '--input', blank, '--threads', '1');
  assert.equal(run.status, 1);
  assert.match(run.stderr, /blank\.jsonl:2: empty line/);
  const invalid = join(dir, 'invalid.jsonl');
  writeFileSync(invalid, Buffer.concat([Buffer.from(`${JSON.stringify({ text: TEXTS[0] })}\n{"text": "caf`), Buffer.from([0xe9]), Buffer.from('"}\n')]));
  const bad = bertkit('predict', '--model', tagger, '--input', invalid, '--threads', '1');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /invalid\.jsonl:2: invalid UTF-8/);
});

let fromJsonl: string | undefined;
/** TEXTS predicted from JSON Lines on standard input, with the default settings (run once). */
function predictedFromJsonl(): string {
  if (fromJsonl === undefined) {
    const run = runCli(['predict', '--model', modelDir('tagger', 'token-classification'), '--threads', '1'], { input: jsonl(TEXTS.map((text) => ({ text }))) });
    assert.equal(run.status, 0, run.stderr);
    fromJsonl = run.stdout;
  }
  return fromJsonl;
}

test('predict ner: every word from its first piece by default (entities never end inside a word); --aggregation-strategy as transformers\'', { skip }, () => {
  const tagger = modelDir('tagger', 'token-classification');
  const predictions = lines(predictedFromJsonl()) as { entities: { entity_group: string; start: number; end: number }[] }[];
  assert.equal(predictions.length, TEXTS.length);
  // The random fixture tags pieces at random: with words from their first piece, every entity covers whole words.
  const tokenizer = BertTokenizer.fromPretrained(tagger);
  let entities = 0;
  predictions.forEach(({ entities: found }, i) => {
    const text = TEXTS[i]!;
    for (const { start, end } of found) {
      entities++;
      assert.ok(start === 0 || text[start - 1] === ' ', `${text}: an entity starts inside a word at ${start}`);
      assert.ok(end === text.length || text[end] === ' ', `${text}: an entity ends inside a word at ${end}`);
    }
  });
  assert.ok(entities > 0, 'the fixture tags some words');
  // Per token ("simple") the random model does cut words: the default differs from it.
  const simple = runCli(['predict', '--model', tagger, '--threads', '1', '--aggregation-strategy', 'simple'], { input: jsonl(TEXTS.map((text) => ({ text }))) });
  assert.equal(simple.status, 0, simple.stderr);
  const cut = (lines(simple.stdout) as { entities: { start: number; end: number }[] }[]).some(({ entities: found }, i) =>
    found.some(({ start, end }) => (start > 0 && TEXTS[i]![start - 1] !== ' ') || (end < TEXTS[i]!.length && TEXTS[i]![end] !== ' ')));
  assert.ok(cut, `tokens ${TEXTS.map((text) => tokenizer.encode(text).tokens.join(' ')).join(' | ')}: "simple" should cut a word on this fixture`);
  const none = runCli(['predict', '--model', tagger, '--threads', '1', '--aggregation-strategy', 'none'], { input: jsonl([{ text: TEXTS[0] }]) });
  assert.equal(none.status, 0, none.stderr);
  const tokens = (lines(none.stdout) as { entities: { entity: string; index: number; word: string }[] }[])[0]!.entities;
  assert.ok(tokens.length > 0 && tokens.every((token) => /^[BI]-/.test(token.entity) && Number.isInteger(token.index)));
});

/** TEXTS as a TSV with columns id and sentence. */
function textsTsv(): string {
  const table = join(dir, 'texts.tsv');
  writeFileSync(table, `id\tsentence\n1\t${TEXTS[0]}\n2\t${TEXTS[1]}\n`);
  return table;
}

test('predict reads a TSV\'s text column (--text-column), one output line per row', { skip }, () => {
  const tagger = modelDir('tagger', 'token-classification');
  const table = textsTsv();
  const fromColumn = bertkit('predict', '--model', tagger, '--input', table, '--text-column', 'sentence', '--threads', '1');
  assert.equal(fromColumn.status, 0, fromColumn.stderr);
  assert.deepEqual(lines(fromColumn.stdout), lines(predictedFromJsonl()));
  const unknown = bertkit('predict', '--model', tagger, '--input', table, '--text-column', 'nope');
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /texts\.tsv: unknown text column 'nope' \(columns: id, sentence\)/);
});

test('--max-seq-length beyond max_position_embeddings is refused up front by finetune, evaluate and predict; --max-length is its alias', { skip }, () => {
  const tagger = modelDir('tagger', 'token-classification');
  const conll = join(dir, 'tags.conll');
  writeFileSync(conll, 'Mary NNP B-NP B-PER\nWilson NNP I-NP I-PER\nwalked VBD B-VP O\n\n');
  const refused = /(max sequence length|--max-seq-length) 200 is more than the model's max_position_embeddings 128/;
  for (const args of [
    ['evaluate', '--model', tagger, '--data', conll, '--max-seq-length', '200'],
    ['predict', '--model', tagger, '--input', textsTsv(), '--max-length', '200'],
    ['finetune', '--task', 'ner', '--model', tagger, '--train', conll, '--output', join(dir, 'never'), '--max-seq-length', '200'],
  ]) {
    const run = bertkit(...args, '--threads', '1');
    assert.equal(run.status, 1, `${args[0]}: ${run.stderr}`);
    assert.match(run.stderr, refused, args[0]);
  }
  assert.ok(!existsSync(join(dir, 'never')));
});

test('finetune --task classification on fractional number labels warns and suggests --task regression', { skip }, () => {
  // No weights: the warning comes as the data is read, then the run stops where the weights are loaded.
  const model = join(dir, 'no-weights');
  mkdirSync(model);
  for (const file of ['config.json', 'vocab.txt', 'tokenizer_config.json']) copyFileSync(fixturePath(file), join(model, file));
  const scores = join(dir, 'scores.tsv');
  writeFileSync(scores, 'sentence\tlabel\na cat sat\t0.500\na dog ran\t3.800\nthe sun\t5.000\n');
  const run = bertkit('finetune', '--task', 'classification', '--model', model, '--train', scores, '--output', join(dir, 'scores-out'), '--threads', '1');
  assert.match(run.stderr, /warning: .*scores\.tsv: the labels look like scores \(3 numbers: 0\.500, 3\.800, 5\.000\).*--task regression/);
  const classes = join(dir, 'classes.tsv');
  writeFileSync(classes, 'sentence\tlabel\na cat sat\t0\na dog ran\t1\n');
  const quiet = bertkit('finetune', '--task', 'classification', '--model', model, '--train', classes, '--output', join(dir, 'classes-out'), '--threads', '1');
  assert.doesNotMatch(quiet.stderr, /warning/);
});

test('pretrain --init a model without its vocabulary (or no model at all) is refused before a vocabulary is trained', { skip }, () => {
  const corpus = join(dir, 'corpus.txt');
  writeFileSync(corpus, 'The cat sat on the mat.\nIt was warm.\n\nA dog ran.\n');
  const bare = modelDir('bare', null, false);
  const output = join(dir, 'continued');
  const run = bertkit('pretrain', '--init', bare, '--corpus', corpus, '--output', output, '--max-steps', '1');
  assert.equal(run.status, 1);
  assert.match(run.stderr, /--init .*bare has no vocab\.txt or tokenizer\.json.*give that vocabulary with --vocab/);
  assert.ok(!existsSync(join(output, 'tokenizer')), 'no vocabulary was trained');
  const missing = bertkit('pretrain', '--init', join(dir, 'nonexistent'), '--corpus', corpus, '--output', output, '--max-steps', '1');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /--init .*nonexistent: no such directory/);
  assert.ok(!existsSync(join(output, 'tokenizer')), 'no vocabulary was trained');
});

test('embed and fill-mask read standard input when no --input is given', { skip }, () => {
  const base = modelDir('base', null);
  const embed = runCli(['embed', '--model', base, '--threads', '1', '--quiet'], { input: jsonl([{ text: 'a cat' }, { text: 'a dog', text_pair: 'ran' }]) });
  assert.equal(embed.status, 0, embed.stderr);
  assert.equal(lines(embed.stdout).length, 2);
  const fill = runCli(['fill-mask', '--model', base, '--threads', '1', '--top-k', '2'], { input: jsonl([{ text: 'the [MASK] sat' }]) });
  assert.equal(fill.status, 0, fill.stderr);
  const [result] = lines(fill.stdout) as { predictions: { token_str: string }[][] }[];
  assert.equal(result!.predictions[0]!.length, 2);
  assert.equal(typeof result!.predictions[0]![0]!.token_str, 'string');
});

test('vocab.txt with invalid UTF-8 is refused, naming the line', { skip }, () => {
  const model = modelDir('bad-vocab', null);
  const vocab = readFileSync(join(model, 'vocab.txt'));
  const firstNewline = vocab.indexOf(0x0a);
  writeFileSync(join(model, 'vocab.txt'), Buffer.concat([vocab.subarray(0, firstNewline + 1), Buffer.from([0xff]), vocab.subarray(firstNewline + 1)]));
  const run = runCli(['embed', '--model', model, '--quiet'], { input: jsonl([{ text: 'a cat' }]) });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /vocab\.txt:2: invalid UTF-8/);
});

test('pretrain --corpus-format sentences reads a file of phrases (no sentence ends) line by line, where auto-detection joins them into paragraphs', { skip }, () => {
  const phrases = join(dir, 'phrases.txt');
  writeFileSync(phrases, Array.from({ length: 40 }, (_, i) => `a small phrase number ${i} without an end`).join('\n') + '\n');
  const config = join(dir, 'tiny-config.json');
  writeFileSync(config, JSON.stringify({ vocab_size: 30522, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 64 }));
  const output = join(dir, 'phrases');
  const run = bertkit('pretrain', '--corpus', phrases, '--corpus-format', 'sentences', '--vocab', fixturePath(), '--config', config, '--batch-size', '2', '--max-seq-length', '32',
    '--max-steps', '1', '--save-steps', '0', '--eval-batches', '0', '--held-out-fraction', '0', '--threads', '1', '--quiet', '--output', output);
  assert.equal(run.status, 0, run.stderr);
  const manifest = JSON.parse(readFileSync(join(output, 'shards', 'shards.json'), 'utf8')) as { corpus: { format: string }; splits: Record<string, { sentences: number }> };
  assert.deepEqual([manifest.corpus.format, manifest.splits.train!.sentences + manifest.splits.heldOut!.sentences], ['sentences', 40]);
  // What auto-detection makes of the same file: hard-wrapped paragraphs, the 40 phrases joined.
  assert.equal(corpusFormatOf(phrases), 'paragraphs');
});
