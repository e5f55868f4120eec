// The weight-fed runner: one ONNX Runtime session over an inference graph whose parameters are
// graph inputs, so that each run takes its weights from the caller (a loaded model's
// ParameterStore, or the record a training worker hands back at each evaluation) without building
// a new session:
//   BertBatch (input_ids, token_type_ids, attention_mask int64 [batch, seq];
//              masked_lm_positions int64 [masked] for masked-position graphs) + weights → outputs
// `bertkit forward`, fine-tuning's dev-set scoring (TaskPredictor) and pretraining's held-out
// evaluation (MlmEvaluator) run on it. The graph keeps the plain encoder layers (fusedOps off): the
// fused layer's packed, transposed weights fold once only when the weights are constants, and the
// plain layers are the forward that training differentiates, with attention maps.
import { type HostTensor, Session } from '../runtime/session.js';
import { ParameterStore } from '../runtime/parameters.js';
import type { BertModelState } from './checkpoint.js';
import type { BertConfig } from './config.js';
import { type InferenceOutput, buildInferenceGraph, modelOutputs } from './inference-graph.js';
import type { QuantizedMatrices } from './quantized-encoder-layer.js';

/** A padded batch, row-major int64 [batchSize, seqLength] each. */
export interface BertBatch {
  readonly batchSize: number;
  readonly seqLength: number;
  readonly inputIds: BigInt64Array;
  /** Default: all 0 (one segment). */
  readonly tokenTypeIds?: BigInt64Array;
  /** Default: all 1 (no padding). */
  readonly attentionMask?: BigInt64Array;
  /** Flat positions b·seq + s whose MLM logits a masked-position graph computes. */
  readonly maskedLmPositions?: BigInt64Array;
}

/** Where a run's weights come from, by Hugging Face parameter name. */
export type WeightSource = ParameterStore | Readonly<Record<string, Float32Array>>;

export interface BertRunnerOptions {
  /** The graph's outputs (default: modelOutputs(heads), every output the model has but the per-layer ones). */
  readonly outputs?: readonly InferenceOutput[];
  /** MLM logits only at the batch's maskedLmPositions: [masked, vocab]. */
  readonly maskedPositions?: boolean;
  /** ORT intra-op threads (default: all cores). */
  readonly threads?: number;
  /**
   * The q8 model: int8 encoder layers on these weights, baked into the graph as constants (ORT
   * prepacks them); the float parameters are still fed on each run.
   */
  readonly quantized?: QuantizedMatrices;
}

export class BertRunner {
  private constructor(
    private readonly session: Session,
    private readonly config: BertConfig,
    private readonly parameters: readonly { name: string; dims: number[] }[],
    /** Output names in graph order: last_hidden_state, pooler_output, hidden_states.{i}, …, logits. */
    readonly outputNames: readonly string[],
    /** The graph has the input masked_lm_positions. */
    private readonly readsMaskedPositions: boolean,
  ) {}

  static async create(model: Pick<BertModelState, 'config' | 'heads'>, options: BertRunnerOptions = {}): Promise<BertRunner> {
    const graph = buildInferenceGraph(model, {
      outputs: options.outputs ?? modelOutputs(model.heads),
      maskedPositions: options.maskedPositions ?? false,
      ...(options.quantized === undefined ? { fusedOps: false } : { quantized: options.quantized }),
    });
    const parameters = graph.parameters.map((parameter) => ({ name: parameter.name, dims: parameter.shape as number[] }));
    const session = await Session.create(graph, options.threads === undefined ? {} : { threads: options.threads });
    const readsMaskedPositions = graph.inputs.some((input) => input.name === 'masked_lm_positions');
    return new BertRunner(session, model.config, parameters, graph.outputs.map((output) => output.name), readsMaskedPositions);
  }

  /** Every output of the graph for `batch` (see outputNames), computed with `weights`. */
  async run(batch: BertBatch, weights: WeightSource): Promise<Record<string, HostTensor>> {
    checkBatch(batch, this.config, 'BertRunner.run');
    if (this.readsMaskedPositions && batch.maskedLmPositions === undefined) throw new Error('BertRunner.run: the graph computes MLM logits at masked positions; the batch has no maskedLmPositions');
    if (!this.readsMaskedPositions && batch.maskedLmPositions !== undefined) throw new Error('BertRunner.run: the batch has maskedLmPositions, but the runner was created without maskedPositions');
    const feeds = batchFeeds(batch);
    for (const { name, dims } of this.parameters) {
      const data = weights instanceof ParameterStore ? (weights.has(name) ? weights.get(name) : undefined) : weights[name];
      if (data === undefined) throw new Error(`BertRunner.run: no weights for ${name}`);
      feeds[name] = { data, dims };
    }
    return this.session.run(feeds);
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}

/** The graph inputs of a batch, under the HF argument names (defaults filled in). */
export function batchFeeds(batch: BertBatch): Record<string, HostTensor> {
  const { batchSize, seqLength } = batch;
  const size = batchSize * seqLength;
  const dims = [batchSize, seqLength];
  return {
    input_ids: { data: batch.inputIds, dims },
    token_type_ids: { data: batch.tokenTypeIds ?? new BigInt64Array(size), dims },
    attention_mask: { data: batch.attentionMask ?? new BigInt64Array(size).fill(1n), dims },
    ...(batch.maskedLmPositions ? { masked_lm_positions: { data: batch.maskedLmPositions, dims: [batch.maskedLmPositions.length] } } : {}),
  };
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
  const size = BigInt(batchSize * seqLength);
  const outside = batch.maskedLmPositions?.findIndex((position) => position < 0n || position >= size) ?? -1;
  if (outside >= 0) throw new Error(`${source}: masked_lm_positions[${outside}] is ${batch.maskedLmPositions![outside]}, outside [0, ${size})`);
}
