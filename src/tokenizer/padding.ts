// Padding of encodings to a common length, as Hugging Face tokenizers (utils/padding.rs):
// padded positions get the pad id and pad type id, attention 0, special-tokens mask 1,
// word and sequence id null, offsets [0, 0]. Overflow windows are padded to the same length.

import type { Encoding } from './encoding.js';
import type { Side } from './truncation.js';

export type PaddingStrategy = 'longest' | 'max_length';

export interface PaddingParams {
  /** 'longest': to the longest encoding of the batch; 'max_length': to `maxLength`. */
  strategy: PaddingStrategy;
  maxLength?: number;
  /** Rounds the padded length up to a multiple of this (tensor-core friendly shapes). */
  padToMultipleOf?: number;
  direction: Side;
  padId: number;
  padTypeId: number;
  padToken: string;
}

/** The length `encodings` are padded to under `params`. */
function paddedLength(encodings: readonly Encoding[], params: PaddingParams): number {
  let length: number;
  if (params.strategy === 'max_length') {
    if (params.maxLength === undefined) throw new Error("padding 'max_length' needs maxLength");
    length = params.maxLength;
  } else {
    length = Math.max(0, ...encodings.map((encoding) => encoding.ids.length));
  }
  const multiple = params.padToMultipleOf;
  if (multiple !== undefined && multiple > 0 && length % multiple !== 0) length += multiple - (length % multiple);
  return length;
}

export function padBatch(encodings: readonly Encoding[], params: PaddingParams): Encoding[] {
  const length = paddedLength(encodings, params);
  return encodings.map((encoding) => padEncoding(encoding, length, params));
}

/** `encoding` (and its overflow windows) padded to `length`; longer encodings are left as they are. */
function padEncoding(encoding: Encoding, length: number, params: PaddingParams): Encoding {
  const overflowing = encoding.overflowing.map((window) => padEncoding(window, length, params));
  const count = length - encoding.ids.length;
  if (count <= 0) return { ...encoding, overflowing };
  const fill = <T>(values: readonly T[], value: T): T[] => {
    const padding = new Array<T>(count).fill(value);
    return params.direction === 'right' ? [...values, ...padding] : [...padding, ...values];
  };
  return {
    ids: fill(encoding.ids, params.padId),
    tokens: fill(encoding.tokens, params.padToken),
    typeIds: fill(encoding.typeIds, params.padTypeId),
    attentionMask: fill(encoding.attentionMask, 0),
    specialTokensMask: fill(encoding.specialTokensMask, 1),
    wordIds: fill<number | null>(encoding.wordIds, null),
    sequenceIds: fill<number | null>(encoding.sequenceIds, null),
    offsets: params.direction === 'right'
      ? [...encoding.offsets, ...Array.from({ length: count }, (): [number, number] => [0, 0])]
      : [...Array.from({ length: count }, (): [number, number] => [0, 0]), ...encoding.offsets],
    overflowing,
  };
}
