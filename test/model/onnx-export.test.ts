// The transformers.js export, loaded by @huggingface/transformers itself from a local folder:
// its models reproduce the PyTorch fixture outputs on the fixture batch, and its pipelines give
// bertkit's numbers on text.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { AutoModel, AutoModelForMaskedLM, AutoModelForQuestionAnswering, AutoModelForSequenceClassification, AutoModelForTokenClassification, Tensor, env, pipeline } from '@huggingface/transformers';
import { headsOf } from '../../src/model/architecture.js';
import { bertParameterShapes } from '../../src/model/bert.js';
import { loadBert } from '../../src/model/checkpoint.js';
import { parseBertConfig } from '../../src/model/config.js';
import { type ExportTask, exportOnnx } from '../../src/model/onnx-export.js';
import { BertRunner } from '../../src/model/runner.js';
import { BertInference } from '../../src/serve/bert-inference.js';
import { initializeParameters } from '../../src/runtime/init.js';
import { BertTokenizer } from '../../src/tokenizer/bert-tokenizer.js';
import { Vocab } from '../../src/tokenizer/vocab.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, expectedOutputs, fixtureInputs, fixturePath, maxAbsDiff } from './fixture.js';

const skip = skipWithoutShared(FIXTURE, 'expected_outputs.safetensors');
const quiet = { warn: () => {} };
const work = mkdtempSync(join(tmpdir(), 'bertkit-onnx-export-'));
after(() => rmSync(work, { recursive: true, force: true }));
env.allowRemoteModels = false;

const TEXTS = ['The quick brown fox jumps over the lazy dog.', 'Attention is all you need, or is it?', 'Tokyo 東京 and naïve café.', 'short'];

/** The fixture batch as transformers.js tensors. */
function fixtureFeeds(): Record<string, Tensor> {
  const inputs = fixtureInputs();
  const dims = [inputs.input_ids.length, inputs.input_ids[0]!.length];
  const tensor = (rows: number[][]) => new Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), dims);
  return { input_ids: tensor(inputs.input_ids), attention_mask: tensor(inputs.attention_mask), token_type_ids: tensor(inputs.token_type_ids) };
}

async function exported(sub: string, task: ExportTask): Promise<{ dir: string; inference: BertInference }> {
  const model = await loadBert(fixturePath(sub), quiet);
  const tokenizer = BertTokenizer.fromPretrained(fixturePath());
  const dir = join(work, task);
  exportOnnx(dir, model, { task, tokenizer });
  return { dir, inference: BertInference.create(model, tokenizer) };
}

test('the layout: onnx/model.onnx with int64 [batch, sequence] inputs, config and tokenizer files', { skip }, async () => {
  const { dir, inference } = await exported('', 'feature-extraction');
  await inference.dispose();
  const session = await ort.InferenceSession.create(join(dir, 'onnx', 'model.onnx'));
  try {
    assert.deepEqual([...session.inputNames].sort(), ['attention_mask', 'input_ids', 'token_type_ids']);
    assert.deepEqual(session.outputNames, ['last_hidden_state']);
    for (const meta of session.inputMetadata) {
      assert.ok(meta.isTensor);
      assert.equal(meta.type, 'int64');
      assert.equal(meta.shape.length, 2);
      assert.ok(meta.shape.every((dim) => typeof dim === 'string'), `${meta.name} has symbolic dims, got ${meta.shape.join(',')}`);
    }
  } finally {
    await session.release();
  }
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { architectures: string[]; model_type: string };
  assert.deepEqual(config.architectures, ['BertModel']);
  assert.equal(config.model_type, 'bert');
  for (const file of ['tokenizer.json', 'tokenizer_config.json', 'vocab.txt']) assert.ok(readFileSync(join(dir, file)).length > 0, file);
});

test('feature-extraction: transformers.js AutoModel reproduces PyTorch; its pipeline gives bertkit embed numbers', { skip }, async () => {
  const { dir, inference } = await exported('', 'feature-extraction');
  try {
    const model = await AutoModel.from_pretrained(dir, { dtype: 'fp32' });
    const output = await model(fixtureFeeds());
    const want = expectedOutputs().get('last_hidden_state')!;
    const { worst, compared } = maxAbsDiff(output.last_hidden_state.data as Float32Array, want.data as Float32Array, fixtureInputs().attention_mask);
    assert.ok(compared > 0 && worst < 1e-5, `last_hidden_state off by ${worst}`);
    await model.dispose();

    const extractor = await pipeline('feature-extraction', dir, { dtype: 'fp32' });
    for (const pooling of ['mean', 'cls'] as const) {
      const theirs = (await extractor(TEXTS, { pooling, normalize: true })).tolist() as number[][];
      const ours = await inference.embed(TEXTS, { pooling, normalize: true, batchSize: 3 });
      theirs.forEach((row, index) => assert.ok(maxAbsDiff(ours[index]!, row).worst < 1e-5, `${pooling} text ${index}`));
    }
    await extractor.dispose();

    // The other way transformers.js finds a local model: a model id under env.localModelPath.
    const previous = env.localModelPath;
    env.localModelPath = work;
    try {
      const byId = await pipeline('feature-extraction', 'feature-extraction', { dtype: 'fp32', local_files_only: true });
      const [row] = (await byId(TEXTS[0]!, { pooling: 'mean' })).tolist() as number[][];
      assert.ok(maxAbsDiff((await inference.embed([TEXTS[0]!]))[0]!, row!).worst < 1e-5);
      await byId.dispose();
    } finally {
      env.localModelPath = previous;
    }
  } finally {
    await inference.dispose();
  }
});

test('fill-mask: MLM logits [B,T,V] reproduce PyTorch; the pipeline ranks and scores as bertkit fillMask', { skip }, async () => {
  const { dir, inference } = await exported('', 'fill-mask');
  try {
    const model = await AutoModelForMaskedLM.from_pretrained(dir, { dtype: 'fp32' });
    const logits = (await model(fixtureFeeds())).logits;
    const [, seq, vocab] = logits.dims as number[];
    const labels = fixtureInputs().mlm_labels;
    const want = expectedOutputs().get('mlm_logits_at_labels')!;
    let row = 0;
    labels.forEach((positions, b) => positions.forEach((label, s) => {
      if (label === -100) return;
      const got = (logits.data as Float32Array).subarray((b * seq! + s) * vocab!, (b * seq! + s + 1) * vocab!);
      const { worst } = maxAbsDiff(got, (want.data as Float32Array).subarray(row * vocab!, ++row * vocab!));
      assert.ok(worst < 1e-4, `batch ${b} position ${s}: off by ${worst}`);
    }));
    assert.equal(row, want.shape[0]);
    await model.dispose();

    const unmasker = await pipeline('fill-mask', dir, { dtype: 'fp32' });
    for (const text of ['the capital of france is [MASK].', 'she [MASK] to the store yesterday and bought milk']) {
      const theirs = await unmasker(text, { top_k: 4 }) as { score: number; token: number; token_str: string; sequence: string }[];
      const ours = (await inference.fillMask(text, { topK: 4 }))[0]!;
      assert.deepEqual(ours.map((p) => p.token), theirs.map((p) => p.token), text);
      assert.deepEqual(ours.map((p) => p.sequence), theirs.map((p) => p.sequence), text);
      ours.forEach((p, k) => assert.ok(Math.abs(p.score - theirs[k]!.score) < 1e-6, `${text}: score ${k}`));
    }
    await unmasker.dispose();
  } finally {
    await inference.dispose();
  }
});

test('text-classification: logits reproduce PyTorch; the pipeline gives bertkit classify labels and scores', { skip }, async () => {
  const { dir, inference } = await exported('sequence-classification', 'text-classification');
  try {
    const model = await AutoModelForSequenceClassification.from_pretrained(dir, { dtype: 'fp32' });
    const logits = (await model(fixtureFeeds())).logits;
    const want = expectedOutputs().get('sequence_classification_logits')!;
    assert.ok(maxAbsDiff(logits.data as Float32Array, want.data as Float32Array).worst < 1e-5);
    await model.dispose();

    const classifier = await pipeline('text-classification', dir, { dtype: 'fp32' });
    const ours = await inference.classify(TEXTS);
    for (const [index, text] of TEXTS.entries()) {
      const theirs = await classifier(text, { top_k: null }) as { label: string; score: number }[];
      assert.equal(theirs.length, 3);
      for (const { label, score } of theirs) {
        const mine = ours[index]!.scores.find((entry) => entry.label === label);
        assert.ok(mine && Math.abs(mine.score - score) < 1e-6, `${text}: ${label}`);
      }
      assert.equal(ours[index]!.label, theirs[0]!.label);
    }
    await classifier.dispose();
  } finally {
    await inference.dispose();
  }
});

test('token-classification: logits reproduce PyTorch; the pipeline tags tokens as bertkit classifyTokens', { skip }, async () => {
  const { dir, inference } = await exported('token-classification', 'token-classification');
  try {
    const model = await AutoModelForTokenClassification.from_pretrained(dir, { dtype: 'fp32' });
    const logits = (await model(fixtureFeeds())).logits;
    const want = expectedOutputs().get('token_classification_logits')!;
    assert.ok(maxAbsDiff(logits.data as Float32Array, want.data as Float32Array, fixtureInputs().attention_mask).worst < 1e-5);
    await model.dispose();

    const tagger = await pipeline('token-classification', dir, { dtype: 'fp32' });
    const ours = await inference.classifyTokens(TEXTS);
    for (const [index, text] of TEXTS.entries()) {
      // the pipeline leaves out tokens tagged 'O'
      const theirs = await tagger(text) as { entity: string; score: number; index: number; word: string }[];
      const mine = ours[index]!.filter((p) => p.label !== 'O');
      assert.deepEqual(mine.map((p) => [p.index, p.label, p.token]), theirs.map((p) => [p.index, p.entity, p.word]), text);
      mine.forEach((p, k) => assert.ok(Math.abs(p.score - theirs[k]!.score) < 1e-6, `${text}: token ${p.index}`));
    }
    await tagger.dispose();
  } finally {
    await inference.dispose();
  }
});

test('exportOnnx refuses a task the model has no head for, naming the ones it has', { skip }, async () => {
  const model = await loadBert(fixturePath('token-classification'), quiet);
  assert.throws(() => exportOnnx(join(work, 'refused'), model, { task: 'fill-mask' }), /BertForTokenClassification cannot be exported for fill-mask; it can for token-classification, feature-extraction/);
  assert.throws(() => exportOnnx(join(work, 'refused'), model, { task: 'translation' as 'fill-mask' }), /unknown task "translation"/);
});

test('without the shared fixtures: a random tiny model and vocabulary, transformers.js pipelines agree with bertkit', async () => {
  const words = ['hello', 'world', 'the', 'cat', 'sat', 'on', 'mat', '##s', 'a', '.', ','];
  const vocab = Vocab.fromTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...words]);
  const tokenizer = BertTokenizer.fromVocab(vocab);
  const config = parseBertConfig({ vocab_size: vocab.size, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 32, pad_token_id: 0 }, 'test config');
  const heads = headsOf('BertForMaskedLM');
  const shapes = bertParameterShapes(config, heads);
  // a larger init range than BERT's so that predictions differ visibly between tokens
  const parameters = initializeParameters([...shapes].map(([name, shape]) => ({ name, shape })), { seed: 5, initializerRange: 0.5 });
  const inference = BertInference.create({ config, heads, parameters }, tokenizer);
  const dir = join(work, 'random-mlm');
  exportOnnx(dir, { config, heads, parameters }, { tokenizer });
  try {
    const unmasker = await pipeline('fill-mask', dir, { dtype: 'fp32' });
    const text = 'the cat [MASK] on the mats.';
    const theirs = await unmasker(text, { top_k: 3 }) as { score: number; token: number; sequence: string }[];
    const ours = (await inference.fillMask(text, { topK: 3 }))[0]!;
    assert.deepEqual(ours.map((p) => [p.token, p.sequence]), theirs.map((p) => [p.token, p.sequence]));
    ours.forEach((p, k) => assert.ok(Math.abs(p.score - theirs[k]!.score) < 1e-6));
    await unmasker.dispose();

    exportOnnx(join(work, 'random-features'), { config, heads, parameters }, { tokenizer, task: 'feature-extraction' });
    const extractor = await pipeline('feature-extraction', join(work, 'random-features'), { dtype: 'fp32' });
    const sentences = ['hello world', 'a cat sat on a mat , hello .'];
    const theirEmbeddings = (await extractor(sentences, { pooling: 'mean' })).tolist() as number[][];
    const ourEmbeddings = await inference.embed(sentences, { batchSize: 1 });
    theirEmbeddings.forEach((row, index) => assert.ok(maxAbsDiff(ourEmbeddings[index]!, row).worst < 1e-5));
    await extractor.dispose();
  } finally {
    await inference.dispose();
  }
});

test('portable: standard ONNX ops only, and transformers.js gives the numbers of the fused export', async () => {
  const vocab = Vocab.fromTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'hello', 'world', 'the', 'cat', '.']);
  const tokenizer = BertTokenizer.fromVocab(vocab);
  const config = parseBertConfig({ vocab_size: vocab.size, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 32 }, 'test config');
  const heads = headsOf('BertModel');
  const shapes = bertParameterShapes(config, heads);
  const parameters = initializeParameters([...shapes].map(([name, shape]) => ({ name, shape })), { seed: 3, initializerRange: 0.5 });
  const domains = (dir: string): Set<string> => new Set(onnxProto.onnx.ModelProto.decode(readFileSync(join(dir, 'onnx', 'model.onnx'))).graph!.node!.map((node) => node.domain ?? ''));
  const embeddings: number[][][] = [];
  for (const portable of [false, true]) {
    const dir = join(work, portable ? 'portable' : 'fused');
    exportOnnx(dir, { config, heads, parameters }, { tokenizer, task: 'feature-extraction', portable });
    assert.deepEqual([...domains(dir)].sort(), portable ? [''] : ['', 'com.microsoft'], dir);
    const extractor = await pipeline('feature-extraction', dir, { dtype: 'fp32' });
    embeddings.push((await extractor(['hello world .', 'the cat'], { pooling: 'mean' })).tolist() as number[][]);
    await extractor.dispose();
  }
  embeddings[0]!.forEach((row, index) => {
    const { worst } = maxAbsDiff(row, embeddings[1]![index]!);
    assert.ok(worst < 1e-5 && row.some((value) => value !== 0), `text ${index}: fused and portable exports differ by ${worst}`);
  });
});

test('question-answering: transformers.js AutoModelForQuestionAnswering gives the start and end logits of bertkit\'s own forward', async () => {
  const config = parseBertConfig({ vocab_size: 40, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 16 }, 'test config');
  const heads = headsOf('BertForQuestionAnswering');
  const shapes = bertParameterShapes(config, heads);
  const parameters = initializeParameters([...shapes].map(([name, shape]) => ({ name, shape })), { seed: 9, initializerRange: 0.5 });
  const model = { config, heads, parameters };
  const dir = join(work, 'random-qa');
  const exportedModel = exportOnnx(dir, model);
  assert.equal(exportedModel.task, 'question-answering');
  // Two rows, the second a question/context pair padded after 5 tokens.
  const [batch, seq] = [2, 8];
  const inputIds = BigInt64Array.from([2, 11, 12, 13, 3, 14, 15, 3, 2, 16, 3, 17, 3, 0, 0, 0], BigInt);
  const tokenTypeIds = BigInt64Array.from([0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0], BigInt);
  const attentionMask = BigInt64Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0], BigInt);
  const runner = await BertRunner.create(model);
  const want = await runner.run({ batchSize: batch, seqLength: seq, inputIds, tokenTypeIds, attentionMask }, parameters);
  await runner.dispose();
  const peer = await AutoModelForQuestionAnswering.from_pretrained(dir, { dtype: 'fp32' });
  try {
    const dims = [batch, seq];
    const got = await peer({ input_ids: new Tensor('int64', inputIds, dims), token_type_ids: new Tensor('int64', tokenTypeIds, dims), attention_mask: new Tensor('int64', attentionMask, dims) });
    const mask = [[...attentionMask.slice(0, seq)].map(Number), [...attentionMask.slice(seq)].map(Number)];
    for (const name of ['start_logits', 'end_logits']) {
      assert.deepEqual(got[name].dims, [batch, seq], name);
      const { worst, compared } = maxAbsDiff(got[name].data as Float32Array, want[name]!.data as Float32Array, mask);
      assert.ok(compared === 13 && worst < 1e-5, `${name}: off by ${worst}`);
    }
  } finally {
    await peer.dispose();
  }
});
