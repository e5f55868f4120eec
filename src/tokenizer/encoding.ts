// The tokenizer's output, field for field what Hugging Face's fast tokenizers return.
//
// Offsets are UTF-16 code-unit indices into the ORIGINAL text of the sequence the token came
// from, `[start, end)`, so `text.slice(start, end)` is the token's source text in JavaScript.
// For a pair, the second sequence's offsets index into the second text (HF does the same).
// Tokens that come from no text (special tokens added by the template, padding) have [0, 0].

export type Offset = [number, number];

export interface Encoding {
  ids: number[];
  tokens: string[];
  /** Segment ids: 0 for the first sequence and its [CLS]/[SEP], 1 for the second and its [SEP]. */
  typeIds: number[];
  /** 1 for real tokens, 0 for padding. */
  attentionMask: number[];
  /** 1 for tokens the template added ([CLS], [SEP]) and for padding; 0 for tokens of the texts. */
  specialTokensMask: number[];
  /** Index of the pre-tokenized word a token belongs to, counted within its own sequence; null for special tokens and padding. */
  wordIds: (number | null)[];
  /** 0 or 1 for tokens of the first or second text; null for special tokens and padding. */
  sequenceIds: (number | null)[];
  offsets: Offset[];
  /** With `returnOverflowing`: the further windows of a truncated input, each a complete Encoding (HF order). */
  overflowing: Encoding[];
}

/** One text's tokens before the template adds special tokens: what truncation windows are cut from. */
export interface SequenceTokens {
  ids: number[];
  tokens: string[];
  offsets: Offset[];
  wordIds: (number | null)[];
}

export function sliceSequence(sequence: SequenceTokens, start: number, end: number): SequenceTokens {
  return {
    ids: sequence.ids.slice(start, end),
    tokens: sequence.tokens.slice(start, end),
    offsets: sequence.offsets.slice(start, end),
    wordIds: sequence.wordIds.slice(start, end),
  };
}
