import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BertTokenizer } from '../../src/tokenizer/bert-tokenizer.js';
import { Vocab } from '../../src/tokenizer/vocab.js';
import { readCorpus } from '../../src/data/corpus.js';
import { buildShards, ShardSet } from '../../src/data/shards.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-shards-'));
  tempDirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const GUTENBERG = ['carroll-alice.txt', 'shakespeare-caesar.txt'].map((file) => sharedPath('data/corpus/gutenberg', file));
const UNCASED = sharedPath('data/vocab/bert-base-uncased/vocab.txt');

test('shards read back the ids the tokenizer gives, document by document', { skip: skipWithoutShared('data/corpus/gutenberg') || skipWithoutShared('data/vocab/bert-base-uncased') }, async () => {
  const tokenizer = BertTokenizer.fromPretrained(UNCASED);
  const corpusOptions = { format: 'paragraphs', maxDocumentSentences: 40 } as const;
  const dir = tempDir();
  const shards = await buildShards(GUTENBERG, tokenizer, dir, { ...corpusOptions, heldOutFraction: 0, shardTokens: 20000 });
  const expected: number[][][] = [];
  for await (const document of readCorpus(GUTENBERG, corpusOptions)) {
    expected.push(document.sentences.map((sentence) => tokenizer.encode(sentence, null, { addSpecialTokens: false }).ids).filter((ids) => ids.length > 0));
  }
  const train = shards.split('train');
  assert.equal(shards.manifest.tokenBytes, 2);
  assert.ok(shards.manifest.splits.train.shards.length > 3, 'several shard files');
  assert.equal(train.documentCount, expected.length);
  assert.equal(shards.split('heldOut').documentCount, 0);
  let tokens = 0;
  for (let d = 0; d < expected.length; d++) {
    assert.deepEqual(train.document(d).map((sentence) => Array.from(sentence)), expected[d], `document ${d}`);
    assert.equal(train.sentenceCount(d), expected[d]!.length);
    const documentTokens = expected[d]!.reduce((sum, sentence) => sum + sentence.length, 0);
    assert.equal(train.documentTokens(d), documentTokens);
    tokens += documentTokens;
  }
  assert.equal(train.tokenTotal, tokens);
  const middle = train.sentencesFrom(3, 5, 30).map((sentence) => Array.from(sentence));
  const wanted: number[][] = [];
  for (let s = 5, sum = 0; s < expected[3]!.length && (s === 5 || sum < 30); s++) {
    wanted.push(expected[3]![s]!);
    sum += expected[3]![s]!.length;
  }
  assert.deepEqual(middle, wanted);
  const reopened = ShardSet.open(dir);
  assert.deepEqual(reopened.manifest, shards.manifest);
  reopened.checkVocab(tokenizer.vocab);
  train.close();
});

test('vocabularies over 65536 tokens store int32 ids', async () => {
  const words = Array.from({ length: 70000 }, (_, k) => `w${k}`);
  const vocab = Vocab.fromTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...words], 'big vocab');
  const tokenizer = BertTokenizer.fromVocab(vocab);
  const dir = tempDir();
  const file = join(dir, 'corpus.txt');
  writeFileSync(file, 'w1 w69999 w65535\nw65536 w3\n\nw12345\n');
  const shards = await buildShards([file], tokenizer, join(dir, 'shards'), { heldOutFraction: 0 });
  assert.equal(shards.manifest.tokenBytes, 4);
  const train = shards.split('train');
  assert.deepEqual(train.document(0).map((s) => Array.from(s)), [[6, 70004, 65540], [65541, 8]]);
  assert.deepEqual(train.document(1).map((s) => Array.from(s)), [[12350]]);
});

test('progress is reported in bytes of the corpus files read, up to their whole size', async () => {
  const dir = tempDir();
  const files = [smallCorpus(join(dir, 'one'), 3), smallCorpus(join(dir, 'two'), 40)];
  const size = files.reduce((sum, file) => sum + readFileSync(file).length, 0);
  const reports: [number, number][] = [];
  await buildShards(files, BertTokenizer.fromVocab(SMALL_VOCAB), join(dir, 'shards'), { heldOutFraction: 0, onProgress: (read, total) => reports.push([read, total]) });
  assert.ok(reports.length >= 2, `${reports.length} reports`);
  assert.ok(reports.every(([, total]) => total === size));
  assert.ok(reports.every(([read], i) => i === 0 || read >= reports[i - 1]![0]), 'bytes read never go back');
  assert.equal(reports.at(-1)![0], size);
});

function smallCorpus(dir: string, documents: number): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'corpus.txt');
  writeFileSync(file, Array.from({ length: documents }, (_, d) => `doc ${d} first.\ndoc ${d} second.\n`).join('\n'));
  return file;
}

const SMALL_VOCAB = Vocab.fromTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'doc', 'first', 'second', '.', ...Array.from({ length: 100 }, (_, k) => String(k))], 'small vocab');

function documentNumbers(shards: ShardSet, split: 'train' | 'heldOut'): number[] {
  const reader = shards.split(split);
  return Array.from({ length: reader.documentCount }, (_, d) => Number(SMALL_VOCAB.token(reader.document(d)[0]![1]!)));
}

test("special-token strings in the text tokenise as text, as Google's BERT tokenizer reads them", { skip: skipWithoutShared('data/vocab/bert-base-uncased') }, async () => {
  const dir = tempDir();
  const file = join(dir, 'corpus.txt');
  writeFileSync(file, 'a [MASK] b [SEP] .\n[CLS]c[PAD]\n');
  const tokenizer = BertTokenizer.fromPretrained(UNCASED);
  const shards = await buildShards([file], tokenizer, join(dir, 'shards'), { heldOutFraction: 0 });
  const tokens = shards.split('train').document(0).map((sentence) => Array.from(sentence, (id) => tokenizer.vocab.token(id)));
  assert.deepEqual(tokens, [['a', '[', 'mask', ']', 'b', '[', 'sep', ']', '.'], ['[', 'cl', '##s', ']', 'c', '[', 'pad', ']']]);
});

test('held-out split by documents: a seeded fraction, or the last N', async () => {
  const dir = tempDir();
  const file = smallCorpus(dir, 100);
  const tokenizer = BertTokenizer.fromVocab(SMALL_VOCAB);
  const byFraction = await buildShards([file], tokenizer, join(dir, 'a'), { heldOutFraction: 0.2, seed: 7, shardTokens: 50 });
  const train = documentNumbers(byFraction, 'train');
  const heldOut = documentNumbers(byFraction, 'heldOut');
  assert.ok(heldOut.length >= 8 && heldOut.length <= 35, `${heldOut.length} held out`);
  assert.deepEqual([...train, ...heldOut].sort((x, y) => x - y), Array.from({ length: 100 }, (_, d) => d), 'a partition of the documents');
  const again = await buildShards([file], tokenizer, join(dir, 'b'), { heldOutFraction: 0.2, seed: 7 });
  assert.deepEqual(documentNumbers(again, 'heldOut'), heldOut, 'same seed, same split');
  const other = await buildShards([file], tokenizer, join(dir, 'c'), { heldOutFraction: 0.2, seed: 8 });
  assert.notDeepEqual(documentNumbers(other, 'heldOut'), heldOut);
  const tiny = smallCorpus(join(dir, 'tiny'), 5);
  const atLeastOne = await buildShards([tiny], tokenizer, join(dir, 'e'), { heldOutFraction: 0.01 });
  assert.deepEqual(documentNumbers(atLeastOne, 'heldOut'), [4], 'the last document when the draw holds out none');
  assert.deepEqual(documentNumbers(atLeastOne, 'train'), [0, 1, 2, 3]);
  const noneAsked = await buildShards([tiny], tokenizer, join(dir, 'f'), { heldOutFraction: 0 });
  assert.deepEqual(documentNumbers(noneAsked, 'train'), [0, 1, 2, 3, 4]);
  await buildShards([file], tokenizer, join(dir, 'a'), { heldOutFraction: 0.2, seed: 7, shardTokens: 1000 });
  assert.deepEqual(readdirSync(join(dir, 'a')).sort(), ['held-out-00000.shard', 'shards.json', 'train-00000.shard'], 'a rebuild leaves no stale shards');
  const lastN = await buildShards([file], tokenizer, join(dir, 'd'), { heldOutDocuments: 3 });
  assert.deepEqual(documentNumbers(lastN, 'heldOut'), [97, 98, 99]);
  assert.deepEqual(documentNumbers(lastN, 'train'), Array.from({ length: 97 }, (_, d) => d));
  assert.equal(lastN.manifest.splits.heldOut.sentences, 6);
});

test('bad shards and mismatched vocabularies are refused with the file named', async () => {
  const dir = tempDir();
  const file = smallCorpus(dir, 5);
  const out = join(dir, 'shards');
  await buildShards([file], BertTokenizer.fromVocab(SMALL_VOCAB), out, { heldOutFraction: 0 });
  const other = Vocab.fromTokens([...SMALL_VOCAB.tokens, 'extra'], 'other.txt');
  assert.throws(() => ShardSet.open(out).checkVocab(other), /shards\.json: the shards were built with another vocabulary \(109 tokens, .* than other\.txt \(110 tokens/);
  assert.throws(() => ShardSet.open(join(dir, 'nowhere')), /nowhere\/shards\.json: no shard manifest here/);
  const shardFile = join(out, 'train-00000.shard');
  truncateSync(shardFile, 40);
  assert.throws(() => ShardSet.open(out), new RegExp(`${shardFile}: file ends early`));
  writeFileSync(shardFile, 'garbage'.repeat(10));
  assert.throws(() => ShardSet.open(out), new RegExp(`${shardFile}: not a bertkit shard`));
  const manifest = JSON.parse(readFileSync(join(out, 'shards.json'), 'utf8'));
  writeFileSync(join(out, 'shards.json'), JSON.stringify({ ...manifest, version: 2 }));
  assert.throws(() => ShardSet.open(out), /not a version 1 bertkit shard manifest/);
  await assert.rejects(buildShards([file], BertTokenizer.fromVocab(SMALL_VOCAB), out, { heldOutFraction: 1 }), /heldOutFraction must be in \[0, 1\), got 1/);
});

test('deduplicate drops every sentence seen before (exact text), a document left empty with it, and counts them', async () => {
  const vocab = Vocab.fromTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a', 'b', 'c', 'd', '.']);
  const tokenizer = BertTokenizer.fromVocab(vocab);
  const dir = tempDir();
  const file = join(dir, 'corpus.txt');
  writeFileSync(file, 'a b .\nc .\n\nc .\nd\na b .\n\na b .\n\nb a .\n');
  const plain = await buildShards([file], tokenizer, join(dir, 'plain'), { heldOutFraction: 0 });
  assert.equal(plain.split('train').documentCount, 4);
  assert.equal(plain.manifest.corpus.deduplicate, undefined);
  const shards = await buildShards([file], tokenizer, join(dir, 'deduplicated'), { heldOutFraction: 0, deduplicate: true });
  const train = shards.split('train');
  const ids = (text: string) => text.split(' ').map((token) => vocab.requireId(token, 'test'));
  assert.equal(train.documentCount, 3);
  assert.deepEqual(train.document(0).map((s) => Array.from(s)), [ids('a b .'), ids('c .')]);
  assert.deepEqual(train.document(1).map((s) => Array.from(s)), [ids('d')]);
  assert.deepEqual(train.document(2).map((s) => Array.from(s)), [ids('b a .')]);
  assert.equal(shards.manifest.corpus.deduplicate, true);
  assert.equal(shards.manifest.corpus.duplicates, 3);
});
