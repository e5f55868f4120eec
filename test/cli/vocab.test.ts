import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Tokenizer } from '@huggingface/tokenizers';
import { BertTokenizer } from '../../src/tokenizer/bert-tokenizer.js';
import { Vocab } from '../../src/tokenizer/vocab.js';
import { bertkit } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-vocab-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const SENTENCES = [
  'The Quick brown fox jumps over the lazy dog.',
  'Foxes are quick; dogs are lazy, and the brown fox is quicker than the lazy dogs.',
  'Jumping, jumped, jumps: the fox jumps again!',
];
writeFileSync(join(dir, 'a.txt'), SENTENCES.slice(0, 2).join('\n') + '\n');
writeFileSync(join(dir, 'b.txt.gz'), gzipSync(Buffer.from(SENTENCES[2] + '\n')));

test('vocab train writes a Hugging Face tokenizer directory that bertkit and HF load alike', () => {
  const out = join(dir, 'uncased');
  const run = bertkit('vocab', 'train', '--corpus', join(dir, 'a.txt'), join(dir, 'b.txt.gz'), '--vocab-size', '90', '--output', out, '--quiet');
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stderr, '');
  assert.match(run.stdout, /Trained a WordPiece vocabulary of 90 tokens/);
  assert.match(run.stdout, /2 file\(s\), 3 lines, /);
  assert.deepEqual(readdirSync(out).sort(), ['special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt']);

  const vocab = Vocab.fromFile(join(out, 'vocab.txt'));
  assert.equal(vocab.size, 90);
  assert.deepEqual(vocab.tokens.slice(0, 5), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
  assert.equal(vocab.id('Q'), undefined, 'lowercased by default');
  assert.equal(JSON.parse(readFileSync(join(out, 'tokenizer_config.json'), 'utf8')).do_lower_case, true);

  const ours = BertTokenizer.fromPretrained(out);
  const peer = new Tokenizer(JSON.parse(readFileSync(join(out, 'tokenizer.json'), 'utf8')), {});
  for (const sentence of SENTENCES) {
    const encoding = ours.encode(sentence);
    assert.deepEqual(encoding.ids, peer.encode(sentence).ids);
    assert.ok(!encoding.tokens.includes('[UNK]'), encoding.tokens.join(' '));
  }
});

test('--no-lowercase keeps case; custom special tokens, --min-frequency and --limit-alphabet are applied', () => {
  const out = join(dir, 'cased');
  const run = bertkit(
    'vocab', 'train', '--corpus', join(dir, 'a.txt'), '--vocab-size', '100', '--no-lowercase', '--min-frequency', '3',
    '--special-tokens', '[UNK]', '[CLS]', '[SEP]', '[PAD]', '[MASK]', '--output', out, '--quiet',
  );
  assert.equal(run.status, 0, run.stderr);
  const vocab = Vocab.fromFile(join(out, 'vocab.txt'));
  assert.deepEqual(vocab.tokens.slice(0, 5), ['[UNK]', '[CLS]', '[SEP]', '[PAD]', '[MASK]']);
  assert.match(run.stdout, /stopped at \d+ of the 100 tokens asked for: every remaining pair occurs fewer times than --min-frequency/);
  assert.equal(JSON.parse(readFileSync(join(out, 'tokenizer_config.json'), 'utf8')).do_lower_case, false);
  // 'The' occurs once: its pairs stay below --min-frequency 3.
  assert.deepEqual(BertTokenizer.fromPretrained(out).tokenize('The'), ['T', '##h', '##e']);

  const limited = join(dir, 'limited');
  assert.equal(bertkit('vocab', 'train', '--corpus', join(dir, 'a.txt'), '--vocab-size', '100', '--limit-alphabet', '20', '--output', limited).status, 0);
  const singles = Vocab.fromFile(join(limited, 'vocab.txt')).tokens.slice(5).filter((token) => [...token].length === 1);
  assert.equal(singles.length, 20);
});

test('bad inputs fail with the file, the line or the numbers', () => {
  const out = join(dir, 'never');
  const missing = bertkit('vocab', 'train', '--corpus', join(dir, 'nope.txt'), '--vocab-size', '100', '--output', out);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^bertkit: corpus: .*nope\.txt: no such file or directory/);

  writeFileSync(join(dir, 'bad.txt'), Buffer.concat([Buffer.from('good line\nbad \xff line\n', 'latin1')]));
  const invalid = bertkit('vocab', 'train', '--corpus', join(dir, 'bad.txt'), '--vocab-size', '100', '--output', out);
  assert.equal(invalid.status, 1);
  assert.match(invalid.stderr, /bad\.txt:2: invalid UTF-8/);

  const small = bertkit('vocab', 'train', '--corpus', join(dir, 'a.txt'), '--vocab-size', '10', '--output', out);
  assert.equal(small.status, 1);
  assert.match(small.stderr, /vocabulary size 10 is smaller than the \d+ tokens needed before any merge \(5 special tokens, \d+ alphabet characters/);

  const notNumber = bertkit('vocab', 'train', '--corpus', join(dir, 'a.txt'), '--vocab-size', 'lots', '--output', out);
  assert.notEqual(notNumber.status, 0);
  assert.match(notNumber.stderr, /--vocab-size <n>' argument 'lots' is invalid\. must be an integer ≥ 1/);
  assert.throws(() => readdirSync(out), /ENOENT/);
});

test('vocab train takes folders and globs as pretrain --corpus does: the same vocabulary as the files named one by one', () => {
  const corpus = join(dir, 'corpus');
  mkdirSync(join(corpus, 'nested'), { recursive: true });
  writeFileSync(join(corpus, 'a.txt'), readFileSync(join(dir, 'a.txt')));
  writeFileSync(join(corpus, 'nested', 'b.txt.gz'), readFileSync(join(dir, 'b.txt.gz')));
  const train = (name: string, ...corpusArgs: string[]) => {
    const out = join(dir, name);
    const run = bertkit('vocab', 'train', '--corpus', ...corpusArgs, '--vocab-size', '90', '--output', out, '--quiet');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /2 file\(s\), 3 lines, /);
    return readFileSync(join(out, 'vocab.txt'), 'utf8');
  };
  const named = train('named', join(corpus, 'a.txt'), join(corpus, 'nested', 'b.txt.gz'));
  assert.equal(train('folder', corpus), named);
  assert.equal(train('glob', join(corpus, '**', '*.txt*')), named);
});
