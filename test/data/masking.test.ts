import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/runtime/rng.js';
import { Vocab } from '../../src/tokenizer/vocab.js';
import { MaskingVocabulary, maskTokens, roundHalfEven, type MaskingOptions } from '../../src/data/masking.js';
import { randint } from '../../src/data/pretraining-instances.js';

// google-research/bert create_masked_lm_predictions (the version with do_whole_word_mask), ported
// line by line over token strings; rng.random() / rng.randint() / rng.shuffle() are the shared Rng's.
function googleMaskedLmPredictions(
  tokens: string[], maskedLmProb: number, maxPredictionsPerSeq: number, vocabWords: string[], rng: Rng, doWholeWordMask: boolean,
): { outputTokens: string[]; positions: number[]; labels: string[] } {
  const candIndexes: number[][] = [];
  tokens.forEach((token, i) => {
    if (token === '[CLS]' || token === '[SEP]') return;
    if (doWholeWordMask && candIndexes.length >= 1 && token.startsWith('##')) candIndexes[candIndexes.length - 1]!.push(i);
    else candIndexes.push([i]);
  });
  for (let i = candIndexes.length - 1; i > 0; i--) { // random.shuffle
    const j = rng.int(i + 1);
    [candIndexes[i], candIndexes[j]] = [candIndexes[j]!, candIndexes[i]!];
  }
  const outputTokens = [...tokens];
  const pythonRound = (x: number) => (Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x));
  const numToPredict = Math.min(maxPredictionsPerSeq, Math.max(1, pythonRound(tokens.length * maskedLmProb)));
  const maskedLms: { index: number; label: string }[] = [];
  const coveredIndexes = new Set<number>();
  for (const indexSet of candIndexes) {
    if (maskedLms.length >= numToPredict) break;
    if (maskedLms.length + indexSet.length > numToPredict) continue;
    if (indexSet.some((index) => coveredIndexes.has(index))) continue;
    for (const index of indexSet) {
      coveredIndexes.add(index);
      let maskedToken: string;
      if (rng.uniform() < 0.8) maskedToken = '[MASK]';
      else if (rng.uniform() < 0.5) maskedToken = tokens[index]!;
      else maskedToken = vocabWords[randint(rng, 0, vocabWords.length - 1)]!;
      outputTokens[index] = maskedToken;
      maskedLms.push({ index, label: tokens[index]! });
    }
  }
  maskedLms.sort((x, y) => x.index - y.index);
  return { outputTokens, positions: maskedLms.map((m) => m.index), labels: maskedLms.map((m) => m.label) };
}

const WORDS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'cat', 'sat', 'on', 'mat', 'un', '##believ', '##able', 'run', '##ning', 'dog', '##s', '.', ','];
const vocab = Vocab.fromTokens(WORDS, 'test vocab');
const maskingVocab = new MaskingVocabulary(vocab);

function randomSequence(rng: Rng, length: number): number[] {
  const half = Math.floor((length - 3) / 2);
  const body = () => Array.from({ length: half }, () => 5 + rng.int(WORDS.length - 5));
  return [2, ...body(), 3, ...body(), 3];
}

test("masking equals a line-by-line port of Google's create_masked_lm_predictions under the same draws", () => {
  for (const wholeWordMask of [false, true]) {
    for (const [maskedLmProb, maxPredictionsPerSeq] of [[0.15, 20], [0.15, 3], [0.5, 100], [0.01, 20]] as const) {
      const options: MaskingOptions = { maskedLmProb, maxPredictionsPerSeq, wholeWordMask };
      for (let trial = 0; trial < 40; trial++) {
        const tokens = randomSequence(new Rng(trial), 5 + trial * 3);
        const ours = maskTokens(tokens, options, maskingVocab, new Rng(1000 + trial));
        const reference = googleMaskedLmPredictions(tokens.map((id) => WORDS[id]!), maskedLmProb, maxPredictionsPerSeq, WORDS, new Rng(1000 + trial), wholeWordMask);
        assert.deepEqual(Array.from(ours.inputIds, (id) => WORDS[id]), reference.outputTokens);
        assert.deepEqual(Array.from(ours.positions), reference.positions);
        assert.deepEqual(Array.from(ours.labels, (id) => WORDS[id]), reference.labels);
      }
    }
  }
});

test('round half to even, as Python', () => {
  assert.deepEqual([0.5, 1.5, 2.5, 19.5, 2.4, 2.6, 3].map(roundHalfEven), [0, 2, 2, 20, 2, 3, 3]);
});

test('80% [MASK], 10% random, 10% unchanged; [CLS] and [SEP] never; whole words together', () => {
  const counts = { mask: 0, same: 0, random: 0 };
  const rng = new Rng(42);
  for (let trial = 0; trial < 3000; trial++) {
    const tokens = randomSequence(rng, 64);
    const masked = maskTokens(tokens, { maskedLmProb: 0.15, maxPredictionsPerSeq: 20, wholeWordMask: true }, maskingVocab, rng);
    masked.positions.forEach((position, k) => {
      assert.ok(tokens[position] !== 2 && tokens[position] !== 3, 'a special token was masked');
      assert.equal(masked.labels[k], tokens[position]);
      const input = masked.inputIds[position]!;
      if (input === maskingVocab.maskId) counts.mask++;
      else if (input === tokens[position]) counts.same++;
      else counts.random++;
    });
    const maskedSet = new Set(masked.positions);
    for (let i = 1; i < tokens.length; i++) {
      if (maskingVocab.isContinuation[tokens[i]!] && tokens[i - 1] !== 2 && tokens[i - 1] !== 3) {
        assert.equal(maskedSet.has(i), maskedSet.has(i - 1), `piece ${i} masked apart from its word`);
      }
    }
    assert.ok(masked.positions.length <= 10, 'budget round(64 · 0.15) = 10');
  }
  const total = counts.mask + counts.same + counts.random;
  // A random replacement may draw the original token back (1/19 here): it then counts as unchanged.
  assert.ok(Math.abs(counts.mask / total - 0.8) < 0.01, JSON.stringify(counts));
  assert.ok(Math.abs(counts.random / total - 0.1 * 18 / 19) < 0.01, JSON.stringify(counts));
  assert.ok(Math.abs(counts.same / total - (0.1 + 0.1 / 19)) < 0.01, JSON.stringify(counts));
});
