// Forward-only scoring of task features: the task head's outputs on the weight-fed runner (dropout
// off, the weights of the caller's choosing), run on batches sorted by length and padded to their
// own longest row; outputs come back per feature, in feature order, cut to each feature's own
// length (TaskOutputs). The loss of those outputs is computed here in float64, as the training
// loss defines it (without class weights). A similarity model's output per feature is the cosine of
// its two texts' mean-pooled embeddings.
import type { TaskData, TaskFeatures, TaskOutputs } from '../data/tasks/task.js';
import type { BertHeads } from '../model/architecture.js';
import { planBatches } from '../model/batching.js';
import type { BertConfig } from '../model/config.js';
import type { InferenceOutput } from '../model/inference-graph.js';
import type { QuantizedMatrices } from '../model/quantized-encoder-layer.js';
import { BertRunner, type WeightSource } from '../model/runner.js';
import type { HostTensor } from '../runtime/session.js';
import { type Pooling, dotProduct, poolRows } from '../model/pooling.js';
import { featureBatch } from './finetune-batches.js';

export interface TaskPredictOptions {
  /** Features per ONNX Runtime run (default 32). */
  readonly batchSize?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export class TaskPredictor {
  private constructor(
    private readonly runner: BertRunner,
    private readonly padId: number,
    /** Outputs have a value (or a row of logits) per token: token classification and QA. */
    private readonly perToken: boolean,
    /** A sentence-embedding model pooled this way: outputs are the cosines of the features' two texts. */
    private readonly similarity: Pooling | undefined,
  ) {}

  /**
   * `quantized`: score the q8 model (int8 encoder layers on these weights; see BertRunnerOptions).
   * `similarity`: the model is a sentence-embedding model pooled this way (no head; scored by cosine).
   */
  static async create(config: BertConfig, heads: BertHeads, options: { threads?: number; quantized?: QuantizedMatrices; similarity?: Pooling } = {}): Promise<TaskPredictor> {
    const { similarity } = options;
    const outputs: InferenceOutput[] = similarity !== undefined ? ['last_hidden_state']
      : heads.sequenceClassification || heads.tokenClassification ? ['logits']
      : heads.questionAnswering ? ['start_logits', 'end_logits']
      : [];
    if (outputs.length === 0) throw new Error('TaskPredictor: the model has no task head (classifier or qa_outputs)');
    const runner = await BertRunner.create({ config, heads }, {
      outputs,
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      ...(options.quantized === undefined ? {} : { quantized: options.quantized }),
    });
    return new TaskPredictor(runner, config.pad_token_id, heads.tokenClassification || heads.questionAnswering, similarity);
  }

  /** The head's outputs for every feature, computed with `weights`. */
  async predict(weights: WeightSource, features: readonly TaskFeatures[], options: TaskPredictOptions = {}): Promise<TaskOutputs> {
    const outputNames = this.runner.outputNames;
    // A similarity model's one output per feature is the cosine of its two texts' embeddings.
    const names = this.similarity === undefined ? outputNames : ['logits'];
    const perFeature: Record<string, Float32Array[]> = Object.fromEntries(names.map((name) => [name, new Array<Float32Array>(features.length)]));
    const length = (f: TaskFeatures): number => Math.max(f.inputIds.length, f.pairInputIds?.length ?? 0);
    const batches = planBatches(features.map(length), options.batchSize ?? 32, true);
    let done = 0;
    for (const indices of batches) {
      const batch = featureBatch(features, indices, this.padId);
      const outputs = await this.runner.run(batch, weights);
      if (this.similarity !== undefined) {
        const hidden = outputs.last_hidden_state!;
        const embeddings = poolRows(hidden.data as Float32Array, batch.attentionMask!, hidden.dims, this.similarity, true);
        indices.forEach((index, row) => (perFeature.logits![index] = Float32Array.of(dotProduct(embeddings[row]!, embeddings[indices.length + row]!))));
      } else {
        for (const name of outputNames) splitRows(outputs[name]!, indices, features, this.perToken ? batch.seqLength : 0, perFeature[name]!);
      }
      done += indices.length;
      options.onProgress?.(done, features.length);
    }
    return {
      ...(perFeature.logits ? { logits: perFeature.logits } : {}),
      ...(perFeature.start_logits ? { startLogits: perFeature.start_logits, endLogits: perFeature.end_logits! } : {}),
    };
  }

  async dispose(): Promise<void> {
    await this.runner.dispose();
  }
}

/** Rows of a batch output into per-feature arrays; per-token outputs (seqLength > 0) are cut to the feature's length. */
function splitRows(output: HostTensor, indices: readonly number[], features: readonly TaskFeatures[], seqLength: number, into: Float32Array[]): void {
  const data = output.data as Float32Array;
  const rowSize = data.length / indices.length;
  indices.forEach((index, row) => {
    const width = seqLength > 0 ? (rowSize / seqLength) * features[index]!.inputIds.length : rowSize;
    into[index] = data.slice(row * rowSize, row * rowSize + width);
  });
}

/**
 * The task's loss of `outputs` on the features' labels, averaged as in training: per feature
 * (classification, regression, qa) or per labelled token (ner, srl; a word in the overlap of two
 * windows counts in both, as it is trained in both); similarity: CoSENT over all pairs (see cosent).
 */
export function taskLoss(data: TaskData, outputs: TaskOutputs): number {
  if (data.kind === 'similarity') return cosent(outputs.logits!.map((row) => row[0]!), data.features.map((feature) => feature.label as number));
  let sum = 0, count = 0;
  data.features.forEach((feature, index) => {
    switch (data.kind) {
      case 'classification': {
        const logits = outputs.logits![index]!;
        if (data.multiLabel) {
          const target = feature.label as Float32Array;
          for (let c = 0; c < logits.length; c++) sum += softplus(logits[c]!) - target[c]! * logits[c]!;
          count += logits.length;
        } else {
          sum += negLogSoftmax(logits, 0, logits.length, feature.label as number);
          count++;
        }
        break;
      }
      case 'regression': {
        const error = outputs.logits![index]![0]! - (feature.label as number);
        sum += error * error;
        count++;
        break;
      }
      case 'ner':
      case 'srl': {
        const logits = outputs.logits![index]!, labels = feature.tokenLabels!;
        const classes = logits.length / labels.length;
        labels.forEach((label, t) => {
          if (label < 0) return;
          sum += negLogSoftmax(logits, t * classes, classes, label);
          count++;
        });
        break;
      }
      case 'qa': {
        const start = outputs.startLogits![index]!, end = outputs.endLogits![index]!;
        sum += (negLogSoftmax(start, 0, start.length, feature.startPosition!) + negLogSoftmax(end, 0, end.length, feature.endPosition!)) / 2;
        count++;
        break;
      }
    }
  });
  return count === 0 ? NaN : sum / count;
}

/**
 * CoSENT in float64 over every two pairs of the data (training takes it over the pairs of a batch,
 * so a file's value is larger): log(1 + Σ_{yᵢ < yⱼ} exp(scale·(sᵢ − sⱼ))).
 */
export function cosent(similarities: readonly number[], scores: readonly number[], scale = 20): number {
  let shift = 0;
  for (let i = 0; i < scores.length; i++) {
    for (let j = 0; j < scores.length; j++) if (scores[i]! < scores[j]!) shift = Math.max(shift, scale * (similarities[i]! - similarities[j]!));
  }
  let total = Math.exp(-shift);
  for (let i = 0; i < scores.length; i++) {
    for (let j = 0; j < scores.length; j++) if (scores[i]! < scores[j]!) total += Math.exp(scale * (similarities[i]! - similarities[j]!) - shift);
  }
  return shift + Math.log(total);
}

function negLogSoftmax(values: Float32Array, offset: number, size: number, target: number): number {
  let max = -Infinity;
  for (let c = 0; c < size; c++) max = Math.max(max, values[offset + c]!);
  let total = 0;
  for (let c = 0; c < size; c++) total += Math.exp(values[offset + c]! - max);
  return Math.log(total) + max - values[offset + target]!;
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}
