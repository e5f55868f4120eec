// Task-specific distillation (DistilBERT, Sanh et al. 2019; TinyBERT, Jiao et al. 2020): a smaller
// student learns a fine-tuned teacher's task from the teacher's soft targets and hidden states as
// well as from the labels. The student is cut out of the teacher (distill-student.ts) or given as
// a directory; its loss is distill-loss.ts's; it trains as a fine-tuning run whose objective
// withTeacher (distill-objective.ts) changes, so its data order, dev evaluation, best checkpoint,
// early stopping, resume and saved directory are fine-tuning's.
//
// Everything a mismatch would spoil is checked before any data is read: the teacher must be a
// fine-tuned model of the task's class, the student must share its vocabulary (same tokens, same
// ids) and, when it already has the task's head, its label set.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskData, TaskKind } from '../data/tasks/task.js';
import { architectureOf } from '../model/architecture.js';
import { type BertModelState, loadBert } from '../model/checkpoint.js';
import { type BertConfig, readBertConfig, withDropout } from '../model/config.js';
import { problemTypeOf } from '../model/losses.js';
import { BertTokenizer } from '../tokenizer/bert-tokenizer.js';
import { type FinetuneOptions, type FinetuneResult, finetune } from '../train/finetune.js';
import { headsForTask, labelsOfConfig, prepareFinetuneModel } from '../train/finetune-model.js';
import { DISTILL_DEFAULTS, type DistillationLoss, buildDistillationProgram } from './distill-loss.js';
import { withTeacher } from './distill-objective.js';
import { evenlySpacedLayers, extractStudent } from './distill-student.js';

/** The student: K of the teacher's layers (evenly spaced), or a model directory (e.g. a general-distilled student). */
export type StudentSource = { readonly layers: number } | { readonly dir: string };

export interface DistillationSetup {
  readonly teacher: BertModelState;
  readonly student: BertModelState;
  /** The teacher layer (0-based) each student layer learns from in the TinyBERT terms. */
  readonly layerMap: readonly number[];
  /** The teacher's tokenizer: the data is encoded with it, and it is saved with the student. */
  readonly tokenizer: BertTokenizer;
  /** The teacher's label names in id order (the data must use these; [] for regression). */
  readonly labels: readonly string[];
  /** Student parameters initialised fresh rather than taken from a checkpoint (a student directory's new head). */
  readonly initialised: readonly string[];
}

export interface DistillTask {
  readonly kind: TaskKind;
  readonly multiLabel?: boolean;
}

/** Loads the teacher, makes or loads the student, and checks that they can be distilled into one another. */
export async function prepareDistillation(teacherDir: string, student: StudentSource, task: DistillTask, seed: number): Promise<DistillationSetup> {
  if (task.kind === 'qa' || task.kind === 'similarity') throw new Error(`distill: ${task.kind === 'qa' ? 'question answering' : 'a similarity model'} is not distilled yet; the tasks are classification, regression, ner and srl`);
  const teacherConfig = readBertConfig(join(teacherDir, 'config.json'));
  const heads = headsForTask(task.kind, teacherConfig.model_type);
  const expected = architectureOf(heads, teacherConfig.model_type);
  const found = teacherConfig.architectures?.[0];
  if (found !== expected) {
    throw new Error(`--teacher ${teacherDir}: a ${task.kind} teacher must be a fine-tuned ${expected}, the directory holds ${found ?? 'a model without architectures'} (fine-tune one with bertkit finetune --task ${task.kind})`);
  }
  checkProblemType(teacherDir, teacherConfig, task);
  const tokenizer = BertTokenizer.fromPretrained(teacherDir);
  const labels = labelsOfConfig(teacherConfig, task.kind);
  const teacher = await loadBert(teacherDir, { heads, warn: () => {} });
  if (teacher.report.missing.length > 0) throw new Error(`--teacher ${teacherDir}: the checkpoint lacks ${teacher.report.missing.slice(0, 5).join(', ')}; a teacher must be a whole fine-tuned model`);

  if ('layers' in student) {
    const layerMap = evenlySpacedLayers(teacherConfig.num_hidden_layers, student.layers);
    return { teacher, student: extractStudent(teacher, layerMap), layerMap, tokenizer, labels, initialised: [] };
  }
  const studentConfig = readBertConfig(join(student.dir, 'config.json'));
  checkSameVocabulary(teacherDir, tokenizer, teacherConfig, student.dir, studentConfig);
  checkSameLabels(teacherDir, labels, student.dir, studentConfig, task.kind, expected);
  if (studentConfig.num_hidden_layers > teacherConfig.num_hidden_layers) {
    throw new Error(`--student ${student.dir} has ${studentConfig.num_hidden_layers} layers, more than the teacher's ${teacherConfig.num_hidden_layers}`);
  }
  const prepared = await prepareFinetuneModel(student.dir, { kind: task.kind, labels: [...labels], ...(task.multiLabel ? { multiLabel: true } : {}) }, seed);
  const layerMap = evenlySpacedLayers(teacherConfig.num_hidden_layers, studentConfig.num_hidden_layers);
  return { teacher, student: prepared, layerMap, tokenizer, labels, initialised: prepared.initialised };
}

export interface DistillOptions extends Omit<FinetuneOptions, 'model' | 'tokenizer' | 'transformObjective' | 'classWeights' | 'reinitLayers' | 'layerLrDecay'> {
  readonly setup: DistillationSetup;
  /** The loss terms' weights and the temperature (default DISTILL_DEFAULTS: DistilBERT's). */
  readonly loss?: Partial<DistillationLoss>;
}

/** Trains the setup's student on the task data (encoded with setup.tokenizer and setup.labels) and saves the best one by the dev metric. */
export async function distill(options: DistillOptions): Promise<FinetuneResult> {
  const { setup, loss: lossOptions, ...finetuneOptions } = options;
  const loss: DistillationLoss = { ...DISTILL_DEFAULTS, ...lossOptions };
  for (const data of [options.train, ...(options.dev ? [options.dev] : [])]) checkDataLabels(data, setup.labels);
  // The student trains with the run's dropout (finetune applies it to the config it saves).
  const student = { ...setup.student, config: withDropout(setup.student.config, options.dropout) };
  const { program, teacherNeeds } = buildDistillationProgram(student.config, student.heads, {
    loss, layerMap: setup.layerMap, teacherConfig: setup.teacher.config,
  });
  const identity = distillationIdentity(loss, setup.layerMap);
  return finetune({
    ...finetuneOptions,
    model: student,
    tokenizer: setup.tokenizer,
    transformObjective: (base) => withTeacher(base, program, { model: setup.teacher, needs: teacherNeeds }, identity),
  });
}

/** The distillation settings a resumed run must keep, under their flag names (--alpha-ce …). */
export function distillationIdentity(loss: DistillationLoss, layerMap: readonly number[]): Record<string, number> {
  return {
    temperature: loss.temperature, alpha_ce: loss.alphaSoft, alpha_hard: loss.alphaHard, alpha_cos: loss.alphaCosine,
    alpha_hidden_mse: loss.alphaHidden, alpha_attention_mse: loss.alphaAttention, student_layers: layerMap.length,
  };
}

function checkProblemType(dir: string, config: BertConfig, task: DistillTask): void {
  if (task.kind !== 'classification' && task.kind !== 'regression') return;
  const problem = problemTypeOf(config);
  const wanted = task.kind === 'regression' ? 'regression' : task.multiLabel ? 'multi_label_classification' : 'single_label_classification';
  if (problem !== wanted) {
    throw new Error(`--teacher ${dir}: its problem_type is ${problem}, the task asks for ${wanted}${wanted === 'multi_label_classification' ? '' : problem === 'multi_label_classification' ? ' (add --multi-label)' : ''}`);
  }
}

/** The student must read token ids as the teacher does: same vocab_size and, when it has a vocabulary file, the same tokens in the same order. */
export function checkSameVocabulary(teacherDir: string, teacherTokenizer: BertTokenizer, teacherConfig: BertConfig, studentDir: string, studentConfig: BertConfig): void {
  const mismatch = (detail: string): never => {
    throw new Error(`vocabulary mismatch: --teacher ${teacherDir} and --student ${studentDir} ${detail}; a student must share its teacher's vocabulary (distill into a model made from the teacher, e.g. --student-layers)`);
  };
  if (studentConfig.vocab_size !== teacherConfig.vocab_size) mismatch(`have vocab_size ${teacherConfig.vocab_size} and ${studentConfig.vocab_size}`);
  if (!['vocab.txt', 'tokenizer.json'].some((file) => existsSync(join(studentDir, file)))) return;
  const teacherTokens = teacherTokenizer.vocab.tokens, studentTokens = BertTokenizer.fromPretrained(studentDir).vocab.tokens;
  if (teacherTokens.length !== studentTokens.length) mismatch(`have ${teacherTokens.length} and ${studentTokens.length} tokens`);
  const differs = teacherTokens.findIndex((token, id) => studentTokens[id] !== token);
  if (differs >= 0) mismatch(`differ at id ${differs}: ${JSON.stringify(teacherTokens[differs])} and ${JSON.stringify(studentTokens[differs])}`);
}

/** A student that already has the task's head must have the teacher's labels in the teacher's order. */
function checkSameLabels(teacherDir: string, labels: readonly string[], studentDir: string, studentConfig: BertConfig, kind: TaskKind, architecture: string): void {
  if (studentConfig.architectures?.[0] !== architecture || kind === 'regression') return;
  const studentLabels = labelsOfConfig(studentConfig, kind);
  if (JSON.stringify(studentLabels) !== JSON.stringify(labels)) {
    throw new Error(`label-set mismatch: --teacher ${teacherDir} has the labels [${labels.join(', ')}], --student ${studentDir} [${studentLabels.join(', ')}]; the student's classifier must predict the teacher's labels in the same order`);
  }
}

/** Task data encoded with other labels than the teacher's would pair the student's logits with the wrong classes. */
function checkDataLabels(data: TaskData, labels: readonly string[]): void {
  if (JSON.stringify(data.labels) !== JSON.stringify(labels)) {
    throw new Error(`label-set mismatch: the data's labels [${data.labels.join(', ')}] are not the teacher's [${labels.join(', ')}] (encode the data with the teacher's labels: DistillationSetup.labels)`);
  }
}
