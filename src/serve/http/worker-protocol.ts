// Messages between the HTTP server's event loop and its inference worker. Each call after 'load'
// is one batch the batcher formed.
import type { InferenceDtype } from '../../compress/quantize-model.js';
import type { AggregationStrategy } from '../../data/tasks/entity-grouping.js';
import type { ExplainOptions } from '../../explain/explain.js';
import type { BertHeads } from '../../model/architecture.js';
import type { BatchInput } from '../../tokenizer/bert-tokenizer.js';
import type { Pooling } from '../../model/pooling.js';

export type InferenceCall =
  | { readonly op: 'load'; readonly dir: string; readonly dtype: InferenceDtype; readonly threads?: number }
  | { readonly op: 'embed'; readonly inputs: readonly string[]; readonly pooling: Pooling; readonly normalize: boolean }
  | { readonly op: 'classify'; readonly inputs: readonly BatchInput[]; readonly rawScores: boolean }
  | { readonly op: 'entities'; readonly inputs: readonly string[]; readonly aggregationStrategy: AggregationStrategy }
  | { readonly op: 'fillMask'; readonly inputs: readonly string[]; readonly topK: number }
  | { readonly op: 'answer'; readonly inputs: readonly { readonly question: string; readonly context: string }[]; readonly maxAnswerLength?: number }
  | { readonly op: 'explain'; readonly inputs: readonly BatchInput[]; readonly options: ExplainOptions }
  | { readonly op: 'dispose' };

/** What the worker tells the server about the model it loaded. */
export interface LoadedModelInfo {
  readonly architecture: string;
  readonly heads: BertHeads;
  /** Longest input in tokens, special tokens included. */
  readonly maxLength: number;
  readonly id2label: Readonly<Record<string, string>>;
}
