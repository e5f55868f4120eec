// Truncation, strategies and overflow windows. transformers.js v4 has no truncation strategies,
// strides or overflow (it cuts the whole id list, [SEP] included), so the references here are
// Hugging Face's own: the expectations of tokenizers' unit tests (utils/truncation.rs), the
// documented meaning of `stride` and `return_overflowing_tokens` (windows overlapping by `stride`
// tokens; with only_second the first text repeats in every window, the SQuAD pattern), and
// transformers.js's untruncated tokens for the real RTE pairs.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';
import { BertTokenizer } from '../../src/tokenizer/bert-tokenizer.js';
import type { Encoding, SequenceTokens } from '../../src/tokenizer/encoding.js';
import { truncateSequences, windows, type TruncationStrategy } from '../../src/tokenizer/truncation.js';
import { loadPeer, rtePairs, UNCASED_DIR } from './helpers/bert-tokenizer-peer.js';

function sequence(length: number, base = 0): SequenceTokens {
  const ids = Array.from({ length }, (_, i) => base + i);
  return { ids, tokens: ids.map(String), offsets: ids.map((id) => [id, id + 1]), wordIds: ids.map((_, i) => i) };
}

describe('truncateSequences: tokenizers unit-test expectations (utils/truncation.rs)', () => {
  // empty = 0, short = 2, medium = 4, long = 8 tokens; max_length 7, longest_first.
  const cases: [number, number, number, number][] = [
    [0, 0, 0, 0], [0, 2, 0, 2], [0, 4, 0, 4], [0, 8, 0, 7],
    [2, 0, 2, 0], [2, 2, 2, 2], [2, 4, 2, 4], [2, 8, 2, 5],
    [4, 0, 4, 0], [4, 2, 4, 2], [4, 4, 3, 4], [4, 8, 3, 4],
    [8, 0, 7, 0], [8, 2, 5, 2], [8, 4, 4, 3], [8, 8, 3, 4],
  ];
  for (const [firstLength, secondLength, firstKept, secondKept] of cases) {
    test(`longest_first (${firstLength}, ${secondLength}) → (${firstKept}, ${secondKept})`, () => {
      const result = truncateSequences(sequence(firstLength), sequence(secondLength, 100), {
        maxLength: 7, strategy: 'longest_first', stride: 0, direction: 'right',
      });
      assert.equal(result.first[0]!.ids.length, firstKept);
      assert.equal(result.second![0]!.ids.length, secondKept);
      assert.deepEqual(result.first[0]!.ids, sequence(firstKept).ids, 'the beginning is kept');
    });
  }

  test('max_length 0 keeps nothing of either sequence', () => {
    for (const [a, b] of [[0, 2], [4, 4], [8, 8]] as const) {
      const result = truncateSequences(sequence(a), sequence(b), { maxLength: 0, strategy: 'longest_first', stride: 0, direction: 'right' });
      assert.equal(result.first[0]!.ids.length + result.second![0]!.ids.length, 0);
    }
  });

  test('only_first / only_second errors when the target is too short, as TruncationError::SequenceTooShort', () => {
    assert.throws(
      () => truncateSequences(sequence(2), sequence(8), { maxLength: 7, strategy: 'only_first', stride: 0, direction: 'right' }),
      /only_first.*3 tokens must be removed.*first sequence has only 2/,
    );
    assert.throws(
      () => truncateSequences(sequence(8), sequence(2), { maxLength: 7, strategy: 'only_second', stride: 0, direction: 'right' }),
      /only_second.*second sequence has only 2/,
    );
    assert.throws(
      () => truncateSequences(sequence(8), null, { maxLength: 7, strategy: 'only_second', stride: 0, direction: 'right' }),
      /needs a pair of texts/,
    );
    // Nothing to remove: no error even though only_second has no second sequence (as HF returns early).
    assert.equal(truncateSequences(sequence(5), null, { maxLength: 7, strategy: 'only_second', stride: 0, direction: 'right' }).first[0]!.ids.length, 5);
  });
});

describe('windows: stride and direction (Encoding::truncate)', () => {
  test('10 tokens, 5 per window, stride 2: windows start every 3 tokens and the last reaches the end', () => {
    const parts = windows(sequence(10), 5, 2, 'right', 'first').map((part) => part.ids);
    assert.deepEqual(parts, [[0, 1, 2, 3, 4], [3, 4, 5, 6, 7], [6, 7, 8, 9]]);
  });

  test('left direction keeps the end first; windows end every 3 tokens from the end', () => {
    // Encoding::truncate (Left): stops at 10, 7, 4 → ranges [5, 10), [2, 7), [0, 4).
    const parts = windows(sequence(10), 5, 2, 'left', 'first').map((part) => part.ids);
    assert.deepEqual(parts, [[5, 6, 7, 8, 9], [2, 3, 4, 5, 6], [0, 1, 2, 3]]);
  });

  test('the Encoding::truncate unit tests: (5 tokens, 4, stride 2) and (3 tokens, 2, left)', () => {
    assert.deepEqual(windows(sequence(5, 1), 4, 2, 'right', 'first').map((part) => part.ids), [[1, 2, 3, 4], [3, 4, 5]]);
    assert.deepEqual(windows(sequence(3, 1), 2, 0, 'left', 'first').map((part) => part.ids), [[2, 3], [1]]);
    assert.deepEqual(windows(sequence(3, 1), 0, 0, 'right', 'first').map((part) => part.ids), [[], [1, 2, 3]]);
  });

  test('a stride as long as the window is refused (HF: stride must be smaller than the effective max length)', () => {
    assert.throws(() => windows(sequence(10), 4, 4, 'right', 'second'), /stride 4 must be smaller than the 4 tokens kept of the second sequence/);
  });
});

describe('BertTokenizer truncation on RTE pairs', { skip: skipWithoutShared(UNCASED_DIR, 'tokenizer.json') || skipWithoutShared('data/rte/train.tsv') }, () => {
  let ours: BertTokenizer;
  let peer: PreTrainedTokenizer;
  before(async () => {
    ours = BertTokenizer.fromPretrained(sharedPath(UNCASED_DIR));
    peer = await loadPeer(sharedPath(UNCASED_DIR));
  });

  /** The tokens of sequence `id` in an encoding, in order. */
  const part = (encoding: Encoding, id: number) => encoding.tokens.filter((_, i) => encoding.sequenceIds[i] === id);

  test('each strategy keeps a prefix of each text and fills maxLength exactly, special tokens counted', () => {
    const maxLength = 32;
    let truncated = 0;
    for (const [index, [first, second]] of rtePairs(120).entries()) {
      const tokensA = peer.tokenize(first);
      const tokensB = peer.tokenize(second);
      const budget = maxLength - 3;
      for (const strategy of ['longest_first', 'only_first', 'only_second'] as TruncationStrategy[]) {
        const where = `pair ${index} ${strategy} (${tokensA.length} + ${tokensB.length} tokens)`;
        const target = strategy === 'only_first' ? tokensA : tokensB;
        const excess = tokensA.length + tokensB.length - budget;
        if (strategy !== 'longest_first' && excess >= target.length) {
          assert.throws(() => ours.encode(first, second, { truncation: strategy, maxLength }), /must be removed/, where);
          continue;
        }
        const encoding = ours.encode(first, second, { truncation: strategy, maxLength });
        const keptA = part(encoding, 0);
        const keptB = part(encoding, 1);
        assert.deepEqual(keptA, tokensA.slice(0, keptA.length), `${where}: first text's prefix`);
        assert.deepEqual(keptB, tokensB.slice(0, keptB.length), `${where}: second text's prefix`);
        assert.deepEqual(encoding.tokens, ['[CLS]', ...keptA, '[SEP]', ...keptB, '[SEP]'], `${where}: template around the kept tokens`);
        if (excess <= 0) {
          assert.equal(keptA.length + keptB.length, tokensA.length + tokensB.length, `${where}: nothing cut`);
          continue;
        }
        truncated++;
        assert.equal(encoding.ids.length, maxLength, `${where}: fills maxLength`);
        if (strategy === 'only_first') assert.equal(keptB.length, tokensB.length, `${where}: second untouched`);
        if (strategy === 'only_second') assert.equal(keptA.length, tokensA.length, `${where}: first untouched`);
        if (strategy === 'longest_first') {
          const shorter = Math.min(tokensA.length, tokensB.length);
          // The shorter text is kept whole when it fits in half the budget; otherwise both get half (the longer one the odd token).
          if (shorter <= Math.floor(budget / 2)) {
            assert.equal(Math.min(keptA.length, keptB.length), shorter, `${where}: shorter kept whole`);
          } else {
            const longerKept = tokensA.length > tokensB.length ? keptA.length : keptB.length;
            assert.equal(longerKept, Math.ceil(budget / 2), `${where}: longer keeps half, rounded up`);
            assert.equal(keptA.length + keptB.length, budget);
          }
        }
      }
    }
    assert.ok(truncated > 100, `enough pairs needed truncation (${truncated})`);
  });

  test('only_second with stride: the SQuAD pattern, question repeated, context windows overlapping by stride', () => {
    const maxLength = 40;
    const stride = 7;
    let windowsSeen = 0;
    for (const [index, [context, question]] of rtePairs(60).entries()) {
      const tokensQ = peer.tokenize(question);
      const tokensC = peer.tokenize(context);
      const room = maxLength - 3 - tokensQ.length;
      if (room <= stride) continue;
      const where = `pair ${index}`;
      const encoding = ours.encode(question, context, { truncation: 'only_second', maxLength, stride, returnOverflowing: true });
      const all = [encoding, ...encoding.overflowing];
      const pieces = all.map((window) => part(window, 1));
      for (const window of all) {
        assert.deepEqual(part(window, 0), tokensQ, `${where}: the question is in every window`);
        assert.ok(window.ids.length <= maxLength, `${where}: window length`);
        assert.deepEqual(window.typeIds, window.sequenceIds.map((id, i) => (id === 1 || (id === null && i > tokensQ.length + 1) ? 1 : 0)));
      }
      // Windows of `room` tokens starting every `room - stride` tokens, the last one reaching the end.
      const step = room - stride;
      const expectedCount = tokensC.length <= room ? 1 : Math.ceil((tokensC.length - room) / step) + 1;
      assert.equal(pieces.length, expectedCount, `${where}: number of windows for ${tokensC.length} context tokens`);
      pieces.forEach((piece, k) => {
        assert.deepEqual(piece, tokensC.slice(k * step, k * step + room), `${where}: window ${k}`);
      });
      windowsSeen += pieces.length;
    }
    assert.ok(windowsSeen > 60, `windows seen: ${windowsSeen}`);
  });

  test('without returnOverflowing the windows are dropped; single texts window the same way', () => {
    const [text] = rtePairs(3)[2]!;
    const tokens = peer.tokenize(text);
    assert.ok(tokens.length > 20);
    const plain = ours.encode(text, undefined, { maxLength: 12, stride: 3 });
    assert.deepEqual(plain.overflowing, []);
    assert.deepEqual(plain.tokens, ['[CLS]', ...tokens.slice(0, 10), '[SEP]']);
    const windowed = ours.encode(text, undefined, { maxLength: 12, stride: 3, returnOverflowing: true });
    assert.deepEqual(windowed.overflowing[0]!.tokens, ['[CLS]', ...tokens.slice(7, 17), '[SEP]']);
    const rejoined = [windowed, ...windowed.overflowing].map((window, k) => part(window, 0).slice(k === 0 ? 0 : 3)).flat();
    assert.deepEqual(rejoined, tokens, 'the windows less their stride overlap give back the whole text');
  });

  test('longest_first with stride on a pair: HF order, each further first window with every second window, then the rest', () => {
    const encoding = ours.encode('a b c d e f g h', 'p q r s t u', { maxLength: 11, stride: 1, returnOverflowing: true });
    // budget 8: (8, 6) → (4, 4); windows of first: abcd, defg, gh; of second: pqrs, stu.
    const shown = [encoding, ...encoding.overflowing].map((window) => `${part(window, 0).join('')}|${part(window, 1).join('')}`);
    assert.deepEqual(shown, ['abcd|pqrs', 'defg|pqrs', 'defg|stu', 'gh|pqrs', 'gh|stu', 'abcd|stu']);
  });

  test('truncation side left keeps the end; maxLength without truncation implies longest_first; impossible lengths fail clearly', () => {
    const left = ours.encode('a b c d e f', undefined, { maxLength: 5, truncation: true, truncationSide: 'left' });
    assert.deepEqual(left.tokens, ['[CLS]', 'd', 'e', 'f', '[SEP]']);
    assert.deepEqual(ours.encode('a b c d e f', undefined, { maxLength: 5 }).tokens, ['[CLS]', 'a', 'b', 'c', '[SEP]']);
    assert.deepEqual(ours.encode('a b c d e f', undefined, { maxLength: 5, truncation: false }).tokens.length, 8);
    assert.throws(() => ours.encode('a b', 'c d', { maxLength: 2, truncation: true }), /maxLength 2 leaves no room: the template adds 3 special tokens/);
    assert.throws(() => ours.encode('a b c d e f', undefined, { maxLength: 5, stride: 3, truncation: true }), /stride 3 must be smaller than the 3 tokens/);
  });

  test('truncation: true without maxLength uses model_max_length (512 in tokenizer_config.json)', () => {
    const long = Array.from({ length: 600 }, (_, i) => `w${i % 10}`).join(' ');
    assert.equal(ours.encode(long, undefined, { truncation: true }).ids.length, 512);
    const bare = BertTokenizer.fromPretrained(sharedPath(UNCASED_DIR, 'vocab.txt'));
    assert.throws(() => bare.encode(long, undefined, { truncation: true }), /needs maxLength: this tokenizer's files set no model_max_length/);
  });
});
