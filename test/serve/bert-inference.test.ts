// BertInference on the bert-tiny fixtures against the PyTorch reference outputs: the fixture's
// texts go in as text (re-encoded by bertkit's tokenizer, batched by length, padded per batch)
// and every number must match HF's outputs at the real tokens.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadBert } from '../../src/model/checkpoint.js';
import { BertInference } from '../../src/serve/bert-inference.js';
import { BertTokenizer } from '../../src/tokenizer/bert-tokenizer.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, expectedOutputs, fixtureInputs, fixturePath, maxAbsDiff } from '../model/fixture.js';

const skip = skipWithoutShared(FIXTURE, 'expected_outputs.safetensors');
const quiet = { warn: () => {} };

/**
 * The fixture rows as text (pairs split at [SEP]), decoded from its ids so that [MASK] survives.
 * Rows 0–2 only: row 3 masks its own [SEP], which no text pair encodes to.
 */
const TEXT_ROWS = 3;
function fixtureTexts(tokenizer: BertTokenizer): (string | [string, string])[] {
  const { input_ids, attention_mask, token_type_ids } = fixtureInputs();
  return input_ids.slice(0, TEXT_ROWS).map((ids, row) => {
    const length = attention_mask[row]!.filter((bit) => bit === 1).length;
    const segment = (type: number): string => tokenizer.decode(ids.slice(1, length).filter((id, at) => token_type_ids[row]![at + 1] === type && id !== 102));
    const second = token_type_ids[row]!.slice(0, length).includes(1);
    return second ? [segment(0), segment(1)] : segment(0);
  });
}

/** Real-token rows of a [batch, T, width] fixture tensor, per text: [length, width] each. */
function unpadded(data: Float32Array, dims: readonly number[], lengths: readonly number[]): Float32Array[] {
  const [, seq, width] = dims as [number, number, number];
  return lengths.map((length, row) => data.slice(row * seq * width, (row * seq + length) * width));
}

const lengthsOf = (): number[] => fixtureInputs().attention_mask.slice(0, TEXT_ROWS).map((mask) => mask.filter((bit) => bit === 1).length);

async function openBase(): Promise<{ inference: BertInference; texts: (string | [string, string])[] }> {
  const inference = await BertInference.load(fixturePath(), quiet);
  const texts = fixtureTexts(inference.tokenizer);
  // Precondition: bertkit's tokenizer gives back the fixture's ids, so the comparisons below are like for like.
  const encoded = inference.tokenizer.encodeBatch(texts);
  const { input_ids, token_type_ids } = fixtureInputs();
  encoded.forEach((encoding, row) => {
    assert.deepEqual(encoding.ids, input_ids[row]!.slice(0, encoding.ids.length), `row ${row} ids`);
    assert.deepEqual(encoding.typeIds, token_type_ids[row]!.slice(0, encoding.ids.length), `row ${row} segments`);
  });
  return { inference, texts };
}

test('tokenStates: last hidden state, every hidden state and attention map match PyTorch, any batch size', { skip }, async () => {
  const { inference, texts } = await openBase();
  const expected = expectedOutputs();
  const lengths = lengthsOf();
  try {
    for (const batchSize of [1, 3, 4]) {
      const states = await inference.tokenStates(texts, { batchSize, hiddenStates: true, attentions: true });
      const want = expected.get('last_hidden_state')!;
      unpadded(want.data as Float32Array, want.shape, lengths).forEach((rows, index) => {
        assert.ok(maxAbsDiff(states[index]!.lastHiddenState, rows).worst < 1e-5, `batch ${batchSize}, text ${index}: last_hidden_state`);
      });
      for (let layer = 0; layer <= 2; layer++) {
        const tensor = expected.get(`hidden_states.${layer}`)!;
        unpadded(tensor.data as Float32Array, tensor.shape, lengths).forEach((rows, index) => {
          assert.ok(maxAbsDiff(states[index]!.hiddenStates![layer]!, rows).worst < 1e-5, `batch ${batchSize}, text ${index}: hidden_states.${layer}`);
        });
      }
      for (let layer = 0; layer < 2; layer++) {
        const tensor = expected.get(`attentions.${layer}`)!;
        const [, heads, seq] = tensor.shape as [number, number, number];
        lengths.forEach((length, index) => {
          const got = states[index]!.attentions![layer]!;
          assert.equal(got.length, heads * length * length);
          for (let h = 0; h < heads; h++) {
            for (let q = 0; q < length; q++) {
              const from = ((index * heads + h) * seq + q) * seq;
              const want = (tensor.data as Float32Array).subarray(from, from + length);
              assert.ok(maxAbsDiff(got.subarray((h * length + q) * length, (h * length + q + 1) * length), want).worst < 1e-5, `attentions.${layer} text ${index} head ${h} query ${q}`);
            }
          }
        });
      }
    }
  } finally {
    await inference.dispose();
  }
});

test('embed: [CLS] and mean pooling (optionally normalised) of the PyTorch hidden states, in input order', { skip }, async () => {
  const { inference, texts } = await openBase();
  const want = expectedOutputs().get('last_hidden_state')!;
  const width = want.shape[2]!;
  const rows = unpadded(want.data as Float32Array, want.shape, lengthsOf());
  try {
    const cls = await inference.embed(texts, { pooling: 'cls', batchSize: 2 });
    const mean = await inference.embed(texts, { pooling: 'mean', batchSize: 3 });
    const normalized = await inference.embed(texts, { pooling: 'mean', batchSize: 3, normalize: true, sortByLength: false });
    // transformers.js's way to give a pair: {text, text_pair}.
    const asObjects = texts.map((text) => (typeof text === 'string' ? { text } : { text: text[0], text_pair: text[1] }));
    const clsOfObjects = await inference.embed(asObjects, { pooling: 'cls', batchSize: 2 });
    assert.ok(texts.some((text) => typeof text !== 'string'), 'the fixture has a pair');
    rows.forEach((tokens, index) => {
      assert.ok(maxAbsDiff(clsOfObjects[index]!, tokens.subarray(0, width)).worst < 1e-5, `text ${index}: cls of {text, text_pair}`);
      const length = tokens.length / width;
      const average = Array.from({ length: width }, (_, i) => {
        let sum = 0;
        for (let t = 0; t < length; t++) sum += tokens[t * width + i]!;
        return sum / length;
      });
      const norm = Math.hypot(...average);
      assert.ok(maxAbsDiff(cls[index]!, tokens.subarray(0, width)).worst < 1e-5, `text ${index}: cls`);
      assert.ok(maxAbsDiff(mean[index]!, average).worst < 1e-5, `text ${index}: mean`);
      assert.ok(maxAbsDiff(normalized[index]!, average.map((x) => x / norm)).worst < 1e-5, `text ${index}: normalized mean`);
    });
  } finally {
    await inference.dispose();
  }
});

test('fillMask: probabilities at every [MASK] are the softmax of the PyTorch MLM logits, best first', { skip }, async () => {
  const { inference, texts } = await openBase();
  const { input_ids, mlm_labels } = fixtureInputs();
  const want = expectedOutputs().get('mlm_logits_at_labels')!;
  const vocab = want.shape[1]!;
  // The fixture labels exactly its [MASK] positions, so the label rows are the mask rows in order.
  input_ids.forEach((ids, row) => ids.forEach((id, at) => assert.equal(id === 103, mlm_labels[row]![at] !== -100)));
  try {
    const results = await inference.fillMaskBatch(texts, { topK: 3, batchSize: 3 });
    let labelRow = 0; // mlm_logits_at_labels rows run row-major over the batch, as masks do here
    results.forEach((masks, row) => {
      assert.equal(masks.length, input_ids[row]!.filter((id) => id === 103).length, `text ${row}: one list per [MASK]`);
      masks.forEach((predictions, m) => {
        const logits = (want.data as Float32Array).subarray(labelRow * vocab, ++labelRow * vocab);
        const max = Math.max(...logits);
        const sum = [...logits].reduce((total, x) => total + Math.exp(x - max), 0);
        const order = [...logits.keys()].sort((a, b) => logits[b]! - logits[a]!);
        assert.deepEqual(predictions.map((p) => p.token), order.slice(0, 3), `text ${row}, mask ${m}: top tokens`);
        predictions.forEach((p) => assert.ok(Math.abs(p.score - Math.exp(logits[p.token]! - max) / sum) < 1e-6, `text ${row}, mask ${m}: score`));
        assert.equal(predictions[0]!.token_str, inference.tokenizer.decode([order[0]!]));
      });
    });
  } finally {
    await inference.dispose();
  }
});

test('classify and classifyTokens: softmax of the PyTorch classifier logits, labels from id2label', { skip }, async () => {
  const tokenizer = BertTokenizer.fromPretrained(fixturePath());
  const texts = fixtureTexts(tokenizer);
  const lengths = lengthsOf();
  const expected = expectedOutputs();
  const softmax = (row: ArrayLike<number>): number[] => {
    const values = Array.from(row);
    const max = Math.max(...values);
    const exps = values.map((x) => Math.exp(x - max));
    const sum = exps.reduce((total, x) => total + x, 0);
    return exps.map((x) => x / sum);
  };

  const sequence = BertInference.create(await loadBert(fixturePath('sequence-classification'), quiet), tokenizer);
  try {
    const predictions = await sequence.classify(texts, { batchSize: 3 });
    const want = expected.get('sequence_classification_logits')!;
    const labels = ['negative', 'neutral', 'positive'];
    predictions.forEach((prediction, row) => {
      const probabilities = softmax((want.data as Float32Array).subarray(row * 3, row * 3 + 3));
      assert.deepEqual(prediction.scores.map((s) => s.label), labels);
      prediction.scores.forEach((s, id) => assert.ok(Math.abs(s.score - probabilities[id]!) < 1e-6, `text ${row} ${s.label}`));
      assert.equal(prediction.label, labels[probabilities.indexOf(Math.max(...probabilities))]);
    });
  } finally {
    await sequence.dispose();
  }

  const tokenModel = await loadBert(fixturePath('token-classification'), quiet);
  const tokens = BertInference.create(tokenModel, tokenizer);
  try {
    const predictions = await tokens.classifyTokens(texts, { batchSize: 2 });
    const want = expected.get('token_classification_logits')!;
    const [, seq, labels] = want.shape as [number, number, number];
    const { input_ids } = fixtureInputs();
    predictions.forEach((row, index) => {
      const special = input_ids[index]!.slice(0, lengths[index]).flatMap((id, at) => (id === 101 || id === 102 ? [at] : []));
      assert.deepEqual(row.map((p) => p.index), [...Array(lengths[index]).keys()].filter((at) => !special.includes(at)), `text ${index}: positions`);
      row.forEach((p) => {
        const probabilities = softmax((want.data as Float32Array).subarray((index * seq + p.index) * labels, (index * seq + p.index + 1) * labels));
        const best = probabilities.indexOf(Math.max(...probabilities));
        assert.equal(p.label, tokenModel.config.id2label![String(best)]);
        assert.ok(Math.abs(p.score - probabilities[best]!) < 1e-6, `text ${index} token ${p.index}`);
      });
    });
  } finally {
    await tokens.dispose();
  }
});

test('dynamic padding and length sorting change no result; bad calls name what is wrong', { skip }, async () => {
  const { inference } = await openBase();
  const sentences = ['a', 'a much longer sentence with many more words than the others', 'mid length text here', 'b c', 'the end.'];
  try {
    const alone = await Promise.all(sentences.map(async (text) => (await inference.embed([text]))[0]!));
    const sorted = await inference.embed(sentences, { batchSize: 2 });
    const unsorted = await inference.embed(sentences, { batchSize: 5, sortByLength: false });
    sentences.forEach((_, index) => {
      assert.ok(maxAbsDiff(sorted[index]!, alone[index]!).worst < 1e-5, `sorted ${index}`);
      assert.ok(maxAbsDiff(unsorted[index]!, alone[index]!).worst < 1e-5, `unsorted ${index}`);
    });
    const progress: number[] = [];
    await inference.embed(sentences, { batchSize: 2, onProgress: (done) => progress.push(done) });
    // The long sentence runs alone: padding the next one to its length costs more than a run.
    assert.deepEqual(progress, [1, 3, 5]);
    // longer than max_position_embeddings (128): truncated, not refused
    const long = await inference.tokenStates(['word '.repeat(300)]);
    assert.equal(long[0]!.tokens.length, 128);
    await assert.rejects(inference.fillMask('no mask here'), /text 0 has no \[MASK\] token/);
    await assert.rejects(inference.fillMask(`${'word '.repeat(300)}[MASK]`), /text 0 has 303 tokens; truncation at maxLength 128 cut off its \[MASK\]/);
    await assert.rejects(inference.classify(['x']), /no sequence-classification head/);
    await assert.rejects(inference.embed(['x'], { batchSize: 0 }), /batchSize must be a positive integer/);
    await assert.rejects(inference.embed(['x'], { pooling: 'max' as 'cls' }), /pooling must be 'cls' or 'mean'/);
  } finally {
    await inference.dispose();
  }
});

test('a session that fails to start does not stop dispose from releasing the others', { skip }, async () => {
  const inference = await BertInference.load(fixturePath(), { ...quiet, threads: -3 });
  await assert.rejects(inference.embed(['hello world']), /intraOpNumThreads/);
  await assert.rejects(inference.fillMask('hello [MASK]'), /intraOpNumThreads/);
  await inference.dispose();
});
