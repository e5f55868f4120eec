// Errors as TEI answers them: a JSON body {error, error_type} with TEI's error types and status
// codes (router/src/lib.rs: Validation and Tokenizer 422, Overloaded 429, Unhealthy 503, Backend 424,
// Empty 400), plus what TEI leaves to its HTTP layer: 413 over --payload-limit, 404 for unknown
// routes, 401 without the API key. /v1/embeddings answers in OpenAI's shape {message, code, type}.

export type ErrorType = 'Unhealthy' | 'Backend' | 'Overloaded' | 'Validation' | 'Tokenizer' | 'Empty';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorType: ErrorType,
    message: string,
  ) {
    super(message);
  }

  static validation(message: string): ApiError {
    return new ApiError(422, 'Validation', message);
  }

  static empty(message: string): ApiError {
    return new ApiError(400, 'Empty', message);
  }

  static overloaded(message: string): ApiError {
    return new ApiError(429, 'Overloaded', message);
  }

  static unhealthy(message: string): ApiError {
    return new ApiError(503, 'Unhealthy', message);
  }

  /** The model cannot do what the route asks (no such head), or its run failed: TEI's 424. */
  static backend(message: string): ApiError {
    return new ApiError(424, 'Backend', message);
  }
}

export interface TeiErrorBody {
  readonly error: string;
  readonly error_type: ErrorType;
}

export interface OpenAiErrorBody {
  readonly message: string;
  readonly code: number;
  readonly type: ErrorType;
}

export function teiErrorBody(error: ApiError): TeiErrorBody {
  return { error: error.message, error_type: error.errorType };
}

export function openAiErrorBody(error: ApiError): OpenAiErrorBody {
  return { message: error.message, code: error.status, type: error.errorType };
}

/** The ApiError for anything a handler or fastify threw: fastify's own errors keep their status. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const { statusCode, code, message } = error as { statusCode?: number; code?: string; message?: string };
  const text = message ?? String(error);
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || statusCode === 413) return new ApiError(413, 'Validation', text);
  // A body that is not JSON is invalid input, like a JSON body with the wrong fields.
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error instanceof SyntaxError) return new ApiError(422, 'Validation', `the body is not valid JSON: ${text}`);
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) return new ApiError(statusCode, 'Validation', text);
  return ApiError.backend(text);
}
