// A pretraining micro-batch (src/data/pretraining-dataset.ts's PretrainingBatch) as the feeds of the
// BERT graph built with masked_lm_positions: the MLM labels are taken at the predicted positions only.
import type { PretrainingBatch } from '../data/pretraining-dataset.js';
import { type BertBatch, batchFeeds } from '../model/runner.js';
import type { HostTensor } from '../runtime/session.js';

/** The batch as the model reads it: input_ids, token_type_ids, attention_mask [B, T] and masked_lm_positions [M]. */
export function pretrainingBertBatch(batch: PretrainingBatch): BertBatch {
  return {
    batchSize: batch.batchSize,
    seqLength: batch.seqLength,
    inputIds: batch.input_ids,
    tokenTypeIds: batch.token_type_ids,
    attentionMask: batch.attention_mask,
    maskedLmPositions: batch.masked_lm_positions,
  };
}

/** The model feeds plus the loss's labels: `labels` [M] at the masked positions and, with NSP, next_sentence_label [B]. */
export function trainingFeeds(batch: PretrainingBatch, nsp: boolean): Record<string, HostTensor> {
  const positions = batch.masked_lm_positions;
  if (positions.length === 0) throw new Error('pretraining batch: no masked positions (the MLM loss would be undefined)');
  const labels = new BigInt64Array(positions.length);
  const size = batch.batchSize * batch.seqLength;
  positions.forEach((position, i) => {
    if (position < 0n || position >= BigInt(size)) throw new Error(`pretraining batch: masked_lm_positions[${i}] = ${position} is outside [0, ${size})`);
    const label = batch.labels[Number(position)]!;
    if (label < 0n) throw new Error(`pretraining batch: masked_lm_positions[${i}] = ${position} has label ${label} (positions must have a label)`);
    labels[i] = label;
  });
  return {
    ...batchFeeds(pretrainingBertBatch(batch)),
    labels: { data: labels, dims: [labels.length] },
    ...(nsp ? { next_sentence_label: { data: batch.next_sentence_label, dims: [batch.batchSize] } } : {}),
  };
}
