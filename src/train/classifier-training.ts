// Fine-tuning a sequence classifier (BertForSequenceClassification) on encoded texts: a plain
// epochs × shuffled, length-grouped batches loop over the training worker, with HF's fine-tuning defaults (AdamW,
// linear decay after a 10% warm-up, clipping at 1.0). The start command's multi-seed runs use it.
import { shuffleInPlace } from '../data/masking.js';
import { Graph } from '../graph/graph.js';
import { type BertHeads, headsOf } from '../model/architecture.js';
import { bertForward, bertParameterShapes } from '../model/bert.js';
import type { BertModelState } from '../model/checkpoint.js';
import type { BertConfig } from '../model/config.js';
import { bertLoss } from '../model/losses.js';
import { initializeParameters } from '../runtime/init.js';
import { ParameterStore } from '../runtime/parameters.js';
import { Rng } from '../runtime/rng.js';
import type { HostTensor } from '../runtime/session.js';
import { buildTrainProgram } from '../runtime/train-program.js';
import { TrainWorker } from '../runtime/worker-client.js';

export const SEQUENCE_CLASSIFICATION: BertHeads = headsOf('BertForSequenceClassification');

/**
 * A classifier over `labels` on a pretrained encoder (any model whose parameters include the
 * encoder, with or without the `bert.` prefix; a missing pooler or classifier is initialised from
 * `seed`). The encoder's arrays are copied, so one encoder serves several seeds.
 */
export function classifierFromEncoder(encoder: BertModelState, labels: readonly string[], seed: number): BertModelState {
  const { architectures: _architectures, id2label: _id2label, label2id: _label2id, problem_type: _problemType, ...base } = encoder.config;
  const config: BertConfig = {
    ...base,
    id2label: Object.fromEntries(labels.map((label, id) => [String(id), label])),
    label2id: Object.fromEntries(labels.map((label, id) => [label, id])),
    problem_type: 'single_label_classification',
  };
  const source = (name: string): Float32Array | undefined => {
    const bare = name.replace(/^bert\./, '');
    for (const candidate of [name, bare, `bert.${bare}`]) if (encoder.parameters.has(candidate)) return encoder.parameters.get(candidate);
    return undefined;
  };
  const shapes = bertParameterShapes(config, SEQUENCE_CLASSIFICATION);
  const fresh = [...shapes].filter(([name]) => source(name) === undefined).map(([name, shape]) => ({ name, shape }));
  if (fresh.some(({ name }) => !/^(bert\.pooler|classifier)\./.test(name))) {
    throw new Error(`classifierFromEncoder: the encoder lacks ${fresh.map(({ name }) => name).filter((name) => !/^(bert\.pooler|classifier)\./.test(name)).slice(0, 5).join(', ')}`);
  }
  const initialised = initializeParameters(fresh, { seed, initializerRange: config.initializer_range });
  const parameters = new ParameterStore();
  for (const [name, shape] of shapes) parameters.add(name, shape, source(name)?.slice() ?? initialised.get(name));
  return { config, heads: SEQUENCE_CLASSIFICATION, parameters };
}

export interface EncodedExample {
  /** Token ids with [CLS] and [SEP], unpadded. */
  readonly ids: readonly number[];
  readonly label: number;
}

export interface ClassifierTrainingOptions {
  /** Its parameters' buffers move to the training worker. */
  readonly model: BertModelState;
  readonly examples: readonly EncodedExample[];
  readonly padId: number;
  readonly batchSize: number;
  readonly epochs: number;
  readonly learningRate: number;
  /** Share of the updates spent warming up linearly (default 0.1). */
  readonly warmupRatio?: number;
  /** Seeds the batch order and dropout. */
  readonly seed: number;
  readonly threads?: number;
  readonly onStep?: (step: number, totalSteps: number, loss: number) => void;
}

export interface TrainedClassifier {
  readonly model: BertModelState;
  readonly steps: number;
  readonly losses: readonly number[];
}

export async function trainClassifier(options: ClassifierTrainingOptions): Promise<TrainedClassifier> {
  const { model, examples, batchSize, epochs } = options;
  if (examples.length === 0) throw new Error('trainClassifier: no training examples');
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`trainClassifier: batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`trainClassifier: epochs must be a positive integer, got ${epochs}`);
  const batchesPerEpoch = Math.ceil(examples.length / batchSize);
  const totalSteps = batchesPerEpoch * epochs;
  const graph = new Graph();
  const program = buildTrainProgram(bertLoss(bertForward(graph, model.config, { heads: model.heads, training: true }), model.config).loss);
  const worker = await TrainWorker.create(program, model.parameters, {
    update: {
      optimizer: { kind: 'adamw', beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 },
      schedule: { kind: 'linear', peak: options.learningRate, warmupSteps: Math.round((options.warmupRatio ?? 0.1) * totalSteps), totalSteps },
      maxGradNorm: 1,
    },
    seed: options.seed,
    ...(options.threads === undefined ? {} : { threads: options.threads }),
  });
  try {
    const rng = new Rng(options.seed, Rng.streamOf('classifier-batches'));
    const losses: number[] = [];
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (const batch of lengthGroupedBatches(examples, batchSize, rng)) {
        const result = await worker.step(classifierFeeds(batch.map((i) => examples[i]!), options.padId));
        losses.push(result.loss);
        options.onStep?.(result.step, totalSteps, result.loss);
      }
    }
    const weights = await worker.parameters();
    const parameters = new ParameterStore();
    for (const { name, shape } of program.parameters) parameters.add(name, shape, weights[name]);
    return { model: { config: model.config, heads: model.heads, parameters }, steps: totalSteps, losses };
  } finally {
    await worker.close();
  }
}

/** Examples shuffled, then sorted by length within each run of LENGTH_GROUP batches. */
const LENGTH_GROUP = 50;

/**
 * One epoch's batches (indices into `examples`) in random order, each batch holding examples of similar
 * length, so that little of a batch is padding (HF Trainer's group_by_length does the same): a random
 * permutation is cut into groups of LENGTH_GROUP batches, each group sorted by length and cut into
 * batches, and the batches shuffled. Every example appears exactly once.
 */
export function lengthGroupedBatches(examples: readonly EncodedExample[], batchSize: number, rng: Rng): number[][] {
  const order = shuffleInPlace(Array.from(examples.keys()), rng);
  const batches: number[][] = [];
  const groupSize = batchSize * LENGTH_GROUP;
  for (let start = 0; start < order.length; start += groupSize) {
    const group = order.slice(start, start + groupSize).sort((a, b) => examples[a]!.ids.length - examples[b]!.ids.length);
    for (let at = 0; at < group.length; at += batchSize) batches.push(group.slice(at, at + batchSize));
  }
  return shuffleInPlace(batches, rng);
}

/** input_ids, token_type_ids, attention_mask [B, T] padded to the longest row, labels [B]. */
export function classifierFeeds(batch: readonly EncodedExample[], padId: number): Record<string, HostTensor> {
  const seqLength = Math.max(...batch.map((example) => example.ids.length));
  const size = batch.length * seqLength;
  const inputIds = new BigInt64Array(size).fill(BigInt(padId));
  const attentionMask = new BigInt64Array(size);
  batch.forEach((example, row) => {
    example.ids.forEach((id, t) => {
      inputIds[row * seqLength + t] = BigInt(id);
      attentionMask[row * seqLength + t] = 1n;
    });
  });
  const dims = [batch.length, seqLength];
  return {
    input_ids: { data: inputIds, dims },
    token_type_ids: { data: new BigInt64Array(size), dims },
    attention_mask: { data: attentionMask, dims },
    labels: { data: BigInt64Array.from(batch, (example) => BigInt(example.label)), dims: [batch.length] },
  };
}
