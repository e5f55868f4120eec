// Silver training pairs for a cross-encoder, scored by a bi-encoder (Augmented SBERT, Thakur et al.
// 2021, run the other way round: there a cross-encoder labels pairs for a bi-encoder).
//
// Why: a small cross-encoder fine-tuned on a few thousand scored pairs (STS-B's 5,700) memorises
// them instead of learning to compare the two texts inside one sequence, while a bi-encoder
// fine-tuned on the same pairs generalises (docs/quality-study.md). The bi-encoder can score
// any number of new pairs of the same sentences; tens of thousands of them give the cross-encoder
// enough comparisons that memorising stops paying.
//
// The pairs: every sentence of the gold pairs with its `neighbours` most similar other sentences (by
// the teacher's cosine) and `randomPartners` random ones, so that the silver scores cover the whole
// scale instead of crowding at "unrelated"; the gold pairs themselves (either order) are not repeated.
// Each pair is written in a random order: similarity is symmetric, but a cross-encoder reads its two
// texts as one sequence, and anchor first every sentence would open all the pairs it chose (16 by
// default), an order that new pairs do not have.
// A silver score is the teacher's cosine on the gold scale: the least-squares line of gold score on
// cosine over the gold pairs, clipped to the gold scores' range.
//
// Several teachers (e.g. the seeds of one bi-encoder run) act as one whose cosine is the mean of
// theirs, as an ensemble distils into a student (Hinton et al. 2015): each seed's errors on the new
// pairs differ, so the mean scores them closer to the truth than any one seed (docs/quality-study.md).
import type { TaskLoadOptions } from '../data/tasks/task.js';
import { readTextExamples } from '../data/tasks/classification.js';
import type { ScoredPair } from '../data/tasks/scored-pairs.js';
import { pearson } from '../data/tasks/metrics.js';
import { dotProduct } from '../model/pooling.js';
import { sentenceTransformersPooling } from '../model/sentence-transformers.js';
import { Rng } from '../runtime/rng.js';
import { type SessionThreading, threadingOf } from '../runtime/session.js';
import { BertInference } from '../serve/bert-inference.js';
import { nearestNeighbours } from '../serve/nearest-neighbours.js';

export interface SilverPairsOptions extends SessionThreading {
  /** Most similar other sentences paired with each sentence (default 10: on STS-B's tuning split 10 + 6 partners beat 3 + 2 at about as many updates). */
  readonly neighbours?: number;
  /** Random other sentences paired with each sentence (default 6; fewer where ten draws find only pairs already taken). */
  readonly randomPartners?: number;
  /** Seed of the random partners (default 42). */
  readonly seed?: number;
  /** Column names and format of the gold file (as finetune reads it). */
  readonly load?: TaskLoadOptions;
  /** Texts per teacher run (default 64). */
  readonly batchSize?: number;
  /** Called while the teacher embeds the sentences. */
  readonly onProgress?: (done: number, total: number) => void;
}

export const SILVER_PAIRS_DEFAULTS = { neighbours: 10, randomPartners: 6, seed: 42 } as const;

/** Draws of a random partner before giving up on one: only a few sentences have nearly every pair taken. */
const RANDOM_DRAWS = 10;

export interface SilverPairs {
  /** The gold pairs as read, with their gold scores. */
  readonly gold: readonly ScoredPair[];
  /** The new pairs, with the teacher's scores on the gold scale. */
  readonly silver: readonly ScoredPair[];
  /** Distinct sentences of the gold pairs. */
  readonly sentences: number;
  /** gold score ≈ intercept + slope · cosine over the gold pairs, and that fit's Pearson correlation. */
  readonly calibration: { readonly intercept: number; readonly slope: number; readonly pearson: number };
}

/**
 * Reads the scored pairs of `goldPath`, embeds their sentences with the bi-encoder `teacher` (one model
 * directory, or several whose cosines are averaged), and scores new pairs of them.
 */
export async function silverPairs(goldPath: string, teacher: string | readonly string[], options: SilverPairsOptions = {}): Promise<SilverPairs> {
  const teacherDirs = typeof teacher === 'string' ? [teacher] : teacher;
  if (teacherDirs.length === 0) throw new Error('silverPairs: no teacher; give at least one bi-encoder directory');
  const neighbours = options.neighbours ?? SILVER_PAIRS_DEFAULTS.neighbours;
  const randomPartners = options.randomPartners ?? SILVER_PAIRS_DEFAULTS.randomPartners;
  for (const [name, value] of [['neighbours', neighbours], ['randomPartners', randomPartners]] as const) {
    if (!Number.isInteger(value) || value < 0) throw new Error(`silverPairs: ${name} must be a non-negative integer, got ${value}`);
  }
  // read as similarity data: a file without a second text column is an error naming the columns it has
  const gold = (await readTextExamples(goldPath, 'similarity', options.load))
    .map((example) => ({ text: example.text, textPair: example.textPair!, score: example.label as number }));
  if (gold.length < 2) throw new Error(`${goldPath}: ${gold.length} scored pair${gold.length === 1 ? '' : 's'}; the calibration of the teacher's cosines needs at least 2`);
  let lowest = Infinity, highest = -Infinity;
  for (const { score } of gold) {
    lowest = Math.min(lowest, score);
    highest = Math.max(highest, score);
  }
  if (lowest === highest) throw new Error(`${goldPath}: all ${gold.length} pairs score ${lowest}; silver scores are placed on the gold scale, which needs different scores`);

  const sentences = [...new Set(gold.flatMap((pair) => [pair.text, pair.textPair]))];
  if (sentences.length < 3) throw new Error(`${goldPath}: ${sentences.length} distinct text${sentences.length === 1 ? '' : 's'}; new pairs need at least 3`);
  const indexOf = new Map(sentences.map((sentence, index) => [sentence, index]));
  // each teacher's unit embeddings, scaled by 1/√teachers and laid end to end: the dot product of two
  // such vectors is the mean of the teachers' cosines, so nearest neighbours need no change
  const perTeacher: Float32Array[][] = [];
  for (const [index, teacherDir] of teacherDirs.entries()) {
    const inference = await BertInference.load(teacherDir, threadingOf(options));
    try {
      perTeacher.push(await inference.embed(sentences, {
        pooling: sentenceTransformersPooling(teacherDir) ?? 'mean',
        normalize: true,
        batchSize: options.batchSize ?? 64,
        ...(options.onProgress ? { onProgress: (done: number, total: number) => options.onProgress!(index * total + done, teacherDirs.length * total) } : {}),
      }));
    } finally {
      await inference.dispose();
    }
  }
  const embeddings = sentences.map((_, sentence) => concatenateScaled(perTeacher.map((vectors) => vectors[sentence]!)));
  const cosine = (a: number, b: number): number => dotProduct(embeddings[a]!, embeddings[b]!);

  const goldCosines = gold.map((pair) => cosine(indexOf.get(pair.text)!, indexOf.get(pair.textPair)!));
  const calibration = leastSquares(goldCosines, gold.map((pair) => pair.score));
  if (!(calibration.slope > 0)) {
    throw new Error(`${teacherDirs.join(', ')}: the teacher's cosines do not rise with the scores of ${goldPath} (Pearson ${calibration.pearson.toFixed(3)}); the teacher must be a bi-encoder fine-tuned for similarity (finetune --task similarity)`);
  }
  const scoreOf = (c: number): number => Math.min(highest, Math.max(lowest, calibration.intercept + calibration.slope * c));

  const seed = options.seed ?? SILVER_PAIRS_DEFAULTS.seed;
  const rng = new Rng(seed);
  const order = new Rng(seed, Rng.streamOf('pair order')); // its own stream: the partners do not depend on it
  const taken = new Set(gold.map((pair) => unorderedKey(indexOf.get(pair.text)!, indexOf.get(pair.textPair)!)));
  const silver: ScoredPair[] = [];
  /** Adds the pair a, b unless it is taken (or a is b); whether it was added. */
  const add = (a: number, b: number): boolean => {
    const key = unorderedKey(a, b);
    if (a === b || taken.has(key)) return false;
    taken.add(key);
    const [first, second] = order.uniform() < 0.5 ? [a, b] : [b, a];
    silver.push({ text: sentences[first]!, textPair: sentences[second]!, score: scoreOf(cosine(a, b)) });
    return true;
  };
  const nearest = await nearestNeighbours(embeddings, Math.min(neighbours, sentences.length - 1), threadingOf(options));
  nearest.forEach((near, sentence) => {
    for (const { index } of near) add(sentence, index);
    for (let r = 0; r < randomPartners; r++) {
      // another sentence not yet paired with this one; after a few draws that hit taken pairs, give up
      for (let draw = 0; draw < RANDOM_DRAWS; draw++) {
        const other = rng.int(sentences.length - 1);
        if (add(sentence, other < sentence ? other : other + 1)) break;
      }
    }
  });
  return { gold, silver, sentences: sentences.length, calibration };
}

/** The vectors end to end, each divided by √(their number). */
function concatenateScaled(vectors: readonly Float32Array[]): Float32Array {
  const scale = 1 / Math.sqrt(vectors.length);
  const joined = new Float32Array(vectors.reduce((sum, vector) => sum + vector.length, 0));
  let offset = 0;
  for (const vector of vectors) {
    for (let i = 0; i < vector.length; i++) joined[offset + i] = vector[i]! * scale;
    offset += vector.length;
  }
  return joined;
}

function unorderedKey(a: number, b: number): string {
  return a < b ? `${a} ${b}` : `${b} ${a}`;
}

/** y ≈ intercept + slope · x by least squares, with the Pearson correlation of x and y. */
function leastSquares(xs: readonly number[], ys: readonly number[]): SilverPairs['calibration'] {
  const n = xs.length;
  const meanX = xs.reduce((sum, x) => sum + x, 0) / n, meanY = ys.reduce((sum, y) => sum + y, 0) / n;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - meanX) * (ys[i]! - meanY);
    sxx += (xs[i]! - meanX) ** 2;
  }
  const slope = sxx === 0 ? Number.NaN : sxy / sxx;
  return { intercept: meanY - slope * meanX, slope, pearson: pearson(xs, ys) };
}
