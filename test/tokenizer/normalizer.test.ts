import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlignedNormalizer, BERT_CASED, BERT_UNCASED, normalize, sourceSpan, type NormalizerOptions } from '../../src/tokenizer/normalizer.js';

const NONE: NormalizerOptions = { cleanText: false, handleChineseChars: false, stripAccents: false, lowercase: false };

test('presets: uncased cleans, spaces CJK, lowercases and strips accents; cased keeps case and accents', () => {
  // Expected values follow Google's BasicTokenizer (checked with CPython's unicodedata).
  assert.equal(normalize('Héllo\tWÖRLD\u00a0中文\u200b!', BERT_UNCASED), 'hello world  中  文 !');
  assert.equal(normalize('Héllo\tWÖRLD\u00a0中文\u200b!', BERT_CASED), 'Héllo WÖRLD  中  文 !');
});

test('stripAccents overrides: strip without lowercasing, lowercase without stripping', () => {
  assert.equal(normalize('Café Ünïcödé', { ...BERT_CASED, stripAccents: true }), 'Cafe Unicode');
  assert.equal(normalize('Café Ünïcödé', { ...BERT_UNCASED, stripAccents: false }), 'café ünïcödé');
});

test('each step can be switched off', () => {
  const text = 'A\u0001B\tC中D';
  assert.equal(normalize(text, NONE), text);
  assert.equal(normalize(text, { ...NONE, cleanText: true }), 'AB C中D');
  assert.equal(normalize(text, { ...NONE, handleChineseChars: true }), 'A\u0001B\tC 中 D');
  assert.equal(normalize(text, { ...NONE, lowercase: true }), 'a\u0001b\tc中d');
});

test('lowercasing follows Python str.lower(): İ → i̇ (then stripped to i), final sigma', () => {
  assert.equal(normalize('İ', { ...BERT_UNCASED, stripAccents: false }), 'i\u0307');
  assert.equal(normalize('İ', BERT_UNCASED), 'i');
  // Python: 'ΟΔΟΣ'.lower() == 'οδος' (final ς); Σ alone or followed by a letter stays σ.
  assert.equal(normalize('ΟΔΟΣ Σ ΣΑ ΑΣ.', BERT_UNCASED), 'οδος σ σα ας.');
});

test('lowercase-then-strip (Google, transformers.js) and strip-then-lowercase (HF Rust) agree on every single code point', () => {
  // The order only matters through context: Python's final-sigma rule sees the marks that
  // stripping would remove ('ΑΣ\u0301' → 'ας' here, 'ασ' in HF Rust, which lowercases per character).
  const stripMarks = (text: string) => text.normalize('NFD').replace(/\p{Mn}/gu, '');
  const normalizer = new AlignedNormalizer({ ...NONE, lowercase: true, stripAccents: true });
  let differing = 0;
  for (let codePoint = 0x80; codePoint < 0x30000; codePoint++) {
    if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue;
    const char = String.fromCodePoint(codePoint);
    const ours = normalizer.normalize(char, 0, char.length).text;
    const hfOrder = [...stripMarks(char)].map((c) => c.toLowerCase()).join('');
    if (ours !== hfOrder) differing++;
  }
  assert.equal(differing, 0);
  assert.equal(normalize('ΑΣ\u0301', BERT_UNCASED), 'ας');
});

test('aligned normalization maps every normalized unit back to its source character', () => {
  const texts = [
    'plain ascii text',
    'Ｆｕｌｌ ｗｉｄｔｈ İstanbul café e\u0301 ﬁ 中文 𠀀x 😀 a\u0000b\u200bc\ufffd \t\n 한국어',
    '\u0301leading mark, trailing control\u0001',
  ];
  const normalizer = new AlignedNormalizer(BERT_UNCASED);
  for (const text of texts) {
    const aligned = normalizer.normalize(text, 0, text.length);
    assert.equal(aligned.text, normalize(text, BERT_UNCASED));
    for (let i = 0; i < aligned.text.length; i++) {
      if (aligned.text[i] === ' ') continue;
      const [start, end] = sourceSpan(aligned, i, i + 1);
      assert.ok(start >= 0 && start < end && end <= text.length, `unit ${i} of ${JSON.stringify(text)}: span [${start}, ${end})`);
      const source = normalize(text.slice(start, end), BERT_UNCASED);
      assert.ok(source.includes(aligned.text[i]!), `unit ${i} ${JSON.stringify(aligned.text[i])} not in its source ${JSON.stringify(text.slice(start, end))}`);
    }
  }
});

test('removed characters belong to no token (as in HF tokenizers); substrings align to absolute offsets', () => {
  const text = 'xx cafe\u0301\u200b yy';
  const normalizer = new AlignedNormalizer(BERT_UNCASED);
  const aligned = normalizer.normalize(text, 3, 9);
  assert.equal(aligned.text, 'cafe');
  assert.deepEqual(sourceSpan(aligned, 0, 4), [3, 7]);
  const ascii = normalizer.normalize(text, 0, 2);
  assert.deepEqual(sourceSpan(ascii, 0, 2), [0, 2]);
  // U+0085 is both a control and a whitespace character: cleaning removes it first, as Google's _clean_text does.
  assert.equal(normalize('a\u0085b', BERT_UNCASED), 'ab');
});
