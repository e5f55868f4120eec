import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BertTokenizer } from '../../src/tokenizer/bert-tokenizer.js';
import { Vocab } from '../../src/tokenizer/vocab.js';
import { buildShards, type ShardSet } from '../../src/data/shards.js';
import { PretrainingDataset, type PretrainingBatch, type PretrainingDataOptions, type PretrainingInstance } from '../../src/data/pretraining-dataset.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';

const tempDirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const needsCorpus = { skip: skipWithoutShared('data/corpus/gutenberg') || skipWithoutShared('data/vocab/bert-base-uncased') };

let gutenberg: Promise<{ shards: ShardSet; tokenizer: BertTokenizer }> | null = null;
/** The Gutenberg corpus as BERT-uncased shards, documents of ~100 sentences, built once per file. */
function gutenbergShards() {
  gutenberg ??= (async () => {
    const tokenizer = BertTokenizer.fromPretrained(sharedPath('data/vocab/bert-base-uncased/vocab.txt'));
    const shards = await buildShards([sharedPath('data/corpus/gutenberg')], tokenizer, tempDir('bertkit-dataset-'), {
      format: 'paragraphs', maxDocumentSentences: 100, heldOutFraction: 0.02, seed: 1,
    });
    return { shards, tokenizer };
  })();
  return gutenberg;
}

function bertOptions(vocab: Vocab, overrides: Partial<PretrainingDataOptions> = {}): PretrainingDataOptions {
  return { maxSeqLength: 128, shortSeqProb: 0.1, maskedLmProb: 0.15, maxPredictionsPerSeq: 20, nsp: true, wholeWordMask: false, seed: 5, vocab, ...overrides };
}

function epochInstances(dataset: PretrainingDataset): PretrainingInstance[] {
  const instances: PretrainingInstance[] = [];
  const epoch = dataset.epoch;
  while (dataset.epoch === epoch) instances.push(dataset.nextInstance());
  return instances;
}

test('instance statistics on the Gutenberg corpus: masks, NSP, lengths, segments', needsCorpus, async () => {
  const { shards, tokenizer } = await gutenbergShards();
  const vocab = tokenizer.vocab;
  const [CLS, SEP, MASK] = ['[CLS]', '[SEP]', '[MASK]'].map((token) => vocab.id(token)!);
  const dataset = await PretrainingDataset.open(shards, bertOptions(vocab));
  const instances = epochInstances(dataset);
  let tokens = 0, predicted = 0, masks = 0, same = 0, random = 0, randomNext = 0, short = 0;
  for (const instance of instances) {
    const ids = instance.inputIds;
    const length = ids.length;
    assert.ok(length <= 128);
    tokens += length;
    if (length < 100) short++;
    if (instance.isRandomNext) randomNext++;
    // [CLS] A [SEP] B [SEP] with token types 0…0 1…1.
    const seps = [...ids.keys()].filter((t) => instance.maskedPositions.includes(t) ? instance.maskedLabels[instance.maskedPositions.indexOf(t)] === SEP : ids[t] === SEP);
    assert.equal(ids[0], CLS);
    assert.deepEqual(seps, [seps[0], length - 1]);
    const boundary = seps[0]!;
    assert.ok(boundary >= 2 && boundary <= length - 3, 'non-empty A and B');
    instance.tokenTypeIds.forEach((type, t) => assert.equal(type, t > boundary ? 1 : 0));
    // Google's budget, exactly: min(20, max(1, round(len · 0.15))).
    const budget = Math.min(20, Math.max(1, Math.round(length * 0.15)));
    assert.ok(Math.abs(instance.maskedPositions.length - budget) <= (Number.isInteger(length * 0.15 - 0.5) ? 1 : 0), `${instance.maskedPositions.length} predictions for ${length} tokens`);
    instance.maskedPositions.forEach((position, k) => {
      assert.ok(position !== 0 && position !== boundary && position !== length - 1, '[CLS]/[SEP] masked');
      if (k > 0) assert.ok(position > instance.maskedPositions[k - 1]!);
      const input = ids[position]!;
      const label = instance.maskedLabels[k]!;
      if (input === MASK) masks++;
      else if (input === label) same++;
      else random++;
    });
    predicted += instance.maskedPositions.length;
  }
  const n = instances.length;
  const report = JSON.stringify({ n, predicted, masks, same, random, randomNext, short, tokens });
  assert.ok(n > 10000, report);
  assert.ok(Math.abs(masks / predicted - 0.8) < 0.01, report);
  assert.ok(Math.abs(random / predicted - 0.1) < 0.01, report);
  assert.ok(Math.abs(same / predicted - 0.1) < 0.01, report);
  assert.ok(predicted / tokens > 0.14 && predicted / tokens < 0.16, report);
  // NSP: half random, a little more because a one-sentence chunk is always paired with a random B (as in Google's code).
  assert.ok(randomNext / n > 0.47 && randomNext / n < 0.6, report);
  // Short targets (10% of documents) make sequences well under the maximum length; with shortSeqProb 0 only document ends do.
  assert.ok(short / n > 0.06 && short / n < 0.25, report);
  const longOnly = epochInstances(await PretrainingDataset.open(shards, bertOptions(vocab, { shortSeqProb: 0 })));
  assert.ok(longOnly.filter((instance) => instance.inputIds.length < 100).length / longOnly.length < 0.04);
  dataset.close();
});

test('whole-word masking masks every piece of a word together', needsCorpus, async () => {
  const { shards, tokenizer } = await gutenbergShards();
  const vocab = tokenizer.vocab;
  const dataset = await PretrainingDataset.open(shards, bertOptions(vocab, { wholeWordMask: true }));
  let continuations = 0;
  for (let k = 0; k < 3000; k++) {
    const instance = dataset.nextInstance();
    const original = Int32Array.from(instance.inputIds);
    instance.maskedPositions.forEach((position, j) => { original[position] = instance.maskedLabels[j]!; });
    const masked = new Set(instance.maskedPositions);
    for (let t = 1; t < original.length; t++) {
      const previous = vocab.token(original[t - 1]!);
      if (vocab.token(original[t]!).startsWith('##') && previous !== '[SEP]' && previous !== '[CLS]') {
        assert.equal(masked.has(t), masked.has(t - 1), `"${vocab.token(original[t]!)}" at ${t} masked apart from "${previous}"`);
        if (masked.has(t)) continuations++;
      }
    }
    assert.ok(instance.maskedPositions.length <= 20);
  }
  assert.ok(continuations > 100, `${continuations} masked ## pieces`);
});

test('batches: padded [B, T] tensors, -100 labels, flat masked positions, NSP labels', needsCorpus, async () => {
  const { shards, tokenizer } = await gutenbergShards();
  const options = bertOptions(tokenizer.vocab);
  const reference = await PretrainingDataset.open(shards, options);
  const dataset = await PretrainingDataset.open(shards, options);
  const B = 6, T = 128;
  const batch = dataset.nextBatch(B);
  assert.equal(batch.batchSize, B);
  assert.equal(batch.seqLength, T);
  for (const name of ['input_ids', 'token_type_ids', 'attention_mask', 'labels'] as const) assert.equal(batch[name].length, B * T);
  assert.equal(batch.next_sentence_label.length, B);
  const flat: bigint[] = [];
  for (let b = 0; b < B; b++) {
    const instance = reference.nextInstance();
    const length = instance.inputIds.length;
    for (let t = 0; t < T; t++) {
      const i = b * T + t;
      assert.equal(batch.input_ids[i], BigInt(t < length ? instance.inputIds[t]! : 0));
      assert.equal(batch.attention_mask[i], t < length ? 1n : 0n);
      assert.equal(batch.token_type_ids[i], BigInt(t < length ? instance.tokenTypeIds[t]! : 0));
      const k = instance.maskedPositions.indexOf(t);
      assert.equal(batch.labels[i], k < 0 ? -100n : BigInt(instance.maskedLabels[k]!));
      if (k >= 0) flat.push(BigInt(i));
    }
    assert.equal(batch.next_sentence_label[b], instance.isRandomNext ? 1n : 0n);
  }
  assert.deepEqual(Array.from(batch.masked_lm_positions), flat);
  assert.deepEqual(Array.from(batch.masked_lm_positions), [...batch.labels.keys()].filter((i) => batch.labels[i] !== -100n).map(BigInt));
});

function sameBatches(actual: PretrainingBatch[], expected: PretrainingBatch[], message: string): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((batch, k) => assert.deepEqual(batch, expected[k], `${message}: batch ${k}`));
}

test('same seed, same batches; a restored state continues exactly, across windows', needsCorpus, async () => {
  const { shards, tokenizer } = await gutenbergShards();
  const options = bertOptions(tokenizer.vocab, { windowTokens: 20000 });
  const first = await PretrainingDataset.open(shards, options);
  const batches: PretrainingBatch[] = [];
  const states: string[] = [];
  for (let k = 0; k < 40; k++) {
    states.push(JSON.stringify(first.state()));
    batches.push(first.nextBatch(16));
  }
  const second = await PretrainingDataset.open(shards, options);
  sameBatches(Array.from({ length: 40 }, () => second.nextBatch(16)), batches, 'same seed');
  const windows = new Set(states.map((state) => JSON.parse(state).windowStart));
  assert.ok(windows.size >= 3, 'the run crosses windows');
  for (const at of [0, 7, 23]) {
    const resumed = await PretrainingDataset.open(shards, options);
    resumed.restore(JSON.parse(states[at]!));
    sameBatches(Array.from({ length: 40 - at }, () => resumed.nextBatch(16)), batches.slice(at), `resumed at batch ${at}`);
  }
  const otherSeed = await PretrainingDataset.open(shards, { ...options, seed: 6 });
  assert.notDeepEqual(otherSeed.nextBatch(16).input_ids, batches[0]!.input_ids);
});

const WORDS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'doc', 'sentence', 'alpha', 'beta', '.', ...Array.from({ length: 60 }, (_, k) => String(k))];
const SMALL_VOCAB = Vocab.fromTokens(WORDS, 'small vocab');

/** 12 documents of 3–8 sentences "doc D sentence S alpha beta …" in BERT's format, as shards. */
async function smallShards(): Promise<ShardSet> {
  const dir = tempDir('bertkit-small-');
  const documents = Array.from({ length: 12 }, (_, d) =>
    Array.from({ length: 3 + (d % 6) }, (_, s) => `doc ${d} sentence ${s} ${'alpha beta '.repeat(1 + ((d + s) % 4))}.`).join('\n'));
  writeFileSync(join(dir, 'corpus.txt'), documents.join('\n\n') + '\n');
  return buildShards([join(dir, 'corpus.txt')], BertTokenizer.fromVocab(SMALL_VOCAB), join(dir, 'shards'), { heldOutDocuments: 2 });
}

test('epochs: every document each epoch in a new order, fresh segments and masks; resume across epoch ends', async () => {
  const shards = await smallShards();
  const options = bertOptions(SMALL_VOCAB, { maxSeqLength: 32, maxPredictionsPerSeq: 5, windowTokens: 60 });
  const dataset = await PretrainingDataset.open(shards, options);
  const documentOf = (instance: PretrainingInstance): number => {
    const original = Int32Array.from(instance.inputIds);
    instance.maskedPositions.forEach((position, j) => { original[position] = instance.maskedLabels[j]!; });
    const documents = new Set<number>();
    for (let t = 1; t + 1 < original.length && instance.tokenTypeIds[t + 1] === 0; t++) {
      if (WORDS[original[t]!] === 'doc') documents.add(Number(WORDS[original[t + 1]!]));
    }
    assert.ok(documents.size <= 1, 'A comes from one document');
    return documents.size === 0 ? -1 : [...documents][0]!;
  };
  const documentsOf = (instances: PretrainingInstance[]): number[] => [...new Set(instances.map(documentOf))].filter((d) => d >= 0).sort((x, y) => x - y);
  const epochs = [epochInstances(dataset), epochInstances(dataset), epochInstances(dataset)];
  assert.equal(dataset.epoch, 3);
  for (const instances of epochs) {
    assert.deepEqual(documentsOf(instances), Array.from({ length: 10 }, (_, d) => d), 'the 10 training documents');
  }
  assert.notDeepEqual(epochs[0]!.map((instance) => Array.from(instance.inputIds)), epochs[1]!.map((instance) => Array.from(instance.inputIds)));
  // One document per window: instances come in the epoch's document order.
  const oneByOne = await PretrainingDataset.open(shards, { ...options, windowTokens: 1 });
  const visitOrder = (instances: PretrainingInstance[]): number[] => [...new Set(instances.map(documentOf).filter((d) => d >= 0))];
  const orders = [visitOrder(epochInstances(oneByOne)), visitOrder(epochInstances(oneByOne))];
  assert.notDeepEqual(orders[1], orders[0], 'a new document order each epoch');
  assert.notDeepEqual(orders[0], Array.from({ length: 10 }, (_, d) => d), 'a shuffled order');
  // One window for the whole epoch: its instances are shuffled, not grouped by document.
  const oneWindow = epochInstances(await PretrainingDataset.open(shards, { ...options, windowTokens: 1 << 20 })).map(documentOf).filter((d) => d >= 0);
  const changes = oneWindow.filter((d, k) => k > 0 && d !== oneWindow[k - 1]).length;
  assert.ok(changes > oneWindow.length / 2, `${changes} document changes in ${oneWindow.length} instances`);
  const batches: PretrainingBatch[] = [];
  const states: string[] = [];
  const run = await PretrainingDataset.open(shards, options);
  for (let k = 0; k < 60; k++) {
    states.push(JSON.stringify(run.state()));
    batches.push(run.nextBatch(3));
  }
  assert.ok(run.epoch >= 3);
  const epochEnd = states.findIndex((state, k) => k > 0 && JSON.parse(state).epoch !== JSON.parse(states[k - 1]!).epoch);
  for (const at of [epochEnd - 1, epochEnd, 45]) {
    const resumed = await PretrainingDataset.open(shards, options);
    resumed.restore(JSON.parse(states[at]!));
    sameBatches(Array.from({ length: 60 - at }, () => resumed.nextBatch(3)), batches.slice(at), `resumed at batch ${at}`);
  }
  const heldOut = await PretrainingDataset.open(shards, { ...options, split: 'heldOut' });
  assert.deepEqual(documentsOf(epochInstances(heldOut)), [10, 11]);
});

test('batchesWithinEpoch: full batches of the epoch only, never wrapping into the next', async () => {
  const shards = await smallShards();
  const options = bertOptions(SMALL_VOCAB, { maxSeqLength: 32, maxPredictionsPerSeq: 5, split: 'heldOut' });
  const epoch = epochInstances(await PretrainingDataset.open(shards, options)).length;
  assert.ok(epoch >= 4, `${epoch} held-out instances`);
  const batchSize = 3;
  const reference = await PretrainingDataset.open(shards, options);
  const expected = Array.from({ length: Math.floor(epoch / batchSize) }, () => reference.nextBatch(batchSize));
  sameBatches((await PretrainingDataset.open(shards, options)).batchesWithinEpoch(1000, batchSize), expected, 'all full batches of epoch 0');
  sameBatches((await PretrainingDataset.open(shards, options)).batchesWithinEpoch(1, batchSize), expected.slice(0, 1), 'as many as asked');
  sameBatches((await PretrainingDataset.open(shards, options)).batchesWithinEpoch(5, epoch), [(await PretrainingDataset.open(shards, options)).nextBatch(epoch)], 'one batch ending with the epoch');
  assert.deepEqual((await PretrainingDataset.open(shards, options)).batchesWithinEpoch(5, epoch + 1), [], 'a batch larger than the epoch');
});

test('MLM only: single segments packed across sentences and documents, types and NSP labels 0', async () => {
  const shards = await smallShards();
  const dataset = await PretrainingDataset.open(shards, bertOptions(SMALL_VOCAB, { maxSeqLength: 40, nsp: false }));
  const instances = epochInstances(dataset);
  const totalTokens = shards.split('train').tokenTotal;
  let contentTokens = 0;
  for (const instance of instances) {
    assert.ok(instance.inputIds.length <= 40);
    assert.equal(instance.isRandomNext, false);
    assert.ok(instance.tokenTypeIds.every((type) => type === 0));
    assert.equal(instance.inputIds[0], 2);
    const original = Int32Array.from(instance.inputIds);
    instance.maskedPositions.forEach((position, j) => { original[position] = instance.maskedLabels[j]!; });
    assert.equal(original[original.length - 1], 3);
    contentTokens += original.length - 2 - original.slice(1, -1).filter((id) => id === 3).length;
  }
  assert.equal(contentTokens, totalTokens, 'every token once per epoch');
  assert.ok(instances.filter((instance) => instance.inputIds.length >= 30).length >= instances.length - 3, 'packed near full');
  const batch = dataset.nextBatch(4);
  assert.ok(batch.next_sentence_label.every((label) => label === 0n));
});

test('contrastive views: each text in two rows, masked independently; the stream of texts is the one without views', async () => {
  const shards = await smallShards();
  const options = bertOptions(SMALL_VOCAB, { maxSeqLength: 40, nsp: false, maxPredictionsPerSeq: 6 });
  const plain = await PretrainingDataset.open(shards, options);
  const views = await PretrainingDataset.open(shards, { ...options, contrastiveViews: 'maskings' });
  const unmasked = (batch: PretrainingBatch, row: number): bigint[] => {
    const ids = Array.from(batch.input_ids.subarray(row * 40, (row + 1) * 40));
    batch.labels.subarray(row * 40, (row + 1) * 40).forEach((label, t) => { if (label >= 0n) ids[t] = label; });
    return ids;
  };
  const rowsOf = (batch: PretrainingBatch, row: number) => Array.from(batch.input_ids.subarray(row * 40, (row + 1) * 40));
  let differentMasks = 0;
  for (let k = 0; k < 5; k++) {
    const texts = plain.nextBatch(3);
    const batch = views.nextBatch(6);
    assert.equal(batch.batchSize, 6);
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(rowsOf(batch, i), rowsOf(texts, i), `batch ${k}: row ${i} is the plain stream's row ${i}, masks included`);
      assert.deepEqual(unmasked(batch, 3 + i), unmasked(texts, i), `batch ${k}: row ${3 + i} is the same text`);
      assert.deepEqual(Array.from(batch.attention_mask.subarray((3 + i) * 40, (4 + i) * 40)), Array.from(batch.attention_mask.subarray(i * 40, (i + 1) * 40)));
      if (rowsOf(batch, i).join() !== rowsOf(batch, 3 + i).join()) differentMasks++;
    }
    // masked_lm_positions list every labelled position of both halves, ascending.
    const labelled = Array.from(batch.labels.keys()).filter((flat) => batch.labels[flat]! >= 0n).map(BigInt);
    assert.deepEqual(Array.from(batch.masked_lm_positions), labelled);
  }
  assert.ok(differentMasks >= 13, `${differentMasks} of 15 texts masked differently in their two rows`);
  assert.throws(() => views.nextBatch(5), /contrastive views need an even batch size \(two rows per pair\), got 5/);
  // Resuming continues exactly, and a state without views is refused.
  const state = views.state();
  const expected = [views.nextBatch(4), views.nextBatch(4)];
  const resumed = await PretrainingDataset.open(shards, { ...options, contrastiveViews: 'maskings' });
  resumed.restore(state);
  sameBatches([resumed.nextBatch(4), resumed.nextBatch(4)], expected, 'resumed with views');
  assert.throws(() => plain.restore(state), /other data settings \(.*"contrastiveViews":true/);
});

test('contrastive views as halves: the two rows of a pair hold the two halves of the same documents, every token once per epoch', async () => {
  const shards = await smallShards();
  const SEP = 3;
  const options = bertOptions(SMALL_VOCAB, { maxSeqLength: 40, nsp: false, maxPredictionsPerSeq: 6, contrastiveViews: 'halves' });
  const dataset = await PretrainingDataset.open(shards, options);
  const unmasked = (view: Pick<PretrainingInstance, 'inputIds' | 'maskedPositions' | 'maskedLabels'>): number[] => {
    const ids = Array.from(view.inputIds);
    view.maskedPositions.forEach((position, j) => { ids[position] = view.maskedLabels[j]!; });
    assert.deepEqual([ids[0], ids[ids.length - 1]], [2, SEP], '[CLS] … [SEP]');
    return ids.slice(1, -1);
  };
  // Every document's tokens, to find the documents a row's pieces come from.
  const reader = shards.split('train');
  const documents = Array.from({ length: reader.documentCount }, (_, d) => reader.document(d).flatMap((sentence) => Array.from(sentence)));
  const pieces = (ids: number[]): number[][] => ids.join(',').split(`,${SEP},`).map((piece) => piece.split(',').map(Number));
  let tokens = 0;
  let halvedPieces = 0;
  for (const instance of epochInstances(dataset)) {
    assert.ok(instance.secondView && instance.inputIds.length <= 40 && instance.secondView.inputIds.length <= 40);
    assert.ok([instance.tokenTypeIds, instance.secondView.tokenTypeIds].every((types) => types.every((type) => type === 0)));
    const [first, second] = [unmasked(instance), unmasked(instance.secondView)];
    tokens += [...first, ...second].filter((id) => id !== SEP).length;
    // The k-th piece of the second row continues the k-th piece of the first (a one-token piece, last, has none).
    const [heads, tails] = [pieces(first), second.length > 0 ? pieces(second) : []];
    assert.ok(tails.length === heads.length || (tails.length === heads.length - 1 && heads.at(-1)!.length === 1));
    tails.forEach((tail, k) => {
      const whole = [...heads[k]!, ...tail].join();
      assert.ok(documents.some((document) => `,${document.join()},`.includes(`,${whole},`)), `pair ${k}: ${whole} is a span of one document`);
      assert.ok(heads[k]!.length - tail.length <= 1, 'halves');
      halvedPieces++;
    });
  }
  assert.equal(tokens, reader.tokenTotal, 'every token once per epoch, in one of the two rows');
  assert.ok(halvedPieces > 10, `${halvedPieces} pieces halved`);
  const batch = dataset.nextBatch(6);
  assert.equal(batch.batchSize, 6);
  // Resuming continues exactly; the halves are a setting of their own.
  const state = dataset.state();
  const expected = [dataset.nextBatch(4), dataset.nextBatch(4)];
  const resumed = await PretrainingDataset.open(shards, options);
  resumed.restore(state);
  sameBatches([resumed.nextBatch(4), resumed.nextBatch(4)], expected, 'resumed with halves');
  const maskings = await PretrainingDataset.open(shards, { ...options, contrastiveViews: 'maskings' });
  assert.throws(() => maskings.restore(state), /other data settings \(.*"contrastiveViews":"halves"/);
  await assert.rejects(PretrainingDataset.open(shards, { ...options, nsp: true }), /contrastiveViews must be other than 'halves' with nsp/);
});

test('sentence order: both segments of a pair come from one document, swapped exactly when labelled 1; the task is a setting of its own', async () => {
  const shards = await smallShards();
  const options = bertOptions(SMALL_VOCAB, { maxSeqLength: 32, maxPredictionsPerSeq: 5, pairTask: 'order' });
  const dataset = await PretrainingDataset.open(shards, options);
  // The (document, sentence) of each segment's first sentence, read from the unmasked text ("doc D sentence S …").
  const firstSentences = (instance: PretrainingInstance): [number, number][] => {
    const original = Int32Array.from(instance.inputIds);
    instance.maskedPositions.forEach((position, j) => { original[position] = instance.maskedLabels[j]!; });
    const starts: [number, number][] = [];
    for (const type of [0, 1]) {
      for (let t = 1; t + 3 < original.length; t++) {
        if (instance.tokenTypeIds[t] === type && WORDS[original[t]!] === 'doc' && WORDS[original[t + 2]!] === 'sentence') {
          starts.push([Number(WORDS[original[t + 1]!]), Number(WORDS[original[t + 3]!])]);
          break;
        }
      }
    }
    return starts;
  };
  let sameDocument = 0, swapped = 0;
  for (const instance of epochInstances(dataset)) {
    const starts = firstSentences(instance);
    if (starts.length < 2) continue; // a segment trimmed to no sentence start
    const [[documentA, sentenceA], [documentB, sentenceB]] = starts as [[number, number], [number, number]];
    if (documentA !== documentB) {
      assert.equal(instance.isRandomNext, true, 'another document only for a one-sentence chunk, labelled 1 as in ALBERT');
      continue;
    }
    sameDocument++;
    if (instance.isRandomNext) swapped++;
    assert.equal(sentenceB < sentenceA, instance.isRandomNext, `doc ${documentA}: A at sentence ${sentenceA}, B at ${sentenceB}, label ${instance.isRandomNext}`);
  }
  assert.ok(sameDocument > 10 && swapped > 0.25 * sameDocument && swapped < 0.75 * sameDocument, `${swapped} of ${sameDocument} swapped`);
  const state = dataset.state();
  const next = await PretrainingDataset.open(shards, { ...options, pairTask: 'next' });
  assert.throws(() => next.restore(state), /other data settings \(.*"pairTask":"order"/);
  await assert.rejects(PretrainingDataset.open(shards, { ...options, nsp: false }), /pairTask must be 'next' without nsp/);
});

test('bad options and states are refused, naming the field', async () => {
  const shards = await smallShards();
  const options = bertOptions(SMALL_VOCAB, { maxSeqLength: 32 });
  await assert.rejects(PretrainingDataset.open(shards, { ...options, maxSeqLength: 4 }), /maxSeqLength must be an integer ≥ 5, got 4/);
  await assert.rejects(PretrainingDataset.open(shards, { ...options, maskedLmProb: 1.5 }), /maskedLmProb must be a probability in \[0, 1\], got 1.5/);
  await assert.rejects(PretrainingDataset.open(shards, { ...options, maxPredictionsPerSeq: 0 }), /maxPredictionsPerSeq must be a positive integer/);
  await assert.rejects(PretrainingDataset.open(shards, { ...options, vocab: Vocab.fromTokens([...WORDS, 'x']) }), /built with another vocabulary/);
  const dataset = await PretrainingDataset.open(shards, options);
  const state = dataset.state();
  assert.throws(() => dataset.restore({ ...state, seed: 9 }), /the state is for seed 9, this dataset has seed 5/);
  assert.throws(() => dataset.restore({ ...state, windowStart: 99 }), /windowStart 99 is beyond the split's 10 documents/);
  assert.throws(() => dataset.restore({ ...state, served: -1 }), /served must be a non-negative integer, got -1/);
  const otherLength = await PretrainingDataset.open(shards, { ...options, maxSeqLength: 64 });
  assert.throws(() => otherLength.restore(state), /the state was saved with other data settings \(\{"maxSeqLength":32,.*\) than these \(\{"maxSeqLength":64,/);
  assert.throws(() => dataset.nextBatch(0), /batchSize must be a positive integer, got 0/);
});
