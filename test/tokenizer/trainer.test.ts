import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Tokenizer } from '@huggingface/tokenizers';
import { BertTokenizer } from '../../src/tokenizer/bert-tokenizer.js';
import { BERT_UNCASED, normalize } from '../../src/tokenizer/normalizer.js';
import { splitWords } from '../../src/tokenizer/pre-tokenizer.js';
import {
  BERT_SPECIAL_TOKENS,
  VocabularyTooSmallError,
  saveTrainedTokenizer,
  trainOnWordCounts,
  trainWordPiece,
} from '../../src/tokenizer/trainer.js';
import { Vocab } from '../../src/tokenizer/vocab.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';

const GUTENBERG = 'data/corpus/gutenberg';

// HF tokenizers' own unit test of BpeTrainer (models/bpe/trainer.rs, test_train): plain BPE
// (no prefix), min_frequency 2, no special tokens. Its expected vocabulary, ids included.
test("reproduces HF's BpeTrainer unit test exactly (prefix '', min frequency 2)", () => {
  const counts = new Map([
    ['roses', 1], ['are', 2], ['red', 1], ['voilets', 1], ['blue', 1], ['BERT', 1],
    ['is', 2], ['big', 1], ['and', 1], ['so', 1], ['GPT-2', 1],
  ]);
  const { vocab } = trainOnWordCounts(counts, { continuingSubwordPrefix: '', specialTokens: [], minFrequency: 2 });
  assert.deepEqual(vocab.tokens, [
    '-', '2', 'B', 'E', 'G', 'P', 'R', 'T', 'a', 'b', 'd', 'e', 'g', 'i', 'l', 'n', 'o', 'r', 's', 't', 'u', 'v',
    're', 'are', 'is',
  ]);
});

// The same corpus with WordPiece's '##', worked by hand from HF's rules:
// ids: [UNK]=0, alphabet '-'…'v' = 1…22, then '##' forms as first met word by word:
// roses → ##o 23 ##s 24 ##e 25; are → ##r 26; red → ##d 27; voilets → ##i 28 ##l 29 ##t 30;
// blue → ##u 31; BERT → ##E 32 ##R 33 ##T 34; big → ##g 35; and → ##n 36; GPT-2 → ##P 37 ##- 38 ##2 39.
// Pairs seen twice: (a,##r) (##r,##e) [are ×2] and (i,##s) [is ×2]; the smallest ids win the tie:
// (9,26) → 'ar' 40; then (14,24) 'is' 41 beats (40,25) 'are' 42, taken next; every other pair
// occurs once < 2, so training stops.
test('WordPiece merges drop the right part\'s ## and break ties by the smaller ids', () => {
  const counts = new Map([
    ['roses', 1], ['are', 2], ['red', 1], ['voilets', 1], ['blue', 1], ['BERT', 1],
    ['is', 2], ['big', 1], ['and', 1], ['so', 1], ['GPT-2', 1],
  ]);
  const training = trainOnWordCounts(counts, { specialTokens: ['[UNK]'], minFrequency: 2 });
  assert.deepEqual(training.vocab.tokens.slice(23), [
    '##o', '##s', '##e', '##r', '##d', '##i', '##l', '##t', '##u', '##E', '##R', '##T', '##g', '##n', '##P', '##-', '##2',
    'ar', 'is', 'are',
  ]);
  assert.equal(training.stoppedBy, 'min-frequency');
  assert.equal(training.merges, 3);
});

// 'aaaa' = a ##a ##a ##a. (##a,##a) occurs twice → '##aa' (3), merged left to right without
// overlap: a ##aa ##a. Then (a,##aa) and (##aa,##a) occur once each; (1,3) < (3,2) → 'aaa' (4):
// aaa ##a; then (aaa,##a) → 'aaaa' (5); no pair is left.
test('merges inside a word are left to right and non-overlapping, as HF Word::merge', () => {
  const training = trainOnWordCounts(new Map([['aaaa', 1]]), { specialTokens: ['[UNK]'], vocabSize: 100 });
  assert.deepEqual(training.vocab.tokens, ['[UNK]', 'a', '##a', '##aa', 'aaa', 'aaaa']);
  assert.equal(training.stoppedBy, 'no-more-pairs');
});

/**
 * Plain greedy BPE with HF's choices, recounting every pair at every step over string tokens:
 * the slow definition the incremental trainer must match. Returns null when a merge rebuilds an
 * existing token, where HF's split queue entries make its order differ from this definition.
 */
function referenceTraining(counts: Map<string, number>, vocabSize: number, minFrequency: number): string[] | null {
  const tokens: string[] = [];
  const id = new Map<string, number>();
  const add = (token: string) => {
    if (!id.has(token)) id.set(token, tokens.push(token) - 1);
  };
  [...new Set([...counts.keys()].join(''))].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!).forEach(add);
  const words = [...counts].map(([word, count]) => ({ pieces: [...word].map((c, i) => (i === 0 ? c : `##${c}`)), count }));
  words.forEach((word) => word.pieces.forEach(add));
  while (tokens.length < vocabSize) {
    const pairCounts = new Map<string, number>();
    for (const { pieces, count } of words) {
      for (let i = 0; i + 1 < pieces.length; i++) {
        const key = `${pieces[i]}\u0000${pieces[i + 1]}`;
        pairCounts.set(key, (pairCounts.get(key) ?? 0) + count);
      }
    }
    let best: [string, string] | null = null;
    let bestCount = 0;
    for (const [key, count] of pairCounts) {
      const [a, b] = key.split('\u0000') as [string, string];
      const better = count > bestCount || (count === bestCount && best !== null &&
        (id.get(a)! < id.get(best[0])! || (a === best[0] && id.get(b)! < id.get(best[1])!)));
      if (better) [best, bestCount] = [[a, b], count];
    }
    if (best === null || bestCount < Math.max(1, minFrequency)) break;
    const merged = best[0] + best[1].replace(/^##/, '');
    if (id.has(merged)) return null;
    add(merged);
    for (const word of words) {
      const next: string[] = [];
      for (let i = 0; i < word.pieces.length; i++) {
        if (i + 1 < word.pieces.length && word.pieces[i] === best[0] && word.pieces[i + 1] === best[1]) {
          next.push(merged);
          i++;
        } else next.push(word.pieces[i]!);
      }
      word.pieces = next;
    }
  }
  return tokens;
}

test('matches plain greedy BPE with HF tie-breaking on 300 random corpora', () => {
  let seed = 12345;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  let compared = 0;
  for (let trial = 0; compared < 300; trial++) {
    assert.ok(trial < 5000, 'too few corpora without rebuilt tokens');
    const counts = new Map<string, number>();
    const letters = 'abcde'.slice(0, 2 + random(4));
    for (let w = 0; w < 1 + random(12); w++) {
      const length = 1 + random(7);
      let word = '';
      for (let c = 0; c < length; c++) word += letters[random(letters.length)];
      counts.set(word, (counts.get(word) ?? 0) + 1 + random(5));
    }
    const vocabSize = 5 + random(40);
    const minFrequency = random(4);
    const expected = referenceTraining(counts, vocabSize, minFrequency);
    if (expected === null || expected.length > vocabSize) continue;
    const actual = trainOnWordCounts(counts, { specialTokens: [], vocabSize, minFrequency }).vocab.tokens;
    assert.deepEqual(actual, expected, JSON.stringify({ counts: [...counts], vocabSize, minFrequency }));
    compared++;
  }
});

test('stops exactly at the vocabulary size', () => {
  const training = trainOnWordCounts(new Map([['aaaa', 1]]), { specialTokens: ['[UNK]'], vocabSize: 4 });
  assert.deepEqual(training.vocab.tokens, ['[UNK]', 'a', '##a', '##aa']);
  assert.equal(training.stoppedBy, 'vocab-size');
});

// Character frequencies a 4, b 4, c 3, d 1, e 1, z (initial alphabet) ∞.
test('limitAlphabet keeps the most frequent characters, initialAlphabet ones always, and drops the others from words', () => {
  const counts = new Map([['abc', 3], ['abd', 1], ['e', 1]]);
  const three = trainOnWordCounts(counts, { specialTokens: [], limitAlphabet: 3, vocabSize: 5 });
  // abc → a ##b ##c, abd → a ##b (d dropped), e → nothing.
  assert.deepEqual(three.vocab.tokens, ['a', 'b', 'c', '##b', '##c']);
  const withZ = trainOnWordCounts(counts, { specialTokens: [], limitAlphabet: 3, initialAlphabet: 'z', vocabSize: 100 });
  // The alphabet is a b z; abc → a ##b, abd → a ##b: (a,##b) ×4 → 'ab'.
  assert.deepEqual(withZ.vocab.tokens, ['a', 'b', 'z', '##b', 'ab']);
  assert.equal(withZ.alphabetSize, 3);
});

test('special tokens come first, in order, and one equal to a character is not repeated', () => {
  const training = trainOnWordCounts(new Map([['ba', 2]]), { specialTokens: ['[X]', 'b', '[Y]'], vocabSize: 100 });
  assert.deepEqual(training.vocab.tokens, ['[X]', 'b', '[Y]', 'a', '##a', 'ba']);
});

test('a vocabulary size below specials + alphabet is refused with the numbers', () => {
  assert.throws(
    () => trainOnWordCounts(new Map([['abc', 1]]), { vocabSize: 8 }),
    (error: unknown) =>
      error instanceof VocabularyTooSmallError &&
      /vocabulary size 8 is smaller than the 10 tokens needed before any merge \(5 special tokens, 3 alphabet characters and 2 of their '##' forms\)/.test(
        error.message,
      ),
  );
  assert.throws(() => trainOnWordCounts(new Map(), { vocabSize: 0 }), /vocabSize must be an integer ≥ 1, got 0/);
});

test('texts are normalized (uncased BERT by default) and split into words before counting', async () => {
  const training = await trainWordPiece({ texts: ['Héllo, WORLD!', 'hello'] }, { vocabSize: 1000, specialTokens: [] });
  assert.equal(training.words, 5);
  assert.equal(training.distinctWords, 4);
  assert.ok(training.vocab.id('hello') !== undefined);
  assert.equal(training.vocab.id('é'), undefined);
  const cased = await trainWordPiece({ texts: ['Hello'] }, { vocabSize: 1000, specialTokens: [], normalizer: { ...BERT_UNCASED, lowercase: false } });
  assert.ok(cased.vocab.id('Hello') !== undefined);
});

test('files (plain and .gz) give the same vocabulary as their lines; missing and invalid files are named', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-trainer-'));
  try {
    const text = 'the cat sat on the mat\r\nthe cats sat\n\nthe mat is flat\n';
    writeFileSync(join(dir, 'a.txt'), text);
    writeFileSync(join(dir, 'b.txt.gz'), gzipSync(Buffer.from(text)));
    const fromLines = await trainWordPiece({ texts: text.split(/\r?\n/) }, { vocabSize: 60 });
    const fromFile = await trainWordPiece({ files: [join(dir, 'a.txt')] }, { vocabSize: 60 });
    const fromGzip = await trainWordPiece({ files: [join(dir, 'b.txt.gz')] }, { vocabSize: 60 });
    assert.deepEqual(fromFile.vocab.tokens, fromLines.vocab.tokens);
    assert.deepEqual(fromGzip.vocab.tokens, fromLines.vocab.tokens);
    assert.equal(fromFile.texts, 4);

    await assert.rejects(trainWordPiece({ files: [join(dir, 'nope.txt')] }), /nope\.txt does not exist/);
    writeFileSync(join(dir, 'bad.txt'), Buffer.concat([Buffer.from('fine\nfine too\nbad '), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]));
    await assert.rejects(trainWordPiece({ files: [join(dir, 'bad.txt')] }), /bad\.txt:3: invalid UTF-8/);

    const saved = saveTrainedTokenizer(fromFile.vocab, join(dir, 'model'));
    assert.deepEqual(saved.missingSpecialTokens, []);
    assert.deepEqual(Vocab.fromFile(join(dir, 'model', 'vocab.txt')).tokens, fromFile.vocab.tokens);
    // The saved tokenizer.json loads in HF's JS tokenizers and agrees with bertkit's tokenizer.
    const peer = new Tokenizer(JSON.parse(readFileSync(join(dir, 'model', 'tokenizer.json'), 'utf8')), {});
    const ours = BertTokenizer.fromPretrained(join(dir, 'model'));
    for (const sentence of ['The CATS sat on the flat mat.', 'a hat!']) {
      assert.deepEqual(ours.encode(sentence).ids, peer.encode(sentence).ids);
    }
    assert.deepEqual(ours.tokenize('the cats'), ['the', 'cats']);

    const bare = saveTrainedTokenizer(trainOnWordCounts(new Map([['ab', 1]]), { specialTokens: ['[UNK]'] }).vocab, join(dir, 'bare'));
    assert.deepEqual(bare.files, [join(dir, 'bare', 'vocab.txt')]);
    assert.deepEqual(bare.missingSpecialTokens, ['[PAD]', '[CLS]', '[SEP]', '[MASK]']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function gutenbergFiles(names?: string[]): string[] {
  const dir = sharedPath(GUTENBERG);
  return (names ?? readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()).map((f) => join(dir, f));
}

/** Non-whitespace characters of the normalized corpus with their counts: the words' characters. */
function characterFrequencies(files: string[]): Map<string, number> {
  const frequency = new Map<string, number>();
  for (const file of files) {
    for (const char of normalize(readFileSync(file, 'utf8'), BERT_UNCASED)) {
      if (/\s/u.test(char)) continue;
      frequency.set(char, (frequency.get(char) ?? 0) + 1);
    }
  }
  return frequency;
}

/** A BERT tokenizer from HF's JS port (independent of bertkit's) for a vocabulary. */
function peerTokenizer(tokens: string[]): Tokenizer {
  return new Tokenizer(
    {
      version: '1.0',
      added_tokens: BERT_SPECIAL_TOKENS.map((content) => ({
        id: tokens.indexOf(content), content, special: true, single_word: false, lstrip: false, rstrip: false, normalized: false,
      })),
      normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor: null,
      decoder: null,
      model: {
        type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100,
        vocab: Object.fromEntries(tokens.map((token, id) => [token, id])),
      },
    },
    {},
  );
}

test('Gutenberg, 30k: specials first, the whole alphabet, no duplicates, exact size, every word without [UNK]', { skip: skipWithoutShared(GUTENBERG) }, async () => {
  const files = gutenbergFiles();
  const training = await trainWordPiece({ files }, { vocabSize: 30000 });
  const tokens = training.vocab.tokens;
  assert.equal(tokens.length, 30000);
  assert.equal(training.stoppedBy, 'vocab-size');
  assert.deepEqual(tokens.slice(0, 5), [...BERT_SPECIAL_TOKENS]);
  assert.equal(new Set(tokens).size, tokens.length);

  const alphabet = [...characterFrequencies(files).keys()].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  assert.deepEqual(tokens.slice(5, 5 + alphabet.length), alphabet);

  // Every distinct word of the corpus, through HF's own WordPiece implementation.
  const words = new Set<string>();
  for (const file of files) for (const line of readFileSync(file, 'utf8').split('\n')) {
    for (const word of splitWords(normalize(line, BERT_UNCASED))) words.add(word);
  }
  const peer = peerTokenizer(tokens);
  const unknown = [...words].filter((word) => peer.tokenize(word).includes('[UNK]'));
  assert.deepEqual(unknown, []);
  // Frequent words are whole tokens.
  for (const word of ['the', 'elizabeth', 'whale', 'said']) assert.ok(training.vocab.id(word) !== undefined, word);
});

test('Gutenberg: limitAlphabet keeps exactly the most frequent characters', { skip: skipWithoutShared(GUTENBERG) }, async () => {
  const files = gutenbergFiles(['carroll-alice.txt', 'blake-poems.txt']);
  const training = await trainWordPiece({ files }, { vocabSize: 500, limitAlphabet: 30 });
  const ranked = [...characterFrequencies(files)].sort((a, b) => b[1] - a[1]);
  assert.ok(ranked.length > 40);
  assert.notEqual(ranked[29]![1], ranked[30]![1], 'the cut at 30 must not fall inside a tie');
  const expected = ranked.slice(0, 30).map(([char]) => char).sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  assert.equal(training.alphabetSize, 30);
  assert.deepEqual(training.vocab.tokens.slice(5, 35), expected);
  const singleCharacters = training.vocab.tokens.filter((token) => [...token.replace(/^##/, '')].length === 1);
  for (const token of singleCharacters) assert.ok(expected.includes(token.replace(/^##/, '')), token);
});

test("Gutenberg: minFrequency bounds every merged token's occurrences", { skip: skipWithoutShared(GUTENBERG) }, async () => {
  const files = gutenbergFiles(['carroll-alice.txt', 'blake-poems.txt']);
  const minFrequency = 40;
  const training = await trainWordPiece({ files }, { vocabSize: 30000, minFrequency });
  assert.equal(training.stoppedBy, 'min-frequency');
  assert.ok(training.vocab.size < 30000);

  // A merge of a pair seen n times makes a token found at least n times in its position:
  // word-initial for 'abc', inside a word for '##abc'. Count every such substring occurrence.
  const occurrences = new Map<string, number>();
  for (const file of files) for (const line of readFileSync(file, 'utf8').split('\n')) {
    for (const word of splitWords(normalize(line, BERT_UNCASED))) {
      const chars = [...word];
      for (let start = 0; start < chars.length; start++) {
        let piece = start === 0 ? '' : '##';
        for (let end = start; end < chars.length; end++) {
          piece += chars[end];
          occurrences.set(piece, (occurrences.get(piece) ?? 0) + 1);
        }
      }
    }
  }
  const merged = training.vocab.tokens.slice(training.initialSize);
  assert.ok(merged.length > 100);
  const rare = merged.filter((token) => (occurrences.get(token) ?? 0) < minFrequency);
  assert.deepEqual(rare, []);
  // The bound is tight enough to matter: without it, rarer tokens come in.
  const unbounded = await trainWordPiece({ files }, { vocabSize: training.vocab.size + 2000 });
  assert.ok(unbounded.vocab.tokens.slice(unbounded.initialSize).some((token) => (occurrences.get(token) ?? 0) < minFrequency));
});

test("Gutenberg: Alice's whole vocabulary, merged until no pair is left, equals plain greedy BPE", { skip: skipWithoutShared(GUTENBERG) }, () => {
  const counts = new Map<string, number>();
  for (const line of readFileSync(gutenbergFiles(['carroll-alice.txt'])[0]!, 'utf8').split('\n')) {
    for (const word of splitWords(normalize(line, BERT_UNCASED))) counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  const expected = referenceTraining(counts, 10000, 0);
  assert.ok(expected !== null && expected.length > 4000 && expected.length < 10000);
  const training = trainOnWordCounts(counts, { specialTokens: [], vocabSize: 10000 });
  assert.equal(training.stoppedBy, 'no-more-pairs');
  assert.deepEqual(training.vocab.tokens, expected);
});
