import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';
import { TextTokenizer } from '../../src/tokenizer/text-tokenizer.js';
import { BERT_UNCASED } from '../../src/tokenizer/normalizer.js';
import { Vocab } from '../../src/tokenizer/vocab.js';
import { BERT_WORDPIECE } from '../../src/tokenizer/wordpiece.js';

function withVocabFile(content: string, check: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-vocab-'));
  try {
    const path = join(dir, 'vocab.txt');
    writeFileSync(path, content);
    check(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('reads tokens in line order, \\n or \\r\\n, and writes the same text back', () => {
  withVocabFile('[PAD]\r\n[UNK]\r\nhello\r\n##lo\r\n', (path) => {
    const vocab = Vocab.fromFile(path);
    assert.deepEqual(vocab.tokens, ['[PAD]', '[UNK]', 'hello', '##lo']);
    assert.equal(vocab.size, 4);
    assert.equal(vocab.id('##lo'), 3);
    assert.equal(vocab.id('absent'), undefined);
    assert.equal(vocab.token(2), 'hello');
    assert.equal(vocab.toText(), '[PAD]\n[UNK]\nhello\n##lo\n');
    assert.equal(vocab.source, path);
  });
});

test('missing file: the error names the path', () => {
  const path = join(tmpdir(), 'bertkit-no-such-dir', 'vocab.txt');
  assert.throws(() => Vocab.fromFile(path), (error: Error) => error.message.includes(path) && /does not exist/.test(error.message));
});

test('empty file: the error names the file and line 1', () => {
  withVocabFile('', (path) => {
    assert.throws(() => Vocab.fromFile(path), (error: Error) => error.message.includes(path) && /empty/.test(error.message) && /line 1/.test(error.message));
  });
});

test('duplicate token: the error names the file and both lines', () => {
  withVocabFile('[UNK]\na\nb\na\n', (path) => {
    assert.throws(
      () => Vocab.fromFile(path),
      (error: Error) => error.message.startsWith(`${path}:4:`) && /duplicate token "a"/.test(error.message) && /line 2/.test(error.message),
    );
  });
});

test('blank line: the error names the file and line', () => {
  withVocabFile('[UNK]\n\nb\n', (path) => {
    assert.throws(() => Vocab.fromFile(path), (error: Error) => error.message.startsWith(`${path}:2:`) && /empty token/.test(error.message));
  });
});

test('no [UNK] when the tokenizer needs it: the error names the file and the token', () => {
  withVocabFile('[PAD]\nhello\n', (path) => {
    const vocab = Vocab.fromFile(path);
    assert.throws(
      () => new TextTokenizer(vocab, { ...BERT_UNCASED, ...BERT_WORDPIECE }),
      (error: Error) => error.message.includes(path) && error.message.includes('"[UNK]"') && /2 lines/.test(error.message),
    );
  });
});

test('out-of-range id: the error names the source and the range', () => {
  const vocab = Vocab.fromTokens(['[UNK]', 'a'], 'my tokens');
  assert.throws(() => vocab.token(2), /my tokens: token id 2 is out of range \[0, 2\)/);
});

test('the real BERT vocabularies load with their published sizes; bert-base-chinese keeps its U+2028 token', { skip: skipWithoutShared('data/vocab') }, () => {
  const sizes = { uncased: 30522, cased: 28996, chinese: 21128 };
  for (const [name, size] of Object.entries(sizes)) {
    const path = sharedPath(`data/vocab/bert-base-${name}/vocab.txt`);
    const vocab = Vocab.fromFile(path);
    assert.equal(vocab.size, size, name);
    assert.equal(vocab.id('[UNK]'), 100, name);
  }
  assert.equal(Vocab.fromFile(sharedPath('data/vocab/bert-base-chinese/vocab.txt')).token(343), '\u2028');
});
