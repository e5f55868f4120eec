// The HTTP server on the bert-tiny fixtures: TEI's documented example requests answer in TEI's
// shapes; embeddings, predictions, entities, [MASK] candidates and answers equal what the library
// computes in process (itself checked against PyTorch in test/serve/bert-inference.test.ts) or a
// float64 search over the weight-fed runner's logits; every error has TEI's status and shape and
// leaves the server up.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Explanation, explain } from '../../../src/explain/explain.js';
import { loadBert } from '../../../src/model/checkpoint.js';
import { BertRunner } from '../../../src/model/runner.js';
import { padRows } from '../../../src/model/batching.js';
import { BertInference } from '../../../src/serve/bert-inference.js';
import type { BertServer } from '../../../src/serve/http/server.js';
import { skipWithoutShared } from '../../helpers/shared.js';
import { FIXTURE, fixturePath } from '../../model/fixture.js';
import { classifierDir, get, post, questionAnsweringDir, quiet, scratch, serve } from './helpers.js';

const skip = skipWithoutShared(FIXTURE, 'token-classification', 'model.safetensors');
const close = (value: number, want: number, tolerance = 1e-5): boolean => Math.abs(value - want) <= tolerance;
type Prediction = { score: number; label: string };
type TeiError = { error: string; error_type: string };

describe('a BertForPreTraining model', { skip }, () => {
  let server: BertServer;
  let reference: BertInference;
  before(async () => {
    server = await serve(fixturePath(), { maxClientBatchSize: 4, payloadLimit: 4096 });
    reference = await BertInference.load(fixturePath(), quiet);
  });
  after(async () => {
    await server.close();
    await reference.dispose();
  });

  test("TEI's documented /embed and /v1/embeddings requests: TEI's shapes, the library's normalised mean-pooled embeddings", async () => {
    const single = await post<number[][]>(server, '/embed', { inputs: 'What is Deep Learning?' });
    assert.equal(single.status, 200);
    const batch = await post<number[][]>(server, '/embed', { inputs: ['Today is a nice day', 'I like you'] });
    const openAi = await post<{ object: string; data: { object: string; embedding: number[]; index: number }[]; model: string; usage: { prompt_tokens: number; total_tokens: number } }>(
      server, '/v1/embeddings', { input: 'What is Deep Learning?', model: 'text-embeddings-inference', encoding_format: 'float' });
    assert.equal(openAi.status, 200);
    const want = await reference.embed(['What is Deep Learning?', 'Today is a nice day', 'I like you'], { normalize: true, pooling: 'mean' });
    const got = [single.body[0]!, ...batch.body, openAi.body.data[0]!.embedding];
    assert.equal(single.body.length, 1);
    assert.equal(batch.body.length, 2);
    [want[0]!, want[1]!, want[2]!, want[0]!].forEach((embedding, index) => {
      assert.equal(got[index]!.length, 32);
      assert.ok(got[index]!.every((value, at) => close(value, embedding[at]!)), `embedding ${index}`);
    });
    assert.deepEqual(Object.keys(openAi.body).sort(), ['data', 'model', 'object', 'usage']);
    assert.equal(openAi.body.object, 'list');
    assert.equal(openAi.body.model, 'text-embeddings-inference');
    assert.deepEqual({ ...openAi.body.data[0], embedding: [] }, { object: 'embedding', embedding: [], index: 0 });
    const tokens = reference.tokenizer.encode('What is Deep Learning?').ids.length;
    assert.deepEqual(openAi.body.usage, { prompt_tokens: tokens, total_tokens: tokens });
    const raw = await post<number[][]>(server, '/embed', { inputs: 'I like you', normalize: false });
    const unnormalised = (await reference.embed(['I like you']))[0]!;
    assert.ok(raw.body[0]!.every((value, at) => close(value, unnormalised[at]!)));
    const base64 = await post<{ data: { embedding: string }[] }>(server, '/v1/embeddings', { input: ['I like you'], encoding_format: 'base64' });
    const decoded = new Float32Array(new Uint8Array(Buffer.from(base64.body.data[0]!.embedding, 'base64')).buffer);
    assert.ok([...decoded].every((value, at) => close(value, want[2]![at]!)));
  });

  test('/tokenize: TEI\'s tokens, special ones without offsets, UTF-8 byte offsets', async () => {
    const text = 'héllo world';
    const answer = await post<{ id: number; text: string; special: boolean; start: number | null; stop: number | null }[][]>(server, '/tokenize', { inputs: text });
    assert.equal(answer.status, 200);
    const encoding = reference.tokenizer.encode(text);
    assert.equal(answer.body.length, 1);
    assert.deepEqual(answer.body[0]!.map((token) => token.id), encoding.ids);
    assert.deepEqual(answer.body[0]![0], { id: encoding.ids[0], text: '[CLS]', special: true, start: null, stop: null });
    const world = answer.body[0]!.find((token) => token.text === 'world')!;
    assert.deepEqual([world.start, world.stop], [7, 12], 'é is two UTF-8 bytes');
    const bare = await post<unknown[][]>(server, '/tokenize', { inputs: ['a b', 'c'], add_special_tokens: false });
    assert.deepEqual(bare.body.map((tokens) => tokens.length), [2, 1]);
  });

  test('/fill-mask: one ranked list per [MASK], as the library predicts', async () => {
    const text = 'the capital of france is [MASK] and of italy [MASK].';
    const answer = await post<{ score: number; token: number; token_str: string; sequence: string }[][]>(server, '/fill-mask', { inputs: text, top_k: 3 });
    assert.equal(answer.status, 200);
    const want = await reference.fillMask(text, { topK: 3 });
    assert.equal(answer.body.length, 2);
    answer.body.forEach((candidates, mask) => {
      assert.deepEqual(candidates.map((c) => [c.token, c.token_str, c.sequence]), want[mask]!.map((p) => [p.token, p.token_str, p.sequence]));
      candidates.forEach((c, k) => assert.ok(close(c.score, want[mask]![k]!.score, 1e-6)));
    });
    const missing = await post<TeiError>(server, '/fill-mask', { inputs: ['no mask here'] });
    assert.equal(missing.status, 422);
    assert.match(missing.body.error, /has no \[MASK\]/);
  });

  test('errors: TEI\'s status and {error, error_type}; the server stays up after each', async () => {
    const cases: [string, unknown, number, string, RegExp][] = [
      ['/embed', '{"inputs": ', 422, 'Validation', /not valid JSON/],
      ['/embed', { input: 'x' }, 422, 'Validation', /`inputs` must be a string or an array of strings, got nothing/],
      ['/embed', { inputs: ['a', 3] }, 422, 'Validation', /`inputs`\[1\] must be a string, got a number/],
      ['/embed', { inputs: ['a', 'b', 'c', 'd', 'e'] }, 422, 'Validation', /batch size 5 > maximum allowed batch size 4/],
      ['/embed', { inputs: [] }, 400, 'Empty', /cannot be empty/],
      ['/embed', { inputs: 'word '.repeat(200) }, 422, 'Validation', /must have less than 128 tokens. Given: 202/],
      ['/embed', { inputs: 'x', normalize: 'yes' }, 422, 'Validation', /`normalize` must be true or false/],
      ['/embed', { inputs: 'x'.repeat(5000) }, 413, 'Validation', /too large|exceeds|limit/i],
      ['/predict', { inputs: 'I like you.' }, 424, 'Backend', /\/predict needs a sequence-classification head .*BertForPreTraining/],
      ['/ner', { inputs: 'I like you.' }, 424, 'Backend', /token-classification head/],
      ['/qa', { question: 'q', context: 'c' }, 424, 'Backend', /question-answering head/],
      ['/nowhere', {}, 404, 'Validation', /no route POST \/nowhere/],
    ];
    for (const [route, body, status, errorType, message] of cases) {
      const answer = await post<TeiError>(server, route, body);
      assert.equal(answer.status, status, `${route} ${JSON.stringify(body).slice(0, 40)}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.error_type, errorType, route);
      assert.match(answer.body.error, message);
      assert.equal((await get(server, '/health')).status, 200);
    }
    const openAi = await post<{ message: string; code: number; type: string }>(server, '/v1/embeddings', { input: 5 });
    assert.deepEqual([openAi.status, openAi.body.code, openAi.body.type], [422, 422, 'Validation'], 'OpenAI\'s error shape on /v1/');
    const truncated = await post<number[][]>(server, '/embed', { inputs: 'word '.repeat(200), truncate: true });
    assert.equal(truncated.status, 200);
    const want = (await reference.embed(['word '.repeat(200)], { normalize: true }))[0]!;
    assert.ok(truncated.body[0]!.every((value, at) => close(value, want[at]!)), 'truncate: true embeds the first 128 tokens');
  });

  test('/health, /info (TEI\'s fields), /metrics (Prometheus text with requests, latency, batches, queue)', async () => {
    assert.equal((await get(server, '/health')).status, 200);
    const info = JSON.parse((await get(server, '/info')).text) as Record<string, unknown>;
    assert.equal(info.max_input_length, 128);
    assert.equal(info.max_batch_tokens, 16384);
    assert.equal(info.max_client_batch_size, 4);
    assert.equal(info.max_concurrent_requests, 512);
    assert.equal(info.auto_truncate, false);
    assert.deepEqual(info.model_type, { embedding: { pooling: 'mean' } });
    assert.deepEqual((info.bertkit as { routes: string[] }).routes, ['/embed', '/v1/embeddings', '/tokenize', '/fill-mask', '/explain']);
    const metrics = await get(server, '/metrics');
    assert.equal(metrics.status, 200);
    for (const line of [/^te_request_count\{route="\/embed"\} \d+/m, /^te_request_duration_bucket\{[^}]*route="\/embed"[^}]*\} \d+/m, /^te_batch_next_size_count \d+/m, /^te_batch_next_tokens_sum \d+/m, /^te_queue_size 0$/m, /^te_request_failure\{err="validation"\} \d+/m]) {
      assert.match(metrics.text, line);
    }
  });
});

describe('classifier and question-answering models', { skip }, () => {
  const root = scratch(after);

  test('/predict: TEI\'s documented requests (a text, a batch of [text]) and a pair; scores as the library\'s, best first; /explain as explain()', async () => {
    const dir = classifierDir(root, 'sequence-classification');
    const server = await serve(dir);
    const reference = await BertInference.load(dir, quiet);
    try {
      const single = await post<Prediction[]>(server, '/predict', { inputs: 'I like you.' });
      const batch = await post<Prediction[][]>(server, '/predict', { inputs: [['I like you.'], ['I hate pineapples']] });
      const pair = await post<Prediction[]>(server, '/predict', { inputs: ['I like you.', 'I hate pineapples'] });
      const raw = await post<Prediction[]>(server, '/predict', { inputs: 'I like you.', raw_scores: true });
      const want = await reference.classify(['I like you.', 'I hate pineapples', ['I like you.', 'I hate pineapples']]);
      const wantRaw = await reference.classify(['I like you.'], { rawScores: true });
      const expectRanked = (got: Prediction[], scores: readonly Prediction[]): void => {
        assert.deepEqual(got.map((p) => p.label), [...scores].sort((a, b) => b.score - a.score).map((p) => p.label));
        got.forEach((p) => assert.ok(close(p.score, scores.find((s) => s.label === p.label)!.score, 1e-6)));
      };
      expectRanked(single.body, want[0]!.scores);
      assert.equal(batch.body.length, 2);
      expectRanked(batch.body[0]!, want[0]!.scores);
      expectRanked(batch.body[1]!, want[1]!.scores);
      expectRanked(pair.body, want[2]!.scores);
      expectRanked(raw.body, wantRaw[0]!.scores);
      assert.ok(!close(raw.body.reduce((sum, p) => sum + p.score, 0), 1, 1e-3), 'raw scores are logits, not probabilities');
      const info = JSON.parse((await get(server, '/info')).text) as { model_type: unknown };
      assert.deepEqual(info.model_type, { classifier: { id2label: { 0: 'negative', 1: 'neutral', 2: 'positive' }, label2id: { negative: 0, neutral: 1, positive: 2 } } });
      const three = await post<TeiError>(server, '/predict', { inputs: ['a', 'b', 'c'] });
      assert.equal(three.status, 422);
      const explained = await post<Explanation[]>(server, '/explain', { inputs: [['I like you.'], ['I hate pineapples', 'I like you.']], method: 'gradient-x-input', target: 'positive' });
      assert.equal(explained.status, 200);
      const wantExplained = JSON.parse(JSON.stringify(await explain(dir, ['I like you.', ['I hate pineapples', 'I like you.']], { method: 'gradient-x-input', target: 'positive', warn: () => {} }))) as Explanation[];
      explained.body.forEach((record, index) => {
        assert.deepEqual({ ...record, attributions: [], score: 0 }, { ...wantExplained[index]!, attributions: [], score: 0 });
        record.attributions!.forEach((value, at) => assert.ok(close(value, wantExplained[index]!.attributions![at]!, 1e-5)));
      });
      const badMethod = await post<TeiError>(server, '/explain', { inputs: 'x', method: 'magic' });
      assert.equal(badMethod.status, 422);
    } finally {
      await server.close();
      await reference.dispose();
    }
  });

  test('/ner: the library\'s entities with offsets into the text, for each aggregation strategy asked', async () => {
    const dir = classifierDir(root, 'token-classification');
    const server = await serve(dir);
    const reference = await BertInference.load(dir, quiet);
    try {
      const texts = ['Ada Lovelace wrote programs in London for Charles Babbage.', 'the quick brown fox jumps over the lazy dog'];
      for (const strategy of [undefined, 'simple', 'none'] as const) {
        const answer = await post<{ score: number; word: string; start: number; end: number }[][]>(server, '/ner', { inputs: texts, ...(strategy ? { aggregation_strategy: strategy } : {}) });
        assert.equal(answer.status, 200);
        const want = await reference.entities(texts, strategy ? { aggregationStrategy: strategy } : {});
        assert.ok(want.some((entities) => entities.length > 0), 'precondition: the fixture tags something');
        answer.body.forEach((entities, index) => {
          assert.deepEqual(entities.map((entity) => ({ ...entity, score: 0 })), want[index]!.map((entity) => ({ ...entity, score: 0 })), `${strategy}: text ${index}`);
          entities.forEach((entity, k) => assert.ok(close(entity.score, want[index]![k]!.score, 1e-6)));
        });
      }
      const single = await post<unknown[]>(server, '/ner', { inputs: texts[0] });
      assert.deepEqual(single.body, (await post<unknown[][]>(server, '/ner', { inputs: [texts[0]] })).body[0]);
      const wrong = await post<TeiError>(server, '/ner', { inputs: 'x', aggregation_strategy: 'best' });
      assert.equal(wrong.status, 422);
      assert.match(wrong.body.error, /aggregation_strategy/);
    } finally {
      await server.close();
      await reference.dispose();
    }
  });

  test('/qa: the span with the highest start + end logit over the context (≤ 30 tokens), found by an exhaustive float64 search over the weight-fed runner\'s logits', async () => {
    const dir = await questionAnsweringDir(root);
    const server = await serve(dir);
    const model = await loadBert(dir, quiet);
    const runner = await BertRunner.create(model, { outputs: ['start_logits', 'end_logits'] });
    const tokenizer = (await BertInference.load(dir, quiet)).tokenizer;
    try {
      // Short enough (under 20 tokens) that the search's 20 best starts and ends are every token.
      const question = 'who wrote it?';
      const context = 'ada lovelace wrote the first program.';
      const answer = await post<{ answer: string; score: number; start: number; end: number }>(server, '/qa', { question, context });
      assert.equal(answer.status, 200);
      const encoding = tokenizer.encode(question, context);
      assert.ok(encoding.ids.length <= 20);
      const outputs = await runner.run(padRows([encoding], 0), model.parameters);
      const start = [...(outputs.start_logits!.data as Float32Array)], end = [...(outputs.end_logits!.data as Float32Array)];
      const logSumExp = (values: number[]): number => { const max = Math.max(...values); return max + Math.log(values.reduce((sum, x) => sum + Math.exp(x - max), 0)); };
      let best = { s: -1, e: -1, logit: -Infinity };
      for (let s = 0; s < start.length; s++) {
        for (let e = s; e < Math.min(end.length, s + 30); e++) {
          if (encoding.sequenceIds[s] !== 1 || encoding.sequenceIds[e] !== 1) continue;
          if (start[s]! + end[e]! > best.logit) best = { s, e, logit: start[s]! + end[e]! };
        }
      }
      const [from] = encoding.offsets[best.s]!, [, to] = encoding.offsets[best.e]!;
      assert.deepEqual({ ...answer.body, score: 0 }, { answer: context.slice(from, to), score: 0, start: from, end: to });
      assert.ok(close(answer.body.score, Math.exp(best.logit - logSumExp(start) - logSumExp(end)), 1e-5));
      const batch = await post<unknown[]>(server, '/qa', { inputs: [{ question, context }, { question: 'where?', context }] });
      assert.equal(batch.body.length, 2);
      assert.deepEqual(batch.body[0], answer.body);
      const missing = await post<TeiError>(server, '/qa', { inputs: [{ question }] });
      assert.equal(missing.status, 422);
      assert.match(missing.body.error, /`inputs`\[0\]: `context` must be a string/);
    } finally {
      await server.close();
      await runner.dispose();
    }
  });
});

describe('limits', { skip }, () => {
  test('beyond --max-concurrent-requests: 429 in TEI\'s shape, the others answered, the server up', async () => {
    const server = await serve(fixturePath(), { maxConcurrentRequests: 1 });
    try {
      const texts = Array.from({ length: 32 }, (_, i) => `sentence number ${i} `.repeat(12));
      const answers = await Promise.all(Array.from({ length: 12 }, () => post<unknown>(server, '/embed', { inputs: texts, truncate: true })));
      const statuses = answers.map((answer) => answer.status);
      assert.ok(statuses.includes(200) && statuses.includes(429), `statuses ${statuses.join(' ')}`);
      assert.ok(statuses.every((status) => status === 200 || status === 429));
      const refused = answers.find((answer) => answer.status === 429)!.body as TeiError;
      assert.equal(refused.error_type, 'Overloaded');
      assert.equal((await post(server, '/embed', { inputs: 'still here' })).status, 200);
    } finally {
      await server.close();
    }
  });

  test('a client that disconnects has its inputs still waiting dropped: they never reach the model, the failure is counted, the server goes on', async () => {
    // One input per model run (--max-batch-tokens 128), so that A's inputs keep the worker busy while B waits behind them.
    const server = await serve(fixturePath(), { maxBatchTokens: 128, maxClientBatchSize: 1000 });
    const metric = async (pattern: RegExp): Promise<number> => Number(pattern.exec((await get(server, '/metrics')).text)?.[1] ?? 0);
    try {
      const long = (i: number) => `sentence number ${i} `.repeat(40);
      const first = post<number[][]>(server, '/embed', { inputs: Array.from({ length: 1000 }, (_, i) => long(i)), truncate: true });
      while ((await metric(/^bertkit_requests_in_flight (\d+)/m)) < 1) await new Promise((resolve) => setTimeout(resolve, 2));
      const client = new AbortController();
      const second = fetch(server.url + '/embed', {
        method: 'POST', headers: { 'content-type': 'application/json' }, signal: client.signal,
        body: JSON.stringify({ inputs: Array.from({ length: 32 }, (_, i) => long(1000 + i)), truncate: true }),
      });
      second.catch(() => {});
      while ((await metric(/^bertkit_requests_in_flight (\d+)/m)) < 2) await new Promise((resolve) => setTimeout(resolve, 2));
      client.abort();
      await assert.rejects(second, /abort/i);
      const answered = await first;
      assert.equal(answered.status, 200);
      assert.equal(answered.body.length, 1000);
      while ((await metric(/^bertkit_requests_in_flight (\d+)/m)) > 0) await new Promise((resolve) => setTimeout(resolve, 2));
      assert.equal(await metric(/^te_request_failure\{err="dropped"\} (\d+)/m), 1);
      // Every input the model ran was one of A's: none of B's 32.
      assert.equal(await metric(/^te_batch_next_size_sum (\d+)/m), 1000);
      assert.equal(await metric(/^te_queue_size (\d+)/m), 0);
      assert.equal((await post(server, '/embed', { inputs: 'still here' })).status, 200);
    } finally {
      await server.close();
    }
  });

  test('--api-key: inference and /info need the bearer token; /health, /metrics and the page do not', async () => {
    const server = await serve(fixturePath(), { apiKey: 'secret' });
    try {
      assert.equal((await post(server, '/embed', { inputs: 'x' })).status, 401);
      assert.equal((await post(server, '/embed', { inputs: 'x' }, { authorization: 'Bearer wrong' })).status, 401);
      assert.equal((await post(server, '/embed', { inputs: 'x' }, { authorization: 'Bearer secret' })).status, 200);
      assert.equal((await get(server, '/info')).status, 401);
      for (const route of ['/health', '/metrics', '/']) assert.equal((await get(server, route)).status, 200, route);
    } finally {
      await server.close();
    }
  });
});

test('--dtype q8: the int8 model serves, /info says int8, its embeddings point where the fp32 model\'s do', { skip }, async () => {
  const server = await serve(fixturePath(), { dtype: 'q8' });
  const reference = await BertInference.load(fixturePath(), quiet);
  try {
    const texts = ['the quick brown fox jumps over the lazy dog', 'I like you.'];
    const answer = await post<number[][]>(server, '/embed', { inputs: texts });
    assert.equal(answer.status, 200);
    const want = await reference.embed(texts, { normalize: true });
    answer.body.forEach((embedding, index) => {
      const cosine = embedding.reduce((sum, value, at) => sum + value * want[index]![at]!, 0);
      assert.ok(cosine > 0.95 && cosine < 1 - 1e-9, `text ${index}: cosine ${cosine} (close to, yet not exactly, fp32)`);
    });
    assert.equal((JSON.parse((await get(server, '/info')).text) as { model_dtype: string }).model_dtype, 'int8');
  } finally {
    await server.close();
    await reference.dispose();
  }
});
