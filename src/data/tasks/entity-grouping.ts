// Token-classification output as entities over the original text, grouped the way the
// token-classification pipelines do with aggregation_strategy="simple" (transformers.js, and
// transformers in Python): each token takes its argmax label; a token joins the open group when it
// has the group's type and is not a B-/S- tag, and E-/S- close a group (BIOES, as transformers.js);
// O tokens group too and their groups are dropped afterwards (as Python's pipeline does, so an O
// between two I-X tokens separates them); a group's score is the mean of its tokens' softmax maxima;
// start/end index the original text, which transformers.js does not report.

import { decodeWordPieces, type Encoding } from '../../tokenizer/index.js';

export interface GroupedEntity {
  entity_group: string;
  score: number;
  /** The group's word pieces decoded (`##` pieces glued to the previous one), as the pipeline's `word`. */
  word: string;
  /** [start, end) of the group in the original text (UTF-16 code units). */
  start: number;
  end: number;
}

interface TokenGuess {
  label: string;
  score: number;
  token: string;
  start: number;
  end: number;
}

/**
 * Entities of one encoded text (first sequence only) from its [tokens, labels.length] logits.
 * Special tokens and padding are skipped.
 */
export function groupEntities(encoding: Encoding, logits: Float32Array, labels: readonly string[]): GroupedEntity[] {
  const numLabels = labels.length;
  if (logits.length < encoding.ids.length * numLabels) throw new Error(`groupEntities: ${logits.length} logits for ${encoding.ids.length} tokens × ${numLabels} labels`);
  const guesses: TokenGuess[] = [];
  for (let t = 0; t < encoding.ids.length; t++) {
    if (encoding.specialTokensMask[t] === 1 || encoding.sequenceIds[t] !== 0) continue;
    const row = logits.subarray(t * numLabels, (t + 1) * numLabels);
    let best = 0;
    for (let l = 1; l < numLabels; l++) if (row[l]! > row[best]!) best = l;
    let total = 0;
    for (let l = 0; l < numLabels; l++) total += Math.exp(row[l]! - row[best]!);
    const [start, end] = encoding.offsets[t]!;
    guesses.push({ label: labels[best]!, score: 1 / total, token: encoding.tokens[t]!, start, end });
  }
  const groups: TokenGuess[][] = [];
  let openType: string | null = null;
  for (const guess of guesses) {
    const { prefix, type } = splitTag(guess.label);
    if (openType === type && prefix !== 'B' && prefix !== 'S') {
      groups[groups.length - 1]!.push(guess);
      if (prefix === 'E') openType = null;
    } else {
      groups.push([guess]);
      openType = prefix === 'S' ? null : type;
    }
  }
  return groups
    .filter((group) => group[0]!.label !== 'O')
    .map((group) => ({
      entity_group: splitTag(group[0]!.label).type,
      score: group.reduce((sum, g) => sum + g.score, 0) / group.length,
      word: decodeWordPieces(group.map((g) => g.token)),
      start: group[0]!.start,
      end: group[group.length - 1]!.end,
    }));
}

/** B-/I-/E-/S- prefixes split off; any other label (O included) is its own type, read as a continuation. */
function splitTag(label: string): { prefix: string; type: string } {
  return label[1] === '-' && 'BIES'.includes(label[0]!) ? { prefix: label[0]!, type: label.slice(2) } : { prefix: 'I', type: label };
}
