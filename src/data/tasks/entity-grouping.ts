// Token-classification output as entities over the original text, with the token-classification
// pipelines' aggregation strategies (transformers in Python; transformers.js has "none" and "simple"):
//   none     every token that is not O, with its own label {entity, score, index, word, start, end};
//   simple   tokens grouped by their argmax labels;
//   first    each word takes the label of its FIRST piece (and that piece's softmax maximum as score),
//            then words are grouped: what bertkit finetune trains (only a word's first piece carries a
//            label, the others are ignored) and what evaluation scores (nerWordPredictions), so an entity
//            never starts or ends inside a word ("Heading" + "##ley");
//   average  each word takes the argmax of its pieces' mean softmax;
//   max      each word takes the label of its most confident piece.
// Grouping: a unit (token or word) joins the open group when it has the group's type and is not a B-/S-
// tag, and E-/S- close a group (BIOES, as transformers.js); O units group too and their groups are
// dropped afterwards (as Python's pipeline does, so an O between two I-X units separates them); a
// group's score is the mean of its units' scores; start/end index the original text, which
// transformers.js does not report.
//
// A word is what the training data's words become: the pieces between two spaces of the text (a
// training sentence is its words joined by spaces), and each CJK character alone (BERT's basic
// tokenizer spaces them apart, and character-level training data has one character per word).
// Python's pipeline instead starts a word at every piece without '##', so punctuation inside a word
// ('Rolls-Royce', 'U.S.') splits it there, on pieces the model was never trained to label.

import { CJK, charFlags } from '../../tokenizer/char-classes.js';
import { decodeWordPieces, type Encoding } from '../../tokenizer/index.js';

export const AGGREGATION_STRATEGIES = ['none', 'simple', 'first', 'average', 'max'] as const;
export type AggregationStrategy = (typeof AGGREGATION_STRATEGIES)[number];

export interface GroupedEntity {
  entity_group: string;
  score: number;
  /** The group's word pieces decoded (`##` pieces glued to the previous one), as the pipeline's `word`. */
  word: string;
  /** [start, end) of the group in the original text (UTF-16 code units). */
  start: number;
  end: number;
}

/** One token's prediction (aggregation "none"), as the pipelines' raw output. */
export interface TokenEntity {
  entity: string;
  score: number;
  /** The token's position in the encoding ([CLS] is 0). */
  index: number;
  /** The token itself (a continuation piece keeps its '##'). */
  word: string;
  start: number;
  end: number;
}

/** A token or a word with its label and score. */
interface Unit {
  label: string;
  score: number;
  tokens: string[];
  start: number;
  end: number;
}

interface TokenScores {
  position: number;
  token: string;
  start: number;
  end: number;
  /** Softmax over the labels. */
  probabilities: Float64Array;
}

/**
 * Entities of one encoded text (first sequence only) from its [tokens, labels.length] logits, aggregated
 * by `strategy` (default "simple"): GroupedEntity[] for every strategy but "none", TokenEntity[] for it.
 * Special tokens and padding are skipped.
 */
export function groupEntities(encoding: Encoding, logits: Float32Array, labels: readonly string[], strategy?: Exclude<AggregationStrategy, 'none'>): GroupedEntity[];
export function groupEntities(encoding: Encoding, logits: Float32Array, labels: readonly string[], strategy: 'none'): TokenEntity[];
export function groupEntities(encoding: Encoding, logits: Float32Array, labels: readonly string[], strategy: AggregationStrategy): GroupedEntity[] | TokenEntity[];
export function groupEntities(encoding: Encoding, logits: Float32Array, labels: readonly string[], strategy: AggregationStrategy = 'simple'): GroupedEntity[] | TokenEntity[] {
  if (!AGGREGATION_STRATEGIES.includes(strategy)) throw new Error(`groupEntities: aggregation strategy must be one of ${AGGREGATION_STRATEGIES.join(', ')}, got ${JSON.stringify(strategy)}`);
  const tokens = tokenScores(encoding, logits, labels);
  if (strategy === 'none') {
    return tokens.map((token) => ({ ...bestLabel(token.probabilities, labels), index: token.position, word: token.token, start: token.start, end: token.end }))
      .filter((entity) => entity.label !== 'O')
      .map(({ label, score, index, word, start, end }) => ({ entity: label, score, index, word, start, end }));
  }
  const units = strategy === 'simple'
    ? tokens.map((token) => ({ ...bestLabel(token.probabilities, labels), tokens: [token.token], start: token.start, end: token.end }))
    : words(tokens).map((word) => wordUnit(word, labels, strategy));
  return groupUnits(units);
}

function tokenScores(encoding: Encoding, logits: Float32Array, labels: readonly string[]): TokenScores[] {
  const numLabels = labels.length;
  if (logits.length < encoding.ids.length * numLabels) throw new Error(`groupEntities: ${logits.length} logits for ${encoding.ids.length} tokens × ${numLabels} labels`);
  const tokens: TokenScores[] = [];
  for (let t = 0; t < encoding.ids.length; t++) {
    if (encoding.specialTokensMask[t] === 1 || encoding.sequenceIds[t] !== 0) continue;
    const row = logits.subarray(t * numLabels, (t + 1) * numLabels);
    const top = Math.max(...row);
    const probabilities = Float64Array.from(row, (value) => Math.exp(value - top));
    const total = probabilities.reduce((sum, value) => sum + value, 0);
    probabilities.forEach((value, l) => (probabilities[l] = value / total));
    const [start, end] = encoding.offsets[t]!;
    tokens.push({ position: t, token: encoding.tokens[t]!, start, end, probabilities });
  }
  return tokens;
}

function bestLabel(probabilities: ArrayLike<number>, labels: readonly string[]): { label: string; score: number } {
  let best = 0;
  for (let l = 1; l < probabilities.length; l++) if (probabilities[l]! > probabilities[best]!) best = l;
  return { label: labels[best]!, score: probabilities[best]! };
}

/** Tokens cut into words: a new word at a gap in the text (a space) and at each CJK character. */
function words(tokens: readonly TokenScores[]): TokenScores[][] {
  const result: TokenScores[][] = [];
  tokens.forEach((token, k) => {
    const previous = tokens[k - 1];
    const startsWord = previous === undefined || token.start > previous.end || isCjk(token.token) || isCjk(previous.token);
    if (startsWord) result.push([token]);
    else result[result.length - 1]!.push(token);
  });
  return result;
}

function isCjk(token: string): boolean {
  const codePoint = token.codePointAt(0)!;
  return token.length === String.fromCodePoint(codePoint).length && (charFlags(codePoint) & CJK) !== 0;
}

function wordUnit(pieces: readonly TokenScores[], labels: readonly string[], strategy: 'first' | 'average' | 'max'): Unit {
  let probabilities: ArrayLike<number>;
  if (strategy === 'first') probabilities = pieces[0]!.probabilities;
  else if (strategy === 'max') probabilities = pieces.reduce((best, piece) => (Math.max(...piece.probabilities) > Math.max(...best.probabilities) ? piece : best)).probabilities;
  else probabilities = labels.map((_, l) => pieces.reduce((sum, piece) => sum + piece.probabilities[l]!, 0) / pieces.length);
  return { ...bestLabel(probabilities, labels), tokens: pieces.map((piece) => piece.token), start: pieces[0]!.start, end: pieces[pieces.length - 1]!.end };
}

function groupUnits(units: readonly Unit[]): GroupedEntity[] {
  const groups: Unit[][] = [];
  let openType: string | null = null;
  for (const unit of units) {
    const { prefix, type } = splitTag(unit.label);
    if (openType === type && prefix !== 'B' && prefix !== 'S') {
      groups[groups.length - 1]!.push(unit);
      if (prefix === 'E') openType = null;
    } else {
      groups.push([unit]);
      openType = prefix === 'S' ? null : type;
    }
  }
  return groups
    .filter((group) => group[0]!.label !== 'O')
    .map((group) => ({
      entity_group: splitTag(group[0]!.label).type,
      score: group.reduce((sum, unit) => sum + unit.score, 0) / group.length,
      word: decodeWordPieces(group.flatMap((unit) => unit.tokens)),
      start: group[0]!.start,
      end: group[group.length - 1]!.end,
    }));
}

/** B-/I-/E-/S- prefixes split off; any other label (O included) is its own type, read as a continuation. */
function splitTag(label: string): { prefix: string; type: string } {
  return label[1] === '-' && 'BIES'.includes(label[0]!) ? { prefix: label[0]!, type: label.slice(2) } : { prefix: 'I', type: label };
}
