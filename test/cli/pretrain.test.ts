import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readSafetensors } from '../../src/io/safetensors.js';
import { bertkit, startCli } from '../helpers/cli.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, fixtureInputs, fixturePath } from '../model/fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-pretrain-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const HF_STEP = ['--max-steps', '1', '--learning-rate', '1e-3', '--lr-scheduler', 'constant', '--warmup-steps', '0', '--weight-decay', '0.01',
  '--adam-epsilon', '1e-6', '--max-grad-norm', '1.0', '--dropout', '0'];

test('pretrain --batch on the fixture reproduces PyTorch\'s clipped AdamW step (every parameter within 1e-5)',
  { skip: skipWithoutShared(FIXTURE, 'pretraining_step_params_after.safetensors') }, () => {
    const output = join(dir, 'one-step');
    const run = bertkit('pretrain', '--init', fixturePath(), '--batch', fixturePath('inputs.json'), ...HF_STEP, '--output', output, '--threads', '1');
    assert.equal(run.status, 0, run.stderr);
    const got = readSafetensors(join(output, 'model.safetensors')).tensors;
    const want = readSafetensors(fixturePath('pretraining_step_params_after.safetensors')).tensors;
    assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
    let worst = 0;
    for (const [name, reference] of want) {
      const values = got.get(name)!.data as Float32Array;
      (reference.data as Float32Array).forEach((value, i) => (worst = Math.max(worst, Math.abs(value - values[i]!))));
    }
    assert.ok(worst <= 1e-5, `max |Δ| ${worst}`);
    // The step changed the weights: the comparison is not trivially passed by the initial model.
    const before = readSafetensors(fixturePath('model.safetensors')).tensors.get('bert.encoder.layer.0.attention.self.query.weight')!.data as Float32Array;
    const after = got.get('bert.encoder.layer.0.attention.self.query.weight')!.data as Float32Array;
    assert.ok(before.some((value, i) => Math.abs(value - after[i]!) > 1e-4));
    const log = readFileSync(join(output, 'log.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { kind: string; loss?: number });
    const facts = JSON.parse(readFileSync(fixturePath('pretraining_step.json'), 'utf8')) as { loss: number };
    assert.ok(Math.abs(log[0]!.loss! - facts.loss) <= 1e-5 * facts.loss, `logged loss ${log[0]!.loss} vs PyTorch ${facts.loss}`);
  });

test('pretrain refuses bad input with errors naming the option, file and field', { skip: skipWithoutShared(FIXTURE, 'inputs.json') }, () => {
  const noSource = bertkit('pretrain', '--batch', fixturePath('inputs.json'), '--max-steps', '1', '--output', join(dir, 'bad'));
  assert.notEqual(noSource.status, 0);
  assert.match(noSource.stderr, /exactly one of --preset, --config and --init/);
  const badPreset = bertkit('pretrain', '--preset', 'huge', '--corpus', 'x.txt', '--vocab', fixturePath(), '--max-steps', '1', '--output', join(dir, 'bad'));
  assert.match(badPreset.stderr, /unknown preset 'huge'/);
  const badScheduler = bertkit('pretrain', '--init', fixturePath(), '--batch', fixturePath('inputs.json'), '--max-steps', '1', '--lr-scheduler', 'step', '--output', join(dir, 'bad'));
  assert.match(badScheduler.stderr, /--lr-scheduler/);
  const inputs = fixtureInputs();
  const noLabels = join(dir, 'no-labels.json');
  writeFileSync(noLabels, JSON.stringify({ ...inputs, mlm_labels: inputs.mlm_labels.map((row) => row.map(() => -100)) }));
  const run = bertkit('pretrain', '--init', fixturePath(), '--batch', noLabels, '--max-steps', '1', '--output', join(dir, 'bad'));
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /no-labels\.json: mlm_labels predicts no position/);
  const badLabel = join(dir, 'bad-label.json');
  writeFileSync(badLabel, JSON.stringify({ ...inputs, mlm_labels: inputs.mlm_labels.map((row, b) => row.map((l, t) => (b === 1 && t === 2 ? 40000 : l))) }));
  assert.match(bertkit('pretrain', '--init', fixturePath(), '--batch', badLabel, '--max-steps', '1', '--output', join(dir, 'bad')).stderr, /mlm_labels\[1\]\[2\] must be -100 or a token id/);
  const noCheckpoint = bertkit('pretrain', '--init', fixturePath(), '--batch', fixturePath('inputs.json'), '--max-steps', '1', '--resume', '--output', join(dir, 'empty'));
  assert.match(noCheckpoint.stderr, /--resume: .*holds no checkpoint-STEP directory/);
  const orderOfBatch = bertkit('pretrain', '--init', fixturePath(), '--batch', fixturePath('inputs.json'), '--sentence-order', '--max-steps', '1', '--output', join(dir, 'bad'));
  assert.match(orderOfBatch.stderr, /--sentence-order makes segment pairs from a corpus \(--corpus\); a --batch file brings its own nsp_labels/);
});

const CORPUS = 'data/corpus/gutenberg/carroll-alice.txt';
const VOCAB = 'data/vocab/bert-base-uncased';

test('--lr-scheduler warmup-stable-decay: warm-up, the peak held, the last 20 % of updates cooling down as 1 − √progress',
  { skip: skipWithoutShared(FIXTURE, 'inputs.json') }, () => {
    const output = join(dir, 'wsd');
    const run = bertkit('pretrain', '--init', fixturePath(), '--batch', fixturePath('inputs.json'), '--max-steps', '10', '--learning-rate', '1e-3',
      '--warmup-steps', '2', '--lr-scheduler', 'warmup-stable-decay', '--save-steps', '0', '--threads', '1', '--quiet', '--output', output);
    assert.equal(run.status, 0, run.stderr);
    const rates = readFileSync(join(output, 'log.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { kind: string; learning_rate?: number })
      .filter((entry) => entry.kind === 'train').map((entry) => entry.learning_rate!);
    // Updates 0…9 (HF's convention: the first update at rate 0 during warm-up); the cool-down covers updates 8 and 9.
    const want = [0, 0.5, 1, 1, 1, 1, 1, 1, 1, 1 - Math.sqrt(0.5)].map((f) => f * 1e-3);
    assert.equal(rates.length, want.length);
    want.forEach((rate, i) => assert.ok(Math.abs(rates[i]! - rate) < 1e-9, `update ${i}: ${rates[i]} vs ${rate}`));
  });

test('a corpus run checkpoints, evaluates, logs and draws its curve; resuming a copied checkpoint in a fresh process gives the same losses and model bit for bit',
  { skip: skipWithoutShared(CORPUS) || skipWithoutShared(VOCAB, 'vocab.txt') }, () => {
    const args = (output: string) => ['pretrain', '--corpus', sharedPath(CORPUS), '--vocab', sharedPath(VOCAB), '--preset', 'tiny', '--batch-size', '4',
      '--max-seq-length', '64', '--max-steps', '6', '--save-steps', '3', '--eval-steps', '3', '--eval-batches', '2', '--learning-rate', '1e-3',
      '--warmup-steps', '2', '--gradient-accumulation-steps', '2', '--held-out-fraction', '0.2', '--max-document-sentences', '40', '--threads', '1', '--output', output];
    const full = join(dir, 'full');
    const first = bertkit(...args(full));
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stderr, /corpus format \(auto-detected\): paragraphs \(\S*carroll-alice\.txt\); --corpus-format overrides it/);
    for (const file of ['config.json', 'model.safetensors', 'vocab.txt', 'tokenizer.json', 'log.jsonl', 'training_curve.svg', 'checkpoint-3/optimizer.safetensors', 'checkpoint-3/bertkit_trainer_state.json', 'checkpoint-6/model.safetensors']) {
      assert.ok(existsSync(join(full, file)), `${file} written`);
    }
    const entries = (output: string) => readFileSync(join(output, 'log.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, number | string>);
    const log = entries(full);
    assert.deepEqual(log.map((e) => `${e.kind}@${e.step}`), ['train@1', 'train@2', 'train@3', 'eval@3', 'train@4', 'train@5', 'train@6', 'eval@6']);
    assert.equal(log[0]!.learning_rate, 0, 'warm-up starts at 0, as HF');
    const evaluation = log.find((e) => e.kind === 'eval')!;
    assert.ok((evaluation.mlm_accuracy as number) >= 0 && (evaluation.mlm_accuracy as number) <= 1 && (evaluation.nsp_accuracy as number) >= 0);
    assert.ok(Math.abs(Math.exp(evaluation.mlm_loss as number) - (evaluation.mlm_perplexity as number)) < 1e-6 * (evaluation.mlm_perplexity as number));
    const svg = readFileSync(join(full, 'training_curve.svg'), 'utf8');
    assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.equal((svg.match(/<circle /g) ?? []).length, 2, 'one marker per evaluation');

    // A fresh output directory with only the step-3 checkpoint (and the shards): the state must come from the files,
    // and the settings from the checkpoint's record (none but --output is given again).
    const resumed = join(dir, 'resumed');
    mkdirSync(resumed);
    cpSync(join(full, 'checkpoint-3'), join(resumed, 'checkpoint-3'), { recursive: true });
    cpSync(join(full, 'shards'), join(resumed, 'shards'), { recursive: true });
    const second = bertkit('pretrain', '--output', resumed, '--resume');
    assert.equal(second.status, 0, second.stderr);
    assert.doesNotMatch(second.stderr, /rebuilding/, 'the copied shards are reused');
    const losses = (entries: Record<string, number | string>[]) => entries.filter((e) => e.kind === 'train').map((e) => [e.step, e.loss, e.learning_rate, e.grad_norm]);
    assert.deepEqual(losses(entries(resumed)), losses(log).slice(3));
    assert.deepEqual(readFileSync(join(resumed, 'model.safetensors')), readFileSync(join(full, 'model.safetensors')));
    assert.deepEqual(readFileSync(join(resumed, 'checkpoint-6', 'optimizer.safetensors')), readFileSync(join(full, 'checkpoint-6', 'optimizer.safetensors')));
    const changed = bertkit('pretrain', '--output', resumed, '--batch-size', '8', '--resume', join(resumed, 'checkpoint-3'));
    assert.notEqual(changed.status, 0);
    assert.match(changed.stderr, /checkpoint-3 was trained with batch_size = 4, this run asks for 8 \(--batch-size\)/);

    // Another corpus is refused before the shards built for this one are deleted and rebuilt.
    const otherCorpus = join(dir, 'other-corpus.txt');
    writeFileSync(otherCorpus, 'A different book.\nIt has other sentences.\n\nAnd another document.\n');
    const manifest = readFileSync(join(resumed, 'shards', 'shards.json'));
    const otherRun = bertkit(...args(resumed).map((arg) => (arg === sharedPath(CORPUS) ? otherCorpus : arg)), '--resume');
    assert.notEqual(otherRun.status, 0);
    assert.match(otherRun.stderr, /corpus[\s\S]*carroll-alice\.txt[\s\S]*other-corpus\.txt/);
    assert.doesNotMatch(otherRun.stderr, /rebuilding/);
    assert.deepEqual(readFileSync(join(resumed, 'shards', 'shards.json')), manifest, 'the shards are untouched');
  });

test('without --vocab a WordPiece vocabulary is trained on the corpus; --config and --no-nsp give a BertForMaskedLM of that shape',
  { skip: skipWithoutShared(CORPUS) }, () => {
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ vocab_size: 600, hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 64, max_position_embeddings: 64 }));
    const output = join(dir, 'own-vocab');
    const run = bertkit('pretrain', '--corpus', sharedPath(CORPUS), '--vocab-size', '600', '--config', config, '--no-nsp', '--whole-word-mask', '--batch-size', '2',
      '--max-seq-length', '32', '--max-steps', '2', '--save-steps', '0', '--eval-batches', '0', '--threads', '1', '--output', output);
    assert.equal(run.status, 0, run.stderr);
    const vocab = readFileSync(join(output, 'vocab.txt'), 'utf8').trim().split('\n');
    assert.equal(vocab.length, 600);
    assert.deepEqual(vocab.slice(0, 5), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    assert.deepEqual(readFileSync(join(output, 'tokenizer', 'vocab.txt'), 'utf8'), readFileSync(join(output, 'vocab.txt'), 'utf8'));
    const saved = JSON.parse(readFileSync(join(output, 'config.json'), 'utf8')) as { architectures: string[]; vocab_size: number; num_hidden_layers: number };
    assert.deepEqual([saved.architectures, saved.vocab_size, saved.num_hidden_layers], [['BertForMaskedLM'], 600, 1]);
    const names = [...readSafetensors(join(output, 'model.safetensors')).tensors.keys()];
    assert.ok(!names.some((name) => name.startsWith('cls.seq_relationship') || name.startsWith('bert.pooler')), 'no NSP head or pooler');
    const tooSmall = join(dir, 'small-config.json');
    writeFileSync(tooSmall, JSON.stringify({ vocab_size: 100, hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 64 }));
    const refused = bertkit('pretrain', '--corpus', sharedPath(CORPUS), '--vocab', join(output, 'tokenizer'), '--config', tooSmall, '--max-steps', '1', '--output', join(dir, 'refused'));
    assert.match(refused.stderr, /the tokenizer has 600 tokens, the model's vocab_size is 100/);
  });

test('--sentence-order trains the pair head on swapped segments, records the task in its checkpoints, and refuses --no-nsp', () => {
  // A corpus of its own (no ../shared): documents of numbered sentences, one per line, blank lines between.
  const corpus = join(dir, 'order-corpus.txt');
  const words = ['river', 'stone', 'light', 'garden', 'window', 'music', 'winter', 'letter'];
  writeFileSync(corpus, Array.from({ length: 24 }, (_, d) => Array.from({ length: 6 }, (_, s) =>
    `the ${words[(d + s) % 8]} and the ${words[(3 * d + s) % 8]} were ${words[(d * s) % 8]} again .`).join('\n')).join('\n\n') + '\n');
  const config = join(dir, 'order-config.json');
  writeFileSync(config, JSON.stringify({ vocab_size: 80, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 64 }));
  const args = (output: string, ...extra: string[]) => ['pretrain', '--corpus', corpus, '--vocab-size', '80', '--config', config, '--batch-size', '4',
    '--max-seq-length', '32', '--max-steps', '2', '--save-steps', '1', '--eval-batches', '0', '--held-out-fraction', '0', '--threads', '1', '--output', output, ...extra];
  const output = join(dir, 'sentence-order');
  // Later values win: this run also scores held-out pairs, to check what the log calls the pair head's accuracy.
  const run = bertkit(...args(output, '--sentence-order', '--eval-batches', '1', '--held-out-fraction', '0.25'));
  assert.equal(run.status, 0, run.stderr);
  const evaluations = readFileSync(join(output, 'log.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>).filter((e) => e.kind === 'eval');
  assert.ok(evaluations.length > 0 && evaluations.every((e) => typeof e.sentence_order_accuracy === 'number' && typeof e.sentence_order_loss === 'number' && !('nsp_accuracy' in e)), JSON.stringify(evaluations));
  assert.match(run.stderr, /sentence-order accuracy \d+\.\d\d%/);
  assert.doesNotMatch(run.stderr, /NSP accuracy/);
  assert.match(readFileSync(join(output, 'training_curve.svg'), 'utf8'), /<title>held-out sentence-order accuracy<\/title>/);
  type TrainerState = { identity: Record<string, unknown>; data: unknown };
  const trainerState = (checkpoint: string) => JSON.parse(readFileSync(join(checkpoint, 'bertkit_trainer_state.json'), 'utf8')) as TrainerState;
  const state = trainerState(join(output, 'checkpoint-1'));
  assert.equal(state.identity.sentence_order, true);
  // The data state holds the dataset's settings as a JSON string: look for the escaped form.
  assert.ok(JSON.stringify(state.data).includes(JSON.stringify('"pairTask":"order"').slice(1, -1)), 'the option reaches the data');
  const log = readFileSync(join(output, 'log.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>).filter((e) => e.kind === 'train');
  assert.ok(log.length === 2 && log.every((entry) => Number.isFinite(entry.loss)), JSON.stringify(log));
  const names = [...readSafetensors(join(output, 'model.safetensors')).tensors.keys()];
  assert.ok(names.includes('cls.seq_relationship.weight'), 'the pair head is BERT\'s, so the model loads as BertForPreTraining');
  // Resumed without the flag, the run keeps the task (its recorded options); a next-sentence run is not resumed as one.
  rmSync(join(output, 'checkpoint-2'), { recursive: true });
  const resumed = bertkit('pretrain', '--output', output, '--resume', join(output, 'checkpoint-1'), '--overwrite-output-dir');
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.equal(trainerState(join(output, 'checkpoint-2')).identity.sentence_order, true);
  const nextSentence = join(dir, 'next-sentence');
  assert.equal(bertkit(...args(nextSentence)).status, 0);
  assert.equal(trainerState(join(nextSentence, 'checkpoint-1')).identity.sentence_order, false);
  const switched = bertkit('pretrain', '--output', nextSentence, '--resume', join(nextSentence, 'checkpoint-1'), '--sentence-order', '--overwrite-output-dir');
  assert.match(switched.stderr, /was trained with sentence_order = false, this run asks for true \(--sentence-order\)/);
  assert.match(bertkit(...args(join(dir, 'sentence-order-mlm'), '--sentence-order', '--no-nsp')).stderr, /--sentence-order is a task on segment pairs; drop --no-nsp/);
  assert.match(bertkit(...args(join(dir, 'sentence-order-electra'), '--sentence-order', '--objective', 'electra')).stderr, /--objective electra has no pair task/);
});

for (const views of ['maskings', 'halves'] as const) {
  test(`--contrastive-weight with --contrastive-views ${views} logs both terms, records the term in the checkpoints and resumes exactly; it refuses ELECTRA and odd batches`,
  { skip: skipWithoutShared(CORPUS) || skipWithoutShared(VOCAB, 'vocab.txt') }, () => {
    const args = (output: string, ...extra: string[]) => ['pretrain', '--corpus', sharedPath(CORPUS), '--vocab', sharedPath(VOCAB), '--preset', 'tiny', '--no-nsp',
      '--batch-size', '4', '--max-seq-length', '32', '--max-steps', '4', '--save-steps', '2', '--eval-batches', '1', '--eval-steps', '2', '--held-out-fraction', '0.2',
      '--max-document-sentences', '40', '--learning-rate', '1e-3', '--contrastive-weight', '0.5', '--contrastive-views', views, '--threads', '1', '--output', output, ...extra];
    const output = join(dir, `contrastive-${views}`);
    const run = bertkit(...args(output));
    assert.equal(run.status, 0, run.stderr);
    const entries = () => readFileSync(join(output, 'log.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, number | string>)
      .filter((e) => e.kind === 'train');
    const log = entries();
    for (const entry of log) {
      const [loss, mlm, contrastive] = [entry.loss, entry.mlm_loss, entry.contrastive_loss] as number[];
      assert.ok(contrastive! > 0 && Math.abs(loss! - (mlm! + 0.5 * contrastive!)) < 1e-4 * loss!, `step ${entry.step}: ${loss} = ${mlm} + 0.5 × ${contrastive}`);
    }
    const state = JSON.parse(readFileSync(join(output, 'checkpoint-2', 'bertkit_trainer_state.json'), 'utf8')) as { identity: Record<string, unknown> };
    assert.deepEqual([state.identity.contrastive_weight, state.identity.contrastive_temperature, state.identity.contrastive_views], [0.5, 0.05, views === 'halves' ? views : undefined]);
    rmSync(join(output, 'checkpoint-4'), { recursive: true });
    const resumed = bertkit('pretrain', '--output', output, '--resume', join(output, 'checkpoint-2'), '--overwrite-output-dir');
    assert.equal(resumed.status, 0, resumed.stderr);
    const again = entries();
    const losses = (entries: Record<string, number | string>[]) => entries.map((e) => [e.step, e.loss, e.contrastive_loss]);
    assert.deepEqual(losses(again.slice(-2)), losses(log.slice(2)), 'the resumed steps repeat the first run\'s');
    assert.match(bertkit(...args(join(dir, `contrastive-${views}-electra`), '--objective', 'electra')).stderr, /--contrastive-weight adds to masked LM; --objective electra does not take it/);
    assert.match(bertkit(...args(join(dir, `contrastive-${views}-odd`)).map((arg) => (arg === '4' ? '3' : arg))).stderr, /needs an even batch size \(two views per text\), got 3/);
    if (views === 'halves') {
      const withNsp = args(join(dir, 'contrastive-halves-nsp')).filter((arg) => arg !== '--no-nsp');
      assert.match(bertkit(...withNsp).stderr, /--contrastive-views halves packs single segments; add --no-nsp/);
      const withoutWeight = args(join(dir, 'contrastive-halves-no-weight'));
      withoutWeight.splice(withoutWeight.indexOf('--contrastive-weight'), 2);
      assert.match(bertkit(...withoutWeight).stderr, /--contrastive-views chooses the views of --contrastive-weight; give the weight too/);
    }
  });
}

/** Starts a corpus run of many steps, sends `signal` once two steps are logged, and returns how it ended. */
async function interruptAfterTwoSteps(args: string[], output: string, signal: NodeJS.Signals, testSignal: AbortSignal): Promise<{ status: number | null; stderr: string }> {
  const child = startCli([...args, '--max-steps', '100000'], testSignal);
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const trainLines = () => (existsSync(join(output, 'log.jsonl')) ? readFileSync(join(output, 'log.jsonl'), 'utf8').trim().split('\n').filter((l) => l !== '').length : 0);
  while (trainLines() < 2) {
    if (child.exitCode !== null || child.signalCode !== null) assert.fail(`pretrain exited (${child.exitCode ?? child.signalCode}) before its second step:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill(signal);
  return { status: await exited, stderr };
}

const signalRunArgs = (output: string) => ['pretrain', '--corpus', sharedPath(CORPUS), '--vocab', sharedPath(VOCAB), '--preset', 'tiny', '--batch-size', '4', '--max-seq-length', '64',
  '--lr-scheduler', 'constant', '--save-steps', '100000', '--eval-batches', '0', '--threads', '1', '--output', output];

// The timeout only guards against a hang (the test's signal then kills the child); speed is measured by `npm run bench`.
test('Ctrl-C (SIGINT) stops after the current step with a checkpoint and exit status 130, and --resume continues from it',
  { skip: skipWithoutShared(CORPUS) || skipWithoutShared(VOCAB, 'vocab.txt'), timeout: 600_000 }, async (t) => {
    const output = join(dir, 'sigint');
    const args = signalRunArgs(output);
    const { status, stderr } = await interruptAfterTwoSteps(args, output, 'SIGINT', t.signal);
    assert.equal(status, 130, stderr);
    const stopped = Number(/interrupted at step (\d+)/.exec(stderr)?.[1]);
    assert.ok(stopped >= 2, stderr);
    assert.ok(existsSync(join(output, `checkpoint-${stopped}`, 'bertkit_trainer_state.json')), 'the stop wrote a checkpoint');
    const resumed = bertkit(...args, '--max-steps', String(stopped + 2), '--resume');
    assert.equal(resumed.status, 0, resumed.stderr);
    const steps = readFileSync(join(output, 'log.jsonl'), 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { step: number }).step);
    assert.deepEqual(steps, Array.from({ length: stopped + 2 }, (_, i) => i + 1));
  });

test('SIGTERM (docker stop, systemd, CI) stops like Ctrl-C: a checkpoint, and exit status 143 so that a following command does not run',
  { skip: skipWithoutShared(CORPUS) || skipWithoutShared(VOCAB, 'vocab.txt'), timeout: 600_000 }, async (t) => {
    const output = join(dir, 'sigterm');
    const { status, stderr } = await interruptAfterTwoSteps(signalRunArgs(output), output, 'SIGTERM', t.signal);
    assert.equal(status, 143, stderr);
    const stopped = Number(/interrupted at step (\d+)/.exec(stderr)?.[1]);
    assert.ok(stopped >= 2, stderr);
    assert.ok(existsSync(join(output, `checkpoint-${stopped}`, 'bertkit_trainer_state.json')), 'the stop wrote a checkpoint');
  });
