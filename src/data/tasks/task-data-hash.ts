// A digest of what fine-tuning trains on: every feature's token ids, segment ids and labels, and the
// label names. A resumed run must see the same data in the same order to continue exactly; the row
// count alone misses an edited or re-shuffled training file.
import { createHash } from 'node:crypto';
import type { TaskData } from './task.js';

/** SHA-256 (hex) of the features and labels of `data`. */
export function taskDataHash(data: TaskData): string {
  const hash = createHash('sha256');
  const numbers = (values: readonly number[]): void => void hash.update(new Uint8Array(Float64Array.from(values).buffer));
  const array = (values: Int32Array | Float32Array): void => {
    numbers([values.length]);
    hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  };
  hash.update(JSON.stringify([data.kind, data.labels, data.multiLabel ?? false]));
  for (const feature of data.features) {
    array(feature.inputIds);
    array(feature.tokenTypeIds);
    if (feature.label instanceof Float32Array) array(feature.label);
    else numbers([feature.label ?? NaN]);
    if (feature.tokenLabels !== undefined) array(feature.tokenLabels);
    else numbers([-1]);
    numbers([feature.startPosition ?? NaN, feature.endPosition ?? NaN]);
  }
  return hash.digest('hex');
}
