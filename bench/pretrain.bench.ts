// Suite 'pretrain': pretraining throughput of the real trainer path (the pretraining program with
// MLM logits at masked positions only, dropout 0.1, AdamW + clipping, run by TrainWorker) for the
// mini and base presets at seq 128, against a plain-PyTorch step of the same model and batch
// (bench/pytorch_pretrain.py), and as model GFLOPS against ORT's bare MatMul in the same run.
// Peak memory is the process's maximum RSS after each preset (bertkit) and the script's own (PyTorch).
import type { PretrainingBatch } from '../src/data/pretraining-dataset.js';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describeOpenblas, type OpenblasInfo, peerEnvironment, pythonWithTorch } from './peer-process.js';
import type { BenchRow } from './types.js';
import { layerMatMulGflops, median } from './measure.js';
import { bertParameterShapes } from '../src/model/bert.js';
import type { BertConfig } from '../src/model/config.js';
import { initializeParameters } from '../src/runtime/init.js';
import { Rng } from '../src/runtime/rng.js';
import { TrainWorker } from '../src/train/engine/worker-client.js';
import { buildPretrainingProgram, pretrainingHeads } from '../src/train/pretrain.js';
import { trainingFeeds } from '../src/train/pretraining-feeds.js';
import { type PresetName, PRESETS, presetConfig } from '../src/train/presets.js';

export const suite = 'pretrain';

const SEQ = 128, VOCAB = 30522, MAX_PREDICTIONS = 20;
const RUNS: readonly { preset: PresetName; batch: number; steps: number }[] = [
  { preset: 'mini', batch: 32, steps: 4 },
  { preset: 'base', batch: 8, steps: 3 },
];
const PYTORCH_SCRIPT = fileURLToPath(new URL('../../bench/pytorch_pretrain.py', import.meta.url));

const progress = (message: string): void => void process.stderr.write(`  pretrain: ${message}\n`);

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const { preset, batch, steps } of RUNS) {
    const config = presetConfig(preset, VOCAB);
    const { layers, hidden } = PRESETS[preset];
    const label = `${preset} (${layers}/${hidden}), batch ${batch}×${SEQ}`;
    // The reference times the MatMuls this model runs: its weight shapes, M = its batch's tokens, prepacked weights.
    const matmulGflops = await layerMatMulGflops(batch * SEQ, hidden, config.intermediate_size, progress);
    rows.push({ suite, metric: `${label}: ORT MatMul of a layer's weights, M = ${batch * SEQ}, prepacked (warm, median of 7)`, value: matmulGflops, unit: 'GFLOPS' });
    const ours = await bertkitSteps(config, batch, steps);
    const tokensPerSecond = (batch * SEQ) / (ours.stepMs / 1000);
    const peer = pytorchSteps(layers, hidden, batch, steps);
    rows.push({
      suite, metric: `${label}: pretraining throughput (median of ${steps} steps)`, value: tokensPerSecond, unit: 'tokens/s',
      ...(peer.ok ? { peer: { name: `PyTorch ${peer.result.torch}`, value: peer.result.tokens_per_second }, ratio: tokensPerSecond / peer.result.tokens_per_second } : {}),
      goal: '≥ 1.3× PyTorch',
      note: peer.ok ? `step ${ours.stepMs.toFixed(0)} ms (ORT run ${ours.runMs.toFixed(0)} ms); PyTorch ${peer.result.step_ms.toFixed(0)} ms on ${peer.result.threads} threads, ${describeOpenblas(peer.result.openblas)}` : `PyTorch row skipped: ${peer.reason}`,
    });
    const gflops = (pretrainingFlops(config, batch) / (ours.stepMs / 1000)) / 1e9;
    rows.push({
      suite, metric: `${label}: model GFLOPS (fwd+bwd = 3× forward matmuls)`, value: gflops, unit: 'GFLOPS',
      peer: { name: 'ORT MatMul (its shapes)', value: matmulGflops }, ratio: gflops / matmulGflops, goal: '≥ 60% of MatMul',
    });
    rows.push({
      suite, metric: `${label}: peak memory (RSS)`, value: ours.peakRssMb, unit: 'MB',
      ...(peer.ok ? { peer: { name: 'PyTorch', value: peer.result.peak_rss_mb }, ratio: peer.result.peak_rss_mb / ours.peakRssMb } : {}),
      note: 'process maximum RSS so far (bertkit); the script\'s own (PyTorch)',
    });
  }
  return rows;
}

/** Forward FLOPs of one pretraining batch: encoder matmuls incl. attention, the MLM head at the masked positions, ×3 for forward + backward. */
function pretrainingFlops(config: BertConfig, batch: number): number {
  const tokens = batch * SEQ, h = config.hidden_size, f = config.intermediate_size;
  const layer = 2 * tokens * (4 * h * h + 2 * h * f) + 2 * 2 * batch * SEQ * SEQ * h;
  const masked = batch * MAX_PREDICTIONS;
  const mlm = 2 * masked * (h * h + h * config.vocab_size);
  return 3 * (config.num_hidden_layers * layer + mlm);
}

async function bertkitSteps(config: BertConfig, batchSize: number, steps: number): Promise<{ stepMs: number; runMs: number; peakRssMb: number }> {
  const heads = pretrainingHeads(true);
  const program = buildPretrainingProgram(config, heads);
  const parameters = initializeParameters([...bertParameterShapes(config, heads)].map(([name, shape]) => ({ name, shape })), { seed: 1 });
  progress(`${config.num_hidden_layers}/${config.hidden_size}: ${(parameters.size / 1e6).toFixed(1)} M parameters`);
  const worker = await TrainWorker.create(program, parameters, {
    seed: 1, update: { optimizer: { kind: 'adamw', epsilon: 1e-6, weightDecay: 0.01 }, schedule: { kind: 'constant', peak: 1e-4 }, maxGradNorm: 1 },
  });
  const rng = new Rng(5);
  const wall: number[] = [], run: number[] = [];
  try {
    for (let step = 0; step <= steps; step++) {
      const feeds = trainingFeeds(randomBatch(rng, batchSize, config.vocab_size), true);
      const started = performance.now();
      const result = await worker.step(feeds);
      const ms = performance.now() - started;
      progress(`step ${step}: ${ms.toFixed(0)} ms (ORT ${result.runMs.toFixed(0)}, update ${result.updateMs.toFixed(0)}), loss ${result.loss.toFixed(3)}`);
      if (step > 0) {
        wall.push(ms);
        run.push(result.runMs);
      }
    }
  } finally {
    await worker.close();
  }
  return { stepMs: median(wall), runMs: median(run), peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

/** Random ids with MAX_PREDICTIONS positions per row replaced by [MASK] (id 4), as the PyTorch script draws them. */
function randomBatch(rng: Rng, batchSize: number, vocab: number): PretrainingBatch {
  const size = batchSize * SEQ;
  const ids = BigInt64Array.from({ length: size }, () => BigInt(5 + rng.int(vocab - 5)));
  const labels = new BigInt64Array(size).fill(-100n);
  const positions: bigint[] = [];
  for (let b = 0; b < batchSize; b++) {
    const chosen = new Set<number>();
    while (chosen.size < MAX_PREDICTIONS) chosen.add(1 + rng.int(SEQ - 1));
    for (const t of [...chosen].sort((x, y) => x - y)) {
      const flat = b * SEQ + t;
      labels[flat] = ids[flat]!;
      ids[flat] = 4n;
      positions.push(BigInt(flat));
    }
  }
  return {
    input_ids: ids, token_type_ids: new BigInt64Array(size), attention_mask: new BigInt64Array(size).fill(1n), labels,
    masked_lm_positions: BigInt64Array.from(positions), next_sentence_label: BigInt64Array.from({ length: batchSize }, () => BigInt(rng.int(2))),
    batchSize, seqLength: SEQ,
  };
}

interface PytorchResult {
  tokens_per_second: number;
  step_ms: number;
  peak_rss_mb: number;
  torch: string;
  threads: number;
  openblas: OpenblasInfo | null;
}

function pytorchSteps(layers: number, hidden: number, batch: number, steps: number): { ok: true; result: PytorchResult } | { ok: false; reason: string } {
  const python = pythonWithTorch();
  if (python === undefined) return { ok: false, reason: '`import torch` fails in python3 and /usr/bin/python3 (install python3-torch, or set BERTKIT_PYTHON)' };
  const args = [PYTORCH_SCRIPT, '--layers', String(layers), '--hidden', String(hidden), '--batch', String(batch), '--seq', String(SEQ), '--steps', String(steps), '--warmup', '1', '--vocab', String(VOCAB), '--max-predictions', String(MAX_PREDICTIONS)];
  const child = spawnSync(python, args, { encoding: 'utf8', timeout: 600_000, env: peerEnvironment() });
  if (child.error) return { ok: false, reason: `${python} failed to start (${child.error.message})` };
  if (child.status !== 0) return { ok: false, reason: `the script exited with ${child.status}: ${child.stderr.trim().split('\n').pop()}` };
  const result = JSON.parse(child.stdout.trim().split('\n').pop()!) as PytorchResult;
  progress(`PyTorch ${layers}/${hidden}: ${result.step_ms.toFixed(0)} ms per step, ${result.tokens_per_second.toFixed(0)} tokens/s`);
  return { ok: true, result };
}

