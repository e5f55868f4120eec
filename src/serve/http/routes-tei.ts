// TEI's inference routes, with TEI's request and response shapes (router/src/http/types.rs), so
// TEI clients work unchanged:
//   POST /embed          {inputs, normalize = true, truncate}        → number[][]
//   POST /predict        {inputs, raw_scores = false, truncate}      → [{score, label}] best first, or one such list per input of a batch
//   POST /tokenize       {inputs, add_special_tokens = true}         → [[{id, text, special, start, stop}]] (UTF-8 byte offsets, as TEI; null for special tokens)
//   POST /v1/embeddings  {input, model, encoding_format}             → OpenAI's {object: "list", data, model, usage}
// `truncate` defaults to --auto-truncate.
import { Buffer } from 'node:buffer';
import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.js';
import { type Body, optionalBoolean, predictInputs, requestBody, textInputs } from './inputs.js';
import type { RouteContext } from './route-context.js';

export function registerTeiRoutes(app: FastifyInstance, context: RouteContext): void {
  const { model, limits } = context;
  const truncateOf = (body: Body): boolean => optionalBoolean(body, 'truncate', limits.autoTruncate);

  app.post('/embed', async (request, reply) => {
    const body = requestBody(request.body);
    const { items } = textInputs(body, 'inputs', limits.maxClientBatchSize);
    const normalize = optionalBoolean(body, 'normalize', true);
    const truncate = truncateOf(body);
    model.loaded();
    const { outputs } = await model.embed(items, { normalize, truncate }, context.admit(reply));
    return outputs.map((embedding) => Array.from(embedding));
  });

  app.post('/predict', async (request, reply) => {
    const body = requestBody(request.body);
    const { items, single } = predictInputs(body, limits.maxClientBatchSize);
    const rawScores = optionalBoolean(body, 'raw_scores', false);
    const truncate = truncateOf(body);
    model.requireHead('/predict');
    const predictions = await model.predict(items, { rawScores, truncate }, context.admit(reply));
    const ranked = predictions.map((prediction) => [...prediction.scores].sort((a, b) => b.score - a.score).map(({ score, label }) => ({ score, label })));
    return single ? ranked[0] : ranked;
  });

  app.post('/tokenize', async (request) => {
    const body = requestBody(request.body);
    const { items } = textInputs(body, 'inputs', limits.maxClientBatchSize);
    const addSpecialTokens = optionalBoolean(body, 'add_special_tokens', true);
    return items.map((text) => {
      const encoding = model.tokenizer.encode(text, null, { addSpecialTokens });
      return encoding.ids.map((id, at) => {
        if (encoding.specialTokensMask[at] === 1) return { id, text: encoding.tokens[at]!, special: true, start: null, stop: null };
        const [start, stop] = encoding.offsets[at]!;
        return { id, text: text.slice(start, stop), special: false, start: utf8Length(text, start), stop: utf8Length(text, stop) };
      });
    });
  });

  app.post('/v1/embeddings', async (request, reply) => {
    const body = requestBody(request.body);
    const { items } = textInputs(body, 'input', limits.maxClientBatchSize);
    const format = body.encoding_format ?? 'float';
    if (format !== 'float' && format !== 'base64') throw ApiError.validation(`\`encoding_format\` must be "float" or "base64", got ${JSON.stringify(format)}`);
    if (body.dimensions !== undefined && body.dimensions !== null) throw ApiError.validation('`dimensions` is not supported: bertkit serves the model\'s full embeddings');
    model.loaded();
    const { outputs, tokens } = await model.embed(items, { normalize: true, truncate: limits.autoTruncate }, context.admit(reply));
    return {
      object: 'list',
      data: outputs.map((embedding, index) => ({
        object: 'embedding',
        embedding: format === 'base64' ? Buffer.from(embedding.buffer, embedding.byteOffset, embedding.byteLength).toString('base64') : Array.from(embedding),
        index,
      })),
      model: typeof body.model === 'string' ? body.model : context.modelId,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    };
  });
}

/** The UTF-8 byte offset of UTF-16 index `at` in `text`. */
function utf8Length(text: string, at: number): number {
  return Buffer.byteLength(text.slice(0, at), 'utf8');
}
