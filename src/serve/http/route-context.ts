// What every route module receives: the served model, the server's limits, and `admit`, which
// holds one of --max-concurrent-requests places for an inference request (429 when none is left)
// and gives the signal that aborts when its client goes away.
import type { FastifyReply } from 'fastify';
import type { InferenceDtype } from '../../compress/quantize-model.js';
import type { ServedModel } from './served-model.js';

export interface ServerLimits {
  readonly maxConcurrentRequests: number;
  readonly maxClientBatchSize: number;
  readonly maxBatchTokens: number;
  /** Most inputs in one batch (TEI's --max-batch-requests); undefined: only maxBatchTokens bounds it. */
  readonly maxBatchRequests?: number;
  readonly autoTruncate: boolean;
}

export interface RouteContext {
  readonly model: ServedModel;
  readonly limits: ServerLimits;
  /** The name /v1/embeddings and /info report (the model directory's name unless --model-id). */
  readonly modelId: string;
  /** The weights as run: fp32, or q8 (int8 encoder layers). */
  readonly dtype: InferenceDtype;
  admit(reply: FastifyReply): AbortSignal;
}
