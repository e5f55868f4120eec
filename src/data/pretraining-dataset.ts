// Batches for BERT pretraining (MLM + NSP, or MLM alone) from pre-tokenised shards, with dynamic
// masking: every epoch draws fresh segment pairs and masks instead of google-research/bert's
// dupe_factor fixed copies.
//
// An epoch visits the split's documents in an order shuffled per epoch. Documents are taken in
// windows of about `windowTokens` tokens; the window's instances (Google's
// create_instances_from_document, FULL-SENTENCES packing without NSP, or for a contrastive term on
// halves the pairs of rows packHalves makes) are shuffled together and
// served in that order (Google shuffles all instances of the corpus; a window bounds the memory).
// Memory: the window's instances (≈ windowTokens × 4 bytes × ~3 for ids, types and masks) plus the
// shard boundaries and one int32 per document for the epoch's order.
//
// Resuming: the state is (epoch, window start, the instance RNG's state at the window start,
// instances served from the window). Restoring regenerates the window from that RNG state and skips
// the served instances, so a resumed run sees exactly the batches the first run would have.
import { endianness } from 'node:os';
import { Rng, type RngState } from '../runtime/rng.js';
import type { Vocab } from '../tokenizer/vocab.js';
import { MaskingVocabulary, maskTokens, shuffleInPlace, type MaskingOptions } from './masking.js';
import { createSegmentPairs, packHalves, packSentences, type PairTask, type SegmentPair } from './pretraining-instances.js';
import { ShardSet, type ShardSplit, type ShardSplitReader } from './shards.js';

/** One micro-batch, ready to feed; every tensor row-major, padded to `seqLength`. */
export interface PretrainingBatch {
  input_ids: BigInt64Array; // [B, T]
  token_type_ids: BigInt64Array; // [B, T]
  attention_mask: BigInt64Array; // [B, T]
  /** MLM labels, -100 where not predicted (Hugging Face's convention). */
  labels: BigInt64Array; // [B, T]
  /** Flat indices b·T + t of the predicted positions, ascending (row-major). */
  masked_lm_positions: BigInt64Array; // [M]
  /** 0 = B follows A, 1 = B is random (Hugging Face's convention); all 0 without NSP. */
  next_sentence_label: BigInt64Array; // [B]
  batchSize: number;
  seqLength: number;
}

export interface PretrainingDataOptions {
  /** Padded length T of every row, [CLS] and [SEP]s included. */
  maxSeqLength: number;
  /** Probability of a shorter target length, per document (Google: 0.1). NSP only. */
  shortSeqProb: number;
  /** Share of tokens predicted (0.15). */
  maskedLmProb: number;
  /** Most predictions per row (Google: 20 at 128, 80 at 512). */
  maxPredictionsPerSeq: number;
  /** Segment pairs with next-sentence labels; false: single segments packed across sentences and documents. */
  nsp: boolean;
  /** With nsp, what the pair label asks (default 'next'; 'order': ALBERT's sentence-order prediction, see pretraining-instances.ts). */
  pairTask?: PairTask;
  /** Mask a word's "##" pieces together. */
  wholeWordMask: boolean;
  /** With wholeWordMask: a Chinese word's ideographs too, words found by Intl.Segmenter (default false). */
  chineseWords?: boolean;
  seed: number;
  /** The vocabulary the shards were built with: random replacements and [CLS]/[SEP]/[MASK]/[PAD] ids. */
  vocab: Vocab;
  /** Which split to read (default 'train'). */
  split?: ShardSplit;
  /** Tokens of documents whose instances are shuffled together (default 2^20). */
  windowTokens?: number;
  /**
   * Two views of every text, for a contrastive loss between them (see model/similarity.ts; default
   * 'none'): nextBatch(2n) then holds n pairs, rows i and n + i being the two views of pair i.
   * 'maskings': one text masked twice, independently (the batch holds n texts). 'halves': masked LM
   * alone; the two rows hold the first and the second halves of the same documents (packHalves), so
   * they share no tokens and the batch holds 2n rows of text, as without views.
   */
  contrastiveViews?: ContrastiveViews;
}

export type ContrastiveViews = 'none' | 'maskings' | 'halves';

/** One row before batching. */
export interface PretrainingInstance {
  /** [CLS] A [SEP] B [SEP] (or [CLS] A [SEP]), masked. */
  inputIds: Int32Array;
  tokenTypeIds: Uint8Array;
  /** Ascending positions of the predicted tokens. */
  maskedPositions: Int32Array;
  /** Original ids at `maskedPositions`. */
  maskedLabels: Int32Array;
  isRandomNext: boolean;
  /** With contrastiveViews: the same text masked a second time, or the second halves of its documents. */
  secondView?: MaskedView;
}

/** One masked row. */
export type MaskedView = Pick<PretrainingInstance, 'inputIds' | 'tokenTypeIds' | 'maskedPositions' | 'maskedLabels'>;

/** JSON-serialisable position of a dataset: restoring it replays the same batches. */
export interface PretrainingDatasetState {
  version: 1;
  seed: number;
  split: ShardSplit;
  epoch: number;
  /** Position in the epoch's document order where the current window starts. */
  windowStart: number;
  /** The instance RNG's state when the current window was generated. */
  windowRng: RngState;
  /** Instances of the current window already served. */
  served: number;
  /** What the batches depend on besides the seed (options and the split's size): restoring needs the same. */
  settings: string;
}

export class PretrainingDataset {
  readonly shards: ShardSet;
  readonly options: Readonly<Required<PretrainingDataOptions>>;
  private readonly reader: ShardSplitReader;
  private readonly maskingVocab: MaskingVocabulary;
  private readonly masking: MaskingOptions;
  private rng: Rng;
  private currentEpoch = 0;
  private order: Int32Array;
  private windowStart = 0;
  private windowEnd = 0;
  private windowRng: RngState;
  private instances: PretrainingInstance[] = [];
  private served = 0;

  private constructor(shards: ShardSet, options: Required<PretrainingDataOptions>) {
    checkOptions(options);
    shards.checkVocab(options.vocab);
    this.shards = shards;
    this.options = Object.freeze({ ...options });
    this.reader = shards.split(options.split);
    if (this.reader.documentCount === 0) throw new Error(`${shards.dir}: the ${options.split} split has no documents`);
    this.maskingVocab = new MaskingVocabulary(options.vocab);
    this.masking = { maskedLmProb: options.maskedLmProb, maxPredictionsPerSeq: options.maxPredictionsPerSeq, wholeWordMask: options.wholeWordMask, chineseWords: options.chineseWords };
    this.rng = new Rng(options.seed, Rng.streamOf('pretraining instances'));
    this.windowRng = this.rng.state();
    this.order = this.documentOrder(0);
    this.generateWindow();
    while (this.instances.length === 0) this.advanceWindow();
  }

  /** Opens shards (a ShardSet, or the directory of one). */
  static async open(source: ShardSet | string, options: PretrainingDataOptions): Promise<PretrainingDataset> {
    const shards = typeof source === 'string' ? ShardSet.open(source) : source;
    return new PretrainingDataset(shards, {
      ...options, split: options.split ?? 'train', windowTokens: options.windowTokens ?? 1 << 20, chineseWords: options.chineseWords ?? false,
      contrastiveViews: options.contrastiveViews ?? 'none', pairTask: options.pairTask ?? 'next',
    });
  }

  /** The epoch the next instance comes from (0 first). */
  get epoch(): number {
    return this.currentEpoch;
  }

  /** Documents and tokens of the split read. */
  get documentCount(): number {
    return this.reader.documentCount;
  }

  get tokenCount(): number {
    return this.reader.tokenTotal;
  }

  nextInstance(): PretrainingInstance {
    const instance = this.instances[this.served++]!;
    // Moving on at once keeps `epoch` the epoch of the next instance, and `served` within the window.
    while (this.served >= this.instances.length) this.advanceWindow();
    return instance;
  }

  /** `batchSize` rows: as many instances, or with contrastiveViews half as many, each in two rows (i and batchSize/2 + i). */
  nextBatch(batchSize: number): PretrainingBatch {
    if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new Error(`nextBatch: batchSize must be a positive integer, got ${batchSize}`);
    const views = this.options.contrastiveViews !== 'none';
    if (views && batchSize % 2 !== 0) throw new Error(`nextBatch: contrastive views need an even batch size (two rows per pair), got ${batchSize}`);
    const instances = Array.from({ length: views ? batchSize / 2 : batchSize }, () => this.nextInstance());
    const rows: (MaskedView & Pick<PretrainingInstance, 'isRandomNext'>)[] = views
      ? [...instances, ...instances.map((instance) => ({ ...instance, ...instance.secondView! }))]
      : instances;
    const T = this.options.maxSeqLength;
    const inputIds = new BigInt64Array(batchSize * T).fill(BigInt(this.maskingVocab.padId));
    const tokenTypeIds = new BigInt64Array(batchSize * T);
    const attentionMask = new BigInt64Array(batchSize * T);
    const labels = new BigInt64Array(batchSize * T).fill(-100n);
    const nextSentence = new BigInt64Array(batchSize);
    // int64 written as two int32 words (low, high): BigInt() per element costs more than making the instances.
    const inputWords = int32Words(inputIds);
    const typeWords = int32Words(tokenTypeIds);
    const maskWords = int32Words(attentionMask);
    const labelWords = int32Words(labels);
    let predicted = 0;
    rows.forEach((instance, b) => {
      predicted += instance.maskedPositions.length;
      const row = b * T;
      for (let t = 0; t < instance.inputIds.length; t++) {
        inputWords[2 * (row + t)] = instance.inputIds[t]!;
        typeWords[2 * (row + t)] = instance.tokenTypeIds[t]!;
        maskWords[2 * (row + t)] = 1;
      }
      for (let k = 0; k < instance.maskedPositions.length; k++) {
        const flat = row + instance.maskedPositions[k]!;
        labelWords[2 * flat] = instance.maskedLabels[k]!;
        labelWords[2 * flat + 1] = 0;
      }
      nextSentence[b] = instance.isRandomNext ? 1n : 0n;
    });
    const positions = new BigInt64Array(predicted);
    const positionWords = int32Words(positions);
    let k = 0;
    rows.forEach((instance, b) => {
      for (const position of instance.maskedPositions) positionWords[2 * k++] = b * T + position;
    });
    return {
      input_ids: inputIds,
      token_type_ids: tokenTypeIds,
      attention_mask: attentionMask,
      labels,
      masked_lm_positions: positions,
      next_sentence_label: nextSentence,
      batchSize,
      seqLength: T,
    };
  }

  /**
   * Up to `count` full batches that stay within the current epoch: evaluation on a small held-out
   * split must not wrap around and score the same sequences twice.
   */
  batchesWithinEpoch(count: number, batchSize: number): PretrainingBatch[] {
    const epoch = this.currentEpoch;
    const batches: PretrainingBatch[] = [];
    while (batches.length < count && this.currentEpoch === epoch) {
      const batch = this.nextBatch(batchSize);
      // A batch that ends exactly with the epoch leaves the next one untouched: its first window, none served.
      const endsWithEpoch = this.currentEpoch === epoch + 1 && this.windowStart === 0 && this.served === 0;
      if (this.currentEpoch !== epoch && !endsWithEpoch) break;
      batches.push(batch);
    }
    return batches;
  }

  state(): PretrainingDatasetState {
    return {
      version: 1,
      seed: this.options.seed,
      split: this.options.split,
      epoch: this.currentEpoch,
      windowStart: this.windowStart,
      windowRng: this.windowRng,
      served: this.served,
      settings: this.settings(),
    };
  }

  restore(state: PretrainingDatasetState): void {
    const where = 'PretrainingDataset.restore';
    if (state === null || typeof state !== 'object' || state.version !== 1) throw new Error(`${where}: not a version 1 dataset state`);
    if (state.seed !== this.options.seed) throw new Error(`${where}: the state is for seed ${state.seed}, this dataset has seed ${this.options.seed}`);
    if (state.split !== this.options.split) throw new Error(`${where}: the state is for the ${state.split} split, this dataset reads ${this.options.split}`);
    if (state.settings !== this.settings()) {
      throw new Error(`${where}: the state was saved with other data settings (${state.settings}) than these (${this.settings()})`);
    }
    for (const field of ['epoch', 'windowStart', 'served'] as const) {
      if (!(Number.isInteger(state[field]) && state[field] >= 0)) throw new Error(`${where}: ${field} must be a non-negative integer, got ${JSON.stringify(state[field])}`);
    }
    if (state.windowStart >= this.reader.documentCount) {
      throw new Error(`${where}: windowStart ${state.windowStart} is beyond the split's ${this.reader.documentCount} documents (other shards?)`);
    }
    this.rng = Rng.fromState(state.windowRng);
    this.currentEpoch = state.epoch;
    this.order = this.documentOrder(state.epoch);
    this.windowStart = state.windowStart;
    this.generateWindow();
    if (state.served >= this.instances.length) {
      throw new Error(`${where}: served ${state.served} is not below the window's ${this.instances.length} instances (other shards?)`);
    }
    this.served = state.served;
  }

  private settings(): string {
    const { maxSeqLength, shortSeqProb, maskedLmProb, maxPredictionsPerSeq, nsp, pairTask, wholeWordMask, chineseWords, windowTokens, contrastiveViews } = this.options;
    return JSON.stringify({
      maxSeqLength, shortSeqProb, maskedLmProb, maxPredictionsPerSeq, nsp, ...(pairTask === 'order' ? { pairTask } : {}), wholeWordMask, ...(chineseWords ? { chineseWords } : {}), windowTokens,
      // 'maskings' keeps the form it had as a boolean, so that runs checkpointed then resume.
      ...(contrastiveViews === 'maskings' ? { contrastiveViews: true } : contrastiveViews === 'halves' ? { contrastiveViews } : {}),
      documents: this.reader.documentCount, tokens: this.reader.tokenTotal, vocab: this.shards.manifest.vocab.sha256.slice(0, 16),
    });
  }

  /** Closes the shard files. */
  close(): void {
    this.reader.close();
  }

  private advanceWindow(): void {
    this.windowStart = this.windowEnd;
    if (this.windowStart >= this.order.length) {
      this.currentEpoch++;
      this.order = this.documentOrder(this.currentEpoch);
      this.windowStart = 0;
    }
    this.generateWindow();
  }

  /** The epoch's document order: a permutation drawn from the seed and the epoch alone. */
  private documentOrder(epoch: number): Int32Array {
    const order = new Int32Array(this.reader.documentCount);
    for (let index = 0; index < order.length; index++) order[index] = index;
    return shuffleInPlace(order, new Rng(this.options.seed, Rng.streamOf(`document order, epoch ${epoch}`)));
  }

  /** Builds and shuffles the instances of the window at `windowStart`, from the current RNG state. */
  private generateWindow(): void {
    this.windowRng = this.rng.state();
    let end = this.windowStart;
    let tokens = 0;
    while (end < this.order.length && (end === this.windowStart || tokens < this.options.windowTokens)) {
      tokens += this.reader.documentTokens(this.order[end]!);
      end++;
    }
    this.windowEnd = end;
    const documents = Array.from(this.order.subarray(this.windowStart, end));
    const { maxSeqLength, shortSeqProb, nsp, pairTask, contrastiveViews } = this.options;
    const sentences = (document: number) => this.reader.document(document);
    if (contrastiveViews === 'halves') {
      this.instances = packHalves(documents.map(sentences), maxSeqLength - 2, this.maskingVocab.sepId).map(({ first, second }) => ({
        ...this.mask(this.row({ tokensA: first, tokensB: [] }), this.rng), isRandomNext: false, secondView: this.mask(this.row({ tokensA: second, tokensB: [] }), this.rng),
      }));
    } else {
      let pairs: SegmentPair[];
      if (nsp) {
        pairs = [];
        for (const document of documents) pairs.push(...createSegmentPairs(sentences(document), document, this.reader, maxSeqLength, shortSeqProb, this.rng, pairTask));
      } else {
        pairs = packSentences(documents.map(sentences), maxSeqLength - 2, this.maskingVocab.sepId);
      }
      // Second maskings draw from a stream of their own, so that the texts, their order and their first masks are those of a run without views.
      const secondMasks = contrastiveViews === 'maskings' ? new Rng(this.options.seed, Rng.streamOf(`contrastive views, epoch ${this.currentEpoch}, window at ${this.windowStart}`)) : undefined;
      this.instances = pairs.map((pair) => {
        const row = this.row(pair);
        return { ...this.mask(row, this.rng), isRandomNext: pair.isRandomNext, ...(secondMasks ? { secondView: this.mask(row, secondMasks) } : {}) };
      });
    }
    shuffleInPlace(this.instances, this.rng);
    this.served = 0;
  }

  /** [CLS] A [SEP] B [SEP] (or [CLS] A [SEP]) and its token types. */
  private row(pair: Pick<SegmentPair, 'tokensA' | 'tokensB'>): { tokens: Int32Array; tokenTypeIds: Uint8Array } {
    const { clsId, sepId } = this.maskingVocab;
    const a = pair.tokensA.length;
    const b = pair.tokensB.length;
    const length = b === 0 ? a + 2 : a + b + 3;
    const tokens = new Int32Array(length);
    tokens[0] = clsId;
    tokens.set(pair.tokensA, 1);
    tokens[a + 1] = sepId;
    const tokenTypeIds = new Uint8Array(length);
    if (b > 0) {
      tokens.set(pair.tokensB, a + 2);
      tokens[length - 1] = sepId;
      tokenTypeIds.fill(1, a + 2);
    }
    return { tokens, tokenTypeIds };
  }

  private mask(row: { tokens: Int32Array; tokenTypeIds: Uint8Array }, rng: Rng): MaskedView {
    const masked = maskTokens(row.tokens, this.masking, this.maskingVocab, rng);
    return { inputIds: masked.inputIds, tokenTypeIds: row.tokenTypeIds, maskedPositions: masked.positions, maskedLabels: masked.labels };
  }
}

/** The int32 words of an int64 array, low word first (the platform is little-endian, checked at load). */
function int32Words(values: BigInt64Array): Int32Array {
  return new Int32Array(values.buffer, values.byteOffset, 2 * values.length);
}
if (endianness() !== 'LE') throw new Error('bertkit pretraining data: big-endian platforms are not supported');

function checkOptions(options: Required<PretrainingDataOptions>): void {
  const fail = (field: string, rule: string, value: unknown): never => {
    throw new Error(`pretraining data: ${field} must be ${rule}, got ${JSON.stringify(value)}`);
  };
  const minLength = options.nsp ? 5 : 3;
  if (!(Number.isInteger(options.maxSeqLength) && options.maxSeqLength >= minLength)) fail('maxSeqLength', `an integer ≥ ${minLength}`, options.maxSeqLength);
  for (const field of ['shortSeqProb', 'maskedLmProb'] as const) {
    if (!(options[field] >= 0 && options[field] <= 1)) fail(field, 'a probability in [0, 1]', options[field]);
  }
  if (!(Number.isInteger(options.maxPredictionsPerSeq) && options.maxPredictionsPerSeq >= 1)) fail('maxPredictionsPerSeq', 'a positive integer', options.maxPredictionsPerSeq);
  if (!Number.isSafeInteger(options.seed)) fail('seed', 'a safe integer', options.seed);
  if (options.split !== 'train' && options.split !== 'heldOut') fail('split', "'train' or 'heldOut'", options.split);
  if (!(Number.isInteger(options.windowTokens) && options.windowTokens > 0)) fail('windowTokens', 'a positive integer', options.windowTokens);
  if (typeof options.nsp !== 'boolean') fail('nsp', 'true or false', options.nsp);
  if (options.pairTask !== 'next' && options.pairTask !== 'order') fail('pairTask', "'next' or 'order'", options.pairTask);
  if (options.pairTask === 'order' && !options.nsp) fail('pairTask', "'next' without nsp (sentence order is a task on segment pairs)", options.pairTask);
  if (typeof options.wholeWordMask !== 'boolean') fail('wholeWordMask', 'true or false', options.wholeWordMask);
  if (typeof options.chineseWords !== 'boolean') fail('chineseWords', 'true or false', options.chineseWords);
  if (!['none', 'maskings', 'halves'].includes(options.contrastiveViews)) fail('contrastiveViews', "'none', 'maskings' or 'halves'", options.contrastiveViews);
  if (options.contrastiveViews === 'halves' && options.nsp) fail('contrastiveViews', "other than 'halves' with nsp (halves are single segments)", options.contrastiveViews);
  if (options.chineseWords && !options.wholeWordMask) fail('chineseWords', 'false without wholeWordMask', options.chineseWords);
}
