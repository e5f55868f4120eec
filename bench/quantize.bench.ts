// Suite 'quantize': bertkit's dynamic int8 (q8) model against its fp32 model, PyTorch's
// quantize_dynamic and transformers.js dtype 'q8', on a BERT-base-shaped model (hidden 768, 12
// layers, 12 heads, FFN 3072, random weights, the same weights for every contender):
//   1. throughput at batch 32 × 128 (all tokens real), sequences/s: bertkit q8, bertkit fp32,
//      transformers.js q8 on bertkit's export (bench/transformersjs-peer.ts) and PyTorch q8
//      (bench/pytorch_bert.py --weights … --quantize), each peer in its own process, in rounds whose
//      order rotates, median of RUNS;
//   2. latency of one 32-token sentence (batch 1), ms, median of LATENCY_RUNS: bertkit q8 vs fp32,
//      and bertkit q8 vs transformers.js loading bertkit's onnx/model_quantized.onnx with dtype 'q8'.
// The CPU is shared with whatever else runs: ratios within one run are what compare.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AutoModel, Tensor, env } from '@huggingface/transformers';
import { defaultScheme, quantizeModel } from '../src/compress/quantize-model.js';
import { quantizeEncoderWeights } from '../src/compress/quantize-weights.js';
import { headsOf } from '../src/model/architecture.js';
import { bertParameterShapes } from '../src/model/bert.js';
import { type BertModelState, saveBert } from '../src/model/checkpoint.js';
import { parseBertConfig } from '../src/model/config.js';
import { buildInferenceGraph, inferenceOnnx } from '../src/model/inference-graph.js';
import { initializeParameters } from '../src/runtime/init.js';
import { Rng } from '../src/runtime/rng.js';
import { type HostTensor, Session } from '../src/runtime/session.js';
import { median } from './measure.js';
import { PeerProcess } from './peer-process.js';
import type { BenchRow } from './types.js';

export const suite = 'quantize';

const here = dirname(fileURLToPath(import.meta.url));

const BATCH = 32, SEQ = 128, RUNS = 5, SENTENCE = 32, LATENCY_RUNS = 30, LATENCY_BLOCK = 10;
const BASE = { vocab_size: 30522, hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072, max_position_embeddings: 512 };

const progress = (message: string): void => void process.stderr.write(`  quantize: ${message}\n`);

function feedsOf(rng: Rng, batch: number, seq: number, vocab: number): Record<string, HostTensor> {
  const dims = [batch, seq];
  return {
    input_ids: { data: BigInt64Array.from({ length: batch * seq }, () => BigInt(Math.floor(rng.uniform() * vocab))), dims },
    attention_mask: { data: new BigInt64Array(batch * seq).fill(1n), dims },
    token_type_ids: { data: new BigInt64Array(batch * seq), dims },
  };
}

async function timed(call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await call();
  return (performance.now() - started) / 1000;
}

export async function run(): Promise<BenchRow[]> {
  env.allowRemoteModels = false;
  const config = parseBertConfig(BASE, 'bench BERT-base');
  const heads = headsOf('BertModel');
  const graph = buildInferenceGraph({ config, heads }, { outputs: ['last_hidden_state'] });
  // Every parameter of a BertModel (the pooler too), so that saveBert can write it for PyTorch and quantize.
  const parameters = initializeParameters([...bertParameterShapes(config, heads)].map(([name, shape]) => ({ name, shape })), { seed: 1, initializerRange: 0.02 });
  const model: BertModelState = { config, heads, parameters };
  const scheme = defaultScheme();
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-bench-quantize-'));
  const cleanups: Array<() => unknown> = [];
  try {
    progress('saving the model and quantizing it (bertkit quantize)');
    saveBert(join(dir, 'fp32'), model);
    await quantizeModel(join(dir, 'fp32'), { output: join(dir, 'q8') });
    const fp32 = await Session.create(inferenceOnnx(model, graph));
    cleanups.push(() => fp32.dispose());
    const q8 = await Session.create(inferenceOnnx(model, buildInferenceGraph(model, { outputs: ['last_hidden_state'], quantized: quantizeEncoderWeights(model, scheme) })));
    cleanups.push(() => q8.dispose());

    progress('starting PyTorch quantize_dynamic (bench/pytorch_bert.py --quantize)');
    const torchArgs = ['--batch', String(BATCH), '--seq', String(SEQ), '--weights', join(dir, 'fp32', 'model.safetensors'), '--quantize'];
    const started = await PeerProcess.start(resolve(process.cwd(), 'bench', 'pytorch_bert.py'), torchArgs);
    if (started instanceof PeerProcess) cleanups.push(() => started.close());
    else progress(`PyTorch skipped: ${started.skipped}`);

    progress('starting transformers.js on the q8 export, in its own process (bench/transformersjs-peer.ts)');
    const outside = await PeerProcess.startNode(join(here, 'transformersjs-peer.js'), [join(dir, 'q8'), 'q8', String(BATCH), String(SEQ)]);
    if (!(outside instanceof PeerProcess)) throw new Error(`transformers.js peer: ${outside.skipped}`);
    cleanups.push(() => outside.close());

    const rng = new Rng(7);
    const feeds = feedsOf(rng, BATCH, SEQ, config.vocab_size);
    const contenders = [
      { name: 'bertkit q8', seconds: [] as number[], pass: () => timed(() => q8.run(feeds)) },
      { name: 'bertkit fp32', seconds: [] as number[], pass: () => timed(() => fp32.run(feeds)) },
      { name: 'transformers.js q8', seconds: [] as number[], pass: () => outside.seconds() },
      ...(started instanceof PeerProcess ? [{ name: 'PyTorch q8', seconds: [] as number[], pass: () => started.seconds() }] : []),
    ];
    for (const contender of contenders) await contender.pass();
    for (let round = 0; round < RUNS; round++) {
      for (let offset = 0; offset < contenders.length; offset++) {
        const contender = contenders[(round + offset) % contenders.length]!;
        contender.seconds.push(await contender.pass());
      }
      progress(`round ${round + 1}/${RUNS}: ${contenders.map((c) => `${c.name} ${c.seconds[round]!.toFixed(2)} s`).join(', ')}`);
    }
    const throughput = (name: string): number => BATCH / median(contenders.find((c) => c.name === name)!.seconds);
    const note = `median of ${RUNS} interleaved passes; weights ${scheme.weights}, ${scheme.perChannel ? 'per channel' : 'per tensor'}; shared 2-core CPU`;
    const rows: BenchRow[] = [{
      suite, metric: 'BERT-base int8 throughput, batch 32 × seq 128', value: throughput('bertkit q8'), unit: 'seq/s',
      peer: { name: 'bertkit fp32', value: throughput('bertkit fp32') }, ratio: throughput('bertkit q8') / throughput('bertkit fp32'), goal: '≥ 2.5× fp32', note,
    }];
    rows.push(started instanceof PeerProcess
      ? { suite, metric: 'BERT-base int8 throughput, batch 32 × seq 128 (vs PyTorch quantize_dynamic)', value: throughput('bertkit q8'), unit: 'seq/s', peer: { name: 'PyTorch q8', value: throughput('PyTorch q8') }, ratio: throughput('bertkit q8') / throughput('PyTorch q8'), goal: '≥ 1.5× PyTorch', note: `PyTorch ${started.about.torch}, ${started.about.threads} threads, engine ${(started.about as { engine?: string }).engine ?? '?'}, the same weights (bertkit's model.safetensors); ${note}` }
      : { suite, metric: 'BERT-base int8 throughput, batch 32 × seq 128 (vs PyTorch quantize_dynamic)', value: throughput('bertkit q8'), unit: 'seq/s', goal: '≥ 1.5× PyTorch', note: `PyTorch row skipped: ${started.skipped}` });

    rows.push({
      suite, metric: 'BERT-base int8 throughput, batch 32 × seq 128 (vs transformers.js q8 on the export, own process)', value: throughput('bertkit q8'), unit: 'seq/s',
      peer: { name: 'transformers.js q8', value: throughput('transformers.js q8') }, ratio: throughput('bertkit q8') / throughput('transformers.js q8'), goal: '0.95×–1.05× (the export as fast outside bertkit)',
      note: `transformers.js ${outside.about.transformers} AutoModel dtype 'q8' on bertkit's onnx/model_quantized.onnx in a process of its own (bench/transformersjs-peer.ts), its default session options; ${note}`,
    });

    progress('batch-1 latency of a 32-token sentence');
    const sentence = feedsOf(rng, 1, SENTENCE, config.vocab_size);
    const peer = await AutoModel.from_pretrained(join(dir, 'q8'), { dtype: 'q8' });
    cleanups.push(() => peer.dispose());
    const peerFeeds = Object.fromEntries(Object.entries(sentence).map(([name, tensor]) => [name, new Tensor('int64', tensor.data as BigInt64Array, tensor.dims)]));
    const latency = [
      { name: 'bertkit q8', ms: [] as number[], pass: () => q8.run(sentence) },
      { name: 'bertkit fp32', ms: [] as number[], pass: () => fp32.run(sentence) },
      { name: 'transformers.js q8', ms: [] as number[], pass: () => peer(peerFeeds) },
    ];
    // In blocks, not run by run: ORT's threads spin-wait after a run, so a session whose run follows
    // another session's competes with that pool's spinning threads (measured: 35–42 ms instead of
    // 15–17 for the same batch-1 run); a block's first runs, which pay that, are not timed.
    for (let round = 0; round < LATENCY_RUNS / LATENCY_BLOCK; round++) {
      for (const contender of latency) {
        for (let i = 0; i < 3; i++) await contender.pass();
        for (let i = 0; i < LATENCY_BLOCK; i++) contender.ms.push(1000 * await timed(contender.pass));
      }
    }
    const ms = (name: string): number => median(latency.find((c) => c.name === name)!.ms);
    const latencyNote = `one sentence of ${SENTENCE} tokens, median of ${LATENCY_RUNS} runs in blocks of ${LATENCY_BLOCK}, contenders alternating block by block; ratio = peer / bertkit q8 (higher is better)`;
    rows.push(
      { suite, metric: 'batch-1 latency, 32 tokens: int8 vs fp32', value: ms('bertkit q8'), unit: 'ms', peer: { name: 'bertkit fp32', value: ms('bertkit fp32') }, ratio: ms('bertkit fp32') / ms('bertkit q8'), note: latencyNote },
      { suite, metric: 'batch-1 latency, 32 tokens: bertkit q8 vs transformers.js q8 (same file)', value: ms('bertkit q8'), unit: 'ms', peer: { name: 'transformers.js q8', value: ms('transformers.js q8') }, ratio: ms('transformers.js q8') / ms('bertkit q8'), note: `transformers.js AutoModel on bertkit's onnx/model_quantized.onnx; ${latencyNote}` },
    );
    return rows;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}
