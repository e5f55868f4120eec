// batch.json, the input of `bertkit forward`: {"input_ids": [[…], …], "token_type_ids": …, "attention_mask": …},
// each a rectangular 2-D array of integers (token_type_ids and attention_mask optional). Every
// error names the file and the field (and the row and column when one value is wrong).
import { readFileSync } from 'node:fs';
import type { BertConfig } from './config.js';
import { type BertBatch, checkBatch } from './runner.js';
import { parseJson } from '../io/json-file.js';

type Limits = Pick<BertConfig, 'vocab_size' | 'type_vocab_size' | 'max_position_embeddings'>;

export function readBatchFile(path: string, limits: Limits): BertBatch {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${path}: cannot read the batch (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseBatch(parseJson(text, path), limits, path);
}

export function parseBatch(raw: unknown, limits: Limits, source: string): BertBatch {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${source}: must be a JSON object with input_ids (and optionally token_type_ids, attention_mask)`);
  const fields = raw as Record<string, unknown>;
  if (fields.input_ids === undefined) throw new Error(`${source}: input_ids is missing`);
  const inputIds = matrix(fields.input_ids, 'input_ids', source, null);
  const [batchSize, seqLength] = inputIds.dims;
  const optional = (field: string): BigInt64Array | undefined =>
    fields[field] === undefined || fields[field] === null ? undefined : matrix(fields[field], field, source, inputIds.dims).data;
  const tokenTypeIds = optional('token_type_ids');
  const attentionMask = optional('attention_mask');
  const batch = { batchSize, seqLength, inputIds: inputIds.data, ...(tokenTypeIds ? { tokenTypeIds } : {}), ...(attentionMask ? { attentionMask } : {}) };
  checkBatch(batch, limits, source);
  return batch;
}

interface IntMatrix {
  data: BigInt64Array;
  dims: [number, number];
}

function matrix(value: unknown, field: string, source: string, dims: [number, number] | null): IntMatrix {
  const where = `${source}: ${field}`;
  if (!Array.isArray(value) || value.length === 0) throw new Error(`${where} must be a non-empty 2-D array (a list of rows)`);
  const width = dims?.[1] ?? (Array.isArray(value[0]) ? value[0].length : 0);
  if (dims && value.length !== dims[0]) throw new Error(`${where} has ${value.length} rows, input_ids has ${dims[0]}`);
  const data = new BigInt64Array(value.length * width);
  value.forEach((row: unknown, r) => {
    if (!Array.isArray(row)) throw new Error(`${where}[${r}] must be an array of integers, got ${JSON.stringify(row)?.slice(0, 40)}`);
    if (row.length === 0) throw new Error(`${where}[${r}] is empty`);
    if (row.length !== width) throw new Error(`${where}[${r}] has ${row.length} values, ${dims ? 'input_ids rows have' : 'row 0 has'} ${width} (pad the batch to one length)`);
    row.forEach((cell: unknown, c) => {
      if (!Number.isSafeInteger(cell)) throw new Error(`${where}[${r}][${c}] must be an integer, got ${JSON.stringify(cell)}`);
      data[r * width + c] = BigInt(cell as number);
    });
  });
  return { data, dims: [value.length, width] };
}
