// Runs a loaded model's inference graph on ONNX Runtime: one session, parameters fed as inputs.
import { Graph } from '../graph/graph.js';
import { type HostTensor, Session } from '../runtime/session.js';
import { buildBertGraph } from './bert.js';
import type { BertModelState } from './checkpoint.js';

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
    const { batchSize, seqLength } = batch;
    const size = batchSize * seqLength;
    const config = this.model.config;
    const check = (field: string, values: BigInt64Array, limit: number, meaning: string): BigInt64Array => {
      if (values.length !== size) throw new Error(`BertRunner.run: ${field} has ${values.length} values, expected ${batchSize}×${seqLength}`);
      const bad = values.findIndex((value) => value < 0n || value >= BigInt(limit));
      if (bad >= 0) throw new Error(`BertRunner.run: ${field}[${Math.floor(bad / seqLength)}][${bad % seqLength}] is ${values[bad]}, ${meaning} must be in [0, ${limit})`);
      return values;
    };
    if (!Number.isInteger(batchSize) || batchSize < 1 || !Number.isInteger(seqLength) || seqLength < 1) {
      throw new Error(`BertRunner.run: batch needs at least one row and one position, got ${batchSize}×${seqLength}`);
    }
    if (seqLength > config.max_position_embeddings) {
      throw new Error(`BertRunner.run: sequences of ${seqLength} tokens exceed max_position_embeddings ${config.max_position_embeddings}`);
    }
    const dims = [batchSize, seqLength];
    const feeds: Record<string, HostTensor> = {};
    for (const [name, shape] of this.parameterShapes) feeds[name] = { data: this.model.parameters.get(name), dims: shape };
    Object.assign(feeds, {
      input_ids: { data: check('input_ids', batch.inputIds, config.vocab_size, 'a token id (vocab_size)'), dims },
      token_type_ids: { data: check('token_type_ids', batch.tokenTypeIds ?? new BigInt64Array(size), config.type_vocab_size, 'a segment id (type_vocab_size)'), dims },
      attention_mask: { data: check('attention_mask', batch.attentionMask ?? new BigInt64Array(size).fill(1n), 2, 'a mask value'), dims },
    });
    return this.session.run(feeds);
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}
