// Normalizer + pre-tokenizer against Google's BasicTokenizer (tokenization.py): the expected
// words below were produced by CPython 3.11 (Unicode 14) running BasicTokenizer's exact steps
// (_clean_text, _tokenize_chinese_chars, whitespace split, lower() + NFD/Mn strip, punctuation split).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BERT_CASED, BERT_UNCASED, normalize } from '../../src/tokenizer/normalizer.js';
import { forEachWord, splitWords } from '../../src/tokenizer/pre-tokenizer.js';

/** [text, words with do_lower_case=True, words with do_lower_case=False] */
const GOOGLE_BASIC_TOKENIZER: [string, string[], string[]][] = [
  [
    "\u039f\u0394\u039f\u03a3 \u03a3\u0391\u03a3 \u03a3 \u0391\u03a3\u0301 \u0391\u03a3.\u0392 \u0391\u03a3\u200b\u0392 \u0391\u03a3\u0001\u0392",
    ["\u03bf\u03b4\u03bf\u03c2", "\u03c3\u03b1\u03c2", "\u03c3", "\u03b1\u03c2", "\u03b1\u03c3", ".", "\u03b2", "\u03b1\u03c3\u03b2", "\u03b1\u03c3\u03b2"],
    ["\u039f\u0394\u039f\u03a3", "\u03a3\u0391\u03a3", "\u03a3", "\u0391\u03a3\u0301", "\u0391\u03a3", ".", "\u0392", "\u0391\u03a3\u0392", "\u0391\u03a3\u0392"],
  ],
  [
    "\u0130stanbul \u01c5emal \u039a\u0391\u039b\u0397\u039c\u0395\u03a1\u0391 \u01c4 \u1e9e \u00df \ufb01ne \ufb00 \uff21\uff42\uff43\uff11\uff12\uff13\uff01",
    ["istanbul", "\u01c6emal", "\u03ba\u03b1\u03bb\u03b7\u03bc\u03b5\u03c1\u03b1", "\u01c6", "\u00df", "\u00df", "\ufb01ne", "\ufb00", "\uff41\uff42\uff43\uff11\uff12\uff13", "\uff01"],
    ["\u0130stanbul", "\u01c5emal", "\u039a\u0391\u039b\u0397\u039c\u0395\u03a1\u0391", "\u01c4", "\u1e9e", "\u00df", "\ufb01ne", "\ufb00", "\uff21\uff42\uff43\uff11\uff12\uff13", "\uff01"],
  ],
  [
    "e\u0301 a\u0308 caf\u00e9 na\u00efve Z\u00fcrich \u1e31 \u1e69 \u1e9b \u01d6 \u00c5 \u03a9 K",
    ["e", "a", "cafe", "naive", "zurich", "k", "s", "\u017f", "u", "a", "\u03c9", "k"],
    ["e\u0301", "a\u0308", "caf\u00e9", "na\u00efve", "Z\u00fcrich", "\u1e31", "\u1e69", "\u1e9b", "\u01d6", "\u00c5", "\u03a9", "K"],
  ],
  [
    "\ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8 \u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8 \u4e2d\u6587\u3002\u8c48 \ud840\udc00\ud869\udea5x \u3400y",
    ["\u1112\u1161\u11ab\u1100\u116e\u11a8\u110b\u1165", "\u1110\u1166\u11a8\u1109\u1173\u1110\u1173", "\u65e5", "\u672c", "\u8a9e", "\u306e\u30c6\u30ad\u30b9\u30c8", "\u4e2d", "\u6587", "\u3002", "\u8c48", "\ud840\udc00", "\ud869\udea5", "x", "\u3400", "y"],
    ["\ud55c\uad6d\uc5b4", "\ud14d\uc2a4\ud2b8", "\u65e5", "\u672c", "\u8a9e", "\u306e\u30c6\u30ad\u30b9\u30c8", "\u4e2d", "\u6587", "\u3002", "\u8c48", "\ud840\udc00", "\ud869\udea5", "x", "\u3400", "y"],
  ],
  [
    "zero\u200bwidth soft\u00adhyphen bom\ufeffx ctl\u0001x del\u007fx nul\u0000x rep\ufffdx \u0085nel \u2028ls\u2029ps \u000bvt\fff \u001cfs",
    ["zerowidth", "softhyphen", "bomx", "ctlx", "delx", "nulx", "repx", "nel", "ls", "ps", "vtff", "fs"],
    ["zerowidth", "softhyphen", "bomx", "ctlx", "delx", "nulx", "repx", "nel", "ls", "ps", "vtff", "fs"],
  ],
  [
    "tab\there\nnew\r\nline\u00a0nbsp\u2003em\u3000ideo\u202fnn\u205fmm\u1680og",
    ["tab", "here", "new", "line", "nbsp", "em", "ideo", "nn", "mm", "og"],
    ["tab", "here", "new", "line", "nbsp", "em", "ideo", "nn", "mm", "og"],
  ],
  [
    "a\u00a1b\u00bfc\u00abd\u00bbe\u2026f\u2030g\u203bh\ud83d\ude42i\ud834\udd1ej\u201ek\u201al `m^n$o|p~q \ud800\udd00r \ud82f\udc9fs",
    ["a", "\u00a1", "b", "\u00bf", "c", "\u00ab", "d", "\u00bb", "e", "\u2026", "f", "\u2030", "g", "\u203b", "h\ud83d\ude42i\ud834\udd1ej", "\u201e", "k", "\u201a", "l", "`", "m", "^", "n", "$", "o", "|", "p", "~", "q", "\ud800\udd00", "r", "\ud82f\udc9f", "s"],
    ["a", "\u00a1", "b", "\u00bf", "c", "\u00ab", "d", "\u00bb", "e", "\u2026", "f", "\u2030", "g", "\u203b", "h\ud83d\ude42i\ud834\udd1ej", "\u201e", "k", "\u201a", "l", "`", "m", "^", "n", "$", "o", "|", "p", "~", "q", "\ud800\udd00", "r", "\ud82f\udc9f", "s"],
  ],
  [
    "private \ue000x unassigned \u0378x",
    ["private", "\ue000x", "unassigned", "\u0378x"],
    ["private", "\ue000x", "unassigned", "\u0378x"],
  ],
  [
    "\u1fbc \u1ffc a\u1fefb a;b",
    ["\u03b1", "\u03c9", "a", "`", "b", "a", ";", "b"],
    ["\u1fbc", "\u1ffc", "a\u1fefb", "a", ";", "b"],
  ],
  [
    "emoji \ud83d\ude00\ud83d\udc4d\ud83c\udffd flags \ud83c\uddeb\ud83c\uddf7 family \ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67 keycap 1\ufe0f\u20e3",
    ["emoji", "\ud83d\ude00\ud83d\udc4d\ud83c\udffd", "flags", "\ud83c\uddeb\ud83c\uddf7", "family", "\ud83d\udc68\ud83d\udc69\ud83d\udc67", "keycap", "1\u20e3"],
    ["emoji", "\ud83d\ude00\ud83d\udc4d\ud83c\udffd", "flags", "\ud83c\uddeb\ud83c\uddf7", "family", "\ud83d\udc68\ud83d\udc69\ud83d\udc67", "keycap", "1\ufe0f\u20e3"],
  ],
];

test('words match Google BasicTokenizer (uncased and cased) on edge cases', () => {
  for (const [text, uncased, cased] of GOOGLE_BASIC_TOKENIZER) {
    assert.deepEqual(splitWords(normalize(text, BERT_UNCASED)), uncased, `uncased: ${JSON.stringify(text)}`);
    assert.deepEqual(splitWords(normalize(text, BERT_CASED)), cased, `cased: ${JSON.stringify(text)}`);
  }
});

test('every ASCII punctuation character is its own word, letters and digits are not split', () => {
  const punctuation = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
  assert.equal(punctuation.length, 32);
  assert.deepEqual(splitWords(`a${punctuation}b`), ['a', ...punctuation, 'b']);
  assert.deepEqual(splitWords('abc123 XYZ'), ['abc123', 'XYZ']);
});

test('forEachWord reports spans inside a range, and a hash equal for equal words', () => {
  const text = 'xx hello, world hello yy';
  const seen: [string, number][] = [];
  forEachWord(text, 3, 21, (start, end, hash) => seen.push([text.slice(start, end), hash]));
  assert.deepEqual(
    seen.map(([word]) => word),
    ['hello', ',', 'world', 'hello'],
  );
  assert.equal(seen[0]![1], seen[3]![1]);
  assert.notEqual(seen[0]![1], seen[2]![1]);
});

test('astral punctuation stays whole and astral letters stay in their word', () => {
  assert.deepEqual(splitWords('a\u{10100}b c\u{1d400}d'), ['a', '\u{10100}', 'b', 'c\u{1d400}d']);
});
