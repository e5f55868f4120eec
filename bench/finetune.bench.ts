// Suite 'finetune': throughput of the real fine-tuning trainer (finetune(): dynamically padded batches
// of 32, dropout 0.1, AdamW + clipping in the training worker) on an SST-2 slice at max length 64, for
// the bert-tiny fixture (2/32) and the mini preset (4/256), and of its dev evaluation (forward-only
// graph); against a plain-PyTorch BertForSequenceClassification step on batches of the same mean
// padded length (bench/pytorch_finetune.py), when a python with torch is found.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeOpenblas, type OpenblasInfo, peerEnvironment, pythonWithTorch } from './peer-process.js';
import type { BenchRow } from './types.js';
import { classificationTask } from '../src/data/tasks/classification.js';
import type { TaskData } from '../src/data/tasks/task.js';
import { bertParameterShapes } from '../src/model/bert.js';
import { saveBert } from '../src/model/checkpoint.js';
import { initializeParameters } from '../src/runtime/init.js';
import { BertTokenizer } from '../src/tokenizer/bert-tokenizer.js';
import { finetune } from '../src/train/finetune.js';
import { epochBatches } from '../src/train/finetune-batches.js';
import { TaskPredictor } from '../src/train/finetune-evaluate.js';
import { headsForTask, prepareFinetuneModel, taskLabelsOf } from '../src/train/finetune-model.js';
import { presetConfig } from '../src/train/presets.js';

export const suite = 'finetune';

const SHARED = resolve(process.env.BERTKIT_SHARED ?? resolve(process.cwd(), '..', 'shared'));
const FIXTURE = join(SHARED, 'fixtures', 'bert-tiny-uncased');
const SST2 = join(SHARED, 'data', 'sst2', 'train.tsv');
const MAX_LENGTH = 64, BATCH = 32, TRAIN_EXAMPLES = 1024, DEV_EXAMPLES = 512;
const PYTORCH_SCRIPT = fileURLToPath(new URL('../../bench/pytorch_finetune.py', import.meta.url));

const progress = (message: string): void => void process.stderr.write(`  finetune: ${message}\n`);

export async function run(): Promise<BenchRow[]> {
  if (!existsSync(FIXTURE) || !existsSync(SST2)) {
    return [{ suite, metric: 'fine-tuning throughput', value: NaN, unit: 'examples/s', note: `skipped: needs ${FIXTURE} and ${SST2}` }];
  }
  const tokenizer = BertTokenizer.fromPretrained(FIXTURE);
  const all = await classificationTask.load(SST2, tokenizer, { maxSeqLength: MAX_LENGTH, limit: TRAIN_EXAMPLES + DEV_EXAMPLES });
  const train: TaskData = { ...all, examples: all.examples.slice(0, TRAIN_EXAMPLES), features: all.features.slice(0, TRAIN_EXAMPLES) };
  const dev: TaskData = { ...all, examples: all.examples.slice(TRAIN_EXAMPLES), features: all.features.slice(TRAIN_EXAMPLES).map((f, i) => ({ ...f, exampleIndex: i })) };
  const meanPadded = meanPaddedLength(train);
  const work = mkdtempSync(join(tmpdir(), 'bertkit-finetune-bench-'));
  const rows: BenchRow[] = [];
  try {
    const mini = join(work, 'mini');
    const config = presetConfig('mini', 30522);
    const heads = headsForTask('classification');
    saveBert(mini, { config, heads, parameters: initializeParameters([...bertParameterShapes(config, heads)].map(([name, shape]) => ({ name, shape })), { seed: 1 }) }, { tokenizer });
    for (const { label, dir, layers, hidden, heads: attentionHeads } of [
      { label: 'bert-tiny fixture (2/32)', dir: FIXTURE, layers: 2, hidden: 32, heads: 4 },
      { label: 'mini (4/256)', dir: mini, layers: 4, hidden: 256, heads: 4 },
    ]) {
      const model = await prepareFinetuneModel(dir, taskLabelsOf(train), 0);
      const result = await finetune({ task: classificationTask, train, model, tokenizer, outputDir: join(work, `run-${layers}-${hidden}`), seed: 0, epochs: 1, batchSize: BATCH });
      progress(`${label}: ${result.examplesPerSecond.toFixed(0)} examples/s over ${result.steps} updates`);
      const peer = pytorchSteps(layers, hidden, attentionHeads, Math.round(meanPadded));
      rows.push({
        suite, metric: `${label}: training, SST-2 max length ${MAX_LENGTH} (mean padded ${meanPadded.toFixed(1)}), batch ${BATCH}`, value: result.examplesPerSecond, unit: 'examples/s',
        ...(peer.ok ? { peer: { name: `PyTorch ${peer.result.torch}`, value: peer.result.examples_per_second }, ratio: result.examplesPerSecond / peer.result.examples_per_second } : {}),
        note: peer.ok ? `PyTorch: random batches ${BATCH}×${Math.round(meanPadded)}, ${peer.result.threads} threads, ${describeOpenblas(peer.result.openblas)}` : `PyTorch row skipped: ${peer.reason}`,
      });
      const evaluation = await evalThroughput(dir, train, dev);
      rows.push({ suite, metric: `${label}: dev evaluation (forward only, length-sorted batches of 32)`, value: evaluation, unit: 'examples/s' });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

/** The mean longest-row length of the first epoch's batches: the padded length the trainer feeds. */
function meanPaddedLength(data: TaskData): number {
  const batches = epochBatches(data.features.length, BATCH, 0, 0);
  return batches.reduce((sum, indices) => sum + Math.max(...indices.map((i) => data.features[i]!.inputIds.length)), 0) / batches.length;
}

async function evalThroughput(dir: string, train: TaskData, dev: TaskData): Promise<number> {
  const model = await prepareFinetuneModel(dir, taskLabelsOf(train), 0);
  const predictor = await TaskPredictor.create(model.config, model.heads);
  const weights = Object.fromEntries([...model.parameters.entries()].map(({ name, data }) => [name, data]));
  try {
    await predictor.predict(weights, dev.features.slice(0, 64));
    const started = performance.now();
    await predictor.predict(weights, dev.features);
    return dev.features.length / ((performance.now() - started) / 1000);
  } finally {
    await predictor.dispose();
  }
}

interface PytorchResult {
  examples_per_second: number;
  step_ms: number;
  torch: string;
  threads: number;
  openblas: OpenblasInfo | null;
}

function pytorchSteps(layers: number, hidden: number, heads: number, seq: number): { ok: true; result: PytorchResult } | { ok: false; reason: string } {
  const python = pythonWithTorch();
  if (python === undefined) return { ok: false, reason: 'no python with torch (set BERTKIT_PYTHON)' };
  const args = [PYTORCH_SCRIPT, '--layers', String(layers), '--hidden', String(hidden), '--heads', String(heads), '--batch', String(BATCH), '--seq', String(seq)];
  const run = spawnSync(python, args, { encoding: 'utf8', env: peerEnvironment() });
  if (run.status !== 0) return { ok: false, reason: `${python} ${args.join(' ')} failed: ${run.stderr.trim().split('\n').at(-1)}` };
  return { ok: true, result: JSON.parse(run.stdout.trim().split('\n').at(-1)!) as PytorchResult };
}
