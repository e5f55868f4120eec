import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/runtime/rng.js';
import { createSegmentPairs, packHalves, packSentences, randint, truncateSeqPair, type DocumentCorpus, type SegmentPair } from '../../src/data/pretraining-instances.js';

// google-research/bert create_pretraining_data.py, create_instances_from_document and
// truncate_seq_pair, ported line by line (masking left out), over in-memory all_documents; with
// randomNextSentence false, ALBERT's version of it (google-research/albert, sentence-order prediction).
// Python's rng.random() / rng.randint(a, b) are the shared Rng's uniform() / randint(), so both
// sides see the same choices of target length, split points, random documents and trims.
function googleCreateInstancesFromDocument(
  allDocuments: number[][][], documentIndex: number, maxSeqLength: number, shortSeqProb: number, rng: Rng, randomNextSentence = true,
): SegmentPair[] {
  const random = () => rng.uniform();
  const document = allDocuments[documentIndex]!;
  const maxNumTokens = maxSeqLength - 3;
  let targetSeqLength = maxNumTokens;
  if (random() < shortSeqProb) targetSeqLength = randint(rng, 2, maxNumTokens);
  const instances: SegmentPair[] = [];
  let currentChunk: number[][] = [];
  let currentLength = 0;
  let i = 0;
  while (i < document.length) {
    const segment = document[i]!;
    currentChunk.push(segment);
    currentLength += segment.length;
    if (i === document.length - 1 || currentLength >= targetSeqLength) {
      if (currentChunk.length) {
        let aEnd = 1;
        if (currentChunk.length >= 2) aEnd = randint(rng, 1, currentChunk.length - 1);
        let tokensA: number[] = [];
        for (let j = 0; j < aEnd; j++) tokensA.push(...currentChunk[j]!);
        let tokensB: number[] = [];
        let isRandomNext = false;
        if (currentChunk.length === 1 || (randomNextSentence && random() < 0.5)) {
          isRandomNext = true;
          const targetBLength = targetSeqLength - tokensA.length;
          let randomDocumentIndex = 0;
          for (let k = 0; k < 10; k++) {
            randomDocumentIndex = randint(rng, 0, allDocuments.length - 1);
            if (randomDocumentIndex !== documentIndex) break;
          }
          const randomDocument = allDocuments[randomDocumentIndex]!;
          const randomStart = randint(rng, 0, randomDocument.length - 1);
          for (let j = randomStart; j < randomDocument.length; j++) {
            tokensB.push(...randomDocument[j]!);
            if (tokensB.length >= targetBLength) break;
          }
          const numUnusedSegments = currentChunk.length - aEnd;
          i -= numUnusedSegments;
        } else if (!randomNextSentence && random() < 0.5) {
          isRandomNext = true;
          for (let j = aEnd; j < currentChunk.length; j++) tokensB.push(...currentChunk[j]!);
          [tokensA, tokensB] = [tokensB, tokensA];
        } else {
          isRandomNext = false;
          for (let j = aEnd; j < currentChunk.length; j++) tokensB.push(...currentChunk[j]!);
        }
        googleTruncateSeqPair(tokensA, tokensB, maxNumTokens, rng);
        assert.ok(tokensA.length >= 1);
        assert.ok(tokensB.length >= 1);
        instances.push({ tokensA, tokensB, isRandomNext });
      }
      currentChunk = [];
      currentLength = 0;
    }
    i += 1;
  }
  return instances;
}

function googleTruncateSeqPair(tokensA: number[], tokensB: number[], maxNumTokens: number, rng: Rng): void {
  for (;;) {
    const totalLength = tokensA.length + tokensB.length;
    if (totalLength <= maxNumTokens) break;
    const truncTokens = tokensA.length > tokensB.length ? tokensA : tokensB;
    assert.ok(truncTokens.length >= 1);
    if (rng.uniform() < 0.5) truncTokens.splice(0, 1);
    else truncTokens.pop();
  }
}

/** Documents of sentences of distinct ids (id = 1000·document + running index), random lengths. */
function syntheticDocuments(seed: number, count: number, maxSentences: number, maxSentenceLength: number): number[][][] {
  const rng = new Rng(seed);
  const documents: number[][][] = [];
  for (let d = 0; d < count; d++) {
    let next = 0;
    const sentences = Array.from({ length: 1 + rng.int(maxSentences) }, () => Array.from({ length: 1 + rng.int(maxSentenceLength) }, () => 100000 * (d + 1) + next++));
    documents.push(sentences);
  }
  return documents;
}

function inMemoryCorpus(documents: number[][][]): DocumentCorpus {
  return {
    documentCount: documents.length,
    sentenceCount: (document) => documents[document]!.length,
    sentencesFrom: (document, start, minTokens) => {
      const sentences: number[][] = [];
      let tokens = 0;
      for (let s = start; s < documents[document]!.length && (s === start || tokens < minTokens); s++) {
        sentences.push(documents[document]![s]!);
        tokens += documents[document]![s]!.length;
      }
      return sentences;
    },
  };
}

test("segment pairs equal a line-by-line port of Google's create_instances_from_document under the same choices", () => {
  let pairs = 0;
  let random = 0;
  for (const [seed, maxSeqLength, shortSeqProb, maxSentenceLength] of [[1, 128, 0.1, 40], [2, 32, 0.5, 30], [3, 16, 0.1, 12], [4, 64, 1, 80]] as const) {
    const documents = syntheticDocuments(seed, 12, 30, maxSentenceLength);
    const corpus = inMemoryCorpus(documents);
    const ours = new Rng(seed + 100);
    const reference = new Rng(seed + 100);
    for (let d = 0; d < documents.length; d++) {
      const expected = googleCreateInstancesFromDocument(documents, d, maxSeqLength, shortSeqProb, reference);
      const actual = createSegmentPairs(documents[d]!, d, corpus, maxSeqLength, shortSeqProb, ours);
      assert.deepEqual(actual, expected, `seed ${seed}, document ${d}`);
      pairs += actual.length;
      random += actual.filter((pair) => pair.isRandomNext).length;
    }
    assert.deepEqual(ours.state(), reference.state(), 'the same number of draws');
  }
  assert.ok(pairs > 200 && random > 50 && random < pairs - 50, `${pairs} pairs, ${random} random next`);
});

test("sentence-order pairs equal a line-by-line port of ALBERT's create_instances_from_document under the same choices", () => {
  let pairs = 0;
  let swapped = 0;
  for (const [seed, maxSeqLength, shortSeqProb, maxSentenceLength] of [[11, 128, 0.1, 40], [12, 32, 0.5, 30], [13, 64, 1, 80]] as const) {
    const documents = syntheticDocuments(seed, 12, 30, maxSentenceLength);
    const corpus = inMemoryCorpus(documents);
    const ours = new Rng(seed + 100);
    const reference = new Rng(seed + 100);
    for (let d = 0; d < documents.length; d++) {
      const expected = googleCreateInstancesFromDocument(documents, d, maxSeqLength, shortSeqProb, reference, false);
      const actual = createSegmentPairs(documents[d]!, d, corpus, maxSeqLength, shortSeqProb, ours, 'order');
      assert.deepEqual(actual, expected, `seed ${seed}, document ${d}`);
      pairs += actual.length;
      swapped += actual.filter((pair) => pair.isRandomNext && pair.tokensA[0]! > pair.tokensB[0]!).length;
    }
    assert.deepEqual(ours.state(), reference.state(), 'the same number of draws');
  }
  assert.ok(pairs > 150 && swapped > 50 && swapped < pairs - 50, `${pairs} pairs, ${swapped} swapped`);
});

test('sentence order: both segments from this document, B before A exactly when labelled 1 (but for one-sentence chunks)', () => {
  const documents = syntheticDocuments(8, 10, 25, 20);
  const corpus = inMemoryCorpus(documents);
  const rng = new Rng(8);
  let swapped = 0, sameDocument = 0;
  for (let d = 0; d < documents.length; d++) {
    for (const pair of createSegmentPairs(documents[d]!, d, corpus, 64, 0.1, rng, 'order')) {
      const bDocument = Math.floor(pair.tokensB[0]! / 100000) - 1;
      if (bDocument !== d) {
        assert.ok(pair.isRandomNext, 'B from another document only as a labelled random next (a one-sentence chunk)');
        continue;
      }
      sameDocument++;
      if (pair.isRandomNext) swapped++;
      assert.ok(pair.tokensA.every((id) => Math.floor(id / 100000) === d + 1) && pair.tokensB.every((id) => Math.floor(id / 100000) === d + 1));
      assert.equal(pair.tokensB[0]! < pair.tokensA[0]!, pair.isRandomNext, 'swapped exactly when labelled');
    }
  }
  assert.ok(swapped > sameDocument * 0.3 && swapped < sameDocument * 0.7, `${swapped} of ${sameDocument} pairs of one document swapped`);
});

test('segments are whole sentences, in order, from this document or (random next) another', () => {
  const documents = syntheticDocuments(7, 10, 25, 20);
  const corpus = inMemoryCorpus(documents);
  const rng = new Rng(7);
  for (let d = 0; d < documents.length; d++) {
    for (const pair of createSegmentPairs(documents[d]!, d, corpus, 64, 0.1, rng)) {
      assert.ok(pair.tokensA.length + pair.tokensB.length <= 61);
      assert.ok(pair.tokensA.every((id) => Math.floor(id / 100000) === d + 1), 'A comes from the document');
      const bDocuments = new Set(pair.tokensB.map((id) => Math.floor(id / 100000) - 1));
      assert.equal(bDocuments.size, 1);
      assert.equal(bDocuments.has(d), !pair.isRandomNext, 'B from another document exactly when random');
      for (const segment of [pair.tokensA, pair.tokensB]) {
        for (let k = 1; k < segment.length; k++) assert.equal(segment[k], segment[k - 1]! + 1, 'contiguous text');
      }
      if (!pair.isRandomNext) assert.ok(pair.tokensB[0]! > pair.tokensA[pair.tokensA.length - 1]!, 'B comes after A (trimming may cut between)');
    }
  }
});

test('truncate_seq_pair trims the longer segment from both ends', () => {
  const rng = new Rng(5);
  const a = Array.from({ length: 50 }, (_, k) => k);
  const b = Array.from({ length: 10 }, (_, k) => 100 + k);
  truncateSeqPair(a, b, 30, rng);
  assert.equal(a.length, 20);
  assert.equal(b.length, 10);
  assert.ok(a[0]! > 0 && a[19]! < 49, 'trimmed at the front and at the back');
  for (let k = 1; k < a.length; k++) assert.equal(a[k], a[k - 1]! + 1);
});

test('truncate_seq_pair trims B when both segments are equally long, as Google does', () => {
  const a = Array.from({ length: 10 }, (_, k) => k);
  const b = Array.from({ length: 10 }, (_, k) => 100 + k);
  truncateSeqPair(a, b, 19, new Rng(3));
  assert.equal(a.length, 10);
  assert.equal(b.length, 9);
});

test('FULL-SENTENCES packing: whole sentences up to the limit, [SEP] between documents, long sentences cut', () => {
  const SEP = 9;
  const packed = packSentences([[[1, 1, 1], [2, 2], [3, 3, 3, 3]], [[4], [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5]], [[6, 6]]], 6, SEP);
  assert.deepEqual(packed.map((pair) => pair.tokensA), [
    [1, 1, 1, 2, 2],
    [3, 3, 3, 3, SEP, 4],
    [5, 5, 5, 5, 5, 5],
    [5, 5, 5, 5, 5],
    [6, 6],
  ]);
  assert.ok(packed.every((pair) => pair.tokensB.length === 0 && !pair.isRandomNext && pair.tokensA.length <= 6));
});

test('halves packing: each document halved (pieces of at most twice the limit), first halves in one row and second halves in its partner, in the same order', () => {
  const SEP = 9;
  // Documents of 5, 1, 14 and 4 tokens at a limit of 6 (pieces of at most 12).
  const documents = [[[1, 1], [1, 2, 2]], [[3]], [[4, 4, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [6, 6]], [[7, 7, 8, 8]]];
  const packed = packHalves(documents, 6, SEP);
  assert.deepEqual(packed, [
    // 5 tokens: 3 + 2; the one-token document has no second half.
    { first: [1, 1, 1, SEP, 3], second: [2, 2] },
    // 14 tokens: a piece of 12 (6 + 6), each half a full row, then a piece of 2 (1 + 1).
    { first: [4, 4, 4, 4, 4, 4], second: [5, 5, 5, 5, 5, 5] },
    { first: [6, SEP, 7, 7], second: [6, SEP, 8, 8] },
  ]);
  assert.ok(packed.every(({ first, second }) => first.length <= 6 && second.length <= 6));
});
