// `bertkit serve`: a model directory behind TEI's HTTP API (and BERT's own routes, and a page to try
// it), with TEI's flag names and defaults. SIGTERM or SIGINT: stop accepting, finish the requests in
// flight, exit 0 — within 10 s, after which the connections still open are cut.
import { Option, type Command } from 'commander';
import type { InferenceDtype } from '../../compress/quantize-model.js';
import { type BertServer, SERVE_DEFAULTS, startServer } from '../../serve/http/server.js';
import type { Pooling } from '../../model/pooling.js';
import { byteSize, dtypeOption, integerAtLeast } from '../args.js';

interface ServeCommandOptions {
  model: string;
  modelId?: string;
  host: string;
  port: number;
  dtype: InferenceDtype;
  maxBatchTokens: number;
  maxBatchRequests?: number;
  maxConcurrentRequests: number;
  maxClientBatchSize: number;
  payloadLimit: number;
  autoTruncate?: boolean;
  apiKey?: string;
  pooling?: Pooling;
  threads?: number;
}

/** How long a graceful stop may take before the open connections are cut (the whole stop stays under 10 s). */
const STOP_GRACE_MS = 8000;

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve a model over HTTP with TEI\'s API (/embed, /predict, /tokenize, /v1/embeddings, /health, /info, /metrics), BERT routes (/ner, /fill-mask, /qa, /explain) and a page to try it (/)')
    .requiredOption('--model <dir>', 'Hugging Face model directory (config.json, weights, tokenizer files)')
    .option('--model-id <name>', 'the model name /info and /v1/embeddings report (default: the directory name)')
    .option('--host <address>', 'address to listen on (0.0.0.0: every interface)', SERVE_DEFAULTS.host)
    .option('--port <n>', 'port to listen on (0: any free port)', integerAtLeast(0), SERVE_DEFAULTS.port)
    .addOption(dtypeOption())
    .option('--max-batch-tokens <n>', 'padded tokens (rows × longest row) the batcher may take into one batch', integerAtLeast(1), SERVE_DEFAULTS.maxBatchTokens)
    .option('--max-batch-requests <n>', 'inputs the batcher may take into one batch (default: as many as --max-batch-tokens allows)', integerAtLeast(1))
    .option('--max-concurrent-requests <n>', 'inference requests in flight at once; more are refused with 429', integerAtLeast(1), SERVE_DEFAULTS.maxConcurrentRequests)
    .option('--max-client-batch-size <n>', 'inputs one request may send', integerAtLeast(1), SERVE_DEFAULTS.maxClientBatchSize)
    .option('--payload-limit <size>', 'largest request body (bytes, or 2mb, 512kib, …)', byteSize, SERVE_DEFAULTS.payloadLimit)
    .option('--auto-truncate', 'truncate inputs longer than the model\'s maximum instead of refusing them (requests may still say truncate: false)')
    .option('--api-key <key>', 'require Authorization: Bearer KEY on every route but the page, /health and /metrics')
    .addOption(new Option('--pooling <kind>', 'sentence-embedding pooling (default: 1_Pooling/config.json\'s, else mean)').choices(['cls', 'mean']))
    .option('--threads <n>', 'ONNX Runtime threads (default: all cores, one fewer for models as small as bert-tiny)', integerAtLeast(1))
    .action(async (options: ServeCommandOptions) => {
      const server = await startServer({
        model: options.model,
        host: options.host,
        port: options.port,
        dtype: options.dtype,
        maxBatchTokens: options.maxBatchTokens,
        ...(options.maxBatchRequests === undefined ? {} : { maxBatchRequests: options.maxBatchRequests }),
        maxConcurrentRequests: options.maxConcurrentRequests,
        maxClientBatchSize: options.maxClientBatchSize,
        payloadLimit: options.payloadLimit,
        autoTruncate: options.autoTruncate ?? false,
        ...(options.modelId === undefined ? {} : { modelId: options.modelId }),
        ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
        ...(options.pooling === undefined ? {} : { pooling: options.pooling }),
        ...(options.threads === undefined ? {} : { threads: options.threads }),
      });
      console.error(`bertkit serve: listening on ${server.url}, loading ${options.model}`);
      const stopped = untilSignal(server);
      try {
        const info = await Promise.race([server.loaded, stopped.then(() => undefined)]);
        if (info !== undefined) console.error(`bertkit serve: ready on ${server.url} (${info.architecture}, inputs up to ${info.maxLength} tokens)`);
      } catch (error) {
        await server.close();
        throw error;
      }
      await stopped;
    });
}

/** Resolves once SIGTERM or SIGINT has stopped the server. */
function untilSignal(server: BertServer): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.removeListener('SIGTERM', stop);
      process.removeListener('SIGINT', stop);
      console.error(`bertkit serve: ${signal}: finishing the requests in flight`);
      const cut = setTimeout(() => server.closeConnections(), STOP_GRACE_MS);
      server.close().then(() => {
        clearTimeout(cut);
        console.error('bertkit serve: stopped');
        resolve();
      }, reject);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
