import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { classificationTask } from '../../src/data/tasks/classification.js';
import { nerTask } from '../../src/data/tasks/ner.js';
import type { TaskData } from '../../src/data/tasks/task.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { readBertConfig } from '../../src/model/config.js';
import { BertTokenizer } from '../../src/tokenizer/bert-tokenizer.js';
import { type FinetuneOptions, finetune } from '../../src/train/finetune.js';
import { TaskPredictor, taskLoss } from '../../src/train/finetune-evaluate.js';
import { prepareFinetuneModel, taskLabelsOf } from '../../src/train/finetune-model.js';
import { evaluateFinetuned, loadFinetuned, predictFinetuned } from '../../src/serve/finetuned-model.js';
import { type CompletedMultiSeedResult, type MultiSeedResult, finetuneSeeds } from '../../src/train/stability/multi-seed.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, fixturePath } from '../model/fixture.js';
import { writeSyntheticTasks } from './finetune-data.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-finetune-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const skip = skipWithoutShared(FIXTURE, 'model.safetensors');

async function sentiment(): Promise<{ tokenizer: BertTokenizer; train: TaskData; dev: TaskData }> {
  const paths = writeSyntheticTasks(dir);
  const tokenizer = BertTokenizer.fromPretrained(fixturePath());
  const train = await classificationTask.load(paths.sentimentTrain, tokenizer, { maxSeqLength: 32 });
  const dev = await classificationTask.load(paths.sentimentDev, tokenizer, { maxSeqLength: 32, labels: train.labels });
  return { tokenizer, train, dev };
}

async function options(name: string, extra: Partial<FinetuneOptions> = {}): Promise<FinetuneOptions> {
  const { tokenizer, train, dev } = await sentiment();
  const seed = extra.seed ?? 0;
  return {
    task: classificationTask, train, dev, tokenizer, model: await prepareFinetuneModel(fixturePath(), taskLabelsOf(train), seed),
    outputDir: join(dir, name), seed, epochs: 6, batchSize: 16, learningRate: 5e-3, threads: 1, ...extra,
  };
}

function completed(result: MultiSeedResult): CompletedMultiSeedResult {
  assert.equal(result.interrupted, false);
  return result as CompletedMultiSeedResult;
}

/** Accuracy of always answering the dev set's own most frequent label. */
function majorityAccuracy(data: TaskData): number {
  const counts = new Map<number, number>();
  for (const feature of data.features) counts.set(feature.label as number, (counts.get(feature.label as number) ?? 0) + 1);
  return Math.max(...counts.values()) / data.features.length;
}

test('a short classification fine-tune lowers the dev loss and beats the majority class', { skip }, async () => {
  const run = await options('learns');
  // The dev loss of the model before training, with its freshly initialised head.
  const predictor = await TaskPredictor.create(run.model.config, run.model.heads, { threads: 1 });
  const initialWeights = Object.fromEntries([...run.model.parameters.entries()].map(({ name, data }) => [name, data.slice()]));
  const initialLoss = taskLoss(run.dev!, await predictor.predict(initialWeights, run.dev!.features));
  await predictor.dispose();

  const result = await finetune(run);
  assert.ok(result.bestMetrics!.loss! < initialLoss * 0.5, `dev loss ${result.bestMetrics!.loss} vs ${initialLoss} before`);
  assert.ok(result.bestMetrics!.accuracy! > majorityAccuracy(run.dev!) + 0.2, `accuracy ${result.bestMetrics!.accuracy} vs majority ${majorityAccuracy(run.dev!)}`);
  assert.ok(result.trainLosses.at(-1)! < result.trainLosses[0]!, 'training loss fell');
  assert.equal(result.evaluations.length, 6, 'one evaluation per epoch');
  assert.ok(result.examplesPerSecond > 0);
  for (const file of ['log.jsonl', 'training_curve.svg', 'eval_results.json', 'finetune_state.json', 'model.safetensors', 'vocab.txt']) {
    assert.ok(existsSync(join(run.outputDir, file)), file);
  }
  const log = readFileSync(join(run.outputDir, 'log.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { kind: string });
  assert.equal(log.filter((entry) => entry.kind === 'train').length, result.steps);
  assert.equal(log.filter((entry) => entry.kind === 'eval').length, 6);
});

test('the saved model is the best dev checkpoint, loads back with the HF layout and scores the same', { skip }, async () => {
  // A constant, too-high learning rate: the dev scores peak mid-run and then degrade (accuracy, or the dev loss at the same accuracy).
  const run = await options('best', { epochs: 6, learningRate: 2e-2, scheduler: 'constant', evalSteps: 5 });
  const result = await finetune(run);
  assert.equal(result.evaluations.length, result.steps / 5, 'an evaluation every 5 updates');
  // Best = highest accuracy, ties to the lower dev loss.
  const best = [...result.evaluations].sort((a, b) => b.metrics.accuracy! - a.metrics.accuracy! || a.metrics.loss! - b.metrics.loss!)[0]!;
  assert.equal(result.bestStep, best.step);
  const last = result.evaluations.at(-1)!;
  const worse = last.metrics.accuracy! < best.metrics.accuracy! || (last.metrics.accuracy === best.metrics.accuracy && last.metrics.loss! > best.metrics.loss!);
  assert.ok(best.step < last.step && worse, 'the last evaluation is worse (lower accuracy, or the same at a higher dev loss), so keeping the best is a real choice');

  const config = readBertConfig(join(run.outputDir, 'config.json'));
  assert.deepEqual(config.architectures, ['BertForSequenceClassification']);
  assert.deepEqual(config.id2label, { 0: '0', 1: '1' });
  assert.deepEqual(config.label2id, { 0: 0, 1: 1 });
  assert.equal(config.problem_type, 'single_label_classification');
  const tensors = readSafetensors(join(run.outputDir, 'model.safetensors'));
  assert.deepEqual(tensors.tensors.get('classifier.weight')!.shape, [2, 32]);
  assert.ok(tensors.tensors.has('bert.pooler.dense.weight') && tensors.tensors.has('bert.encoder.layer.1.output.dense.weight'));

  const loaded = await loadFinetuned(run.outputDir);
  assert.equal(loaded.kind, 'classification');
  const { metrics } = await evaluateFinetuned(loaded, classificationTask, join(dir, 'dev.tsv'), { maxSeqLength: 32 }, { threads: 1 });
  assert.equal(metrics.accuracy, best.metrics.accuracy);
  assert.ok(Math.abs(metrics.loss! - best.metrics.loss!) < 1e-5, `reloaded dev loss ${metrics.loss} vs ${best.metrics.loss} at the best step`);
  const predictions = (await predictFinetuned(loaded, [{ text: 'the film was superb' }, { text: 'the plot was dreadful' }], { threads: 1 })) as { label: string; score: number; scores: { label: string; score: number }[] }[];
  assert.deepEqual(predictions.map((p) => p.label), ['1', '0']);
  for (const p of predictions) assert.ok(Math.abs(p.scores.reduce((sum, s) => sum + s.score, 0) - 1) < 1e-6);
});

test('early stopping ends the run after `patience` evaluations without improvement', { skip }, async () => {
  // Learning rate 0: the weights never change, so no evaluation after the first improves.
  const run = await options('patience', { learningRate: 0, epochs: 10, patience: 2 });
  const result = await finetune(run);
  assert.equal(result.stoppedEarly, true);
  assert.equal(result.evaluations.length, 3);
  assert.deepEqual(result.evaluations.map((e) => e.improved), [true, false, false]);
  assert.equal(result.steps, 3 * Math.ceil(run.train.features.length / 16));
  assert.equal(result.bestStep, result.evaluations[0]!.step);
});

test('a multi-seed run reports mean, std, min and max per metric and keeps the best run in OUTPUT/best', { skip }, async () => {
  const base = await options('seeds');
  const outputDir = join(dir, 'seeds');
  const { report, bestDir } = completed(await finetuneSeeds({
    ...base, epochs: 6, outputDir, seeds: [1, 2],
    model: (seed) => prepareFinetuneModel(fixturePath(), taskLabelsOf(base.train), seed),
  }));
  const accuracies = report.runs.map((run) => run.metrics.accuracy!);
  const mean = (accuracies[0]! + accuracies[1]!) / 2;
  const std = Math.abs(accuracies[0]! - accuracies[1]!) / Math.SQRT2;
  assert.ok(Math.abs(report.metrics.accuracy!.mean - mean) < 1e-12);
  assert.ok(Math.abs(report.metrics.accuracy!.std - std) < 1e-12);
  assert.equal(report.metrics.accuracy!.min, Math.min(...accuracies));
  assert.equal(report.metrics.accuracy!.max, Math.max(...accuracies));
  assert.deepEqual(report.failedSeeds, []);
  // Each run's metrics are its saved model's eval_results.json.
  for (const run of report.runs) {
    const saved = JSON.parse(readFileSync(join(run.dir, 'eval_results.json'), 'utf8')) as Record<string, number>;
    assert.equal(saved.accuracy, run.metrics.accuracy);
  }
  assert.equal(bestDir, join(outputDir, 'best'));
  assert.ok(existsSync(join(bestDir, 'model.safetensors')));
  const bestRun = report.runs.find((run) => run.seed === report.bestSeed)!;
  assert.equal(bestRun.dir, bestDir);
  assert.equal(bestRun.metrics.accuracy, Math.max(...accuracies));
  const other = report.runs.find((run) => run.seed !== report.bestSeed)!;
  assert.ok(existsSync(join(outputDir, `seed-${other.seed}`, 'model.safetensors')));
  const saved = JSON.parse(readFileSync(join(outputDir, 'seeds-report.json'), 'utf8')) as typeof report;
  assert.deepEqual(saved.metrics.accuracy, report.metrics.accuracy);
  assert.match(readFileSync(join(outputDir, 'seeds-report.md'), 'utf8'), /\| accuracy \| [\d.]+ ± [\d.]+ \|/);
});

test('an interrupted multi-seed run resumes as a whole: finished seeds kept, the interrupted one continued, the report as an uninterrupted run\'s', { skip }, async () => {
  const base = await options('seeds-resumed');
  const seeds = [1, 2, 3];
  const model = (seed: number) => prepareFinetuneModel(fixturePath(), taskLabelsOf(base.train), seed);
  const straight = completed(await finetuneSeeds({ ...base, epochs: 3, outputDir: join(dir, 'seeds-straight'), seeds, model }));

  // Stopped at update 5 of seed 2 (with a checkpoint there), then again at once in seed 3, which leaves none.
  const outputDir = join(dir, 'seeds-resumed');
  const stop = (seed: number, step: number) => {
    const controller = new AbortController();
    return { signal: controller.signal, onStep: (entry: { step: number }) => void (current === seed && entry.step === step && controller.abort()) };
  };
  let current = 0;
  const first = await finetuneSeeds({ ...base, epochs: 3, outputDir, seeds, model, saveSteps: 1000, ...stop(2, 5), onRunStart: (seed) => void (current = seed) });
  assert.equal(first.interrupted, true);
  assert.deepEqual(first.interrupted && first.finishedSeeds, [1]);
  assert.ok(!existsSync(join(outputDir, 'best')) && !existsSync(join(outputDir, 'seeds-report.json')), 'no report or best model before every seed has run');
  assert.ok(existsSync(join(outputDir, 'seed-2', 'checkpoint-5')));
  await assert.rejects(finetuneSeeds({ ...base, epochs: 3, outputDir, seeds, model }), /holds runs of an earlier multi-seed run \(.*seed-1, .*seed-2\): continue it with --resume/);
  const firstSteps = new Map<number, number>();
  const halt = stop(3, 1);
  const second = await finetuneSeeds({
    ...base, epochs: 3, outputDir, seeds, model, resume: true, signal: halt.signal, onRunStart: (seed) => void (current = seed),
    onStep: (entry) => { if (!firstSteps.has(current)) firstSteps.set(current, entry.step); halt.onStep(entry); },
  });
  assert.deepEqual(second.interrupted && second.finishedSeeds, [1, 2]);
  assert.deepEqual([...firstSteps], [[2, 6], [3, 1]], 'seed 2 continued after its checkpoint; seed 1 did not run');

  const events: string[] = [];
  const resumed = completed(await finetuneSeeds({
    ...base, epochs: 3, outputDir, seeds, model, resume: true,
    onRunKept: (seed) => events.push(`kept ${seed}`), onRunStart: (seed) => events.push(`run ${seed}`),
  }));
  assert.deepEqual(events, ['kept 1', 'kept 2', 'run 3']);
  const without = (report: CompletedMultiSeedResult['report']) => ({ ...report, runs: report.runs.map(({ dir: _dir, ...run }) => run) });
  assert.deepEqual(without(resumed.report), without(straight.report));
  const losses = (root: string, seed: number) => readFileSync(join(root, seed === straight.report.bestSeed ? 'best' : `seed-${seed}`, 'log.jsonl'), 'utf8')
    .trim().split('\n').map((line) => JSON.parse(line) as { kind: string; loss?: number }).filter((entry) => entry.kind === 'train').map((entry) => entry.loss);
  for (const seed of seeds) assert.deepEqual(losses(outputDir, seed), losses(join(dir, 'seeds-straight'), seed), `seed ${seed}'s updates`);

  // Resuming a finished run only ranks it again: its best goes back among the seeds and returns.
  const again = completed(await finetuneSeeds({ ...base, epochs: 3, outputDir, seeds, model, resume: true, onRunStart: (seed) => assert.fail(`seed ${seed} ran again`) }));
  assert.deepEqual(without(again.report), without(straight.report));
  assert.ok(existsSync(join(outputDir, 'best', 'model.safetensors')));
  await assert.rejects(finetuneSeeds({ ...base, epochs: 3, outputDir, seeds: [4, 5], model, resume: true }), /best: its run \(seed \d\) is not one of this run's seeds \[4, 5\]/);
});

test('a time budget ends the run early at the fitted total, with the schedule ending there and the dev set scored after the last update', { skip }, async () => {
  // 5,000 epochs would take many minutes; 2 s hold the 13 updates timed before the fit and (at a few
  // ms to tens of ms per update) more after it, over which the refitted schedule decays.
  const run = await options('budget', { epochs: 5000, learningRate: 5e-3, timeBudget: 2 });
  const allEpochs = 5000 * Math.ceil(run.train.features.length / 16);
  const totals: number[] = [];
  const result = await finetune({ ...run, onStep: (_entry, total) => totals.push(total) });
  assert.ok(result.steps >= 13 && result.steps < allEpochs, `${result.steps} updates of ${allEpochs}`);
  assert.equal(result.totalSteps, result.steps);
  assert.equal(totals.at(-1), result.steps, 'onStep saw the fitted total');
  assert.equal(result.evaluations.at(-1)!.step, result.steps, 'scored after the last update although it ended mid-epoch');
  assert.ok(result.bestMetrics !== undefined && existsSync(join(run.outputDir, 'model.safetensors')));
  const state = JSON.parse(readFileSync(join(run.outputDir, 'finetune_state.json'), 'utf8')) as { steps: number; total_steps: number };
  assert.deepEqual([state.steps, state.total_steps], [result.steps, result.steps]);
  const rates = readFileSync(join(run.outputDir, 'log.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { kind: string; learning_rate?: number })
    .filter((entry) => entry.kind === 'train').map((entry) => entry.learning_rate!);
  assert.ok(rates.at(-1)! < 0.25 * Math.max(...rates), `the linear decay ends with the run: last ${rates.at(-1)}, peak ${Math.max(...rates)}`);
});

test('a multi-seed run asks its time budget function for each run as it starts', { skip }, async () => {
  const base = await options('seed-budgets');
  const events: string[] = [];
  const { results } = await finetuneSeeds({
    ...base, epochs: 5000, outputDir: join(dir, 'seed-budgets'), seeds: [3, 4],
    model: (seed) => prepareFinetuneModel(fixturePath(), taskLabelsOf(base.train), seed),
    timeBudget: (index) => (events.push(`budget ${index}`), 0.3),
    onRunEnd: (seed) => events.push(`end ${seed}`),
  });
  assert.deepEqual(events, ['budget 0', 'end 3', 'budget 1', 'end 4']);
  const allEpochs = 5000 * Math.ceil(base.train.features.length / 16);
  for (const result of results.values()) assert.ok(result.steps < allEpochs, `${result.steps} updates of ${allEpochs}`);
});

test('a budgeted fine-tune interrupted after its total was fitted resumes to that total and reports it', { skip }, async () => {
  const controller = new AbortController();
  const budgeted = { epochs: 5000, timeBudget: 2, saveSteps: 15 };
  const first = await finetune(await options('budget-resumed', { ...budgeted, signal: controller.signal, onStep: (entry) => { if (entry.step === 15) controller.abort(); } }));
  assert.equal(first.interrupted, true);
  const totals: number[] = [];
  const rest = await finetune(await options('budget-resumed', { ...budgeted, resume: true, onStep: (_entry, total) => totals.push(total) }));
  assert.ok(rest.steps > 15 && rest.steps < 5000);
  assert.equal(rest.totalSteps, rest.steps);
  assert.equal(totals.at(-1), rest.steps);
  const state = JSON.parse(readFileSync(join(dir, 'budget-resumed', 'finetune_state.json'), 'utf8')) as { steps: number; total_steps: number };
  assert.deepEqual([state.steps, state.total_steps], [rest.steps, rest.steps]);
  assert.equal(rest.evaluations.at(-1)!.step, rest.steps);
});

test('a run that learns nothing (learning rate 0) is flagged as failed in the seeds report', { skip }, async () => {
  const base = await options('failed', { learningRate: 0 });
  const { report } = completed(await finetuneSeeds({
    ...base, epochs: 1, outputDir: join(dir, 'failed'), seeds: [5, 6],
    model: (seed) => prepareFinetuneModel(fixturePath(), taskLabelsOf(base.train), seed),
  }));
  assert.deepEqual([...report.failedSeeds].sort(), [5, 6]);
  for (const run of report.runs) assert.match(run.failure!, /single class|no better than chance/);
  assert.equal(report.metricsWithoutFailed, undefined);
  assert.match(readFileSync(join(dir, 'failed', 'seeds-report.md'), 'utf8'), /Failed runs: 5, 6/);
});

test('ner fine-tuning on names: token labels, the f1 metric and grouped entities whose offsets slice the text to the entity',
  { skip }, async () => {
    const paths = writeSyntheticTasks(dir);
    const tokenizer = BertTokenizer.fromPretrained(fixturePath());
    const task = nerTask();
    const train = await task.load(paths.nerTrain, tokenizer, { maxSeqLength: 32 });
    const dev = await task.load(paths.nerDev, tokenizer, { maxSeqLength: 32, labels: train.labels });
    const outputDir = join(dir, 'ner');
    const result = await finetune({
      task, train, dev, tokenizer, model: await prepareFinetuneModel(fixturePath(), taskLabelsOf(train), 0),
      outputDir, seed: 0, epochs: 8, batchSize: 16, learningRate: 5e-3, threads: 1,
    });
    assert.ok(result.bestMetrics!.f1! > 0.9, `entity f1 ${result.bestMetrics!.f1}`);
    const loaded = await loadFinetuned(outputDir);
    assert.equal(loaded.kind, 'ner');
    const text = 'Yesterday Mary Wilson visited the city';
    const [prediction] = (await predictFinetuned(loaded, [{ text }], { threads: 1 })) as { entities: { entity_group: string; word: string; start: number; end: number }[] }[];
    assert.deepEqual(prediction!.entities.map((e) => [e.entity_group, text.slice(e.start, e.end)]), [['PER', 'Mary Wilson']]);
    for (const entity of prediction!.entities) assert.equal(text.slice(entity.start, entity.end).toLowerCase(), entity.word);
  });

test('an interrupted run resumes from its checkpoint and finishes exactly as an uninterrupted one', { skip }, async () => {
  const straight = await finetune(await options('straight', { epochs: 3, saveSteps: 4 }));
  const controller = new AbortController();
  const first = await finetune(await options('resumed', {
    epochs: 3, saveSteps: 4, signal: controller.signal,
    onStep: (entry) => { if (entry.step === 14) controller.abort(); },
  }));
  assert.equal(first.interrupted, true);
  assert.equal(first.steps, 14);
  assert.ok(existsSync(join(dir, 'resumed', 'checkpoint-14')) && !existsSync(join(dir, 'resumed', 'checkpoint-12')), 'only the latest checkpoint is kept');
  await assert.rejects(finetune(await options('resumed', { epochs: 3, saveSteps: 4 })), /holds checkpoints of an earlier run .*continue it with --resume/);
  await assert.rejects(finetune(await options('resumed', { epochs: 4, resume: true })), /was trained with epochs = 3, this run asks for 4 \(--epochs\)/);
  const rest = await finetune(await options('resumed', { epochs: 3, saveSteps: 4, resume: true }));
  assert.equal(rest.steps, straight.steps);
  assert.deepEqual(rest.trainLosses, straight.trainLosses.slice(14));
  assert.deepEqual(rest.evaluations.map((e) => e.metrics), straight.evaluations.map((e) => e.metrics));
  assert.equal(rest.bestStep, straight.bestStep);
  const losses = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { kind: string; loss?: number }).filter((e) => e.kind === 'train').map((e) => e.loss);
  assert.deepEqual(losses(join(dir, 'resumed', 'log.jsonl')), losses(join(dir, 'straight', 'log.jsonl')));
});
