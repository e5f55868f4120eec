// BertTokenizer against Hugging Face's own Rust `tokenizers` library (what BertTokenizerFast runs):
// fixtures/hf-tokenizers-reference.json holds its outputs for bert-base-uncased on RTE pairs and
// SST-2 sentences (see make-hf-tokenizers-reference.py): every Encoding field, for truncation
// strategies with strides and overflow windows (both directions), batch padding, errors, and decoding.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';
import { BertTokenizer, type BatchInput, type EncodeOptions } from '../../src/tokenizer/bert-tokenizer.js';
import type { Encoding } from '../../src/tokenizer/encoding.js';
import type { TruncationStrategy } from '../../src/tokenizer/truncation.js';
import { UNCASED_DIR } from './helpers/bert-tokenizer-peer.js';

interface ReferenceEncoding {
  ids: number[];
  type_ids: number[];
  attention_mask: number[];
  special_tokens_mask: number[];
  word_ids: (number | null)[];
  /** Absent where the generator could not record them (see make-hf-tokenizers-reference.py). */
  sequence_ids?: (number | null)[];
  /** Code-point offsets, as Python reports them. */
  offsets: [number, number][];
}

interface ReferenceCase {
  name: string;
  truncation: { max_length: number; stride?: number; strategy?: TruncationStrategy; direction?: 'left' | 'right' } | null;
  padding: { pad_to_multiple_of?: number; length?: number; direction?: 'left' | 'right' } | null;
  batch: boolean;
  inputs: [string, string | null][];
  outputs: ({ encodings: ReferenceEncoding[] } | { error: string })[];
}

interface Reference {
  cases: ReferenceCase[];
  decodes: { ids: number[]; with_special: string; without_special: string }[];
}

const reference = JSON.parse(readFileSync(resolve('test/tokenizer/fixtures/hf-tokenizers-reference.json'), 'utf8')) as Reference;

/** UTF-16 index of each code-point index of `text` (and of its end). */
function utf16Positions(text: string): number[] {
  const positions: number[] = [];
  let unit = 0;
  for (const char of text) {
    positions.push(unit);
    unit += char.length;
  }
  positions.push(unit);
  return positions;
}

function optionsOf(testCase: ReferenceCase): EncodeOptions {
  const options: EncodeOptions = {};
  if (testCase.truncation !== null) {
    const { max_length, stride = 0, strategy = 'longest_first', direction = 'right' } = testCase.truncation;
    Object.assign(options, { truncation: strategy, maxLength: max_length, stride, truncationSide: direction, returnOverflowing: true });
  }
  if (testCase.padding !== null) {
    const { pad_to_multiple_of, length, direction = 'right' } = testCase.padding;
    options.padding = length === undefined ? 'longest' : 'max_length';
    options.paddingSide = direction;
    if (pad_to_multiple_of !== undefined) options.padToMultipleOf = pad_to_multiple_of;
    if (length !== undefined) options.maxLength = length;
  }
  return options;
}

function compare(actual: Encoding, expected: ReferenceEncoding, texts: [string, string | null], where: string): void {
  assert.deepEqual(actual.ids, expected.ids, `${where}: ids`);
  assert.deepEqual(actual.typeIds, expected.type_ids, `${where}: type ids`);
  assert.deepEqual(actual.attentionMask, expected.attention_mask, `${where}: attention mask`);
  assert.deepEqual(actual.specialTokensMask, expected.special_tokens_mask, `${where}: special tokens mask`);
  assert.deepEqual(actual.wordIds, expected.word_ids, `${where}: word ids`);
  // HF's definition where the file has none: null for special tokens and padding, else the type id.
  const sequenceIds = expected.sequence_ids ?? expected.special_tokens_mask.map((special, i) => (special ? null : expected.type_ids[i]!));
  assert.deepEqual(actual.sequenceIds, sequenceIds, `${where}: sequence ids`);
  const positions = texts.map((text) => (text === null ? [] : utf16Positions(text)));
  const offsets = expected.offsets.map(([start, end], i): [number, number] => {
    const sequence = sequenceIds[i];
    return sequence === null || sequence === undefined ? [start, end] : [positions[sequence]![start]!, positions[sequence]![end]!];
  });
  assert.deepEqual(actual.offsets, offsets, `${where}: offsets (UTF-16)`);
}

describe('BertTokenizer against Hugging Face tokenizers (Rust)', { skip: skipWithoutShared(UNCASED_DIR, 'tokenizer.json') }, () => {
  const tokenizer = BertTokenizer.fromPretrained(sharedPath(UNCASED_DIR));

  for (const testCase of reference.cases) {
    test(testCase.name, () => {
      const options = optionsOf(testCase);
      let compared = 0;
      if (testCase.batch) {
        const inputs = testCase.inputs.map(([first, second]): BatchInput => (second === null ? first : [first, second]));
        const encodings = tokenizer.encodeBatch(inputs, options);
        encodings.forEach((encoding, i) => {
          const expected = testCase.outputs[i]!;
          assert.ok('encodings' in expected);
          [encoding, ...encoding.overflowing].forEach((window, k) => compare(window, expected.encodings[k]!, testCase.inputs[i]!, `input ${i} window ${k}`));
          assert.equal(encoding.overflowing.length + 1, expected.encodings.length, `input ${i}: windows`);
          compared++;
        });
      } else {
        testCase.inputs.forEach(([first, second], i) => {
          const expected = testCase.outputs[i]!;
          if ('error' in expected) {
            assert.throws(() => tokenizer.encode(first, second, options), /must be removed/, `input ${i} (HF: ${expected.error})`);
            return;
          }
          const encoding = tokenizer.encode(first, second, options);
          const windows = [encoding, ...encoding.overflowing];
          assert.equal(windows.length, expected.encodings.length, `input ${i}: number of windows`);
          windows.forEach((window, k) => compare(window, expected.encodings[k]!, [first, second], `input ${i} window ${k}`));
          compared++;
        });
      }
      assert.ok(compared > 0);
    });
  }

  test('decoding with the WordPiece decoder (before transformers\' extra clean-up)', () => {
    for (const [i, { ids, with_special, without_special }] of reference.decodes.entries()) {
      assert.equal(tokenizer.decode(ids, { cleanUpTokenizationSpaces: false }), with_special, `decode ${i}`);
      assert.equal(tokenizer.decode(ids, { skipSpecialTokens: true, cleanUpTokenizationSpaces: false }), without_special, `decode ${i}, skipping specials`);
    }
  });
});
