// Dynamic int8 quantization: the weight format against its definition, the q8 model against
// PyTorch's fp32 outputs on the tiny fixture, transformers.js loading bertkit's
// onnx/model_quantized.onnx with dtype 'q8', and the refusals of `bertkit quantize`.
//
// Tolerances. A weight quantized to qmax levels errs by at most scale/2 = max|W|/(2·qmax) per
// entry (tested exactly below); activations, quantized per tensor to 255 levels, by up to range/510.
// On the fixture (hidden 32, 2 layers) that keeps the LayerNormed hidden states (entries of size ~1)
// within about 1e-3 of PyTorch's fp32: measured max |q8 − PyTorch| 0.0012 (u8u8), 0.0014
// (reduce-range), 0.0020 (reduce-range per tensor), and 0.0090 for full-range int8 on this CPU
// without VNNI, where some u8·s8 pair sums saturate. The bounds (max 0.03, mean 0.005) admit all of
// these and ORT's run-to-run rounding, yet fail a wrong scale (off by 2×: errors of order 1), a wrong
// transposition or a model that was not quantized at all (error exactly 0, checked too).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { AutoModelForSequenceClassification, Tensor, env } from '@huggingface/transformers';
import { quantizeModel, readQuantizationRecord } from '../../src/compress/quantize-model.js';
import { type QuantizationScheme, quantizeEncoderWeights, quantizeMatrix } from '../../src/compress/quantize-weights.js';
import { loadBert } from '../../src/model/checkpoint.js';
import { BertRunner } from '../../src/model/runner.js';
import { BertInference } from '../../src/serve/bert-inference.js';
import { Rng } from '../../src/runtime/rng.js';
import { bertkit } from '../helpers/cli.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, expectedOutputs, fixtureBatch, fixtureInputs, fixturePath, maxAbsDiff } from '../model/fixture.js';

const skip = skipWithoutShared(FIXTURE, 'expected_outputs.safetensors');
const work = mkdtempSync(join(tmpdir(), 'bertkit-quantize-'));
after(() => rmSync(work, { recursive: true, force: true }));
env.allowRemoteModels = false;
const quiet = { warn: () => {} };

const SCHEMES: QuantizationScheme[] = [
  { weights: 'int8', perChannel: true },
  { weights: 'int8-reduce-range', perChannel: true },
  { weights: 'uint8', perChannel: true },
  { weights: 'int8-reduce-range', perChannel: false },
];

/** Mean |got − want| over the unpadded positions. */
function meanAbsDiff(got: Float32Array, want: Float32Array, mask: number[][]): number {
  const positions = mask.flat(), width = want.length / positions.length;
  let sum = 0, count = 0;
  for (let i = 0; i < want.length; i++) {
    if (positions[Math.floor(i / width)] === 0) continue;
    sum += Math.abs(got[i]! - want[i]!);
    count++;
  }
  return sum / count;
}

test('quantizeMatrix: symmetric levels within [−qmax, qmax], each weight within half a step, laid out [in, out]', () => {
  const rng = new Rng(11);
  const out = 6, inFeatures = 10;
  const weight = Float32Array.from({ length: out * inFeatures }, () => (rng.uniform() - 0.5) * (1 + rng.uniform()));
  weight[3 * inFeatures + 4] = 0.9; // one column's largest entry
  for (const [format, qmax] of [['int8', 127], ['int8-reduce-range', 64], ['uint8', 127]] as const) {
    for (const perChannel of [true, false]) {
      const q = quantizeMatrix(weight, out, inFeatures, { weights: format, perChannel });
      assert.equal(q.scale.length, perChannel ? out : 1);
      assert.equal(q.values instanceof Uint8Array, format === 'uint8');
      for (let o = 0; o < out; o++) {
        const scale = q.scale[perChannel ? o : 0]!;
        let columnMax = 0;
        for (let i = 0; i < inFeatures; i++) {
          const level = q.values[i * out + o]! - (format === 'uint8' ? 128 : 0);
          assert.ok(Math.abs(level) <= qmax, `${format}: level ${level}`);
          assert.ok(Math.abs(level * scale - weight[o * inFeatures + i]!) <= scale / 2 + 1e-7, `${format} ${perChannel}: [${o}, ${i}]`);
          columnMax = Math.max(columnMax, Math.abs(level));
        }
        if (perChannel) assert.equal(columnMax, qmax, `${format}: column ${o} uses the full range`);
      }
      if (format === 'uint8') assert.ok(q.zeroPoint!.every((zero) => zero === 128));
    }
  }
});

test('q8 on the tiny fixture: hidden states and logits close to PyTorch fp32, for every weight format', { skip }, async () => {
  const inputs = fixtureInputs();
  const expected = expectedOutputs();
  const wantHidden = expected.get('last_hidden_state')!.data as Float32Array;
  const model = await loadBert(fixturePath('sequence-classification'), quiet);
  const wantLogits = expected.get('sequence_classification_logits')!.data as Float32Array;
  for (const scheme of SCHEMES) {
    const runner = await BertRunner.create(model, { outputs: ['last_hidden_state', 'logits'], quantized: quantizeEncoderWeights(model, scheme) });
    try {
      const outputs = await runner.run(fixtureBatch(inputs), model.parameters);
      const hidden = outputs.last_hidden_state!.data as Float32Array;
      const { worst, compared } = maxAbsDiff(hidden, wantHidden, inputs.attention_mask);
      const mean = meanAbsDiff(hidden, wantHidden, inputs.attention_mask);
      const logits = maxAbsDiff(outputs.logits!.data as Float32Array, wantLogits).worst;
      const label = `${scheme.weights} ${scheme.perChannel ? 'per channel' : 'per tensor'}`;
      process.stderr.write(`  q8 ${label}: hidden max ${worst.toFixed(4)} mean ${mean.toFixed(4)}, logits max ${logits.toFixed(4)}\n`);
      assert.ok(compared > 0 && worst < 0.03, `${label}: hidden states off by ${worst}`);
      assert.ok(mean < 0.005, `${label}: mean error ${mean}`);
      assert.ok(logits < 0.01, `${label}: logits off by ${logits}`);
      assert.ok(worst > 1e-5, `${label}: identical to fp32, so nothing was quantized`);
    } finally {
      await runner.dispose();
    }
  }
});

test('bertkit quantize --output, then transformers.js dtype q8 loads onnx/model_quantized.onnx and gives bertkit q8 logits', { skip }, async () => {
  const dir = join(work, 'classifier-q8');
  const run = bertkit('quantize', '--model', fixturePath('sequence-classification'), '--output', dir);
  assert.equal(run.status, 0, run.stderr);
  const record = readQuantizationRecord(dir)!;
  assert.equal(record.file, 'onnx/model_quantized.onnx');
  assert.equal(record.task, 'text-classification');
  assert.equal(record.kernel, record.scheme.weights === 'uint8' ? 'u8u8' : 'u8s8');
  assert.equal(record.cpu.vnni, /\b(avx512_vnni|avx_vnni)\b/.test(existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : ''));
  // (the fixture's classifier has no tokenizer files of its own: --output gets none, with a warning)
  assert.match(run.stderr, /has no usable tokenizer/);
  for (const file of ['config.json', 'model.safetensors', 'onnx/model.onnx']) assert.ok(existsSync(join(dir, file)), file);
  // Only the int8 file left: transformers.js must find it by its dtype name.
  rmSync(join(dir, 'onnx', 'model.onnx'));
  const peer = await AutoModelForSequenceClassification.from_pretrained(dir, { dtype: 'q8' });
  const inputs = fixtureInputs();
  const dims = [inputs.input_ids.length, inputs.input_ids[0]!.length];
  const tensor = (rows: number[][]) => new Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), dims);
  const theirs = (await peer({ input_ids: tensor(inputs.input_ids), attention_mask: tensor(inputs.attention_mask), token_type_ids: tensor(inputs.token_type_ids) })).logits.data as Float32Array;
  await peer.dispose();

  // bertkit q8 from the same directory (its quantization.json) through the library.
  const inference = await BertInference.load(dir, { dtype: 'q8', tokenizerDir: fixturePath() });
  const model = inference.model;
  const runner = await BertRunner.create(model, { outputs: ['logits'], quantized: quantizeEncoderWeights(model, record.scheme) });
  const ours = (await runner.run(fixtureBatch(inputs), model.parameters)).logits!.data as Float32Array;
  await runner.dispose();
  assert.ok(maxAbsDiff(theirs, ours).worst < 1e-5, `transformers.js q8 vs bertkit q8: ${maxAbsDiff(theirs, ours).worst}`);
  assert.ok(maxAbsDiff(ours, expectedOutputs().get('sequence_classification_logits')!.data as Float32Array).worst < 0.01);
  // classify with dtype q8 gives the same label as fp32 on real text
  const fp32 = BertInference.create(model, inference.tokenizer);
  const texts = ['a gripping, beautifully made film', 'dull and far too long'];
  const [q8Labels, fp32Labels] = [await inference.classify(texts), await fp32.classify(texts)];
  q8Labels.forEach((prediction, index) => assert.ok(Math.abs(prediction.score - fp32Labels[index]!.score) < 0.01, texts[index]));
  await Promise.all([inference.dispose(), fp32.dispose()]);
});

test('bertkit quantize refuses, writing nothing: no weights, already quantized, over another tool\'s file, a non-empty --output', { skip }, async () => {
  const noWeights = join(work, 'no-weights');
  mkdirSync(noWeights);
  writeFileSync(join(noWeights, 'config.json'), readFileSync(fixturePath('config.json')));
  let run = bertkit('quantize', '--model', noWeights);
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /has no weights \(looked for model\.safetensors/);
  assert.ok(!existsSync(join(noWeights, 'onnx')));

  // In place, twice: the second run is refused and leaves the first one's files as they were.
  const inPlace = join(work, 'in-place');
  await quantizeModel(fixturePath('sequence-classification'), { output: inPlace });
  const before = statSync(join(inPlace, 'onnx', 'model_quantized.onnx')).mtimeMs;
  run = bertkit('quantize', '--model', inPlace, '--per-tensor');
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /is already quantized \(quantization\.json/);
  assert.equal(statSync(join(inPlace, 'onnx', 'model_quantized.onnx')).mtimeMs, before);
  assert.equal(readQuantizationRecord(inPlace)!.scheme.perChannel, true);

  // Another tool's model_quantized.onnx beside fp32 weights: in place would lose it.
  const foreign = join(work, 'foreign');
  await quantizeModel(fixturePath('sequence-classification'), { output: foreign });
  rmSync(join(foreign, 'quantization.json'));
  writeFileSync(join(foreign, 'onnx', 'model_quantized.onnx'), 'not ours');
  run = bertkit('quantize', '--model', foreign);
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /was not written by bertkit quantize; quantizing in place would overwrite it/);
  assert.equal(readFileSync(join(foreign, 'onnx', 'model_quantized.onnx'), 'utf8'), 'not ours');

  // Only an int8 ONNX file and no fp32 weights: already quantized.
  rmSync(join(foreign, 'model.safetensors'));
  run = bertkit('quantize', '--model', foreign, '--output', join(work, 'fresh'));
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /is already quantized: it holds onnx\/model_quantized\.onnx and no fp32 weights/);
  assert.ok(!existsSync(join(work, 'fresh')));

  run = bertkit('quantize', '--model', fixturePath('sequence-classification'), '--output', inPlace);
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /--output .* exists and is not an empty directory/);
  assert.equal(statSync(join(inPlace, 'onnx', 'model_quantized.onnx')).mtimeMs, before);
});

test('--dtype q8 on the CLI: embed gives embeddings near fp32; --attentions needs fp32', { skip }, () => {
  const input = join(work, 'texts.jsonl');
  writeFileSync(input, `${JSON.stringify({ text: 'the cat sat on the mat' })}\n${JSON.stringify({ text: 'attention is all you need' })}\n`);
  const embeddings = (dtype: string): number[][] => {
    const run = bertkit('embed', '--model', fixturePath(), '--input', input, '--dtype', dtype, '--quiet');
    assert.equal(run.status, 0, run.stderr);
    return run.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { embedding: number[] }).embedding);
  };
  const [fp32, q8] = [embeddings('fp32'), embeddings('q8')];
  fp32.forEach((row, index) => {
    const { worst } = maxAbsDiff(q8[index]!, row);
    assert.ok(worst < 0.03 && worst > 0, `text ${index}: q8 vs fp32 ${worst}`);
  });
  const batch = join(work, 'batch.json');
  writeFileSync(batch, JSON.stringify({ input_ids: [[101, 7592, 102]] }));
  const run = bertkit('forward', '--model', fixturePath(), '--input', batch, '--output', join(work, 'out.safetensors'), '--attentions', '--dtype', 'q8');
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /attention maps come from the fp32 model/);
});

test('bertkit compare: fp32 and q8 rows with size on disk, parameters, latency, throughput and accuracy, as Markdown and JSON', { skip }, async () => {
  const dir = join(work, 'compare-model');
  mkdirSync(dir);
  for (const file of ['config.json', 'model.safetensors']) writeFileSync(join(dir, file), readFileSync(fixturePath('sequence-classification', file)));
  for (const file of ['vocab.txt', 'tokenizer_config.json']) writeFileSync(join(dir, file), readFileSync(fixturePath(file)));
  await quantizeModel(dir);
  const texts = ['a gripping, beautifully made film', 'dull and far too long', 'it was fine', 'the cast is wonderful', 'nothing happens', 'an odd, lovely thing'];
  const labels = ['positive', 'negative', 'neutral', 'positive', 'negative', 'positive'];
  const data = join(work, 'compare.tsv');
  writeFileSync(data, `sentence\tlabel\n${texts.map((text, index) => `${text}\t${labels[index]}`).join('\n')}\n`);
  const report = join(work, 'compare.json');
  const run = bertkit('compare', '--models', dir, `${dir}:q8`, '--task', 'classification', '--data', data, '--output', report, '--latency-inputs', '4');
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^\| model \| dtype \| size \(MB\) \| parameters \(M\) \| latency p50 \/ p99 \(ms, batch 1\) \| throughput \(seq\/s, 32 × 128\) \| accuracy \|$/m);
  const rows = JSON.parse(readFileSync(report, 'utf8')) as Array<{ dtype: string; sizeBytes: number; parameters: number; latencyMs: { p50: number; p99: number; inputs: number }; throughput: number; metrics: Record<string, number> }>;
  assert.deepEqual(rows.map((row) => row.dtype), ['fp32', 'q8']);
  assert.equal(rows[0]!.sizeBytes, statSync(join(dir, 'model.safetensors')).size);
  assert.equal(rows[1]!.sizeBytes, statSync(join(dir, 'onnx', 'model_quantized.onnx')).size);
  // parameters: every tensor of the checkpoint, counted from its safetensors header
  const header = readFileSync(join(dir, 'model.safetensors'));
  const entries = JSON.parse(header.subarray(8, 8 + Number(header.readBigUInt64LE(0))).toString('utf8')) as Record<string, { shape?: number[] }>;
  const stored = Object.values(entries).reduce((sum, entry) => sum + (entry.shape ?? []).reduce((product, dim) => product * dim, entry.shape ? 1 : 0), 0);
  for (const row of rows) {
    assert.equal(row.parameters, stored);
    assert.ok(row.latencyMs.inputs === 4 && row.latencyMs.p50 > 0 && row.latencyMs.p99 >= row.latencyMs.p50);
    assert.ok(row.throughput > 0);
  }
  // accuracy against the labels as BertInference classifies the texts (the fused, baked graph)
  const inference = await BertInference.load(dir);
  const predicted = await inference.classify(texts);
  await inference.dispose();
  const accuracy = predicted.filter((prediction, index) => prediction.label === labels[index]).length / texts.length;
  assert.equal(rows[0]!.metrics.accuracy, accuracy);
});

test('bertkit quantize --data ends with the comparison of fp32 and q8 on that file (the task from the model, compare\'s table)', { skip }, () => {
  const data = join(work, 'quantize-compare.tsv');
  writeFileSync(data, 'sentence\tlabel\na gripping film\tpositive\ndull and long\tnegative\nit was fine\tneutral\n');
  const model = join(work, 'classifier-with-tokenizer');
  mkdirSync(model);
  for (const file of ['config.json', 'model.safetensors']) writeFileSync(join(model, file), readFileSync(fixturePath('sequence-classification', file)));
  for (const file of ['vocab.txt', 'tokenizer_config.json']) writeFileSync(join(model, file), readFileSync(fixturePath(file)));
  const run = bertkit('quantize', '--model', model, '--output', join(work, 'quantized-compared'), '--data', data, '--threads', '1');
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.match(lines[0]!, /^\| model \| dtype \| .* \| accuracy \|$/);
  assert.deepEqual(lines.slice(2).map((line) => line.split(' | ')[1]), ['fp32', 'q8']);
  const notTask = bertkit('quantize', '--model', fixturePath(), '--output', join(work, 'quantized-base'), '--data', data);
  assert.notEqual(notTask.status, 0);
  assert.match(notTask.stderr, /not a fine-tuned task model/);
});
