// Truncation of one or two token sequences to a length budget, with overflow windows.
// Semantics of Hugging Face tokenizers (utils/truncation.rs, Encoding::truncate), so that
// `truncation`, `stride` and `returnOverflowing` give the same windows as BertTokenizerFast.

import { sliceSequence, type SequenceTokens } from './encoding.js';

export type TruncationStrategy = 'longest_first' | 'only_first' | 'only_second';
export type Side = 'left' | 'right';

export const TRUNCATION_STRATEGIES: readonly TruncationStrategy[] = ['longest_first', 'only_first', 'only_second'];

export interface TruncationParams {
  /** Tokens the texts may use together: the caller's maxLength less the special tokens the template adds. */
  maxLength: number;
  strategy: TruncationStrategy;
  /** Tokens each overflow window repeats from the end of the previous one. */
  stride: number;
  /** Which end is cut: 'right' keeps the beginning of the text. */
  direction: Side;
}

/** Each sequence as its windows: `[0]` is the kept part, the rest overflow (empty rest: nothing was cut). */
export interface TruncatedSequences {
  first: SequenceTokens[];
  second: SequenceTokens[] | null;
}

/**
 * Splits `sequence` into windows of at most `maxLength` tokens, consecutive windows sharing
 * `stride` tokens. With direction 'left' the first window is the END of the sequence.
 */
export function windows(sequence: SequenceTokens, maxLength: number, stride: number, direction: Side, label: string): SequenceTokens[] {
  const length = sequence.ids.length;
  if (length <= maxLength) return [sequence];
  if (maxLength === 0) return [sliceSequence(sequence, 0, 0), sequence];
  if (stride >= maxLength) {
    throw new Error(
      `truncation: stride ${stride} must be smaller than the ${maxLength} tokens kept of the ${label} sequence, ` +
        'or the overflow windows would not advance',
    );
  }
  const step = maxLength - stride;
  const parts: SequenceTokens[] = [];
  if (direction === 'right') {
    for (let start = 0; ; start += step) {
      const stop = Math.min(start + maxLength, length);
      parts.push(sliceSequence(sequence, start, stop));
      if (stop === length) break;
    }
  } else {
    for (let stop = length; ; stop -= step) {
      const start = Math.max(0, stop - maxLength);
      parts.push(sliceSequence(sequence, start, stop));
      if (start === 0) break;
    }
  }
  return parts;
}

/** Cuts `first` (and `second`) so that together they hold at most `params.maxLength` tokens. */
export function truncateSequences(first: SequenceTokens, second: SequenceTokens | null, params: TruncationParams): TruncatedSequences {
  const { maxLength, stride, direction } = params;
  const cut = (sequence: SequenceTokens, length: number, label: string) => windows(sequence, length, stride, direction, label);
  const firstLength = first.ids.length;
  const secondLength = second?.ids.length ?? 0;
  const toRemove = firstLength + secondLength - maxLength;
  if (maxLength > 0 && toRemove <= 0) return { first: [first], second: second && [second] };
  if (maxLength === 0) return { first: cut(first, 0, 'first'), second: second && cut(second, 0, 'second') };

  if (params.strategy === 'longest_first') {
    if (second === null) return { first: cut(first, maxLength, 'first'), second: null };
    // The shorter sequence keeps all it can; when both are too long they split the budget,
    // the odd token going to the longer one (to the second when they are equally long).
    const swap = firstLength > secondLength;
    let shorter = swap ? secondLength : firstLength;
    let longer = shorter > maxLength ? shorter : Math.max(shorter, maxLength - shorter);
    if (shorter + longer > maxLength) {
      shorter = Math.floor(maxLength / 2);
      longer = shorter + (maxLength % 2);
    }
    const [firstKeep, secondKeep] = swap ? [longer, shorter] : [shorter, longer];
    return { first: cut(first, firstKeep, 'first'), second: cut(second, secondKeep, 'second') };
  }

  const label = params.strategy === 'only_first' ? 'first' : 'second';
  const target = params.strategy === 'only_first' ? first : second;
  if (target === null) {
    throw new Error(`truncation 'only_second' needs a pair of texts, but only one was given and it is ${toRemove} tokens too long`);
  }
  const targetLength = target.ids.length;
  if (targetLength <= toRemove) {
    throw new Error(
      `truncation '${params.strategy}': ${toRemove} tokens must be removed to fit the maximum length, ` +
        `but the ${label} sequence has only ${targetLength}; use 'longest_first' or a larger maxLength`,
    );
  }
  const kept = cut(target, targetLength - toRemove, label);
  return params.strategy === 'only_first' ? { first: kept, second: second && [second] } : { first: [first], second: kept };
}
