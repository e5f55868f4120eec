// Offsets: UTF-16 [start, end) into the ORIGINAL text, through lowercasing, accent stripping,
// CJK spacing, astral characters and removed control characters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';
import { addedToken } from '../../src/tokenizer/added-tokens.js';
import { BERT_UNCASED, normalize } from '../../src/tokenizer/normalizer.js';
import { splitWords } from '../../src/tokenizer/pre-tokenizer.js';
import { TextTokenizer, type TokenPieces } from '../../src/tokenizer/text-tokenizer.js';
import { Vocab } from '../../src/tokenizer/vocab.js';
import { BERT_WORDPIECE } from '../../src/tokenizer/wordpiece.js';

const VOCAB = 'data/vocab/bert-base-uncased/vocab.txt';
const skip = skipWithoutShared(VOCAB);
const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map((content) => addedToken(content, { special: true }));

function uncasedTokenizer(): TextTokenizer {
  return new TextTokenizer(Vocab.fromFile(sharedPath(VOCAB)), { ...BERT_UNCASED, ...BERT_WORDPIECE }, SPECIALS);
}

/**
 * [text, tokens, offsets] as Hugging Face tokenizers 0.23.2 (Rust, BertTokenizerFast's engine)
 * gives them for bert-base-uncased without special tokens, its code-point offsets converted to
 * UTF-16; each checked by eye (e.g. "cafe\u0301" → "cafe" [0, 4]: the removed mark is in no token).
 */
const HF_OFFSETS: [string, string[], [number, number][]][] = [
  ["Hello, World!", ["hello", ",", "world", "!"], [[0, 5], [5, 6], [7, 12], [12, 13]]],
  ["na\u00efve caf\u00e9 r\u00e9sum\u00e9 Z\u00fcrich", ["naive", "cafe", "resume", "zurich"], [[0, 5], [6, 10], [11, 17], [18, 24]]],
  ["cafe\u0301 e\u0301", ["cafe", "e"], [[0, 4], [6, 7]]],
  ["\u0130stanbul \u0130\u0130", ["istanbul", "ii"], [[0, 8], [9, 11]]],
  ["\u4e2d\u6587\u5b57\u7b26 and \u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8", ["\u4e2d", "\u6587", "[UNK]", "[UNK]", "and", "\u65e5", "\u672c", "\u8a9e", "\u306e", "##\u30c6", "##\u30ad", "##\u30b9", "##\u30c8"], [[0, 1], [1, 2], [2, 3], [3, 4], [5, 8], [9, 10], [10, 11], [11, 12], [12, 13], [13, 14], [14, 15], [15, 16], [16, 17]]],
  ["emoji \ud83d\ude00\ud83d\udc4d\ud83c\udffd x", ["em", "##oj", "##i", "[UNK]", "x"], [[0, 2], [2, 4], [4, 5], [6, 12], [13, 14]]],
  ["\ud840\udc00\ud840\udc01 ext-b \ud869\udea5x", ["[UNK]", "[UNK]", "ex", "##t", "-", "b", "[UNK]", "x"], [[0, 2], [2, 4], [5, 7], [7, 8], [8, 9], [9, 10], [11, 13], [13, 14]]],
  ["zero\u200bwidth soft\u00adhyphen ctl\u0001x nul\u0000x rep\ufffdx", ["zero", "##wi", "##dt", "##h", "soft", "##hy", "##ph", "##en", "ct", "##l", "##x", "nu", "##l", "##x", "rep", "##x"], [[0, 4], [5, 7], [7, 9], [9, 10], [11, 15], [16, 18], [18, 20], [20, 22], [23, 25], [25, 26], [27, 28], [29, 31], [31, 32], [33, 34], [35, 38], [39, 40]]],
  ["\uff26\uff55\uff4c\uff4c \uff57\uff49\uff44\uff54\uff48 \uff11\uff12\uff13\uff01", ["[UNK]", "[UNK]", "[UNK]", "\uff01"], [[0, 4], [5, 10], [11, 14], [14, 15]]],
  ["\ufb01ne \ufb02ow \ufb00", ["\ufb01", "##ne", "\ufb02", "##ow", "[UNK]"], [[0, 1], [1, 3], [4, 5], [5, 7], [8, 9]]],
  ["\ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8", ["\u1112", "##\u1161", "##\u11ab", "##\u1100", "##\u116e", "##\u11a8", "##\u110b", "##\u1165", "\u1110", "##\u1166", "##\u11a8", "##\u1109", "##\u1173", "##\u1110", "##\u1173"], [[0, 1], [0, 1], [0, 1], [1, 2], [1, 2], [1, 2], [2, 3], [2, 3], [4, 5], [4, 5], [4, 5], [5, 6], [5, 6], [6, 7], [6, 7]]],
  ["The capital of France is [MASK].", ["the", "capital", "of", "france", "is", "[MASK]", "."], [[0, 3], [4, 11], [12, 14], [15, 21], [22, 24], [25, 31], [31, 32]]],
  ["a\u0001 b", ["a", "b"], [[0, 1], [3, 4]]],
  ["\u0301x", ["x"], [[1, 2]]],
  ["unaffable unbelievable", ["una", "##ffa", "##ble", "unbelievable"], [[0, 3], [3, 6], [6, 9], [10, 22]]],
  ["\u01c4emal \u01c5 \u01c6", ["[UNK]", "[UNK]", "[UNK]"], [[0, 5], [6, 7], [8, 9]]],
  ["x\u200b\u200b, y", ["x", ",", "y"], [[0, 1], [3, 4], [5, 6]]],
  ["tab\tnew\nline\r\nnbsp\u00a0ideo\u3000end", ["tab", "new", "line", "n", "##bs", "##p", "id", "##eo", "end"], [[0, 3], [4, 7], [8, 12], [14, 15], [15, 17], [17, 18], [19, 21], [21, 23], [24, 27]]],
  ["[CLS]a[SEP]b[MASK]", ["[CLS]", "a", "[SEP]", "b", "[MASK]"], [[0, 5], [5, 6], [6, 11], [11, 12], [12, 18]]],
  ["\ud835\udc01\ud835\udc28\ud835\udc25\ud835\udc1d math \ud835\udfcf\ud835\udfd0", ["[UNK]", "math", "[UNK]"], [[0, 8], [9, 13], [14, 18]]],
  ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa ok", ["[UNK]", "ok"], [[0, 104], [105, 107]]],
];

test('offsets equal Hugging Face tokenizers (Rust) on edge cases', { skip }, () => {
  const tokenizer = uncasedTokenizer();
  for (const [text, tokens, offsets] of HF_OFFSETS) {
    const pieces = tokenizer.tokenize(text);
    assert.deepEqual(pieces.tokens, tokens, JSON.stringify(text));
    assert.deepEqual(pieces.offsets, offsets, JSON.stringify(text));
  }
});

test('final sigma (where HF Rust lowercases per character and differs in ids): offsets still slice the source', { skip }, () => {
  const text = 'ΟΔΟΣ ΣΑΣ';
  const pieces = uncasedTokenizer().tokenize(text);
  assert.deepEqual(pieces.tokens, ['ο', '##δ', '##ος', 'σ', '##α', '##ς']);
  assert.deepEqual(pieces.offsets, [[0, 1], [1, 2], [2, 4], [5, 6], [6, 7], [7, 8]]);
});

/**
 * Checks that each token's source slice normalizes to the token (CJK spacing trimmed): per word (tokens sharing a word
 * id), the normalized source of the word's span equals its pieces joined (## stripped); a piece
 * whose source character is not shared with a neighbour normalizes to exactly its own text; an
 * [UNK] spans exactly one word.
 */
function checkOffsets(text: string, pieces: TokenPieces, where: string): void {
  let previousEnd = 0;
  for (let k = 0; k < pieces.ids.length; k++) {
    const [start, end] = pieces.offsets[k]!;
    assert.ok(start >= previousEnd && start < end && end <= text.length, `${where}: token ${k} offsets [${start}, ${end})`);
    previousEnd = start;
  }
  for (let k = 0; k < pieces.ids.length; ) {
    let last = k;
    while (last + 1 < pieces.ids.length && pieces.wordIds[last + 1] === pieces.wordIds[k]) last++;
    const wordStart = pieces.offsets[k]![0];
    const wordEnd = pieces.offsets[last]![1];
    const source = text.slice(wordStart, wordEnd);
    if (pieces.special[k]) {
      assert.equal(source, pieces.tokens[k], `${where}: special token`);
    } else if (pieces.tokens[k] === '[UNK]') {
      assert.equal(last, k, `${where}: [UNK] is a whole word`);
      assert.equal(splitWords(normalize(source, BERT_UNCASED)).length, 1, `${where}: [UNK] spans one word: ${JSON.stringify(source)}`);
    } else {
      const joined = pieces.tokens.slice(k, last + 1).map((token, i) => (i === 0 ? token : token.replace(/^##/, ''))).join('');
      assert.equal(normalize(source, BERT_UNCASED).trim(), joined, `${where}: word ${JSON.stringify(source)}`);
      for (let i = k; i <= last; i++) {
        const [start, end] = pieces.offsets[i]!;
        const shared = (i > k && pieces.offsets[i - 1]![1] > start) || (i < last && pieces.offsets[i + 1]![0] < end);
        if (shared) continue;
        const token = i === k ? pieces.tokens[i]! : pieces.tokens[i]!.replace(/^##/, '');
        // Final sigma depends on the context a lone piece lacks: compare σ and ς as one letter.
        const sigmaBlind = (piece: string) => piece.replace(/ς/g, 'σ');
        assert.equal(sigmaBlind(normalize(text.slice(start, end), BERT_UNCASED).trim()), sigmaBlind(token), `${where}: piece ${i} ${JSON.stringify(text.slice(start, end))}`);
      }
    }
    k = last + 1;
  }
}

test('each token slices back to source text that normalizes to it: edge cases', { skip }, () => {
  const tokenizer = uncasedTokenizer();
  const texts = [
    ...HF_OFFSETS.map(([text]) => text),
    'ΟΔΟΣ ΣΑΣ ΑΣ\u0301',
    'Ünïcödé ÀÉÎÕÜ façade coöperate Ελληνικά ǅemal İİİ ﬁne ﬀ Ａｂｃ１２３！ ẛ ǖ ᾼ',
    '한국어 텍스트 뷁 日本語のテキスト、中文文本。𠀀𠀁𪚥 豈',
    'emoji 😀👍🏽 flags 🇫🇷 family 👨‍👩‍👧 keycap 1️⃣ 𝄞 \u{10100}x',
    'zero\u200bwidth ctl\u0001x\u0000y\ufffdz \u0085nel \u2028ls [MASK]\u200b[SEP]',
    'x'.repeat(101) + ' ' + 'é'.repeat(60) + 'x',
  ];
  for (const text of texts) checkOffsets(text, tokenizer.tokenize(text), JSON.stringify(text));
});

test('each token slices back to source text that normalizes to it: real corpora sample', { skip: skip || skipWithoutShared('data/corpus/gutenberg') || skipWithoutShared('data/chnsenticorp/dev.tsv') || skipWithoutShared('data/sst2/train.tsv') }, () => {
  const tokenizer = uncasedTokenizer();
  const dir = sharedPath('data/corpus/gutenberg');
  const texts: string[] = [];
  for (const file of readdirSync(dir).sort()) {
    const paragraphs = readFileSync(join(dir, file), 'utf8').split(/\n\s*\n/);
    for (let k = 0; k < paragraphs.length; k += 20) texts.push(paragraphs[k]!);
  }
  const tsv = (relative: string, column: number) =>
    readFileSync(sharedPath(relative), 'utf8').split('\n').slice(1).filter((line) => line.length > 0).map((line) => line.split('\t')[column]!);
  texts.push(...tsv('data/chnsenticorp/dev.tsv', 1));
  texts.push(...tsv('data/sst2/train.tsv', 0).filter((_, k) => k % 20 === 0));
  assert.ok(texts.length > 5000);
  texts.forEach((text, k) => checkOffsets(text, tokenizer.tokenize(text), `sample ${k}`));
});
