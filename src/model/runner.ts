// Runs a loaded model's inference graph on ONNX Runtime: one session, parameters fed as inputs.
import { Graph } from '../graph/graph.js';
import { type HostTensor, Session } from '../runtime/session.js';
import { buildBertGraph } from './bert.js';
import type { BertModelState } from './checkpoint.js';
import type { BertConfig } from './config.js';

/** A padded batch, row-major int64 [batchSize, seqLength] each. */
export interface BertBatch {
  readonly batchSize: number;
  readonly seqLength: number;
  readonly inputIds: BigInt64Array;
  /** Default: all 0 (one segment). */
  readonly tokenTypeIds?: BigInt64Array;
  /** Default: all 1 (no padding). */
  readonly attentionMask?: BigInt64Array;
}

export interface BertRunnerOptions {
  readonly outputHiddenStates?: boolean;
  readonly outputAttentions?: boolean;
  /** ORT intra-op threads (default: all cores). */
  readonly threads?: number;
}

export class BertRunner {
  private constructor(
    private readonly session: Session,
    private readonly model: BertModelState,
    private readonly parameterShapes: ReadonlyMap<string, number[]>,
    /** Output names in graph order: last_hidden_state, pooler_output, hidden_states.{i}, …, logits. */
    readonly outputNames: readonly string[],
  ) {}

  static async create(model: BertModelState, options: BertRunnerOptions = {}): Promise<BertRunner> {
    const graph = new Graph();
    buildBertGraph(graph, model.config, { heads: model.heads, outputHiddenStates: options.outputHiddenStates, outputAttentions: options.outputAttentions });
    const parameterShapes = new Map(graph.parameters.map((parameter) => [parameter.name, parameter.shape as number[]]));
    for (const name of parameterShapes.keys()) model.parameters.get(name); // fail here, not on the first run, when one is absent
    const session = await Session.create(graph, options.threads === undefined ? {} : { threads: options.threads });
    return new BertRunner(session, model, parameterShapes, graph.outputs.map((output) => output.name));
  }

  /** Every output of the graph for `batch` (see outputNames), with the parameters' current values. */
  async run(batch: BertBatch): Promise<Record<string, HostTensor>> {
    checkBatch(batch, this.model.config, 'BertRunner.run');
    const { batchSize, seqLength } = batch;
    const size = batchSize * seqLength;
    const dims = [batchSize, seqLength];
    const feeds: Record<string, HostTensor> = {};
    for (const [name, shape] of this.parameterShapes) feeds[name] = { data: this.model.parameters.get(name), dims: shape };
    Object.assign(feeds, {
      input_ids: { data: batch.inputIds, dims },
      token_type_ids: { data: batch.tokenTypeIds ?? new BigInt64Array(size), dims },
      attention_mask: { data: batch.attentionMask ?? new BigInt64Array(size).fill(1n), dims },
    });
    return this.session.run(feeds);
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}

/**
 * Checks a batch against what the model can embed; errors start with `source` (a file, or the
 * caller) and name the field, row and column.
 */
export function checkBatch(batch: BertBatch, limits: Pick<BertConfig, 'vocab_size' | 'type_vocab_size' | 'max_position_embeddings'>, source: string): void {
  const { batchSize, seqLength } = batch;
  if (!Number.isInteger(batchSize) || batchSize < 1 || !Number.isInteger(seqLength) || seqLength < 1) {
    throw new Error(`${source}: a batch needs at least one row and one position, got ${batchSize}×${seqLength}`);
  }
  if (seqLength > limits.max_position_embeddings) {
    throw new Error(`${source}: input_ids rows have ${seqLength} tokens, more than the model's max_position_embeddings ${limits.max_position_embeddings}`);
  }
  const check = (field: string, values: BigInt64Array | undefined, limit: number, meaning: string): void => {
    if (values === undefined) return;
    if (values.length !== batchSize * seqLength) throw new Error(`${source}: ${field} has ${values.length} values, expected ${batchSize}×${seqLength}`);
    const bad = values.findIndex((value) => value < 0n || value >= BigInt(limit));
    if (bad >= 0) throw new Error(`${source}: ${field}[${Math.floor(bad / seqLength)}][${bad % seqLength}] is ${values[bad]}, must be ${meaning} (${limit})`);
  };
  check('input_ids', batch.inputIds, limits.vocab_size, 'a token id below vocab_size');
  check('token_type_ids', batch.tokenTypeIds, limits.type_vocab_size, 'a segment id below type_vocab_size');
  check('attention_mask', batch.attentionMask, 2, '0 (padding) or 1 (token)');
}
