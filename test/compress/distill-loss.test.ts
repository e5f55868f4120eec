// The distillation loss terms against a float64 reimplementation computed from the same student and
// teacher outputs (the student's from the weight-fed runner, dropout off), and the teacher's outputs
// against PyTorch's (the fixture's expected outputs).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type DistillationLoss, buildDistillationProgram } from '../../src/compress/distill-loss.js';
import { extractStudent } from '../../src/compress/distill-student.js';
import { DistillationTeacher } from '../../src/compress/distill-teacher.js';
import { prepareDistillation } from '../../src/compress/distill.js';
import type { BertHeads } from '../../src/model/architecture.js';
import type { BertModelState } from '../../src/model/checkpoint.js';
import type { BertConfig } from '../../src/model/config.js';
import { initialParameters } from '../../src/model/initial-parameters.js';
import { BertRunner, batchFeeds } from '../../src/model/runner.js';
import { type HostTensor, Session } from '../../src/runtime/session.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, expectedOutputs, fixtureBatch, fixtureInputs, maxAbsDiff } from '../model/fixture.js';
import { fixtureTeacher } from './distill-data.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-distill-loss-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const skip = skipWithoutShared(FIXTURE, 'sequence-classification', 'model.safetensors');

const OFF: DistillationLoss = { temperature: 2, alphaSoft: 0, alphaHard: 0, alphaCosine: 0, alphaHidden: 0, alphaAttention: 0 };
type Floats = ArrayLike<number>;

/** Dropout off, so the training graph computes what the runner computes. */
function withoutDropout(model: BertModelState): BertModelState {
  return { ...model, config: { ...model.config, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 } };
}

interface Outputs {
  logits: Floats;
  hidden: Floats[];
  attentions: Floats[];
}

async function studentOutputs(model: BertModelState): Promise<Outputs> {
  const runner = await BertRunner.create(model, { outputs: ['logits', 'hidden_states', 'attentions'], threads: 1 });
  const out = await runner.run(fixtureBatch(), model.parameters);
  await runner.dispose();
  const layers = model.config.num_hidden_layers;
  return {
    logits: out.logits!.data as Float32Array,
    hidden: Array.from({ length: layers + 1 }, (_, i) => out[`hidden_states.${i}`]!.data as Float32Array),
    attentions: Array.from({ length: layers }, (_, i) => out[`attentions.${i}`]!.data as Float32Array),
  };
}

/** The program's loss on the fixture batch, with `teacher` feeds. */
async function programLoss(model: BertModelState, loss: DistillationLoss, layerMap: number[], teacherConfig: BertConfig, teacher: Record<string, HostTensor>, labels: HostTensor): Promise<number> {
  return (await programOutputs(model, loss, layerMap, teacherConfig, teacher, labels)).loss;
}

/** The loss and the unweighted terms the program reports beside it (log.jsonl's loss_soft, …). */
async function programOutputs(model: BertModelState, loss: DistillationLoss, layerMap: number[], teacherConfig: BertConfig, teacher: Record<string, HostTensor>, labels: HostTensor): Promise<{ loss: number; terms: Record<string, number> }> {
  const { program } = buildDistillationProgram(model.config, model.heads, { loss, layerMap, teacherConfig });
  assert.deepEqual(program.random, [], 'dropout off: no random inputs');
  const session = await Session.create(program.model, { threads: 1 });
  const feeds: Record<string, HostTensor> = { ...batchFeeds(fixtureBatch()), labels };
  for (const { name } of program.data) if (name.startsWith('teacher.')) feeds[name] = teacher[name] ?? assert.fail(`no teacher output ${name}`);
  for (const { name, shape } of program.parameters) feeds[name] = { data: model.parameters.get(name), dims: [...shape] };
  const metrics = Object.entries(program.metrics ?? {});
  const out = await session.run(feeds, [program.loss, ...metrics.map(([, output]) => output)]);
  await session.dispose();
  const scalar = (name: string): number => (out[name]!.data as Float32Array)[0]!;
  return { loss: scalar(program.loss), terms: Object.fromEntries(metrics.map(([name, output]) => [name, scalar(output)])) };
}

// ---- float64 references ----
const mask = (): number[] => fixtureInputs().attention_mask.flat();

function logSoftmax(values: Floats, offset: number, size: number, scale = 1): number[] {
  const row = Array.from({ length: size }, (_, c) => values[offset + c]! / scale);
  const max = Math.max(...row);
  const logSum = Math.log(row.reduce((sum, v) => sum + Math.exp(v - max), 0)) + max;
  return row.map((v) => v - logSum);
}

/** KL(softmax(t/T) ‖ softmax(s/T)) · T² per row of `classes`, averaged over the rows `use` keeps. */
function klReference(student: Floats, teacher: Floats, classes: number, temperature: number, use: (row: number) => boolean = () => true): number {
  let sum = 0, rows = 0;
  for (let row = 0; row < student.length / classes; row++) {
    if (!use(row)) continue;
    const logS = logSoftmax(student, row * classes, classes, temperature), logT = logSoftmax(teacher, row * classes, classes, temperature);
    sum += logT.reduce((kl, lt, c) => kl + Math.exp(lt) * (lt - logS[c]!), 0);
    rows++;
  }
  return (sum / rows) * temperature * temperature;
}

function crossEntropyReference(logits: Floats, labels: number[], classes: number): number {
  const used = labels.map((label, row) => [label, row] as const).filter(([label]) => label !== -100);
  return used.reduce((sum, [label, row]) => sum - logSoftmax(logits, row * classes, classes)[label]!, 0) / used.length;
}

function cosineReference(student: Floats, teacher: Floats, hidden: number): number {
  let sum = 0, tokens = 0;
  mask().forEach((m, token) => {
    if (m === 0) return;
    let dot = 0, ss = 0, tt = 0;
    for (let h = 0; h < hidden; h++) {
      const s = student[token * hidden + h]!, t = teacher[token * hidden + h]!;
      dot += s * t; ss += s * s; tt += t * t;
    }
    sum += 1 - dot / Math.sqrt(Math.max(ss * tt, 1e-16));
    tokens++;
  });
  return sum / tokens;
}

function hiddenMseReference(student: Floats, teacher: Floats, hidden: number): number {
  let sum = 0, tokens = 0;
  mask().forEach((m, token) => {
    if (m === 0) return;
    let squares = 0;
    for (let h = 0; h < hidden; h++) squares += (student[token * hidden + h]! - teacher[token * hidden + h]!) ** 2;
    sum += squares / hidden;
    tokens++;
  });
  return sum / tokens;
}

function attentionMseReference(student: Floats, teacher: Floats, heads: number): number {
  const masks = fixtureInputs().attention_mask;
  const seq = masks[0]!.length;
  let sum = 0, rows = 0;
  masks.forEach((row, b) => row.forEach((m, q) => {
    if (m === 0) return;
    for (let h = 0; h < heads; h++) {
      const offset = ((b * heads + h) * seq + q) * seq;
      let squares = 0;
      for (let k = 0; k < seq; k++) squares += (student[offset + k]! - teacher[offset + k]!) ** 2;
      sum += squares / seq;
      rows++;
    }
  }));
  return sum / rows;
}

function close(got: number, want: number, what: string): void {
  assert.ok(Math.abs(got - want) <= 2e-5 * Math.max(1, Math.abs(want)), `${what}: program ${got}, float64 reference ${want}`);
}

const int64 = (values: number[], dims: number[]): HostTensor => ({ data: BigInt64Array.from(values, BigInt), dims });
/** Deterministic values in [−2, 2]. */
const values = (count: number, phase: number): Float32Array => Float32Array.from({ length: count }, (_, i) => 2 * Math.sin(i * 1.7 + phase));

/**
 * The fixture's models are random, so their logits are all near 0 (the two softmaxes almost equal)
 * and their attention maps near uniform: the teacher's logits and maps are replaced by spread-out
 * values, so that a wrong soft or attention term shows.
 */
function spreadLogits(teacher: Record<string, HostTensor>): Record<string, HostTensor> {
  const spread = Object.entries(teacher).map(([name, tensor], index) => [name, /logits|attentions/.test(name) ? { data: values(tensor.data.length, index), dims: tensor.dims } : tensor]);
  return Object.fromEntries(spread) as Record<string, HostTensor>;
}

test('the teacher\'s outputs (fused inference graph) are PyTorch\'s: logits, hidden states, attention maps', { skip }, async () => {
  const { teacher } = await prepareDistillation(fixtureTeacher(dir, 'sequence-classification', 'teacher-pt'), { layers: 1 }, { kind: 'classification' }, 0);
  const expected = expectedOutputs();
  const masks = fixtureInputs().attention_mask;
  for (const needs of [{ logits: true, hiddenStates: [0, 2], attentions: [] }, { logits: true, hiddenStates: [1], attentions: [0, 1] }]) {
    const runner = await DistillationTeacher.create(teacher, needs, { threads: 1 });
    const out = await runner.outputs(batchFeeds(fixtureBatch()));
    await runner.dispose();
    assert.ok(maxAbsDiff(out['teacher.logits']!.data as Float32Array, expected.get('sequence_classification_logits')!.data as Float32Array).worst < 1e-4);
    for (const index of needs.hiddenStates) {
      assert.ok(maxAbsDiff(out[`teacher.hidden_states.${index}`]!.data as Float32Array, expected.get(`hidden_states.${index}`)!.data as Float32Array, masks).worst < 1e-4, `hidden_states.${index}`);
    }
    for (const layer of needs.attentions) {
      const got = out[`teacher.attentions.${layer}`]!.data as Float32Array, want = expected.get(`attentions.${layer}`)!.data as Float32Array;
      assert.ok(maxAbsDiff(got, want).worst < 1e-4, `attentions.${layer}`);
    }
    assert.deepEqual(Object.keys(out).sort(), [
      'teacher.logits', ...needs.hiddenStates.map((i) => `teacher.hidden_states.${i}`), ...needs.attentions.map((l) => `teacher.attentions.${l}`),
    ].sort());
  }
});

test('sequence classification: each loss term and their weighted sum equal a float64 reimplementation', { skip }, async () => {
  const setup = await prepareDistillation(fixtureTeacher(dir, 'sequence-classification', 'teacher-seq'), { layers: 1 }, { kind: 'classification' }, 0);
  assert.deepEqual(setup.layerMap, [0]);
  // A second, differently cut student (layer 1 of 2) makes the layer matching non-trivial.
  const layerMap = [1];
  const student = withoutDropout(extractStudent(setup.teacher, layerMap));
  const teacherRunner = await DistillationTeacher.create(setup.teacher, { logits: true, hiddenStates: [0, 1, 2], attentions: [0, 1] }, { threads: 1 });
  const teacher = spreadLogits(await teacherRunner.outputs(batchFeeds(fixtureBatch())));
  await teacherRunner.dispose();
  const t = (name: string): Float32Array => teacher[`teacher.${name}`]!.data as Float32Array;
  const s = await studentOutputs(student);
  const config = student.config, hidden = config.hidden_size;
  const labels = fixtureInputs().seq_labels;
  const T = 2;

  const references: [keyof DistillationLoss, number][] = [
    ['alphaSoft', klReference(s.logits, t('logits'), 3, T)],
    ['alphaHard', crossEntropyReference(s.logits, labels, 3)],
    ['alphaCosine', cosineReference(s.hidden[1]!, t('hidden_states.2'), hidden)],
    // Student hidden state 0 (embeddings) ↔ teacher 0; student layer 1 ↔ teacher layer 2 (layerMap [1], 0-based).
    ['alphaHidden', hiddenMseReference(s.hidden[0]!, t('hidden_states.0'), hidden) + hiddenMseReference(s.hidden[1]!, t('hidden_states.2'), hidden)],
    ['alphaAttention', attentionMseReference(s.attentions[0]!, t('attentions.1'), config.num_attention_heads)],
  ];
  const labelFeed = int64(labels, [labels.length]);
  for (const [term, want] of references) {
    assert.ok(want > 1e-3, `${term}: a reference of ${want} could not tell a wrong term from a right one`);
    close(await programLoss(student, { ...OFF, temperature: T, [term]: 1 }, layerMap, setup.teacher.config, teacher, labelFeed), want, term);
  }
  const weights = { alphaSoft: 5, alphaHard: 2, alphaCosine: 1, alphaHidden: 0.5, alphaAttention: 3 };
  const weighted = references.reduce((sum, [term, value]) => sum + weights[term as keyof typeof weights] * value, 0);
  const all = await programOutputs(student, { temperature: T, ...weights }, layerMap, setup.teacher.config, teacher, labelFeed);
  close(all.loss, weighted, 'weighted sum');
  // Each term is reported unweighted beside the loss.
  const reported = { alphaSoft: 'loss_soft', alphaHard: 'loss_hard', alphaCosine: 'loss_cos', alphaHidden: 'loss_hidden_mse', alphaAttention: 'loss_attention_mse' } as const;
  assert.deepEqual(Object.keys(all.terms).sort(), Object.values(reported).sort());
  for (const [term, want] of references) close(all.terms[reported[term as keyof typeof reported]]!, want, `reported ${term}`);
  // The temperature divides the logits before the softmax.
  close(await programLoss(student, { ...OFF, temperature: 5, alphaSoft: 1 }, layerMap, setup.teacher.config, teacher, labelFeed), klReference(s.logits, t('logits'), 3, 5), 'soft at T = 5');
});

test('token classification: the soft targets count the labelled tokens only', { skip }, async () => {
  const setup = await prepareDistillation(fixtureTeacher(dir, 'token-classification', 'teacher-tok'), { layers: 1 }, { kind: 'ner' }, 0);
  const student = withoutDropout(setup.student);
  const teacherRunner = await DistillationTeacher.create(setup.teacher, { logits: true, hiddenStates: [], attentions: [] }, { threads: 1 });
  const teacher = spreadLogits(await teacherRunner.outputs(batchFeeds(fixtureBatch())));
  await teacherRunner.dispose();
  const s = await studentOutputs(student);
  const tokenLabels = fixtureInputs().token_labels.flat();
  const seq = fixtureInputs().input_ids[0]!.length;
  const labelFeed = int64(tokenLabels, [tokenLabels.length / seq, seq]);
  const soft = klReference(s.logits, teacher['teacher.logits']!.data as Float32Array, 9, 2, (token) => tokenLabels[token] !== -100);
  const everyToken = klReference(s.logits, teacher['teacher.logits']!.data as Float32Array, 9, 2);
  assert.ok(Math.abs(soft - everyToken) > 1e-3, 'the reference tells masking from no masking');
  close(await programLoss(student, { ...OFF, alphaSoft: 1 }, setup.layerMap as number[], setup.teacher.config, teacher, labelFeed), soft, 'token soft');
  close(await programLoss(student, { ...OFF, alphaHard: 1 }, setup.layerMap as number[], setup.teacher.config, teacher, labelFeed), crossEntropyReference(s.logits, tokenLabels, 9), 'token hard');
});

test('regression: squared error to the teacher\'s value; multi-label: the binary KL per label', { skip }, async () => {
  const setup = await prepareDistillation(fixtureTeacher(dir, 'sequence-classification', 'teacher-reg'), { layers: 1 }, { kind: 'classification' }, 0);
  const heads: BertHeads = setup.student.heads;
  const batch = fixtureInputs().seq_labels.length;
  const regression: BertConfig = { ...setup.student.config, id2label: { 0: 'LABEL_0' }, label2id: { LABEL_0: 0 }, problem_type: 'regression', hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 };
  const regressionModel = { config: regression, heads, parameters: initialParameters(regression, heads, 3).parameters };
  const r = await studentOutputs(regressionModel);
  const teacherValues = values(batch, 0.3);
  const mse = Array.from(teacherValues, (v, i) => (r.logits[i]! - v) ** 2).reduce((a, b) => a + b) / batch;
  const regressionLabels: HostTensor = { data: new Float32Array(batch), dims: [batch] };
  close(await programLoss(regressionModel, { ...OFF, alphaSoft: 1 }, [0], setup.teacher.config, { 'teacher.logits': { data: teacherValues, dims: [batch, 1] } }, regressionLabels), mse, 'regression soft');

  const multi: BertConfig = { ...setup.student.config, problem_type: 'multi_label_classification', hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 };
  const multiModel = { config: multi, heads, parameters: initialParameters(multi, heads, 4).parameters };
  const m = await studentOutputs(multiModel);
  const teacherLogits = values(batch * 3, 1.1), T = 2;
  const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
  let kl = 0;
  for (let i = 0; i < batch * 3; i++) {
    const p = sigmoid(teacherLogits[i]! / T), q = sigmoid(m.logits[i]! / T);
    kl += p * Math.log(p / q) + (1 - p) * Math.log((1 - p) / (1 - q));
  }
  const multiLabels: HostTensor = { data: new Float32Array(batch * 3), dims: [batch, 3] };
  close(await programLoss(multiModel, { ...OFF, temperature: T, alphaSoft: 1 }, [0], setup.teacher.config, { 'teacher.logits': { data: teacherLogits, dims: [batch, 3] } }, multiLabels), (kl / (batch * 3)) * T * T, 'multi-label soft');
});
