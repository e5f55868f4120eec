// Suite 'explain': integrated gradients, 50 Gauss–Legendre steps, one 64-token sentence of a
// BERT-base-shaped classifier (hidden 768, 12 layers, 12 heads, FFN 3072, 2 labels, random
// weights), fp32 on the CPU, all cores: bertkit (the forward of x and x′, then the 50 points as one
// batch through bertkit's autodiff graph in ONNX Runtime, explain.ts's path without tokenization)
// against PyTorch autograd doing the same (bench/pytorch_explain.py, its own random weights, all
// points batched, Captum's rule). Median of RUNS rounds, each round one explanation by each, in an
// order that alternates, so that drift of the shared CPU falls on both alike.
import { resolve } from 'node:path';
import { ExplainSessions } from '../src/explain/explain-graphs.js';
import { integratedGradients } from '../src/explain/gradient-attributions.js';
import { headsOf } from '../src/model/architecture.js';
import { bertParameterShapes } from '../src/model/bert.js';
import type { BertModelState } from '../src/model/checkpoint.js';
import { parseBertConfig } from '../src/model/config.js';
import { initializeParameters } from '../src/runtime/init.js';
import { Rng } from '../src/runtime/rng.js';
import { median } from './measure.js';
import { PeerProcess } from './peer-process.js';
import type { BenchRow } from './types.js';

export const suite = 'explain';

const SEQ = 64, STEPS = 50, RUNS = 5;
const BASE = { vocab_size: 30522, hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072, max_position_embeddings: 512, id2label: { 0: 'negative', 1: 'positive' } };

const progress = (message: string): void => void process.stderr.write(`  explain: ${message}\n`);

export async function run(): Promise<BenchRow[]> {
  const config = parseBertConfig(BASE, 'bench BERT-base classifier');
  const heads = headsOf('BertForSequenceClassification');
  const shapes = [...bertParameterShapes(config, heads)].map(([name, shape]) => ({ name, shape }));
  const model: BertModelState = { config, heads, parameters: initializeParameters(shapes, { seed: 1, initializerRange: 0.02 }) };
  const rng = new Rng(7);
  const ids = Array.from({ length: SEQ }, (_, t) => (t === 0 ? 101 : t === SEQ - 1 ? 102 : 1000 + Math.floor(rng.uniform() * (config.vocab_size - 1000))));
  const hidden = config.hidden_size;
  const table = model.parameters.get('bert.embeddings.word_embeddings.weight');
  const vectors = (rowIds: readonly number[]): Float32Array => {
    const out = new Float32Array(rowIds.length * hidden);
    rowIds.forEach((id, t) => out.set(table.subarray(id * hidden, (id + 1) * hidden), t * hidden));
    return out;
  };
  const x = vectors(ids), baseline = vectors(ids.map((id) => (id === 101 || id === 102 ? id : 0)));
  const tokenTypeIds = new BigInt64Array(SEQ);

  progress('building the bertkit sessions (forward, and the autodiff gradient graph)');
  const sessions = await ExplainSessions.create(model);
  let lastDelta = NaN;
  const bertkitPass = async (): Promise<number> => {
    const started = performance.now();
    const both = new Float32Array(2 * x.length);
    both.set(x);
    both.set(baseline, x.length);
    const { logits } = await sessions.forward({ rows: 2, seqLength: SEQ, inputsEmbeds: both, tokenTypeIds }, { attentions: false });
    const target = logits![0]! >= logits![1]! ? 0 : 1;
    const targetWeights = new Float32Array(2);
    targetWeights[target] = 1;
    const ig = await integratedGradients(sessions, { seqLength: SEQ, inputsEmbeds: x, tokenTypeIds, targetWeights, logitDims: [2] }, baseline, logits![target]! - logits![2 + target]!, { steps: STEPS, rowsPerRun: STEPS });
    lastDelta = ig.delta;
    return (performance.now() - started) / 1000;
  };

  progress('starting PyTorch (bench/pytorch_explain.py)');
  const started = await PeerProcess.start(resolve(process.cwd(), 'bench', 'pytorch_explain.py'), ['--seq', String(SEQ), '--steps', String(STEPS)]);
  if (!(started instanceof PeerProcess)) progress(`PyTorch skipped: ${started.skipped}`);
  let torch = started instanceof PeerProcess ? started : undefined;
  let torchSkipped = started instanceof PeerProcess ? undefined : started.skipped;
  const torchPass = async (): Promise<number | undefined> => torch?.seconds().catch((error: Error) => {
    torch = undefined;
    torchSkipped = `dropped out: ${error.message}`;
    return undefined;
  });
  try {
    await bertkitPass();
    const ours: number[] = [], theirs: number[] = [];
    for (let round = 0; round < RUNS; round++) {
      const passes = round % 2 === 0 ? [bertkitPass, torchPass] : [torchPass, bertkitPass];
      for (const pass of passes) {
        const seconds = await pass();
        if (seconds !== undefined) (pass === bertkitPass ? ours : theirs).push(seconds);
      }
      progress(`round ${round + 1}/${RUNS}: bertkit ${ours.at(-1)?.toFixed(2)} s, PyTorch ${theirs.length > round ? `${theirs.at(-1)!.toFixed(2)} s` : '–'}`);
    }
    const metric = `integrated gradients, ${STEPS} steps, one ${SEQ}-token sentence, BERT-base-shaped classifier`;
    const bertkitRate = 1 / median(ours);
    const common = `median of ${RUNS} interleaved rounds; bertkit: forward of x and x′, then the ${STEPS} Gauss–Legendre points as one batch through its autodiff graph in ORT (delta ${lastDelta.toExponential(1)})`;
    if (torch === undefined || theirs.length === 0) {
      return [{ suite, metric, value: bertkitRate, unit: 'sentences/s', goal: '≥ 1.5× PyTorch', note: `PyTorch row skipped: ${torchSkipped}; ${common}` }];
    }
    const torchRate = 1 / median(theirs);
    return [{
      suite, metric, value: bertkitRate, unit: 'sentences/s', peer: { name: 'PyTorch autograd', value: torchRate }, ratio: bertkitRate / torchRate, goal: '≥ 1.5× PyTorch',
      note: `${common}; PyTorch ${torch.about.torch}, ${torch.about.threads} threads: bench/pytorch_explain.py, the same computation batched in eager autograd`,
    }];
  } finally {
    torch?.close();
    await sessions.dispose();
  }
}
