// Does the int8 file give the same answers everywhere? A fine-tuned model quantized by `bertkit
// quantize`, run on a labelled file by bertkit (--dtype q8) and by transformers.js
// (from_pretrained(dir, { dtype: 'q8' }), onnx/model_quantized.onnx), each input as the task reads it:
// the share of labels that agree (per sentence for classification, per scored word for NER: each
// word's first piece, as evaluation scores it), and bertkit q8's labels against fp32's.
//   node dist/bench/scores/int8-agreement.js MODEL_DIR DATA_FILE → one JSON line
import { AutoModelForSequenceClassification, AutoModelForTokenClassification, Tensor, env } from '@huggingface/transformers';
import { schemeOf } from '../../src/compress/quantize-model.js';
import { quantizeEncoderWeights } from '../../src/compress/quantize-weights.js';
import { taskSpec } from '../../src/data/tasks/registry.js';
import { padRows } from '../../src/model/batching.js';
import { BertRunner } from '../../src/model/runner.js';
import { loadFinetuned, trainedLoadOptions } from '../../src/serve/finetuned-model.js';

const [modelDir, dataPath] = process.argv.slice(2);
if (!modelDir || !dataPath) throw new Error('usage: int8-agreement.js MODEL_DIR DATA_FILE');
env.allowRemoteModels = false;
env.localModelPath = '';

const finetuned = await loadFinetuned(modelDir);
const { model, kind } = finetuned;
if (kind !== 'classification' && kind !== 'ner') throw new Error(`int8-agreement: classification and ner models only, not ${kind}`);
const data = await taskSpec(kind).load(dataPath, finetuned.tokenizer, { ...trainedLoadOptions(finetuned), labels: [...finetuned.labels] });
const fp32 = await BertRunner.create(model, { outputs: ['logits'] });
const q8 = await BertRunner.create(model, { outputs: ['logits'], quantized: quantizeEncoderWeights(model, schemeOf(modelDir)) });
const peerClass = kind === 'classification' ? AutoModelForSequenceClassification : AutoModelForTokenClassification;
const peer = await peerClass.from_pretrained(modelDir, { dtype: 'q8' });
const labelCount = finetuned.labels.length;

/** Argmax over the last axis of logits [rows, (tokens,) labels]. */
function argmaxRows(values: Float32Array): number[] {
  const labels: number[] = [];
  for (let start = 0; start < values.length; start += labelCount) {
    let best = start;
    for (let k = start + 1; k < start + labelCount; k++) if (values[k]! > values[best]!) best = k;
    labels.push(best - start);
  }
  return labels;
}

let compared = 0, peerAgrees = 0, fp32Agrees = 0;
const BATCH = 32;
for (let start = 0; start < data.features.length; start += BATCH) {
  const features = data.features.slice(start, start + BATCH);
  const batch = padRows(features.map((feature) => ({ ids: feature.inputIds, typeIds: feature.tokenTypeIds })), model.config.pad_token_id);
  const ours = argmaxRows((await q8.run(batch, model.parameters)).logits!.data as Float32Array);
  const reference = argmaxRows((await fp32.run(batch, model.parameters)).logits!.data as Float32Array);
  const tensor = (values: BigInt64Array | undefined) => new Tensor('int64', values!, [batch.batchSize, batch.seqLength]);
  const output = await peer({ input_ids: tensor(batch.inputIds), attention_mask: tensor(batch.attentionMask), token_type_ids: tensor(batch.tokenTypeIds) });
  const theirs = argmaxRows(output.logits.data as Float32Array);
  const seqLength = batch.seqLength;
  features.forEach((feature, row) => {
    const positions = kind === 'classification' ? [row] : [...feature.tokenLabels!.keys()].filter((t) => feature.tokenLabels![t] !== -100).map((t) => row * seqLength + t);
    for (const position of positions) {
      compared++;
      if (theirs[position] === ours[position]) peerAgrees++;
      if (reference[position] === ours[position]) fp32Agrees++;
    }
  });
}
await Promise.all([fp32.dispose(), q8.dispose(), peer.dispose()]);
console.log(JSON.stringify({
  model: modelDir, data: dataPath, task: kind, compared, unit: kind === 'classification' ? 'sentences' : 'words',
  transformers_js_q8_agreement: peerAgrees / compared, bertkit_q8_vs_fp32_agreement: fp32Agrees / compared, scheme: schemeOf(modelDir),
}));
