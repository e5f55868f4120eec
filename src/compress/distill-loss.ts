// The training program of a distilled student: its forward graph (dropout on) and the weighted sum
// of DistilBERT's three terms and, optionally, TinyBERT's two intermediate ones. The teacher's
// outputs come in as data inputs of each batch (teacher.*, see distill-teacher.ts), so no gradient
// reaches them.
//
//   z, z̃: student and teacher logits; T: temperature; m: the mask of the positions compared
//   soft    KL(softmax(z̃/T) ‖ softmax(z/T)) · T², averaged over rows      (DistilBERT's L_ce, α_ce)
//             rows: sentences (classification), labelled tokens (token classification: the
//             tokens the teacher was trained on and the metric reads), masked positions (MLM);
//             multi-label: the binary KL of σ(z̃/T) and σ(z/T) per label · T²;
//             regression: (z − z̃)², no temperature (there is no distribution to soften)
//   hard    the task's own loss on the labels (bertLoss: HF's loss for the class)  (α_hard / α_mlm)
//   cosine  Σ m·(1 − cos(h_L, h̃_N)) / Σ m over real tokens, last hidden states  (α_cos)
//   hidden  Σ_l Σ m·‖h_l − h̃_g(l)‖² / (Σ m · hidden), l = 0 (embeddings) … K     (TinyBERT, α_hidden)
//   attention Σ_l Σ m_q·mean_k (A_l − Ã_g(l))² / (Σ m · heads), l = 1 … K         (TinyBERT, α_att)
// g maps student layer l to the teacher layer it was cut from (distill-student.ts), the embeddings
// to the embeddings. TinyBERT compares the attention scores before the softmax; bertkit's encoder
// exposes the probabilities (what HF calls attentions), compared here, with padded query rows
// left out by m (padded keys get ~0 probability in both models).
import { Graph } from '../graph/graph.js';
import { add, bceWithLogits, cast, div, equal, exp, logSoftmax, maximum, mse, mul, not, reduceMean, reduceSum, sigmoid, sqrt, sub, unsqueeze } from '../graph/ops.js';
import type { Dim, Tensor } from '../graph/tensor.js';
import type { BertHeads } from '../model/architecture.js';
import { bertForward } from '../model/bert.js';
import type { BertConfig } from '../model/config.js';
import { bertLoss, problemTypeOf } from '../model/losses.js';
import { type TrainProgram, buildTrainProgram } from '../runtime/train-program.js';

/** DistilBERT's weights (α_ce 5, α_mlm 2, α_cos 1, T = 2); TinyBERT's terms off. */
export const DISTILL_DEFAULTS = { temperature: 2, alphaSoft: 5, alphaHard: 2, alphaCosine: 1, alphaHidden: 0, alphaAttention: 0 } as const;

export interface DistillationLoss {
  readonly temperature: number;
  readonly alphaSoft: number;
  readonly alphaHard: number;
  readonly alphaCosine: number;
  readonly alphaHidden: number;
  readonly alphaAttention: number;
}

/** The teacher outputs a program reads, fed as teacher.logits, teacher.hidden_states.{j}, teacher.attentions.{j}. */
export interface TeacherNeeds {
  readonly logits: boolean;
  /** Teacher hidden-state indices (0 = embeddings, j = output of layer j). */
  readonly hiddenStates: readonly number[];
  /** Teacher layer indices (0-based) of attention maps. */
  readonly attentions: readonly number[];
}

export const TEACHER_INPUT_PREFIX = 'teacher.';

export interface DistillationProgram {
  readonly program: TrainProgram;
  readonly teacherNeeds: TeacherNeeds;
}

export interface DistillationProgramOptions {
  readonly loss: DistillationLoss;
  /** The teacher layer each student layer was cut from (distill-student.ts), for the TinyBERT terms. */
  readonly layerMap: readonly number[];
  readonly teacherConfig: BertConfig;
  /** MLM logits at masked_lm_positions only (general distillation on a corpus). */
  readonly maskedPositions?: boolean;
}

export function buildDistillationProgram(config: BertConfig, heads: BertHeads, options: DistillationProgramOptions): DistillationProgram {
  const { loss, layerMap, teacherConfig } = options;
  checkWeights(loss);
  if (layerMap.length !== config.num_hidden_layers || layerMap.some((layer) => !Number.isInteger(layer) || layer < 0 || layer >= teacherConfig.num_hidden_layers)) {
    throw new Error(`distillation: the layer map [${layerMap.join(', ')}] must name one of the teacher's ${teacherConfig.num_hidden_layers} layers for each of the student's ${config.num_hidden_layers}`);
  }
  const intermediate = loss.alphaCosine > 0 || loss.alphaHidden > 0 || loss.alphaAttention > 0;
  if (intermediate && config.hidden_size !== teacherConfig.hidden_size) {
    throw new Error(`distillation: the cosine and hidden-state terms compare hidden states, but the student's hidden_size is ${config.hidden_size} and the teacher's ${teacherConfig.hidden_size}; set --alpha-cos 0 --alpha-hidden-mse 0 --alpha-attention-mse 0`);
  }
  if (loss.alphaAttention > 0 && config.num_attention_heads !== teacherConfig.num_attention_heads) {
    throw new Error(`distillation: the attention term compares maps head by head, but the student has ${config.num_attention_heads} heads and the teacher ${teacherConfig.num_attention_heads}; set --alpha-attention-mse 0`);
  }

  const graph = new Graph();
  const forward = bertForward(graph, config, { heads, training: true, maskedPositions: options.maskedPositions ?? false });
  const hard = bertLoss(forward, config); // also declares the label inputs every batch carries
  // One input per teacher output, however many terms read it (the last hidden state: cosine and hidden MSE).
  const teacherInputs = new Map<string, Tensor>();
  const teacherInput = (name: string, shape: readonly Dim[]): Tensor => {
    if (!teacherInputs.has(name)) teacherInputs.set(name, graph.input(`${TEACHER_INPUT_PREFIX}${name}`, 'float32', [...shape]));
    return teacherInputs.get(name)!;
  };
  const tokenMask = cast(forward.inputs.attentionMask, 'float32'); // [batch, seq]
  // Each term unweighted, by the name log.jsonl reports it under (loss_soft, loss_hard, …).
  const terms: Record<string, { value: Tensor; weight: number }> = {};
  const hiddenStates = new Set<number>();
  const attentions = new Set<number>();

  if (loss.alphaHard > 0) terms.loss_hard = { value: hard.loss, weight: loss.alphaHard };
  if (loss.alphaSoft > 0) {
    const student = forward.heads.mlmLogits ?? forward.heads.logits;
    if (student === undefined) throw new Error('distillation: the student has no classifier or MLM head to take soft targets');
    const teacher = teacherInput('logits', student.shape);
    terms.loss_soft = { value: softTargetLoss(student, teacher, config, heads, hard.labels.labels, loss.temperature), weight: loss.alphaSoft };
  }
  if (loss.alphaCosine > 0) {
    const last = teacherConfig.num_hidden_layers;
    hiddenStates.add(last);
    terms.loss_cos = { value: cosineLoss(forward.lastHiddenState, teacherInput(`hidden_states.${last}`, forward.lastHiddenState.shape), tokenMask), weight: loss.alphaCosine };
  }
  if (loss.alphaHidden > 0) {
    const pairs = [0, ...layerMap.map((layer) => layer + 1)].map((teacherIndex, studentIndex) => {
      hiddenStates.add(teacherIndex);
      const student = forward.hiddenStates[studentIndex]!;
      return hiddenMse(student, teacherInput(`hidden_states.${teacherIndex}`, student.shape), tokenMask);
    });
    terms.loss_hidden_mse = { value: pairs.reduce((sum, term) => add(sum, term)), weight: loss.alphaHidden };
  }
  if (loss.alphaAttention > 0) {
    const pairs = layerMap.map((teacherLayer, studentLayer) => {
      attentions.add(teacherLayer);
      const student = forward.attentions[studentLayer]!;
      return attentionMse(student, teacherInput(`attentions.${teacherLayer}`, student.shape), tokenMask, config.num_attention_heads);
    });
    terms.loss_attention_mse = { value: pairs.reduce((sum, term) => add(sum, term)), weight: loss.alphaAttention };
  }
  const weighted = Object.values(terms).map(({ value, weight }) => mul(value, weight));
  if (weighted.length === 0) throw new Error('distillation: every loss weight is 0; nothing to train');
  return {
    program: buildTrainProgram(weighted.reduce((sum, term) => add(sum, term)), Object.fromEntries(Object.entries(terms).map(([name, { value }]) => [name, value]))),
    teacherNeeds: { logits: loss.alphaSoft > 0, hiddenStates: [...hiddenStates].sort((a, b) => a - b), attentions: [...attentions].sort((a, b) => a - b) },
  };
}

function checkWeights(loss: DistillationLoss): void {
  for (const [name, value] of Object.entries(loss)) {
    if (!Number.isFinite(value) || value < 0) throw new Error(`distillation: ${name} must be a finite number ≥ 0, got ${value}`);
  }
  if (!(loss.temperature > 0)) throw new Error(`distillation: temperature must be > 0, got ${loss.temperature}`);
}

/** The soft-target term for the student's head (see the file header); `labels` masks token classification. */
function softTargetLoss(student: Tensor, teacher: Tensor, config: BertConfig, heads: BertHeads, labels: Tensor | undefined, temperature: number): Tensor {
  const squared = temperature * temperature;
  if (heads.sequenceClassification) {
    const problem = problemTypeOf(config);
    if (problem === 'regression') return mse(student, teacher);
    if (problem === 'multi_label_classification') {
      // KL(Bernoulli(p) ‖ Bernoulli(q)) = BCE(z/T, p) − BCE(z̃/T, p), p = σ(z̃/T): the entropy term makes 0 the minimum.
      const target = sigmoid(div(teacher, temperature));
      return mul(sub(bceWithLogits(div(student, temperature), target), bceWithLogits(div(teacher, temperature), target)), squared);
    }
  }
  const logTeacher = logSoftmax(div(teacher, temperature), -1);
  const perRow = reduceSum(mul(exp(logTeacher), sub(logTeacher, logSoftmax(div(student, temperature), -1))), -1); // [rows] or [batch, seq]
  if (!heads.tokenClassification) return mul(reduceMean(perRow), squared);
  if (labels === undefined) throw new Error('distillation: token classification needs its labels input');
  const labelled = cast(not(equal(labels, -100)), 'float32'); // [batch, seq]
  return mul(div(reduceSum(mul(perRow, labelled)), maximum(reduceSum(labelled), 1)), squared);
}

/** Σ m·(1 − cos(s, t)) / Σ m over tokens; cos as torch's cosine_similarity (ε = 1e-8 on the norm product). */
function cosineLoss(student: Tensor, teacher: Tensor, mask: Tensor): Tensor {
  const dot = reduceSum(mul(student, teacher), -1);
  const norms = sqrt(maximum(mul(reduceSum(mul(student, student), -1), reduceSum(mul(teacher, teacher), -1)), 1e-16));
  return div(reduceSum(mul(sub(1, div(dot, norms)), mask)), maximum(reduceSum(mask), 1));
}

/** Squared error per real token, averaged over tokens and the hidden axis. */
function hiddenMse(student: Tensor, teacher: Tensor, mask: Tensor): Tensor {
  const difference = sub(student, teacher);
  const perToken = reduceMean(mul(difference, difference), -1); // [batch, seq]
  return div(reduceSum(mul(perToken, mask)), maximum(reduceSum(mask), 1));
}

/** Attention maps [batch, heads, seq, seq]: squared error averaged over keys, then over heads and real query rows. */
function attentionMse(student: Tensor, teacher: Tensor, mask: Tensor, heads: number): Tensor {
  const difference = sub(student, teacher);
  const perQuery = reduceMean(mul(difference, difference), -1); // [batch, heads, seq]
  const rows = unsqueeze(mask, [1]); // [batch, 1, seq]
  return div(reduceSum(mul(perQuery, rows)), maximum(mul(reduceSum(mask), heads), 1));
}
