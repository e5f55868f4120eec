// Inputs longer than the model's max sequence length, as overlapping windows and back. The first
// sequence's tokens are cut into windows overlapping by `stride` tokens (the windows of Hugging Face's
// overflowing tokens, truncated on the right), each window keeping the special tokens and any second
// sequence around them. Outputs come back per window; a token seen in several windows is read from
// the one where it has the most context (BERT's run_squad "max context" rule), so every token of the
// input gets exactly one output.

import type { Encoding } from '../../tokenizer/index.js';

/** Tokens shared by consecutive windows of a token-classification input unless told otherwise. */
export function defaultStride(maxLength: number): number {
  return Math.floor(maxLength / 4);
}

/** One window of a full (untruncated) encoding. */
export interface TokenWindow {
  /** The window's model inputs, unpadded. */
  inputIds: Int32Array;
  tokenTypeIds: Int32Array;
  /** [start, end): the positions in the full encoding of the first-sequence tokens this window holds. */
  start: number;
  end: number;
  /** Tokens the window has before its first-sequence tokens ([CLS]): window index = full position − start + lead. */
  lead: number;
}

/** The window's index of full-encoding position `position` (which must lie in [start, end)). */
export function windowIndex(window: TokenWindow, position: number): number {
  return position - window.start + window.lead;
}

/**
 * Windows of at most `maxLength` tokens over `encoding` (special tokens included, no truncation):
 * one window when it fits, else windows of its first sequence starting every (room − stride) tokens,
 * the last reaching the end. `where` names the input in errors.
 */
export function windowEncoding(encoding: Encoding, maxLength: number, stride: number, where: string): TokenWindow[] {
  const length = encoding.ids.length;
  const isFirst = (t: number): boolean => encoding.sequenceIds[t] === 0 && encoding.specialTokensMask[t] === 0;
  let first = 0;
  while (first < length && !isFirst(first)) first++;
  let last = first;
  while (last < length && isFirst(last)) last++;
  const whole = (start: number, end: number): TokenWindow => ({ inputIds: Int32Array.from(encoding.ids), tokenTypeIds: Int32Array.from(encoding.typeIds), start, end, lead: start });
  if (length <= maxLength) return [whole(first, last)];
  const room = maxLength - (length - (last - first));
  if (!Number.isInteger(stride) || stride < 0) throw new Error(`${where}: stride must be a non-negative integer, got ${stride}`);
  if (room <= stride) {
    throw new Error(`${where}: max sequence length ${maxLength} leaves ${Math.max(room, 0)} tokens per window beside the special tokens and second text, `
      + `not more than the stride ${stride}; raise the max sequence length or lower the stride`);
  }
  const windows: TokenWindow[] = [];
  for (let start = first; ; start += room - stride) {
    const end = Math.min(start + room, last);
    const pick = (values: readonly number[]): Int32Array => Int32Array.from([...values.slice(0, first), ...values.slice(start, end), ...values.slice(last)]);
    windows.push({ inputIds: pick(encoding.ids), tokenTypeIds: pick(encoding.typeIds), start, end, lead: first });
    if (end === last) break;
  }
  return windows;
}

/**
 * For each position of the full encoding, the window to read it from: among the windows holding
 * it, the one where min(tokens before it, tokens after it) within the window is largest, the
 * earlier window on a tie; -1 for positions outside the first sequence.
 */
export function maxContextWindows(windows: readonly TokenWindow[], length: number): Int32Array {
  const chosen = new Int32Array(length).fill(-1);
  const bestContext = new Int32Array(length).fill(-1);
  windows.forEach(({ start, end }, w) => {
    for (let position = start; position < end; position++) {
      const context = Math.min(position - start, end - 1 - position);
      if (context > bestContext[position]!) {
        bestContext[position] = context;
        chosen[position] = w;
      }
    }
  });
  return chosen;
}

/**
 * Per-token outputs of the windows ([window tokens, width] each) as one [length, width] array over
 * the full encoding, each first-sequence token's row from its max-context window; rows of the other
 * tokens (special tokens, a second sequence) stay 0.
 */
export function mergeWindowOutputs(windows: readonly TokenWindow[], outputs: readonly Float32Array[], width: number, length: number): Float32Array {
  if (outputs.length !== windows.length) throw new Error(`mergeWindowOutputs: ${outputs.length} outputs for ${windows.length} windows`);
  const merged = new Float32Array(length * width);
  maxContextWindows(windows, length).forEach((w, position) => {
    if (w < 0) return;
    const token = windowIndex(windows[w]!, position);
    merged.set(outputs[w]!.subarray(token * width, (token + 1) * width), position * width);
  });
  return merged;
}
