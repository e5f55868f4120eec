// The inference worker: hosts the server's one BertInference, so that ONNX Runtime's session.run,
// which blocks its thread, never stalls the HTTP event loop (/health and /metrics answer, requests
// are parsed and queued, while a batch runs). Calls run one at a time in arrival order; ONNX Runtime
// spreads each over the cores that servingThreading gives it by the model's size. Results go back by
// structured clone (embeddings: their buffers move).
import { join } from 'node:path';
import { Explainer } from '../../explain/explain.js';
import { architectureOf } from '../../model/architecture.js';
import { readBertConfig } from '../../model/config.js';
import { BertInference } from '../bert-inference.js';
import type { SessionThreading } from '../../runtime/session.js';
import { serveWorkerCalls } from '../../runtime/worker-calls.js';
import { servingThreading } from './serving-threading.js';
import type { InferenceCall, LoadedModelInfo } from './worker-protocol.js';

let inference: BertInference | undefined;
/** Made at the first /explain, over the loaded model (its gradient sessions cost memory only when used). */
let explainer: Promise<Explainer> | undefined;
/** Set at load from the model's size (servingThreading); the explainer's sessions share it. */
let threading: SessionThreading = {};
/**
 * A batch the batcher took runs sorted by length in runs of at most this many rows (BertInference's
 * batching), so that a batch of short and long texts pads little: the batcher's budget bounds the
 * padded tokens from above, the sorting lowers them.
 */
const ROWS_PER_RUN = 32;
serveWorkerCalls<InferenceCall>(async (call) => {
  const value = await handle(call);
  // Embeddings' buffers move rather than being copied.
  const transfer = Array.isArray(value) ? value.flatMap((item) => (item instanceof Float32Array ? [item.buffer as ArrayBuffer] : [])) : [];
  return { value, transfer };
});

async function handle(call: InferenceCall): Promise<unknown> {
  switch (call.op) {
    case 'load': {
      if (inference !== undefined) throw new Error('InferenceWorker: a model is already loaded');
      threading = servingThreading(readBertConfig(join(call.dir, 'config.json')), call.threads);
      inference = await BertInference.load(call.dir, { dtype: call.dtype, ...threading, warn: () => {} });
      const { config, heads } = inference.model;
      return { architecture: architectureOf(heads, config.model_type), heads, maxLength: inference.maxLength, id2label: config.id2label ?? {} } satisfies LoadedModelInfo;
    }
    case 'embed':
      return loaded().embed(call.inputs, { batchSize: ROWS_PER_RUN, pooling: call.pooling, normalize: call.normalize });
    case 'classify':
      return loaded().classify(call.inputs, { batchSize: ROWS_PER_RUN, rawScores: call.rawScores });
    case 'entities':
      return loaded().entities(call.inputs, { batchSize: ROWS_PER_RUN, aggregationStrategy: call.aggregationStrategy });
    case 'fillMask':
      return loaded().fillMaskBatch(call.inputs, { batchSize: ROWS_PER_RUN, topK: call.topK });
    case 'answer':
      return loaded().answer(call.inputs, { batchSize: ROWS_PER_RUN, ...(call.maxAnswerLength === undefined ? {} : { maxAnswerLength: call.maxAnswerLength }) });
    case 'explain': {
      const model = loaded();
      explainer ??= Explainer.create(model.model, model.tokenizer, threading);
      return (await explainer).explain(call.inputs, { ...call.options, warn: () => {} });
    }
    case 'dispose':
      await inference?.dispose();
      await (await explainer?.catch(() => undefined))?.dispose();
      inference = undefined;
      explainer = undefined;
      return undefined;
  }
}

function loaded(): BertInference {
  if (inference === undefined) throw new Error('InferenceWorker: no model loaded');
  return inference;
}
