// BERT routes TEI declined or never had, each answered only when the model has the head (else
// TEI's 424 for a model that cannot do the task). Inputs follow /embed's (a string answers with
// one result, a list with a list of results); shapes follow transformers' pipelines:
//   POST /ner        {inputs, aggregation_strategy = "first", truncate}
//                                                    → [{entity_group, score, word, start, end}] (UTF-16 offsets; see data/tasks/entity-grouping.ts)
//   POST /fill-mask  {inputs, top_k = 5, truncate}    → one list per [MASK] of [{score, token, token_str, sequence}]
//   POST /qa         {question, context} or {inputs: [{question, context}, …]}, max_answer_len = 30
//                                                    → {answer, score, start, end} (UTF-16 offsets in the context;
//                                                      long contexts are read in overlapping windows)
//   POST /explain    {inputs (as /predict's), method = "integrated-gradients", steps, target, target_token, attentions, truncate}
//                                                    → explain/explain.ts's Explanation (a list for a batch); the page shows them in the viewer
import type { FastifyInstance } from 'fastify';
import { AGGREGATION_STRATEGIES, type AggregationStrategy } from '../../data/tasks/entity-grouping.js';
import { EXPLAIN_METHODS, isExplainMethod } from '../../explain/explain.js';
import { ApiError } from './errors.js';
import { type Body, optionalBoolean, optionalInteger, predictInputs, requestBody, requiredString, textInputs } from './inputs.js';
import type { RouteContext } from './route-context.js';

export function registerBertRoutes(app: FastifyInstance, context: RouteContext): void {
  const { model, limits } = context;
  const truncateOf = (body: Body): boolean => optionalBoolean(body, 'truncate', limits.autoTruncate);

  app.post('/ner', async (request, reply) => {
    const body = requestBody(request.body);
    const { items, single } = textInputs(body, 'inputs', limits.maxClientBatchSize);
    const strategy = body.aggregation_strategy ?? 'first';
    if (!(AGGREGATION_STRATEGIES as readonly unknown[]).includes(strategy)) throw ApiError.validation(`\`aggregation_strategy\` must be one of ${AGGREGATION_STRATEGIES.join(', ')}, got ${JSON.stringify(strategy)}`);
    const truncate = truncateOf(body);
    model.requireHead('/ner');
    const entities = await model.entities(items, { aggregationStrategy: strategy as AggregationStrategy, truncate }, context.admit(reply));
    return single ? entities[0] : entities;
  });

  app.post('/fill-mask', async (request, reply) => {
    const body = requestBody(request.body);
    const { items, single } = textInputs(body, 'inputs', limits.maxClientBatchSize);
    const topK = optionalInteger(body, 'top_k', 5, 1, 100);
    const truncate = truncateOf(body);
    model.requireHead('/fill-mask');
    const results = await model.fillMask(items, { topK, truncate }, context.admit(reply));
    const shaped = results.map((masks) => masks.map((predictions) => predictions.map(({ score, token, token_str, sequence }) => ({ score, token, token_str, sequence }))));
    return single ? shaped[0] : shaped;
  });

  app.post('/qa', async (request, reply) => {
    const body = requestBody(request.body);
    const single = body.inputs === undefined;
    const questions = single ? [questionOf(body, '')] : questionList(body.inputs, limits.maxClientBatchSize);
    const maxAnswerLength = body.max_answer_len === undefined ? {} : { maxAnswerLength: optionalInteger(body, 'max_answer_len', 30, 1, 512) };
    model.requireHead('/qa');
    const answers = await model.answer(questions, maxAnswerLength, context.admit(reply));
    return single ? answers[0] : answers;
  });

  app.post('/explain', async (request, reply) => {
    const body = requestBody(request.body);
    const { items, single } = predictInputs(body, limits.maxClientBatchSize);
    const method = body.method ?? 'integrated-gradients';
    if (!isExplainMethod(method)) throw ApiError.validation(`\`method\` must be one of ${EXPLAIN_METHODS.join(', ')}, got ${JSON.stringify(method)}`);
    const target = body.target;
    if (target !== undefined && target !== null && typeof target !== 'string' && typeof target !== 'number') throw ApiError.validation('`target` must be a label name or id');
    const options = {
      method,
      ...(body.steps === undefined ? {} : { steps: optionalInteger(body, 'steps', 50, 1, 1000) }),
      ...(target === undefined || target === null ? {} : { target }),
      ...(body.target_token === undefined ? {} : { targetToken: optionalInteger(body, 'target_token', 0, 0, 1 << 20) }),
      ...(body.attentions === undefined ? {} : { attentions: optionalBoolean(body, 'attentions', false) }),
    };
    const truncate = truncateOf(body);
    model.requireExplainable();
    const records = await model.explain(items, options, truncate, context.admit(reply));
    return single ? records[0] : records;
  });
}

function questionOf(body: Body, where: string): { question: string; context: string } {
  try {
    return { question: requiredString(body, 'question'), context: requiredString(body, 'context') };
  } catch (error) {
    throw where === '' ? error : ApiError.validation(`${where}: ${(error as Error).message}`);
  }
}

function questionList(inputs: unknown, maxBatch: number): { question: string; context: string }[] {
  if (!Array.isArray(inputs)) throw ApiError.validation('`inputs` must be an array of {question, context} objects (or send question and context at the top level)');
  if (inputs.length === 0) throw ApiError.empty('`inputs` cannot be empty');
  if (inputs.length > maxBatch) throw ApiError.validation(`batch size ${inputs.length} > maximum allowed batch size ${maxBatch}`);
  return inputs.map((item, index) => questionOf(requestBodyAt(item, index), `\`inputs\`[${index}]`));
}

function requestBodyAt(item: unknown, index: number): Body {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) throw ApiError.validation(`\`inputs\`[${index}] must be an object {question, context}`);
  return item as Body;
}
