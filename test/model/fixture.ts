// The bert-tiny-uncased fixture: PyTorch reference outputs of HF BertForPreTraining and its heads.
import { readFileSync } from 'node:fs';
import { type NamedTensor, readSafetensors } from '../../src/io/safetensors.js';
import type { BertBatch } from '../../src/model/runner.js';
import type { Batch } from '../../src/train/engine/train-step.js';
import { sharedPath } from '../helpers/shared.js';

export const FIXTURE = 'fixtures/bert-tiny-uncased';
export const fixturePath = (...parts: string[]): string => sharedPath(FIXTURE, ...parts);

export interface FixtureInputs {
  input_ids: number[][];
  token_type_ids: number[][];
  attention_mask: number[][];
  mlm_labels: number[][];
  nsp_labels: number[];
  seq_labels: number[];
  token_labels: number[][];
}

export function fixtureInputs(): FixtureInputs {
  return JSON.parse(readFileSync(fixturePath('inputs.json'), 'utf8')) as FixtureInputs;
}

export function fixtureBatch(inputs: FixtureInputs = fixtureInputs()): BertBatch {
  const ints = (rows: number[][]) => BigInt64Array.from(rows.flat(), BigInt);
  return {
    batchSize: inputs.input_ids.length,
    seqLength: inputs.input_ids[0]!.length,
    inputIds: ints(inputs.input_ids),
    tokenTypeIds: ints(inputs.token_type_ids),
    attentionMask: ints(inputs.attention_mask),
  };
}

/** The fixture as a training batch: its MLM labels at every position (-100 where unmasked) and NSP labels. */
export function fixtureTrainingBatch(inputs: FixtureInputs = fixtureInputs()): Batch {
  const batch = fixtureBatch(inputs);
  const dims = [batch.batchSize, batch.seqLength];
  return {
    input_ids: { data: batch.inputIds, dims },
    token_type_ids: { data: batch.tokenTypeIds!, dims },
    attention_mask: { data: batch.attentionMask!, dims },
    labels: { data: BigInt64Array.from(inputs.mlm_labels.flat(), BigInt), dims },
    next_sentence_label: { data: BigInt64Array.from(inputs.nsp_labels, BigInt), dims: [batch.batchSize] },
  };
}

export function expectedOutputs(): Map<string, NamedTensor> {
  return readSafetensors(fixturePath('expected_outputs.safetensors')).tensors;
}

/**
 * Largest |got − want|. With `mask` [batch][seq] (data laid out [batch, seq, …]) only positions whose
 * mask is 1 count: HF leaves padded positions unspecified. NaN counts as infinitely wrong.
 */
export function maxAbsDiff(got: ArrayLike<number>, want: ArrayLike<number>, mask?: number[][]): { worst: number; compared: number } {
  if (got.length !== want.length) throw new Error(`length ${got.length} differs from the expected ${want.length}`);
  const positions = mask ? mask.flat() : undefined;
  const width = positions ? want.length / positions.length : 1;
  let worst = 0, compared = 0;
  for (let i = 0; i < want.length; i++) {
    if (positions && positions[Math.floor(i / width)] === 0) continue;
    const diff = Math.abs(got[i]! - want[i]!);
    if (!(diff <= worst)) worst = Number.isNaN(diff) ? Infinity : diff;
    compared++;
  }
  return { worst, compared };
}

/** Rows of mlm_logits [batch, seq, vocab] at the positions where mlm_labels != -100, row-major. */
export function logitsAtLabels(mlmLogits: Float32Array, labels: number[][], vocab: number): Float32Array {
  const seq = labels[0]!.length;
  const rows: Float32Array[] = [];
  labels.forEach((row, b) => row.forEach((label, s) => {
    if (label !== -100) rows.push(mlmLogits.subarray((b * seq + s) * vocab, (b * seq + s + 1) * vocab));
  }));
  const out = new Float32Array(rows.length * vocab);
  rows.forEach((row, i) => out.set(row, i * vocab));
  return out;
}
