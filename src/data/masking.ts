// Masked-LM predictions, as google-research/bert's create_masked_lm_predictions (with its
// do_whole_word_mask option): candidates are all tokens but [CLS] and [SEP], shuffled; the first
// min(maxPredictionsPerSeq, max(1, round(len · maskedLmProb))) are predicted; each predicted
// token becomes [MASK] 80% of the time, stays itself 10%, becomes a random vocabulary token 10%.
// With whole-word masking a word's "##" pieces are one candidate, masked together or not at all
// (a word that would overshoot the budget is skipped); the 80/10/10 draw stays per token. With
// chineseWords too, a Chinese word's ideographs are one candidate as well (chinese-words.ts).
import type { Rng } from '../runtime/rng.js';
import type { Vocab } from '../tokenizer/vocab.js';
import { chineseCharacters, chineseWordContinuations } from './chinese-words.js';

export interface MaskingOptions {
  maskedLmProb: number;
  maxPredictionsPerSeq: number;
  wholeWordMask: boolean;
  /** With wholeWordMask: keep Chinese words (found by Intl.Segmenter) together too (Chinese BERT-wwm). */
  chineseWords?: boolean;
}

/** The ids masking needs, read from a vocabulary once. */
export class MaskingVocabulary {
  readonly clsId: number;
  readonly sepId: number;
  readonly maskId: number;
  readonly padId: number;
  readonly size: number;
  /** 1 where the token continues a word (starts with the continuing-subword prefix). */
  readonly isContinuation: Uint8Array;
  /** The ideograph of each single-ideograph token (for Chinese whole-word masking). */
  readonly chineseCharacters: (string | undefined)[];

  constructor(vocab: Vocab, continuingSubwordPrefix = '##') {
    this.clsId = vocab.requireId('[CLS]', 'classifier token');
    this.sepId = vocab.requireId('[SEP]', 'separator token');
    this.maskId = vocab.requireId('[MASK]', 'mask token');
    this.padId = vocab.requireId('[PAD]', 'padding token');
    this.size = vocab.size;
    this.isContinuation = new Uint8Array(vocab.size);
    vocab.tokens.forEach((token, id) => {
      if (token.startsWith(continuingSubwordPrefix) && token.length > continuingSubwordPrefix.length) this.isContinuation[id] = 1;
    });
    this.chineseCharacters = chineseCharacters(vocab);
  }
}

export interface MaskedTokens {
  /** The input with predicted positions replaced. */
  inputIds: Int32Array;
  /** Predicted positions, ascending. */
  positions: Int32Array;
  /** The original ids at `positions`. */
  labels: Int32Array;
}

/** Python's round(): half to even, as `int(round(x))` in the reference. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Python's random.shuffle (Fisher–Yates from the end) over `rng`, for arrays and typed arrays alike. */
export function shuffleInPlace<A extends { length: number; [index: number]: unknown }>(items: A, rng: Rng): A {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const item = items[i] as A[number];
    items[i] = items[j] as A[number];
    items[j] = item;
  }
  return items;
}

/** Chooses and applies the masked-LM predictions of `tokens` (a full [CLS] A [SEP] (B [SEP]) sequence). */
export function maskTokens(tokens: ArrayLike<number>, options: MaskingOptions, vocab: MaskingVocabulary, rng: Rng): MaskedTokens {
  // Candidates as groups of indices in one flat array (group g = members[groupStarts[g] .. groupStarts[g + 1])):
  // a "##" piece joins the latest group, as Google's cand_indexes[-1].append(i) does (and so does the
  // second ideograph of a Chinese word, with chineseWords).
  const length = tokens.length;
  const chineseContinues = options.wholeWordMask && options.chineseWords ? chineseWordContinuations(tokens, vocab.chineseCharacters) : undefined;
  const members = new Int32Array(length);
  const groupStarts = new Int32Array(length + 1);
  let memberCount = 0;
  let groups = 0;
  for (let i = 0; i < length; i++) {
    const id = tokens[i]!;
    if (id === vocab.clsId || id === vocab.sepId) continue;
    const continues = vocab.isContinuation[id] === 1 || chineseContinues?.[i] === 1;
    if (!(options.wholeWordMask && groups > 0 && continues)) groupStarts[groups++] = memberCount;
    members[memberCount++] = i;
  }
  groupStarts[groups] = memberCount;
  const order = new Int32Array(groups);
  for (let g = 0; g < groups; g++) order[g] = g;
  shuffleInPlace(order, rng);
  const inputIds = Int32Array.from(tokens);
  const budget = Math.min(options.maxPredictionsPerSeq, Math.max(1, roundHalfEven(length * options.maskedLmProb)));
  const chosen = new Int32Array(Math.min(budget, memberCount));
  let chosenCount = 0;
  // Groups never overlap (each index is in exactly one), so Google's covered-index check never fires.
  for (let k = 0; k < groups; k++) {
    if (chosenCount >= budget) break;
    const group = order[k]!;
    const from = groupStarts[group]!;
    const to = groupStarts[group + 1]!;
    if (chosenCount + (to - from) > budget) continue;
    for (let m = from; m < to; m++) {
      const index = members[m]!;
      chosen[chosenCount++] = index;
      if (rng.uniform() < 0.8) inputIds[index] = vocab.maskId;
      else if (rng.uniform() >= 0.5) inputIds[index] = rng.int(vocab.size);
    }
  }
  const positions = chosen.subarray(0, chosenCount).sort();
  const labels = positions.map((position) => tokens[position]!);
  return { inputIds, positions, labels };
}
