// Batches of task features, padded to their own longest row (dynamic padding), with the labels the
// task's loss reads under HF's argument names: labels (class id, multi-hot row, regression value or
// one id per token, −100 at padding), start_positions and end_positions. A similarity batch holds
// both texts of each pair: the first texts, then the second texts (model/similarity.ts).
import type { TaskData, TaskFeatures } from '../data/tasks/task.js';
import { padRows } from '../model/batching.js';
import { type BertBatch, batchFeeds } from '../model/runner.js';
import { Rng } from '../runtime/rng.js';
import type { HostTensor } from '../runtime/session.js';

export type Feeds = Record<string, HostTensor>;

/**
 * The model inputs of `features[indices]`, padded to their longest row; for similarity features
 * (those with a pairInputIds), 2·indices.length rows: the first texts, then the second texts.
 */
export function featureBatch(features: readonly TaskFeatures[], indices: readonly number[], padId: number): BertBatch {
  const rows = indices.map((index) => ({ ids: features[index]!.inputIds, typeIds: features[index]!.tokenTypeIds }));
  const pairs = indices.map((index) => features[index]!.pairInputIds);
  if (pairs.every((ids) => ids === undefined)) return padRows(rows, padId);
  const second = pairs.map((ids, row) => {
    if (ids === undefined) throw new Error(`similarity feature ${indices[row]} has no second text`);
    return { ids, typeIds: new Int32Array(ids.length) };
  });
  return padRows([...rows, ...second], padId);
}

/** Model inputs plus the labels of the task's loss. */
export function featureTrainingFeeds(data: TaskData, indices: readonly number[], padId: number): Feeds {
  const inputs = featureBatch(data.features, indices, padId);
  const feeds = batchFeeds(inputs), seqLength = inputs.seqLength;
  const batch = indices.length;
  const feature = (row: number): TaskFeatures => data.features[indices[row]!]!;
  const missing = (what: string, row: number): never => {
    throw new Error(`${data.kind} feature ${indices[row]} (example ${feature(row).exampleIndex}) has no ${what}`);
  };
  switch (data.kind) {
    case 'classification':
      if (data.multiLabel) {
        const classes = data.labels.length;
        const labels = new Float32Array(batch * classes);
        for (let row = 0; row < batch; row++) {
          const label = feature(row).label;
          if (!(label instanceof Float32Array) || label.length !== classes) missing(`multi-hot label of ${classes} values`, row);
          labels.set(label as Float32Array, row * classes);
        }
        return { ...feeds, labels: { data: labels, dims: [batch, classes] } };
      } else {
        const labels = new BigInt64Array(batch);
        for (let row = 0; row < batch; row++) {
          const label = feature(row).label;
          if (typeof label !== 'number') missing('class label', row);
          labels[row] = BigInt(label as number);
        }
        return { ...feeds, labels: { data: labels, dims: [batch] } };
      }
    case 'regression':
    case 'similarity': {
      const labels = new Float32Array(batch);
      for (let row = 0; row < batch; row++) {
        const label = feature(row).label;
        if (typeof label !== 'number') missing('regression value', row);
        labels[row] = label as number;
      }
      return { ...feeds, labels: { data: labels, dims: [batch] } };
    }
    case 'ner':
    case 'srl': {
      const labels = new BigInt64Array(batch * seqLength).fill(-100n);
      for (let row = 0; row < batch; row++) {
        const tokenLabels = feature(row).tokenLabels ?? missing('token labels', row);
        for (let t = 0; t < tokenLabels.length; t++) labels[row * seqLength + t] = BigInt(tokenLabels[t]!);
      }
      return { ...feeds, labels: { data: labels, dims: [batch, seqLength] } };
    }
    case 'qa': {
      const starts = new BigInt64Array(batch), ends = new BigInt64Array(batch);
      for (let row = 0; row < batch; row++) {
        const { startPosition, endPosition } = feature(row);
        if (startPosition === undefined || endPosition === undefined) missing('answer positions', row);
        starts[row] = BigInt(startPosition!);
        ends[row] = BigInt(endPosition!);
      }
      return { ...feeds, start_positions: { data: starts, dims: [batch] }, end_positions: { data: ends, dims: [batch] } };
    }
  }
}

/**
 * The feature indices of each batch of one epoch: a seeded shuffle of every feature, cut into
 * batches of `batchSize` (the last one may be smaller). Each (seed, epoch) has its own order.
 */
export function epochBatches(count: number, batchSize: number, seed: number, epoch: number): number[][] {
  const order = Array.from({ length: count }, (_, i) => i);
  const rng = new Rng(seed, Rng.streamOf(`finetune epoch ${epoch}`));
  for (let i = count - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const batches: number[][] = [];
  for (let start = 0; start < count; start += batchSize) batches.push(order.slice(start, start + batchSize));
  return batches;
}

/** Batches sorted by length within each run of LENGTH_GROUP consecutive batches of the shuffled order. */
const LENGTH_GROUP = 50;

/**
 * One epoch's batches with little padding (HF Trainer's group_by_length): the seeded shuffle of
 * epochBatches, cut into groups of LENGTH_GROUP batches, each group sorted by feature length and cut
 * into batches, and the batches shuffled again. Every feature appears exactly once; on short texts
 * of uneven length (WordNet glosses: median 13 tokens, longest 170) it cuts the padded tokens ~3×.
 */
export function lengthGroupedEpochBatches(lengths: readonly number[], batchSize: number, seed: number, epoch: number): number[][] {
  const order = epochBatches(lengths.length, lengths.length, seed, epoch)[0] ?? [];
  const batches: number[][] = [];
  const groupSize = batchSize * LENGTH_GROUP;
  for (let start = 0; start < order.length; start += groupSize) {
    const group = order.slice(start, start + groupSize).sort((a, b) => lengths[a]! - lengths[b]!);
    for (let at = 0; at < group.length; at += batchSize) batches.push(group.slice(at, at + batchSize));
  }
  const rng = new Rng(seed, Rng.streamOf(`finetune length groups ${epoch}`));
  for (let i = batches.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [batches[i], batches[j]] = [batches[j]!, batches[i]!];
  }
  return batches;
}
