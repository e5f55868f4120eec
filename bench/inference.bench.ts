// Suite 'inference': bertkit's inference against transformers.js (on bertkit's own ONNX export,
// so both run the same weights on the same onnxruntime-node) and PyTorch (bench/pytorch_bert.py,
// the same shapes with its own random weights), fp32 on the CPU, all cores.
//   1. fixed shape: a BERT-base-shaped model (hidden 768, 12 layers, 12 heads, FFN 3072, random
//      weights), one batch of 32 × 128 tokens, sequences/s (median of RUNS rounds, each round one
//      pass of every contender: bertkit, transformers.js (in its own process, loading the export as a
//      user would), PyTorch, the matmul ceiling of (3), in
//      an order that rotates from round to round);
//   2. real text: SST-2 training sentences through the same model, embedded with mean pooling in
//      batches of 32: bertkit's embed (length-sorted batches, each padded to its own longest) vs
//      transformers.js's feature-extraction pipeline (batches in input order), tokenization included;
//      the two embeddings are checked to agree;
//   3. the machine's ceiling for (1), timed in the same rounds as (1): the model's 48 weight matmuls
//      (per layer QKV, attention output, FFN in and out, M = 32·128) as bare ORT MatMuls with
//      prepacked weights, in one session. No fp32 forward pass through ORT beats it: it leaves out
//      everything else (attention scores, softmax, LayerNorm, GELU, embeddings).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { env, pipeline } from '@huggingface/transformers';
import { headsOf } from '../src/model/architecture.js';
import type { BertModelState } from '../src/model/checkpoint.js';
import { parseBertConfig } from '../src/model/config.js';
import { exportOnnx } from '../src/model/onnx-export.js';
import { initializeParameters } from '../src/runtime/init.js';
import { Rng } from '../src/runtime/rng.js';
import { Session } from '../src/runtime/session.js';
import { BertInference } from '../src/serve/bert-inference.js';
import { buildInferenceGraph, inferenceOnnx } from '../src/model/inference-graph.js';
import { BertTokenizer } from '../src/tokenizer/bert-tokenizer.js';
import type { BenchRow } from './types.js';
import { median, weightMatMuls } from './measure.js';
import { PeerProcess, describeOpenblas } from './peer-process.js';

export const suite = 'inference';

const here = dirname(fileURLToPath(import.meta.url));

const BATCH = 32, SEQ = 128, RUNS = 7;
const SST2_SENTENCES = 1024;
const SHARED = resolve(process.env.BERTKIT_SHARED ?? resolve(process.cwd(), '..', 'shared'));
const VOCAB_DIR = join(SHARED, 'data', 'vocab', 'bert-base-uncased');
const SST2 = join(SHARED, 'data', 'sst2', 'train.tsv');
const BASE = { vocab_size: 30522, hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072, max_position_embeddings: 512 };

const progress = (message: string): void => void process.stderr.write(`  inference: ${message}\n`);

export async function run(): Promise<BenchRow[]> {
  env.allowRemoteModels = false;
  const config = parseBertConfig(BASE, 'bench BERT-base');
  const heads = headsOf('BertModel');
  const graph = buildInferenceGraph({ config, heads }, { outputs: ['last_hidden_state'] });
  const parameters = initializeParameters(graph.parameters.map((p) => ({ name: p.name, shape: p.shape as number[] })), { seed: 1, initializerRange: 0.02 });
  const model: BertModelState = { config, heads, parameters };
  const tokenizer = existsSync(VOCAB_DIR) ? BertTokenizer.fromPretrained(VOCAB_DIR) : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-bench-inference-'));
  try {
    exportOnnx(dir, model, { task: 'feature-extraction', ...(tokenizer ? { tokenizer } : {}) });
    const rows: BenchRow[] = [];
    const fixed = await fixedShape(model, dir);
    rows.push({
      suite, metric: 'BERT-base fp32 throughput, batch 32 × seq 128', value: fixed.bertkit, unit: 'seq/s',
      peer: { name: 'transformers.js', value: fixed.transformersJs }, ratio: fixed.bertkit / fixed.transformersJs, goal: '0.95×–1.05× (the export as fast outside bertkit)',
      note: `median of ${RUNS} warm runs each, interleaved; transformers.js 4.3.1 runs bertkit's export in a process of its own (bench/transformersjs-peer.ts), the same graph (encoder layers in ORT's fused Attention, SkipLayerNormalization, BiasGelu)`,
    });
    const torch = fixed.pytorch;
    rows.push('seqPerSecond' in torch
      ? { suite, metric: 'BERT-base fp32 throughput, batch 32 × seq 128 (vs PyTorch)', value: fixed.bertkit, unit: 'seq/s', peer: { name: 'PyTorch', value: torch.seqPerSecond }, ratio: fixed.bertkit / torch.seqPerSecond, goal: '≥ 1.5× PyTorch', note: `PyTorch ${torch.about.torch}, ${torch.about.threads} threads, ${describeOpenblas(torch.about.openblas)}: bench/pytorch_bert.py, eager BertModel-equivalent, same shapes, torch.inference_mode, its passes interleaved with bertkit's; median of ${RUNS}` }
      : { suite, metric: 'BERT-base fp32 throughput, batch 32 × seq 128 (vs PyTorch)', value: fixed.bertkit, unit: 'seq/s', goal: '≥ 1.5× PyTorch', note: `PyTorch row skipped: ${torch.skipped}` });
    const needed = 'seqPerSecond' in torch ? `; 1.5× PyTorch would be ${(1.5 * torch.seqPerSecond).toFixed(2)} seq/s, ${((1.5 * torch.seqPerSecond) / fixed.ceiling * 100).toFixed(0)} % of this ceiling` : '';
    rows.push({
      suite, metric: 'BERT-base fp32 throughput, batch 32 × seq 128 (vs the matmul ceiling)', value: fixed.bertkit, unit: 'seq/s',
      peer: { name: 'its weight matmuls alone', value: fixed.ceiling }, ratio: fixed.bertkit / fixed.ceiling,
      note: `ceiling: the 48 weight matmuls alone as bare ORT MatMuls (${fixed.matmulGflops.toFixed(0)} GFLOPS), timed in the same rounds${needed}`,
    });
    if (tokenizer === undefined || !existsSync(SST2)) {
      rows.push({ suite, metric: `SST-2 sentences embedded, batches of 32`, value: 0, unit: 'seq/s', note: `skipped: needs ${VOCAB_DIR} and ${SST2} (the project's shared data)` });
    } else {
      const text = await sst2(model, tokenizer, dir);
      rows.push({
        suite, metric: `SST-2 sentences embedded (mean pooling), batches of 32`, value: text.bertkit, unit: 'seq/s',
        peer: { name: 'transformers.js pipeline', value: text.transformersJs }, ratio: text.bertkit / text.transformersJs, goal: '≥ 1.5× transformers.js',
        note: `the first ${SST2_SENTENCES} sentences of sst2/train.tsv through the BERT-base-shaped model, tokenization included, one timed pass each after a warm-up; mean tokens ${text.meanTokens.toFixed(1)}, padded tokens per batch row: bertkit ${text.bertkitPadded.toFixed(1)}, transformers.js ${text.transformersJsPadded.toFixed(1)}; embeddings agree to ${text.maxDiff.toExponential(1)}`,
      });
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface FixedShapeThroughput {
  bertkit: number;
  transformersJs: number;
  pytorch: { seqPerSecond: number; about: PeerProcess['about'] } | { skipped: string };
  /** seq/s of the model's weight matmuls alone */
  ceiling: number;
  matmulGflops: number;
}

/** One timed pass of something compared; undefined when it has dropped out. */
type Contender = { name: string; seconds: number[]; pass: () => Promise<number | undefined> };

async function fixedShape(model: BertModelState, dir: string): Promise<FixedShapeThroughput> {
  const rng = new Rng(7);
  const ids = BigInt64Array.from({ length: BATCH * SEQ }, () => BigInt(Math.floor(rng.uniform() * model.config.vocab_size)));
  const ones = new BigInt64Array(BATCH * SEQ).fill(1n), zeros = new BigInt64Array(BATCH * SEQ);
  const dims = [BATCH, SEQ];
  const tokens = BATCH * SEQ, { hidden_size: hidden, intermediate_size: ffn, num_hidden_layers: layers, num_attention_heads: heads } = model.config;
  const shapes: Array<[number, number]> = [[hidden, 3 * hidden], [hidden, hidden], [hidden, ffn], [ffn, hidden]];
  const layerFlops = shapes.reduce((sum, [k, n]) => sum + 2 * tokens * k * n, 0);
  const time = async (call: () => Promise<unknown>): Promise<number> => {
    const started = performance.now();
    await call();
    return (performance.now() - started) / 1000;
  };
  const cleanups: Array<() => unknown> = [];
  try {
    // bertkit's session is the one BertInference.embed uses: last_hidden_state, weights as initializers.
    progress('building the bertkit session');
    const session = await Session.create(inferenceOnnx(model, buildInferenceGraph(model, { outputs: ['last_hidden_state'] })));
    cleanups.push(() => session.dispose());
    const feeds = { input_ids: { data: ids, dims }, attention_mask: { data: ones, dims }, token_type_ids: { data: zeros, dims } };
    progress('starting transformers.js on the export, in its own process (bench/transformersjs-peer.ts)');
    const peer = await PeerProcess.startNode(join(here, 'transformersjs-peer.js'), [dir, 'fp32', String(BATCH), String(SEQ)]);
    if (!(peer instanceof PeerProcess)) throw new Error(`transformers.js peer: ${peer.skipped}`);
    cleanups.push(() => peer.close());
    const matmuls = await weightMatMuls(tokens, shapes, layers);
    cleanups.push(() => matmuls.dispose());
    progress('starting PyTorch (bench/pytorch_bert.py)');
    const started = await PeerProcess.start(resolve(process.cwd(), 'bench', 'pytorch_bert.py'), ['--batch', String(BATCH), '--seq', String(SEQ), '--hidden', String(hidden), '--layers', String(layers), '--heads', String(heads), '--ffn', String(ffn)]);
    if (started instanceof PeerProcess) cleanups.push(() => started.close());
    else progress(`PyTorch skipped: ${started.skipped}`);
    // undefined once PyTorch could not start or dropped out, and then why
    let torch = started instanceof PeerProcess ? started : undefined;
    let torchSkipped = started instanceof PeerProcess ? undefined : started.skipped;

    const contenders: Contender[] = [
      { name: 'bertkit', seconds: [], pass: () => time(() => session.run(feeds)) },
      { name: 'transformers.js', seconds: [], pass: () => peer.seconds() },
      { name: 'PyTorch', seconds: [], pass: async () => torch?.seconds().catch((error: Error) => {
        torch = undefined;
        torchSkipped = `dropped out: ${error.message}`;
        progress(`PyTorch ${torchSkipped}`);
        return undefined;
      }) },
      { name: 'weight matmuls alone', seconds: [], pass: () => time(() => matmuls.run()) },
    ];
    for (const contender of contenders) await contender.pass();
    // Each round runs every contender once, starting one further along, so none always follows the same one.
    for (let round = 0; round < RUNS; round++) {
      for (let offset = 0; offset < contenders.length; offset++) {
        const contender = contenders[(round + offset) % contenders.length]!;
        const seconds = await contender.pass();
        if (seconds !== undefined) contender.seconds.push(seconds);
      }
      progress(`round ${round + 1}/${RUNS}: ${contenders.map((c) => `${c.name} ${c.seconds.length > round ? `${c.seconds[round]!.toFixed(2)} s` : '–'}`).join(', ')}`);
    }
    const [ours, theirs, pytorch, ceiling] = contenders.map((contender) => median(contender.seconds));
    return {
      bertkit: BATCH / ours!, transformersJs: BATCH / theirs!,
      pytorch: torch === undefined ? { skipped: torchSkipped! } : { seqPerSecond: BATCH / pytorch!, about: torch.about },
      ceiling: BATCH / ceiling!, matmulGflops: (layers * layerFlops) / ceiling! / 1e9,
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

interface TextThroughput {
  bertkit: number;
  transformersJs: number;
  meanTokens: number;
  bertkitPadded: number;
  transformersJsPadded: number;
  maxDiff: number;
}

async function sst2(model: BertModelState, tokenizer: BertTokenizer, dir: string): Promise<TextThroughput> {
  const lines = readFileSync(SST2, 'utf8').split('\n').slice(1).filter((line) => line.trim() !== '');
  const texts = lines.slice(0, SST2_SENTENCES).map((line) => line.split('\t')[0]!);
  const lengths = tokenizer.encodeBatch(texts).map((encoding) => encoding.ids.length);
  const paddedPerRow = (order: number[]): number => {
    let padded = 0;
    for (let start = 0; start < order.length; start += BATCH) {
      const batch = order.slice(start, start + BATCH);
      padded += batch.length * Math.max(...batch.map((index) => lengths[index]!));
    }
    return padded / order.length;
  };
  const inputOrder = texts.map((_, index) => index);
  const sorted = [...inputOrder].sort((a, b) => lengths[b]! - lengths[a]! || a - b);

  progress(`SST-2: ${texts.length} sentences`);
  const inference = BertInference.create(model, tokenizer);
  await inference.embed(texts.slice(0, BATCH), { pooling: 'mean' });
  let started = performance.now();
  const ours = await inference.embed(texts, { pooling: 'mean', batchSize: BATCH });
  const oursSeconds = (performance.now() - started) / 1000;
  await inference.dispose();
  progress(`SST-2: bertkit ${oursSeconds.toFixed(1)} s`);

  const extractor = await pipeline('feature-extraction', dir, { dtype: 'fp32' });
  await extractor(texts.slice(0, BATCH), { pooling: 'mean' });
  const theirs: number[][] = [];
  started = performance.now();
  for (let start = 0; start < texts.length; start += BATCH) {
    theirs.push(...((await extractor(texts.slice(start, start + BATCH), { pooling: 'mean' })).tolist() as number[][]));
  }
  const theirsSeconds = (performance.now() - started) / 1000;
  await extractor.dispose();
  progress(`SST-2: transformers.js ${theirsSeconds.toFixed(1)} s`);

  let maxDiff = 0;
  ours.forEach((embedding, index) => embedding.forEach((value, i) => { maxDiff = Math.max(maxDiff, Math.abs(value - theirs[index]![i]!)); }));
  if (!(maxDiff < 1e-3)) throw new Error(`inference bench: bertkit and transformers.js embeddings differ by ${maxDiff}`);
  return {
    bertkit: texts.length / oursSeconds,
    transformersJs: texts.length / theirsSeconds,
    meanTokens: lengths.reduce((sum, length) => sum + length, 0) / lengths.length,
    bertkitPadded: paddedPerRow(sorted),
    transformersJsPadded: paddedPerRow(inputOrder),
    maxDiff,
  };
}
