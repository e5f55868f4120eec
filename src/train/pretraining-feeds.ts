// A pretraining micro-batch (src/data/pretraining-dataset.ts's PretrainingBatch) as the feeds of the
// BERT graph built with masked_lm_positions: the MLM labels are taken at the predicted positions only.
import type { PretrainingBatch } from '../data/pretraining-dataset.js';
import type { HostTensor } from '../runtime/session.js';


/** input_ids, token_type_ids, attention_mask [B, T] and masked_lm_positions [M]. */
export function modelFeeds(batch: PretrainingBatch): Record<string, HostTensor> {
  const dims = [batch.batchSize, batch.seqLength];
  return {
    input_ids: { data: batch.input_ids, dims },
    token_type_ids: { data: batch.token_type_ids, dims },
    attention_mask: { data: batch.attention_mask, dims },
    masked_lm_positions: { data: batch.masked_lm_positions, dims: [batch.masked_lm_positions.length] },
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
    ...modelFeeds(batch),
    labels: { data: labels, dims: [labels.length] },
    ...(nsp ? { next_sentence_label: { data: batch.next_sentence_label, dims: [batch.batchSize] } } : {}),
  };
}
