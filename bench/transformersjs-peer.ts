// transformers.js as a benchmark peer in a process of its own (started by PeerProcess.startNode):
// AutoModel.from_pretrained(DIR, { dtype }) — DIR's onnx/model.onnx (fp32) or
// onnx/model_quantized.onnx (q8) as a transformers.js user loads bertkit's export, with
// transformers.js's own session options — then, for every line "run" on stdin, one forward pass of
// a [batch, seq] batch of random ids, printed as {"seconds": s}. After one untimed warm-up it
// prints {"transformers": version}. It exits at the end of stdin.
// usage: node dist/bench/transformersjs-peer.js DIR fp32|q8 BATCH SEQ
import { createInterface } from 'node:readline';
import { AutoModel, Tensor, env } from '@huggingface/transformers';
import { Rng } from '../src/runtime/rng.js';

const [dir, dtype, batchText, seqText] = process.argv.slice(2);
if (dir === undefined || (dtype !== 'fp32' && dtype !== 'q8') || batchText === undefined || seqText === undefined) {
  throw new Error('usage: transformersjs-peer.js DIR fp32|q8 BATCH SEQ');
}
const batch = Number(batchText), seq = Number(seqText);
env.allowRemoteModels = false;
const model = await AutoModel.from_pretrained(dir, { dtype });
const rng = new Rng(11);
const dims = [batch, seq];
const feeds = {
  input_ids: new Tensor('int64', BigInt64Array.from({ length: batch * seq }, () => BigInt(1000 + rng.int(20000))), dims),
  attention_mask: new Tensor('int64', new BigInt64Array(batch * seq).fill(1n), dims),
  token_type_ids: new Tensor('int64', new BigInt64Array(batch * seq), dims),
};
await model(feeds);
// Threads: transformers.js leaves them to ONNX Runtime's default (its count of physical cores).
process.stdout.write(JSON.stringify({ transformers: env.version }) + '\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() !== 'run') throw new Error(`transformersjs-peer.js: expected "run" on stdin, got ${JSON.stringify(line)}`);
  const started = performance.now();
  await model(feeds);
  process.stdout.write(JSON.stringify({ seconds: (performance.now() - started) / 1000 }) + '\n');
}
await model.dispose();
