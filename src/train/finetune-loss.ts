// The training program of a fine-tuning task: the task model's forward graph with dropout on, and its
// loss. Without class weights that is bertLoss (HF's loss for the class); with them, the weighted
// cross-entropy of torch.nn.CrossEntropyLoss(weight=w), for unbalanced label sets:
//   loss = −Σᵢ w[yᵢ]·log p(yᵢ) / Σᵢ w[yᵢ]      over the rows (or tokens) whose label is not −100
// A similarity task trains the encoder's pooled embeddings (mean or [CLS]) with sentence-transformers' CoSENT
// loss (model/similarity.ts).
import type { TaskData } from '../data/tasks/task.js';
import { Graph } from '../graph/graph.js';
import { crossEntropy } from '../graph/ops.js';
import type { BertHeads } from '../model/architecture.js';
import { bertForward } from '../model/bert.js';
import type { BertConfig } from '../model/config.js';
import { bertLoss } from '../model/losses.js';
import type { Pooling } from '../model/pooling.js';
import { similarityLoss } from '../model/similarity.js';
import { type TrainProgram, buildTrainProgram } from '../runtime/train-program.js';

export interface FinetuneProgramOptions {
  /** One weight per label (single-label classification, ner, srl). */
  readonly classWeights?: readonly number[];
  /** A similarity task, its texts pooled this way: the batch is two texts per pair (see model/similarity.ts). */
  readonly similarity?: Pooling;
}

export function buildFinetuneProgram(config: BertConfig, heads: BertHeads, options: FinetuneProgramOptions = {}): TrainProgram {
  const graph = new Graph();
  // A sequence-level task's loss reads [CLS] alone, so the last layer computes that row only.
  const firstTokenOnly = options.similarity === undefined && heads.sequenceClassification && !heads.tokenClassification && !heads.questionAnswering && !heads.maskedLm;
  const forward = bertForward(graph, config, { heads, training: true, firstTokenOnly });
  if (options.similarity !== undefined) {
    if (options.classWeights !== undefined) throw new Error('class weights apply to classification tasks, not similarity');
    return buildTrainProgram(similarityLoss(forward.lastHiddenState, forward.inputs.attentionMask, options.similarity).loss);
  }
  if (options.classWeights === undefined) return buildTrainProgram(bertLoss(forward, config).loss);
  const logits = forward.heads.logits;
  if (logits === undefined || config.problem_type === 'regression' || config.problem_type === 'multi_label_classification') {
    throw new Error('class weights apply to single-label classification and token classification (ner, srl) only');
  }
  const labels = graph.input('labels', 'int64', logits.shape.length === 2 ? ['batch'] : ['batch', 'seq']);
  return buildTrainProgram(crossEntropy(logits, labels, { classWeights: options.classWeights }));
}

/**
 * 'balanced' class weights as scikit-learn computes them: n / (classes · countᶜ) over the training
 * labels (tokens for ner/srl); a class absent from the data gets weight 1.
 */
export function balancedClassWeights(data: TaskData): number[] {
  const counts = new Array<number>(data.labels.length).fill(0);
  for (const feature of data.features) {
    if (data.kind === 'classification' && typeof feature.label === 'number') counts[feature.label]!++;
    for (const label of feature.tokenLabels ?? []) if (label >= 0) counts[label]!++;
  }
  const total = counts.reduce((sum, count) => sum + count, 0);
  return counts.map((count) => (count > 0 ? total / (counts.length * count) : 1));
}

/**
 * Class weights from the command line: 'auto' (balanced) or one number per label, comma-separated,
 * in label order, or `label=weight` pairs (unnamed labels keep weight 1).
 */
export function parseClassWeights(spec: string, data: TaskData): number[] {
  if (data.kind !== 'classification' && data.kind !== 'ner' && data.kind !== 'srl') throw new Error(`--class-weights: a ${data.kind} task has no classes`);
  if (data.multiLabel) throw new Error('--class-weights: not available for multi-label classification');
  if (spec === 'auto' || spec === 'balanced') return balancedClassWeights(data);
  const parts = spec.split(',').map((part) => part.trim());
  const weight = (text: string): number => {
    const value = Number(text);
    if (text === '' || !Number.isFinite(value) || value < 0) throw new Error(`--class-weights: '${text}' is not a non-negative number`);
    return value;
  };
  if (parts.every((part) => part.includes('='))) {
    const weights = new Array<number>(data.labels.length).fill(1);
    for (const part of parts) {
      const at = part.lastIndexOf('=');
      const label = part.slice(0, at), index = data.labels.indexOf(label);
      if (index < 0) throw new Error(`--class-weights: unknown label '${label}' (labels: ${data.labels.join(', ')})`);
      weights[index] = weight(part.slice(at + 1));
    }
    return weights;
  }
  if (parts.length !== data.labels.length) throw new Error(`--class-weights: ${parts.length} weights for ${data.labels.length} labels (${data.labels.join(', ')})`);
  return parts.map(weight);
}
