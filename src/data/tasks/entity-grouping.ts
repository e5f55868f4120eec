// Token-classification output as entities over the original text, grouped the way Hugging Face's
// token-classification pipeline does with aggregation_strategy="simple": each token takes its
// argmax label; consecutive tokens of one type join unless the next one is a B- tag; O groups are
// dropped; a group's score is the mean of its tokens' softmax maxima; start/end index the text.

import type { Encoding } from '../../tokenizer/index.js';

export interface GroupedEntity {
  entity_group: string;
  score: number;
  /** The group's word pieces joined as text (`##` pieces glued to the previous one), as the pipeline's `word`. */
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
  for (const guess of guesses) {
    const current = groups[groups.length - 1];
    const previous = current?.[current.length - 1];
    const { prefix, type } = splitTag(guess.label);
    if (previous && prefix !== 'B' && splitTag(previous.label).type === type) current!.push(guess);
    else groups.push([guess]);
  }
  return groups
    .filter((group) => group[0]!.label !== 'O')
    .map((group) => ({
      entity_group: splitTag(group[0]!.label).type,
      score: group.reduce((sum, g) => sum + g.score, 0) / group.length,
      word: group.map((g) => g.token).join(' ').replace(/ ##/g, ''),
      start: group[0]!.start,
      end: group[group.length - 1]!.end,
    }));
}

/** As the pipeline's get_tag: B-/I- prefixes split off; any other label is its own type, read as a continuation. */
function splitTag(label: string): { prefix: 'B' | 'I'; type: string } {
  if (label.startsWith('B-')) return { prefix: 'B', type: label.slice(2) };
  if (label.startsWith('I-')) return { prefix: 'I', type: label.slice(2) };
  return { prefix: 'I', type: label };
}
