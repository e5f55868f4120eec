// Segment pairs for MLM + NSP, as google-research/bert's create_instances_from_document, and
// single-segment packing for MLM alone (RoBERTa's FULL-SENTENCES).
//
// create_instances_from_document, step for step: the target length is max_seq_length − 3, or with
// probability short_seq_prob (once per document, as in the reference) a random length in
// [2, max − 3]; whole sentences gather into a chunk until it reaches the target or the document
// ends; A is the chunk's first a_end sentences (a_end random in [1, chunk − 1]); B is the rest
// ("actual next"), or — half of the time, and always when the chunk has one sentence — sentences
// from a random start in a random other document until B reaches the target ("random next"), the
// chunk's unused sentences going back to be read again; then the longer of A and B loses a token
// from its front or its back, at random, until A + B fits.
//
// Sentence-order prediction (ALBERT, Lan et al. 2020; its create_pretraining_data.py with
// random_next_sentence off): B is always the chunk's rest, and half of the pairs swap A and B
// (label 1, "isRandomNext" read as "out of order"), so the task is to tell order, not topic. As in
// ALBERT's code, a one-sentence chunk still takes a random next B with label 1.
import type { Rng } from '../runtime/rng.js';

/** Random access to the corpus's documents, for random-next B segments. */
export interface DocumentCorpus {
  readonly documentCount: number;
  sentenceCount(document: number): number;
  /** The sentences of `document` from `start` on, stopping once their tokens reach `minTokens` (or at the document's end). */
  sentencesFrom(document: number, start: number, minTokens: number): ArrayLike<number>[];
}

export interface SegmentPair {
  tokensA: number[];
  /** Empty for single-segment (MLM-only) instances. */
  tokensB: number[];
  isRandomNext: boolean;
}

/** What the pair label teaches: 'next' (BERT's NSP: is B A's continuation or a random text?) or 'order' (ALBERT's SOP: are A and B swapped?). */
export type PairTask = 'next' | 'order';

/** Python's random.randint(low, high), both ends included. */
export function randint(rng: Rng, low: number, high: number): number {
  return low + rng.int(high - low + 1);
}

/** The segment pairs of one document (Google's create_instances_from_document without the masking). */
export function createSegmentPairs(
  document: readonly ArrayLike<number>[],
  documentIndex: number,
  corpus: DocumentCorpus,
  maxSeqLength: number,
  shortSeqProb: number,
  rng: Rng,
  pairTask: PairTask = 'next',
): SegmentPair[] {
  const maxNumTokens = maxSeqLength - 3;
  let targetSeqLength = maxNumTokens;
  if (rng.uniform() < shortSeqProb) targetSeqLength = randint(rng, 2, maxNumTokens);

  const pairs: SegmentPair[] = [];
  let chunk: ArrayLike<number>[] = [];
  let chunkLength = 0;
  let i = 0;
  while (i < document.length) {
    const segment = document[i]!;
    chunk.push(segment);
    chunkLength += segment.length;
    if (i === document.length - 1 || chunkLength >= targetSeqLength) {
      if (chunk.length > 0) {
        const aEnd = chunk.length >= 2 ? randint(rng, 1, chunk.length - 1) : 1;
        let tokensA: number[] = [];
        for (let j = 0; j < aEnd; j++) appendAll(tokensA, chunk[j]!);
        let tokensB: number[] = [];
        let isRandomNext: boolean;
        if (chunk.length === 1 || (pairTask === 'next' && rng.uniform() < 0.5)) {
          isRandomNext = true;
          const targetBLength = targetSeqLength - tokensA.length;
          let randomDocument = 0;
          for (let attempt = 0; attempt < 10; attempt++) {
            randomDocument = randint(rng, 0, corpus.documentCount - 1);
            if (randomDocument !== documentIndex) break;
          }
          const randomStart = randint(rng, 0, corpus.sentenceCount(randomDocument) - 1);
          for (const sentence of corpus.sentencesFrom(randomDocument, randomStart, targetBLength)) {
            appendAll(tokensB, sentence);
            if (tokensB.length >= targetBLength) break;
          }
          i -= chunk.length - aEnd; // put the unused sentences back
        } else {
          for (let j = aEnd; j < chunk.length; j++) appendAll(tokensB, chunk[j]!);
          isRandomNext = pairTask === 'order' && rng.uniform() < 0.5; // sentence order: swapped, "out of order"
          if (isRandomNext) [tokensA, tokensB] = [tokensB, tokensA];
        }
        truncateSeqPair(tokensA, tokensB, maxNumTokens, rng);
        if (tokensA.length < 1 || tokensB.length < 1) {
          throw new Error(`pretraining instances: empty segment in document ${documentIndex} (a document holds an empty sentence)`);
        }
        pairs.push({ tokensA, tokensB, isRandomNext });
      }
      chunk = [];
      chunkLength = 0;
    }
    i++;
  }
  return pairs;
}

/** Google's truncate_seq_pair: trims the longer segment (B on ties) from the front or the back, at random. */
export function truncateSeqPair(tokensA: number[], tokensB: number[], maxNumTokens: number, rng: Rng): void {
  // Trims as index windows (shift() is linear): the same draws and result as popping one by one.
  let aStart = 0, aEnd = tokensA.length, bStart = 0, bEnd = tokensB.length;
  while (aEnd - aStart + (bEnd - bStart) > maxNumTokens) {
    const fromFront = rng.uniform() < 0.5;
    if (aEnd - aStart > bEnd - bStart) {
      if (fromFront) aStart++;
      else aEnd--;
    } else if (fromFront) bStart++;
    else bEnd--;
  }
  tokensA.splice(aEnd);
  tokensA.splice(0, aStart);
  tokensB.splice(bEnd);
  tokensB.splice(0, bStart);
}

/**
 * Single segments for MLM alone: consecutive sentences packed up to `maxTokens` (max_seq_length − 2),
 * crossing document ends with a `separatorId` between documents (RoBERTa's FULL-SENTENCES); a sentence
 * longer than `maxTokens` is cut into pieces of `maxTokens`.
 */
export function packSentences(documents: readonly (readonly ArrayLike<number>[])[], maxTokens: number, separatorId: number): SegmentPair[] {
  const pairs: SegmentPair[] = [];
  let current: number[] = [];
  const flush = (): void => {
    if (current.length > 0) pairs.push({ tokensA: current, tokensB: [], isRandomNext: false });
    current = [];
  };
  for (const document of documents) {
    let separatorPending = current.length > 0;
    for (const sentence of document) {
      const extra = separatorPending ? 1 : 0;
      if (current.length + extra + sentence.length > maxTokens) flush();
      if (current.length === 0) separatorPending = false;
      if (separatorPending) current.push(separatorId);
      separatorPending = false;
      for (let start = 0; start < sentence.length; start += maxTokens) {
        if (start > 0) flush();
        const end = Math.min(sentence.length, start + maxTokens);
        for (let k = start; k < end; k++) current.push(sentence[k]!);
      }
    }
  }
  flush();
  return pairs;
}

function appendAll(target: number[], source: ArrayLike<number>): void {
  for (let k = 0; k < source.length; k++) target.push(source[k]!);
}

/**
 * Pairs of single segments for masked LM with a contrastive term whose two views share no tokens
 * (after DeCLUTR, Giorgi et al. 2021: spans of one document as positives). Each document's tokens,
 * cut into pieces of at most 2 × `maxTokens`, are halved; the first halves pack into `first` and the
 * second halves, in the same order, into `second`, with a `separatorId` between pieces, until either
 * segment would pass `maxTokens`. So the two rows of a pair hold the two halves of the same documents,
 * and every token of the documents is in exactly one row (a one-token piece only in `first`).
 */
export function packHalves(documents: readonly (readonly ArrayLike<number>[])[], maxTokens: number, separatorId: number): { first: number[]; second: number[] }[] {
  const pairs: { first: number[]; second: number[] }[] = [];
  let first: number[] = [];
  let second: number[] = [];
  const flush = (): void => {
    if (first.length > 0) pairs.push({ first, second });
    first = [];
    second = [];
  };
  const append = (row: number[], half: number[]): void => {
    if (half.length === 0) return;
    if (row.length > 0) row.push(separatorId);
    appendAll(row, half);
  };
  const needs = (row: number[], half: number[]): number => (half.length > 0 && row.length > 0 ? 1 : 0) + half.length;
  for (const document of documents) {
    const tokens: number[] = [];
    for (const sentence of document) appendAll(tokens, sentence);
    for (let start = 0; start < tokens.length; start += 2 * maxTokens) {
      const piece = tokens.slice(start, start + 2 * maxTokens);
      const middle = Math.ceil(piece.length / 2);
      const [head, tail] = [piece.slice(0, middle), piece.slice(middle)];
      if (first.length + needs(first, head) > maxTokens || second.length + needs(second, tail) > maxTokens) flush();
      append(first, head);
      append(second, tail);
    }
  }
  flush();
  return pairs;
}
