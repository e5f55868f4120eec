// Request bodies read as TEI reads them (router/src/http/types.rs), each failure a 422 naming the
// field: `inputs` is a string or a list of strings; /predict's is a string, a pair [a, b], or a
// batch whose items are [text] or [text, pair]. A batch answers with a list, a single input with
// one result; an empty batch is TEI's 400 "Empty", one larger than --max-client-batch-size a 422.
import type { BatchInput } from '../../tokenizer/bert-tokenizer.js';
import { ApiError } from './errors.js';

export type Body = Record<string, unknown>;

/** Inputs and whether the request sent one (answered by one result) or a batch (a list). */
export interface ParsedInputs<T> {
  readonly items: readonly T[];
  readonly single: boolean;
}

export function requestBody(body: unknown): Body {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw ApiError.validation('the body must be a JSON object');
  return body as Body;
}

const describe = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`);

/** `field`: a string or a non-empty list of strings, at most `maxBatch`. */
export function textInputs(body: Body, field: string, maxBatch: number): ParsedInputs<string> {
  const value = body[field];
  if (typeof value === 'string') return { items: [value], single: true };
  if (!Array.isArray(value)) throw ApiError.validation(`\`${field}\` must be a string or an array of strings, got ${value === undefined ? 'nothing' : describe(value)}`);
  value.forEach((item, index) => {
    if (typeof item !== 'string') throw ApiError.validation(`\`${field}\`[${index}] must be a string, got ${describe(item)}`);
  });
  checkBatchSize(field, value.length, maxBatch);
  return { items: value as string[], single: false };
}

/** /predict's `inputs`: "a", ["a", "b"] (one pair), or [["a"], ["a", "b"], …] (a batch). */
export function predictInputs(body: Body, maxBatch: number): ParsedInputs<BatchInput> {
  const value = body.inputs;
  if (typeof value === 'string') return { items: [value], single: true };
  const shape = '`inputs` must be a string, a pair of strings [string, string] or a batch of mixed strings and pairs [[string], [string, string], …]';
  if (!Array.isArray(value) || value.length === 0) {
    if (Array.isArray(value)) throw ApiError.empty('`inputs` cannot be empty');
    throw ApiError.validation(`${shape}, got ${value === undefined ? 'nothing' : describe(value)}`);
  }
  if (typeof value[0] === 'string') {
    if (value.length > 2 || value.some((item) => typeof item !== 'string')) throw ApiError.validation(`${shape}; a list of strings is one text or one pair, so at most 2`);
    return { items: [value.length === 2 ? [value[0] as string, value[1] as string] : (value[0] as string)], single: true };
  }
  checkBatchSize('inputs', value.length, maxBatch);
  const items = value.map((item, index): BatchInput => {
    if (!Array.isArray(item) || item.length < 1 || item.length > 2 || item.some((part) => typeof part !== 'string')) {
      throw ApiError.validation(`\`inputs\`[${index}] must be [string] or [string, string], got ${JSON.stringify(item)}`);
    }
    return item.length === 2 ? [item[0] as string, item[1] as string] : (item[0] as string);
  });
  return { items, single: false };
}

function checkBatchSize(field: string, size: number, maxBatch: number): void {
  if (size === 0) throw ApiError.empty(`\`${field}\` cannot be empty`);
  if (size > maxBatch) throw ApiError.validation(`batch size ${size} > maximum allowed batch size ${maxBatch}`);
}

export function optionalBoolean(body: Body, field: string, fallback: boolean): boolean {
  const value = body[field];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw ApiError.validation(`\`${field}\` must be true or false, got ${describe(value)}`);
  return value;
}

export function optionalInteger(body: Body, field: string, fallback: number, min: number, max: number): number {
  const value = body[field];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw ApiError.validation(`\`${field}\` must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
  return value;
}

export function requiredString(body: Body, field: string): string {
  const value = body[field];
  if (typeof value !== 'string') throw ApiError.validation(`\`${field}\` must be a string, got ${value === undefined ? 'nothing' : describe(value)}`);
  return value;
}
