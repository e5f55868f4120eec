import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { corpusFormatOf, expandCorpusPaths, readCorpus, type CorpusDocument, type CorpusOptions } from '../../src/data/corpus.js';
import { Rng } from '../../src/runtime/rng.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';

async function collect(paths: string[], options: CorpusOptions = {}): Promise<CorpusDocument[]> {
  const documents: CorpusDocument[] = [];
  for await (const document of readCorpus(paths, options)) documents.push(document);
  return documents;
}

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-corpus-'));
  tempDirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

test("BERT's format: a sentence per line, blank lines between documents", async () => {
  const dir = tempDir();
  const file = join(dir, 'bert.txt');
  writeFileSync(file, 'First sentence.\n  Second one.  \n\n\n\nOther doc.\r\nLast line without newline.');
  const documents = await collect([file]);
  assert.deepEqual(documents.map((d) => d.sentences), [['First sentence.', 'Second one.'], ['Other doc.', 'Last line without newline.']]);
  assert.deepEqual(documents.map((d) => d.line), [1, 6]);
});

test('paragraphs: wrapped lines joined, split into sentences, a file per document unless cut', async () => {
  const dir = tempDir();
  const file = join(dir, 'book.txt');
  writeFileSync(file, 'It was a dark\nnight. The wind\nhowled.\n\nMr. Smith slept.\n\n\nThe end.\n');
  assert.deepEqual((await collect([file], { format: 'paragraphs' })).map((d) => d.sentences), [
    ['It was a dark night.', 'The wind howled.', 'Mr. Smith slept.', 'The end.'],
  ]);
  const cut = await collect([file], { format: 'paragraphs', maxDocumentSentences: 2 });
  assert.deepEqual(cut.map((d) => d.sentences), [['It was a dark night.', 'The wind howled.'], ['Mr. Smith slept.', 'The end.']]);
  assert.deepEqual(cut.map((d) => d.line), [1, 5]);
});

test('JSONL: a document per line, the text cut into paragraphs and sentences', async () => {
  const dir = tempDir();
  const file = join(dir, 'docs.jsonl');
  writeFileSync(file, '{"text": "One. Two\\nlines.\\n\\nNew paragraph"}\n\n{"text": "", "id": 2}\n{"body": "Other field.", "text": "Third doc."}\n');
  assert.equal(corpusFormatOf(file), 'jsonl');
  const documents = await collect([file]);
  assert.deepEqual(documents.map((d) => d.sentences), [['One.', 'Two lines.', 'New paragraph'], ['Third doc.']]);
  assert.deepEqual(documents.map((d) => d.line), [1, 4]);
  assert.deepEqual((await collect([file], { jsonField: 'body' }).catch((e: Error) => e.message)), `${file}:1: the "body" field must be a string, got nothing`);
});

test('gzip, directories and globs', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'a.txt'), 'A one.\n\nA two.\n');
  writeFileSync(join(dir, 'sub', 'b.txt.gz'), gzipSync('B one.\nB two.\n'));
  writeFileSync(join(dir, 'sub', 'c.jsonl.gz'), gzipSync('{"text": "C one. C two."}\n'));
  writeFileSync(join(dir, '.hidden'), 'not read\n');
  const all = await collect([dir]);
  assert.deepEqual(all.map((d) => d.sentences), [['A one.'], ['A two.'], ['B one.', 'B two.'], ['C one.', 'C two.']]);
  assert.deepEqual(expandCorpusPaths([join(dir, '**', '*.gz')]), [join(dir, 'sub', 'b.txt.gz'), join(dir, 'sub', 'c.jsonl.gz')]);
  assert.deepEqual(expandCorpusPaths([join(dir, '*.txt'), join(dir, 'a.txt'), `${dir}/sub/../a.txt`]), [join(dir, 'a.txt')]);
  let progress = 0;
  await collect([dir], { onProgress: (bytes, total) => { progress = bytes / total; } });
  assert.equal(progress, 1);
});

test('a folder of symbolic links reads the files they point to, a link back up once, a broken link named', async () => {
  const data = tempDir(), corpus = tempDir();
  writeFileSync(join(data, 'a.txt'), 'A one.\nA two.\n');
  mkdirSync(join(data, 'more'));
  writeFileSync(join(data, 'more', 'b.txt'), 'B one.\n');
  symlinkSync(join(data, 'a.txt'), join(corpus, 'a.txt'));
  symlinkSync(join(data, 'more'), join(corpus, 'more'));
  symlinkSync(corpus, join(data, 'more', 'loop'));
  assert.deepEqual(expandCorpusPaths([corpus]), [join(corpus, 'a.txt'), join(corpus, 'more', 'b.txt')]);
  assert.deepEqual((await collect([corpus])).map((d) => d.sentences), [['A one.', 'A two.'], ['B one.']]);
  symlinkSync(join(data, 'gone.txt'), join(corpus, 'gone.txt'));
  assert.throws(() => expandCorpusPaths([corpus]), /corpus: .*gone\.txt: no such file or directory \(a broken symbolic link\)/);
});

test("'auto' tells hard-wrapped paragraphs from one sentence per line", { skip: skipWithoutShared('data/corpus/gutenberg') }, () => {
  const dir = tempDir();
  const sentences = join(dir, 'sentences.txt');
  writeFileSync(sentences, Array.from({ length: 30 }, (_, k) => `Sentence number ${k} ends here.\n"Is this one ${k}?" he asked.\n${k % 5 === 4 ? '\n' : ''}`).join(''));
  assert.equal(corpusFormatOf(sentences), 'sentences');
  const book = readFileSync(sharedPath('data/corpus/gutenberg/austen-emma.txt'));
  writeFileSync(join(dir, 'emma.txt.gz'), gzipSync(book));
  assert.equal(corpusFormatOf(join(dir, 'emma.txt.gz')), 'paragraphs');
  assert.equal(corpusFormatOf(sharedPath('data/corpus/gutenberg/carroll-alice.txt')), 'paragraphs');
  assert.equal(corpusFormatOf(sharedPath('data/corpus/gutenberg/carroll-alice.txt'), 'sentences'), 'sentences');
});

test("'auto' reads a list of phrases without full stops one per line, and one unbroken wrapped paragraph as paragraphs", async () => {
  const dir = tempDir();
  const rng = new Rng(7);
  const word = () => ['film', 'a', 'gorgeous', 'never', 'lets', 'her', 'character', 'so', 'many', 'flaws', 'and', 'the'][rng.int(12)]!;
  const words = (n: number) => Array.from({ length: n }, word).join(' ');
  // SST-2's phrases: no terminators, no blank lines, lengths from 1 to 30 words
  const phrases = Array.from({ length: 200 }, () => words(1 + rng.int(30)));
  const phraseFile = join(dir, 'phrases.txt');
  writeFileSync(phraseFile, phrases.join('\n') + '\n');
  assert.equal(corpusFormatOf(phraseFile), 'sentences');
  // one paragraph of prose wrapped at 70 columns, no blank line anywhere
  const prose = Array.from({ length: 120 }, () => `${words(12)}, ${words(5)}.`).join(' ');
  const wrapped: string[] = [];
  let line = '';
  for (const token of prose.split(' ')) {
    if (line.length + token.length + 1 > 70) (wrapped.push(line), (line = token));
    else line = line ? `${line} ${token}` : token;
  }
  wrapped.push(line);
  const proseFile = join(dir, 'prose.txt');
  writeFileSync(proseFile, wrapped.join('\n') + '\n');
  assert.equal(corpusFormatOf(proseFile), 'paragraphs');
  // the same phrases as documents between blank lines still read as paragraphs: the breaks say so
  const stanzas = join(dir, 'stanzas.txt');
  writeFileSync(stanzas, phrases.map((p, k) => (k % 4 === 3 ? `${p}\n` : p)).join('\n') + '\n');
  assert.equal(corpusFormatOf(stanzas), 'paragraphs');
  assert.deepEqual((await collect([phraseFile])).map((d) => d.sentences.length), [200]);
});

test('errors name the file and line', async () => {
  const dir = tempDir();
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, '{"text": "fine"}\n{"text": oops}\n');
  await assert.rejects(collect([bad]), new RegExp(`^Error: ${bad.replace(/[.\\/]/g, '\\$&')}:2:10: invalid JSON: unexpected 'o'`));
  writeFileSync(bad, '{"text": "fine"}\n\n[1, 2]\n');
  await assert.rejects(collect([bad]), { message: `${bad}:3: expected a JSON object with a "text" string, got an array` });
  writeFileSync(bad, '{"text": 5}\n');
  await assert.rejects(collect([bad]), { message: `${bad}:1: the "text" field must be a string, got number` });
  const latin1 = join(dir, 'latin1.txt');
  writeFileSync(latin1, Buffer.concat([Buffer.from('ok\nok\n'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a])]));
  await assert.rejects(collect([latin1]), { message: `${latin1}:3: invalid UTF-8` });
  await assert.rejects(collect([join(dir, 'missing.txt')]), { message: `corpus: ${join(dir, 'missing.txt')}: no such file or directory` });
  await assert.rejects(collect([join(dir, '*.nothing')]), { message: `corpus: ${join(dir, '*.nothing')} matches no file` });
  await assert.rejects(collect([bad], { format: 'xml' as never }), /format must be 'sentences', 'paragraphs', 'jsonl' or 'auto', got "xml"/);
  await assert.rejects(collect([bad], { maxDocumentSentences: 0 }), /maxDocumentSentences must be a positive integer/);
});

test('the Gutenberg corpus reads as paragraphs', { skip: skipWithoutShared('data/corpus/gutenberg') }, async () => {
  const documents = await collect([sharedPath('data/corpus/gutenberg/carroll-alice.txt')], { format: 'paragraphs' });
  assert.equal(documents.length, 1);
  const sentences = documents[0]!.sentences;
  assert.ok(sentences.length > 900 && sentences.length < 2500, `${sentences.length} sentences`);
  assert.ok(sentences.includes('Oh dear!'), 'splits inside a quotation');
  assert.equal(sentences[0], "[Alice's Adventures in Wonderland by Lewis Carroll 1865]");
  assert.equal(sentences[1], 'CHAPTER I. Down the Rabbit-Hole');
  assert.equal(sentences[2], 'Alice was beginning to get very tired of sitting by her sister on the bank, and of having nothing to do: once or twice she had peeped into the book her sister was reading, but it had no pictures or conversations in it, \'and what is the use of a book,\' thought Alice \'without pictures or conversation?\'');
  assert.ok(sentences.every((s) => s.length > 0 && !s.includes('\n')));
});
