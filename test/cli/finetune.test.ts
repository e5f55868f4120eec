import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readBertConfig } from '../../src/model/config.js';
import { bertkit, interruptAfterSecondUpdate, runCli, trainLosses } from '../helpers/cli.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, fixturePath } from '../model/fixture.js';
import { similarityTsv, writeSyntheticTasks } from '../train/finetune-data.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-finetune-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const skip = skipWithoutShared(FIXTURE, 'model.safetensors');
const paths = writeSyntheticTasks(dir);

const QUICK = ['--model', fixturePath(), '--train', paths.sentimentTrain, '--dev', paths.sentimentDev, '--max-seq-length', '32', '--batch-size', '16', '--learning-rate', '5e-3', '--threads', '1'];

test('finetune classification: prints the best dev metrics and saves an HF BertForSequenceClassification directory', { skip }, () => {
  const output = join(dir, 'classifier');
  const run = bertkit('finetune', '--task', 'classification', ...QUICK, '--epochs', '6', '--output', output);
  assert.equal(run.status, 0, run.stderr);
  const summary = JSON.parse(run.stdout) as { metric: string; best_metrics: Record<string, number>; best_step: number; examples_per_second: number };
  assert.equal(summary.metric, 'accuracy');
  assert.ok(summary.best_metrics.accuracy! >= 0.9, run.stdout);
  assert.ok(summary.examples_per_second > 0);
  assert.match(run.stderr, /epoch 1, step 10: accuracy [\d.]+, loss [\d.]+/);
  const config = readBertConfig(join(output, 'config.json'));
  assert.deepEqual(config.architectures, ['BertForSequenceClassification']);
  assert.deepEqual(config.id2label, { 0: '0', 1: '1' });
  for (const file of ['model.safetensors', 'vocab.txt', 'tokenizer.json', 'tokenizer_config.json', 'log.jsonl', 'training_curve.svg', 'eval_results.json']) {
    assert.ok(existsSync(join(output, file)), file);
  }
  const evalResults = JSON.parse(readFileSync(join(output, 'eval_results.json'), 'utf8')) as Record<string, number>;
  assert.equal(evalResults.step, summary.best_step);
  assert.equal(evalResults.accuracy, summary.best_metrics.accuracy);
});

test('finetune --task similarity with --seeds 2: a sentence-transformers model that evaluate and predict read back', { skip }, () => {
  const train = join(dir, 'pairs-train.tsv'), devPath = join(dir, 'pairs-dev.tsv');
  writeFileSync(train, similarityTsv(120, 7));
  writeFileSync(devPath, similarityTsv(40, 8));
  const output = join(dir, 'similarity');
  const run = bertkit('finetune', '--task', 'similarity', '--model', fixturePath(), '--train', train, '--dev', devPath, '--max-seq-length', '24',
    '--batch-size', '16', '--learning-rate', '2e-3', '--threads', '1', '--epochs', '3', '--seeds', '2', '--output', output);
  assert.equal(run.status, 0, run.stderr);
  const summary = JSON.parse(run.stdout) as { metric: string; mean: number };
  assert.equal(summary.metric, 'pearson');
  const best = join(output, 'best');
  assert.deepEqual(JSON.parse(readFileSync(join(best, 'sentence_bert_config.json'), 'utf8')), { max_seq_length: 24, do_lower_case: false });
  assert.deepEqual(readBertConfig(join(best, 'config.json')).architectures, ['BertModel']);
  const evaluated = bertkit('evaluate', '--model', best, '--data', devPath, '--threads', '1', '--quiet');
  assert.equal(evaluated.status, 0, evaluated.stderr);
  const metrics = JSON.parse(evaluated.stdout) as { task: string; pearson: number; spearman: number };
  assert.equal(metrics.task, 'similarity');
  const evalResults = JSON.parse(readFileSync(join(best, 'eval_results.json'), 'utf8')) as Record<string, number>;
  assert.ok(Math.abs(metrics.pearson - evalResults.pearson!) < 1e-6, `${metrics.pearson} vs ${evalResults.pearson} in training`);
  const predicted = runCli(['predict', '--model', best, '--threads', '1'], { input: '{"text": "football and music", "text_pair": "music and football"}\n{"text": "a film"}\n' });
  assert.notEqual(predicted.status, 0);
  assert.match(predicted.stderr, /input 2: a similarity model needs \{"text": …, "text_pair": …\}/);
});

test('finetune --seeds 2 writes seeds-report.{json,md} and moves the best run to OUTPUT/best', { skip }, () => {
  const output = join(dir, 'seeds');
  const run = bertkit('finetune', '--task', 'classification', ...QUICK, '--epochs', '6', '--seeds', '2', '--seed', '1', '--output', output);
  assert.equal(run.status, 0, run.stderr);
  const summary = JSON.parse(run.stdout) as { metric: string; mean: number; std: number; min: number; max: number; best_seed: number; failed_seeds: number[] };
  const report = JSON.parse(readFileSync(join(output, 'seeds-report.json'), 'utf8')) as { runs: { seed: number; dir: string; metrics: Record<string, number> }[] };
  const accuracies = report.runs.map((r) => r.metrics.accuracy!);
  assert.deepEqual(report.runs.map((r) => r.seed), [1, 2]);
  assert.equal(summary.max, Math.max(...accuracies));
  assert.equal(summary.min, Math.min(...accuracies));
  assert.ok(Math.abs(summary.mean - (accuracies[0]! + accuracies[1]!) / 2) < 1e-12);
  assert.ok(existsSync(join(output, 'best', 'model.safetensors')));
  assert.ok(existsSync(join(output, `seed-${summary.best_seed === 1 ? 2 : 1}`, 'model.safetensors')));
  assert.ok(existsSync(join(output, 'seeds-report.md')));
});

// The timeout only guards against a hang (the test's signal then kills the child).
test('finetune --seeds stopped by Ctrl-C resumes as a whole with --resume and --output, ending with the uninterrupted run\'s report',
  { skip, timeout: 300_000 }, async (t) => {
    const args = (output: string) => ['finetune', '--task', 'classification', ...QUICK, '--epochs', '6', '--seeds', '2', '--seed', '1', '--save-steps', '1000', '--output', output, '--quiet'];
    const straight = bertkit(...args(join(dir, 'seeds-straight')));
    assert.equal(straight.status, 0, straight.stderr);
    const output = join(dir, 'seeds-interrupted');
    const interrupted = await interruptAfterSecondUpdate(args(output), join(output, 'seed-2'), t.signal);
    assert.equal(interrupted.code, 130, interrupted.stderr);
    assert.ok(existsSync(join(output, 'seed-1', 'eval_results.json')) && !existsSync(join(output, 'best')), 'seed 1 finished; no best model yet');

    const checkpoint = readdirSync(join(output, 'seed-2')).find((name) => name.startsWith('checkpoint-'))!;
    const pointed = bertkit('finetune', '--output', output, '--resume', join(output, 'seed-2', checkpoint));
    assert.notEqual(pointed.status, 0);
    assert.match(pointed.stderr, /names one run's checkpoint; a multi-seed run resumes as a whole with --resume and its --output/);
    // A multi-seed run stopped before any seed wrote its records resumes from the flags given again.
    const unrecorded = join(dir, 'seeds-unrecorded');
    mkdirSync(join(unrecorded, 'seed-1'), { recursive: true });
    const bare = bertkit('finetune', '--output', unrecorded, '--resume');
    assert.match(bare.stderr, /finetune: give --task, --model and --train/);
    const resumed = bertkit('finetune', '--output', output, '--resume');
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stderr, /seed 1: finished before \(accuracy [\d.]+\), kept/);
    assert.deepEqual({ ...JSON.parse(resumed.stdout), best: null, report: null }, { ...JSON.parse(straight.stdout), best: null, report: null });
    const runDir = (root: string, seed: number) => join(root, seed === JSON.parse(straight.stdout).best_seed ? 'best' : `seed-${seed}`);
    for (const seed of [1, 2]) assert.deepEqual(trainLosses(runDir(output, seed)), trainLosses(runDir(join(dir, 'seeds-straight'), seed)), `seed ${seed}'s updates`);
  });

test('finetune --reinit-layers and --class-weights auto run; --layer-lr-decay run; bad options fail with clear messages', { skip }, () => {
  const ok = bertkit('finetune', '--task', 'classification', ...QUICK, '--epochs', '1', '--reinit-layers', '1', '--class-weights', 'auto', '--output', join(dir, 'reinit'), '--quiet');
  assert.equal(ok.status, 0, ok.stderr);
  const noDev = bertkit('finetune', '--task', 'classification', '--model', fixturePath(), '--train', paths.sentimentTrain, '--seeds', '2', '--output', join(dir, 'x'));
  assert.notEqual(noDev.status, 0);
  assert.match(noDev.stderr, /--seeds compares runs on dev metrics; give --dev/);
  const metric = bertkit('finetune', '--task', 'classification', ...QUICK, '--epochs', '1', '--metric', 'bleu', '--output', join(dir, 'bleu'));
  assert.notEqual(metric.status, 0);
  assert.match(metric.stderr, /no metric 'bleu' \(it reports accuracy, .*loss\)/);
  const weights = bertkit('finetune', '--task', 'classification', ...QUICK, '--class-weights', '1,2,3', '--output', join(dir, 'w'));
  assert.match(weights.stderr, /--class-weights: 3 weights for 2 labels/);
  const reinit = bertkit('finetune', '--task', 'classification', ...QUICK, '--reinit-layers', '5', '--output', join(dir, 'r'));
  assert.match(reinit.stderr, /--reinit-layers must be an integer in \[0, 2\]/);
  const checkpointed = bertkit('finetune', '--task', 'classification', ...QUICK, '--epochs', '1', '--save-steps', '5', '--output', join(dir, 'ckpt'), '--quiet');
  assert.equal(checkpointed.status, 0, checkpointed.stderr);
  assert.ok(existsSync(join(dir, 'ckpt', 'checkpoint-10', 'optimizer.safetensors')) && !existsSync(join(dir, 'ckpt', 'checkpoint-5')));
  const again = bertkit('finetune', '--task', 'classification', ...QUICK, '--epochs', '1', '--output', join(dir, 'ckpt'));
  assert.match(again.stderr, /holds checkpoints of an earlier run .*continue it with --resume, or choose another output directory/);
  const grouped = bertkit('finetune', '--task', 'classification', ...QUICK, '--epochs', '1', '--group-by-length', '--save-steps', '10', '--output', join(dir, 'grouped'), '--quiet');
  assert.equal(grouped.status, 0, grouped.stderr);
  const trainerState = JSON.parse(readFileSync(join(dir, 'grouped', 'checkpoint-10', 'bertkit_trainer_state.json'), 'utf8')) as { identity: Record<string, unknown> };
  assert.equal(trainerState.identity.group_by_length, true);
  // A resumed run takes the flags not given from the checkpoint; an explicit one that changes the data order is refused.
  const regrouped = bertkit('finetune', '--group-by-length', '--resume', '--output', join(dir, 'ckpt'));
  assert.match(regrouped.stderr, /--resume: .*checkpoint-10 was trained with group_by_length = false, this run asks for true \(--group-by-length\)/);
  const nothing = bertkit('finetune', '--task', 'classification', ...QUICK, '--epochs', '1', '--resume', '--output', join(dir, 'fresh'));
  assert.match(nothing.stderr, /--resume: .*fresh holds no checkpoint-STEP directory/);
  const llrd = bertkit('finetune', '--task', 'classification', ...QUICK, '--epochs', '1', '--layer-lr-decay', '0.9', '--output', join(dir, 'llrd'), '--quiet');
  assert.equal(llrd.status, 0, llrd.stderr);
  const badDecay = bertkit('finetune', '--task', 'classification', ...QUICK, '--layer-lr-decay', '1.5', '--output', join(dir, 'llrd2'));
  assert.notEqual(badDecay.status, 0);
  const task = bertkit('finetune', '--task', 'translation', ...QUICK, '--output', join(dir, 't'));
  assert.match(task.stderr, /--task <kind>' argument 'translation' is invalid/);
  const pooling = bertkit('finetune', '--task', 'classification', ...QUICK, '--pooling', 'cls', '--output', join(dir, 'p'));
  assert.match(pooling.stderr, /--pooling is for --task similarity, not classification/);
  const pairless = bertkit('finetune', '--task', 'similarity', ...QUICK, '--output', join(dir, 'pairless'));
  assert.match(pairless.stderr, /train\.tsv: similarity needs a pair of texts per row; no text pair column/);
});

test('finetune --dropout trains with that dropout and saves it in config.json; --time-budget cuts the epochs to what fits', { skip }, () => {
  const output = join(dir, 'dropout');
  const run = bertkit('finetune', '--task', 'classification', ...QUICK, '--epochs', '1', '--dropout', '0.25', '--output', output, '--quiet');
  assert.equal(run.status, 0, run.stderr);
  const config = readBertConfig(join(output, 'config.json'));
  assert.deepEqual([config.hidden_dropout_prob, config.attention_probs_dropout_prob], [0.25, 0.25]);
  assert.notEqual(readBertConfig(join(fixturePath(), 'config.json')).hidden_dropout_prob, 0.25, 'the fixture has another dropout');
  const plain = bertkit('finetune', '--task', 'classification', ...QUICK, '--epochs', '1', '--output', join(dir, 'no-dropout-flag'), '--quiet');
  assert.equal(plain.status, 0, plain.stderr);
  assert.notDeepEqual(trainLosses(output), trainLosses(join(dir, 'no-dropout-flag')), 'the dropout changed training');
  const bad = bertkit('finetune', '--task', 'classification', ...QUICK, '--dropout', '1', '--output', join(dir, 'bad-dropout'));
  assert.match(bad.stderr, /--dropout/);

  const budgeted = bertkit('finetune', '--task', 'classification', ...QUICK, '--epochs', '5000', '--time-budget', '2s', '--output', join(dir, 'budget'), '--quiet');
  assert.equal(budgeted.status, 0, budgeted.stderr);
  const summary = JSON.parse(budgeted.stdout) as { steps: number; best_step: number };
  const perEpoch = trainLosses(output).length;
  assert.ok(summary.steps >= 13 && summary.steps < 5000 * perEpoch, `${summary.steps} updates of 5,000 epochs × ${perEpoch}: the budget cut the run short`);
  assert.ok(summary.best_step <= summary.steps);
});

// The timeout only guards against a hang (the test's signal then kills the child).
test('finetune --resume with only --output continues an interrupted run with its recorded settings and ends as the uninterrupted one',
  { skip, timeout: 300_000 }, async (t) => {
    const args = (output: string) => ['finetune', '--task', 'classification', ...QUICK, '--epochs', '12', '--patience', '100', '--warmup-ratio', '0.2',
      '--text-column', 'sentence', '--save-steps', '1000', '--output', output, '--quiet'];
    const straight = bertkit(...args(join(dir, 'straight')));
    assert.equal(straight.status, 0, straight.stderr);
    const output = join(dir, 'interrupted');
    const interrupted = await interruptAfterSecondUpdate(args(output), output, t.signal);
    assert.equal(interrupted.code, 130, interrupted.stderr);
    const stopped = trainLosses(output).length;
    assert.ok(stopped >= 2 && stopped < 120 && existsSync(join(output, `checkpoint-${stopped}`)), `interrupted at step ${stopped} with a checkpoint`);

    const conflicting = bertkit('finetune', '--output', output, '--resume', '--epochs', '4');
    assert.notEqual(conflicting.status, 0);
    assert.match(conflicting.stderr, /was trained with epochs = 12, this run asks for 4 \(--epochs\)/);
    const resumed = bertkit('finetune', '--output', output, '--resume');
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.deepEqual(trainLosses(output), trainLosses(join(dir, 'straight')));
    assert.equal(trainLosses(output).length, 120);
    assert.deepEqual(JSON.parse(resumed.stdout).best_metrics, JSON.parse(straight.stdout).best_metrics);
  });
