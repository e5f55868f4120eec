// `bertkit serve`'s server: fastify (HTTP parsing, body limit, routing) in front of the served
// model. It listens at once and loads the model in its worker meanwhile (inference routes and
// /health answer 503 until then). With an API key, every route but /health, /metrics and the page
// needs `Authorization: Bearer KEY`. Inference requests hold one of --max-concurrent-requests places
// from admission to their answer; beyond that they get 429 at once, so memory stays bounded
// (at most max-concurrent-requests × max-client-batch-size inputs wait). Every error, fastify's
// own (413 over --payload-limit, bad JSON, 404) included, answers in TEI's {error, error_type}.
// close() stops accepting, lets the requests in flight finish, then ends the worker.
import { basename, resolve } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { InferenceDtype } from '../../compress/quantize-model.js';
import { sentenceTransformersPooling } from '../../model/sentence-transformers.js';
import { BertTokenizer } from '../../tokenizer/bert-tokenizer.js';
import type { Pooling } from '../../model/pooling.js';
import { DynamicBatcher } from './batcher.js';
import { ApiError, openAiErrorBody, teiErrorBody, toApiError } from './errors.js';
import { InferenceWorker } from './inference-worker-client.js';
import { ServerMetrics } from './metrics.js';
import { PAGE_ROUTES, registerPage } from './page.js';
import type { RouteContext, ServerLimits } from './route-context.js';
import { registerBertRoutes } from './routes-bert.js';
import { registerStatusRoutes } from './routes-status.js';
import { registerTeiRoutes } from './routes-tei.js';
import { ServedModel } from './served-model.js';
import type { LoadedModelInfo } from './worker-protocol.js';

export interface ServeOptions extends Partial<ServerLimits> {
  /** A Hugging Face model directory (config.json, weights, tokenizer files). */
  readonly model: string;
  /** Default 127.0.0.1: only this machine, unless asked. */
  readonly host?: string;
  /** Default 8080; 0 picks a free port. */
  readonly port?: number;
  /** Largest request body in bytes (default 2 MB). */
  readonly payloadLimit?: number;
  readonly apiKey?: string;
  /** Sentence-embedding pooling (default: 1_Pooling/config.json's when present, else mean). */
  readonly pooling?: Pooling;
  /** 'q8': int8 encoder layers (BertInference's dtype); default 'fp32'. */
  readonly dtype?: InferenceDtype;
  /** ORT intra-op threads (default: by the model's size, see serving-threading.ts). */
  readonly threads?: number;
  /** The name /info and /v1/embeddings report (default: the directory's name). */
  readonly modelId?: string;
}

/** TEI's defaults. */
export const SERVE_DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  maxBatchTokens: 16384,
  maxConcurrentRequests: 512,
  maxClientBatchSize: 32,
  payloadLimit: 2_000_000,
  autoTruncate: false,
} as const;

export interface BertServer {
  /** http://host:port */
  readonly url: string;
  /** Settles when the model is ready, or rejects with why it could not load. */
  readonly loaded: Promise<LoadedModelInfo>;
  /** Stops accepting, finishes the requests in flight, ends the worker. */
  close(): Promise<void>;
  /** Ends every connection at once (for a close that has run out of time). */
  closeConnections(): void;
}

/** Routes anyone may call even with an API key. */
const PUBLIC_ROUTES = new Set<string>(['/health', '/metrics', ...PAGE_ROUTES]);

export async function startServer(options: ServeOptions): Promise<BertServer> {
  const dir = resolve(options.model);
  const limits: ServerLimits = {
    maxBatchTokens: options.maxBatchTokens ?? SERVE_DEFAULTS.maxBatchTokens,
    ...(options.maxBatchRequests === undefined ? {} : { maxBatchRequests: options.maxBatchRequests }),
    maxConcurrentRequests: options.maxConcurrentRequests ?? SERVE_DEFAULTS.maxConcurrentRequests,
    maxClientBatchSize: options.maxClientBatchSize ?? SERVE_DEFAULTS.maxClientBatchSize,
    autoTruncate: options.autoTruncate ?? SERVE_DEFAULTS.autoTruncate,
  };
  // The tokenizer loads here, before listening, so that a directory without one fails at once.
  const tokenizer = BertTokenizer.fromPretrained(dir);
  const metrics = new ServerMetrics();
  const dtype = options.dtype ?? 'fp32';
  const { worker, loaded: workerLoaded } = InferenceWorker.start(dir, { dtype, ...(options.threads === undefined ? {} : { threads: options.threads }) });
  const loaded = workerLoaded.then((info) => {
    if (info.maxLength > limits.maxBatchTokens) throw new Error(`--max-batch-tokens ${limits.maxBatchTokens} is below the model's longest input, ${info.maxLength} tokens`);
    return info;
  });
  loaded.catch(() => {});
  const model = new ServedModel(tokenizer, worker, loaded, options.pooling ?? sentenceTransformersPooling(dir) ?? 'mean', new DynamicBatcher(limits.maxBatchTokens, (batch) => metrics.batch(batch), limits.maxBatchRequests));

  const app = Fastify({ bodyLimit: options.payloadLimit ?? SERVE_DEFAULTS.payloadLimit, logger: false });
  let inFlight = 0;
  const admit = (reply: FastifyReply): AbortSignal => {
    if (inFlight >= limits.maxConcurrentRequests) {
      metrics.failure('overloaded');
      throw ApiError.overloaded(`Model is overloaded: ${limits.maxConcurrentRequests} requests in flight (--max-concurrent-requests)`);
    }
    metrics.requestsInFlight(++inFlight);
    const client = new AbortController();
    reply.raw.once('close', () => {
      metrics.requestsInFlight(--inFlight);
      if (!reply.raw.writableFinished) {
        metrics.failure('dropped');
        client.abort(new Error('the client went away'));
      }
    });
    return client.signal;
  };
  const context: RouteContext = { model, limits, modelId: options.modelId ?? basename(dir), dtype, admit };

  if (options.apiKey !== undefined) {
    const expected = `Bearer ${options.apiKey}`;
    app.addHook('onRequest', async (request) => {
      if (PUBLIC_ROUTES.has(request.routeOptions.url ?? '')) return;
      if (request.headers.authorization !== expected) throw new ApiError(401, 'Validation', 'missing or wrong API key: send Authorization: Bearer KEY');
    });
  }
  // While closing, every answer ends its connection: a kept-alive one would hold close() until the cut.
  let closing = false;
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.request(request.routeOptions.url ?? 'unknown', reply.statusCode, reply.elapsedTime / 1000);
  });
  app.setErrorHandler(async (error, request, reply) => {
    const api = toApiError(error);
    if (api.status !== 429) metrics.failure(api.errorType.toLowerCase());
    return reply.status(api.status).send(request.url.startsWith('/v1/') ? openAiErrorBody(api) : teiErrorBody(api));
  });
  app.setNotFoundHandler(async (request, reply) => {
    const error = new ApiError(404, 'Validation', `no route ${request.method} ${request.url.split('?')[0]}`);
    return reply.status(404).send(teiErrorBody(error));
  });

  registerStatusRoutes(app, context, metrics);
  registerTeiRoutes(app, context);
  registerBertRoutes(app, context);
  registerPage(app);

  await app.listen({ host: options.host ?? SERVE_DEFAULTS.host, port: options.port ?? SERVE_DEFAULTS.port });
  return {
    url: serverUrl(app),
    loaded,
    close: async () => {
      closing = true;
      await app.close();
      await model.batcher.idle();
      await worker.close();
    },
    closeConnections: () => app.server.closeAllConnections(),
  };
}

function serverUrl(app: FastifyInstance): string {
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error(`the server listens on ${String(address)}, not a TCP port`);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
