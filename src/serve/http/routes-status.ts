// Status routes: GET /health (200 once the model is loaded and its worker alive, else TEI's 503),
// GET /info (TEI's Info, plus what bertkit serves: `bertkit.routes`), GET /metrics (Prometheus).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { ApiError, teiErrorBody } from './errors.js';
import type { ServerMetrics } from './metrics.js';
import type { RouteContext } from './route-context.js';

/** bertkit's version, as /info reports it: package.json four folders above <outDir>/src/serve/http/. */
const VERSION = (JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'package.json'), 'utf8')) as { version: string }).version;

export function registerStatusRoutes(app: FastifyInstance, context: RouteContext, metrics: ServerMetrics): void {
  const { model, limits } = context;

  app.get('/health', async (_request, reply) => {
    if (!model.ready || !model.workerAlive) {
      const error = ApiError.unhealthy(model.workerAlive ? 'the model is loading' : 'the inference worker stopped');
      return reply.status(error.status).send(teiErrorBody(error));
    }
    return reply.status(200).send();
  });

  app.get('/info', async () => {
    const loaded = model.loaded();
    const classifier = loaded.heads.sequenceClassification;
    const id2label = loaded.id2label;
    return {
      model_id: context.modelId,
      served_model_name: context.modelId,
      model_sha: null,
      model_dtype: context.dtype === 'q8' ? 'int8' : 'float32',
      model_type: classifier
        ? { classifier: { id2label, label2id: Object.fromEntries(Object.entries(id2label).map(([id, label]) => [label, Number(id)])) } }
        : { embedding: { pooling: model.pooling } },
      max_concurrent_requests: limits.maxConcurrentRequests,
      max_input_length: loaded.maxLength,
      max_batch_tokens: limits.maxBatchTokens,
      max_batch_requests: limits.maxBatchRequests ?? null,
      max_client_batch_size: limits.maxClientBatchSize,
      auto_truncate: limits.autoTruncate,
      tokenization_workers: 1,
      version: VERSION,
      sha: null,
      docker_label: null,
      bertkit: { architecture: loaded.architecture, routes: ['/embed', '/v1/embeddings', '/tokenize', ...model.headRoutes()] },
    };
  });

  app.get('/metrics', async (_request, reply) => {
    reply.type(metrics.contentType);
    return metrics.text(model.batcher.queued);
  });
}
