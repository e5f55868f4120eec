// The two graphs explanations run, both from HF's inputs_embeds x (the word-embedding lookup's
// output, before position and token-type embeddings and LayerNorm), with the weights baked in as
// initializers, so that ORT can fold what depends on weights alone (the transposes of the backward
// pass) once, when the session loads:
//   forward:  x [rows, seq, hidden] → logits (when the model has a task head), attentions.{0..L−1} [rows, heads, seq, seq]
//   gradient: x, target_weights (the logits' shape, a one-hot pick of F per row) →
//             logits, gradient = ∂F/∂x [rows, seq, hidden] with F = Σ logits·target_weights
// Rows never mix (attention stays within a row), so ∂F/∂x of a row is the gradient of that row's own
// target logit: the quadrature points of integrated gradients run as the rows of one batch.
// The backward pass is bertkit's autodiff (graph/autodiff.ts) over the plain encoder layers.
import { grad } from '../graph/autodiff.js';
import { Graph } from '../graph/graph.js';
import { mul, reduceSum } from '../graph/ops.js';
import type { Dim } from '../graph/tensor.js';
import { type BertHeads, basePrefixOf } from '../model/architecture.js';
import { bertForward } from '../model/bert.js';
import type { BertModelState } from '../model/checkpoint.js';
import { inferenceOnnx } from '../model/inference-graph.js';
import { type HostTensor, Session, type SessionThreading, threadingOf } from '../runtime/session.js';

/** Which logits attributions can explain: a sequence's (classification, regression) or a token's. */
export type TaskHead = 'sequence' | 'token';

export function taskHeadOf(heads: BertHeads): TaskHead | undefined {
  if (heads.sequenceClassification) return 'sequence';
  if (heads.tokenClassification) return 'token';
  return undefined;
}

/** One sentence repeated over rows: the word vectors of each row and the sentence's segment ids. */
export interface EmbeddedRows {
  readonly rows: number;
  readonly seqLength: number;
  /** float32 [rows, seq, hidden] */
  readonly inputsEmbeds: Float32Array;
  /** int64 [seq], the same for every row */
  readonly tokenTypeIds: BigInt64Array;
}

export class ExplainSessions {
  private constructor(
    private readonly forwardSession: Session,
    private readonly gradientSession: Session | undefined,
    private readonly hidden: number,
    readonly layers: number,
  ) {}

  /** The forward session always; the gradient session when the model has a task head. */
  static async create(model: BertModelState, options: SessionThreading = {}): Promise<ExplainSessions> {
    const sessionOptions = threadingOf(options);
    const forwardSession = await Session.create(inferenceOnnx(model, explainGraph(model, 'forward')), sessionOptions);
    try {
      const gradientSession = taskHeadOf(model.heads) === undefined ? undefined : await Session.create(inferenceOnnx(model, explainGraph(model, 'gradient')), sessionOptions);
      return new ExplainSessions(forwardSession, gradientSession, model.config.hidden_size, model.config.num_hidden_layers);
    } catch (error) {
      await forwardSession.dispose();
      throw error;
    }
  }

  /** logits (absent without a task head) and, with `attentions`, every layer's [rows, heads, seq, seq]. */
  async forward(input: EmbeddedRows, options: { attentions: boolean }): Promise<{ logits?: Float32Array; attentions: Float32Array[] }> {
    const wanted = this.forwardSession.outputNames.filter((name) => options.attentions || !name.startsWith('attentions.'));
    if (wanted.length === 0) return { attentions: [] };
    const out = await this.forwardSession.run(this.feeds(input), wanted);
    const attentions = options.attentions ? Array.from({ length: this.layers }, (_, layer) => out[`attentions.${layer}`]!.data as Float32Array) : [];
    return { ...(out.logits ? { logits: out.logits.data as Float32Array } : {}), attentions };
  }

  /** ∂F/∂x [rows, seq, hidden] and the logits, F picked per row by `targetWeights` (the logits' shape). */
  async gradient(input: EmbeddedRows, targetWeights: HostTensor): Promise<{ logits: Float32Array; gradient: Float32Array }> {
    if (this.gradientSession === undefined) throw new Error('ExplainSessions.gradient: the model has no task head to differentiate');
    const out = await this.gradientSession.run({ ...this.feeds(input), target_weights: targetWeights });
    return { logits: out.logits!.data as Float32Array, gradient: out.gradient!.data as Float32Array };
  }

  async dispose(): Promise<void> {
    await this.forwardSession.dispose();
    await this.gradientSession?.dispose();
  }

  private feeds(input: EmbeddedRows): Record<string, HostTensor> {
    const { rows, seqLength } = input;
    if (input.inputsEmbeds.length !== rows * seqLength * this.hidden || input.tokenTypeIds.length !== seqLength) {
      throw new Error(`ExplainSessions: ${rows}×${seqLength} rows need ${rows * seqLength * this.hidden} embedding values and ${seqLength} segment ids, got ${input.inputsEmbeds.length} and ${input.tokenTypeIds.length}`);
    }
    const tokenTypeIds = new BigInt64Array(rows * seqLength);
    for (let row = 0; row < rows; row++) tokenTypeIds.set(input.tokenTypeIds, row * seqLength);
    return {
      inputs_embeds: { data: input.inputsEmbeds, dims: [rows, seqLength, this.hidden] },
      token_type_ids: { data: tokenTypeIds, dims: [rows, seqLength] },
      attention_mask: { data: new BigInt64Array(rows * seqLength).fill(1n), dims: [rows, seqLength] },
    };
  }
}

/** The forward or gradient graph of the model's encoder and task head (see the file comment). */
function explainGraph(model: BertModelState, kind: 'forward' | 'gradient'): Graph {
  const graph = new Graph();
  const task = taskHeadOf(model.heads);
  const heads: BertHeads = {
    pooler: task === 'sequence', maskedLm: false, nextSentence: false,
    sequenceClassification: task === 'sequence', tokenClassification: task === 'token', questionAnswering: false,
  };
  // The gradient of a sequence's logit needs the last layer's [CLS] row alone; the forward graph's attention maps need every row.
  const firstTokenOnly = kind === 'gradient' && task === 'sequence';
  const forward = bertForward(graph, model.config, { heads, prefix: basePrefixOf(model.heads), inputsEmbeds: true, firstTokenOnly });
  const { logits } = forward.heads;
  if (kind === 'forward') {
    if (logits) graph.output('logits', logits);
    forward.attentions.forEach((probs, layer) => graph.output(`attentions.${layer}`, probs));
    return graph;
  }
  if (!('inputsEmbeds' in forward.inputs) || logits === undefined) throw new Error('explainGraph: the gradient graph needs inputs_embeds and a task head');
  const targetWeights = graph.input('target_weights', 'float32', logits.shape as Dim[]);
  const [gradient] = grad(reduceSum(mul(logits, targetWeights)), [forward.inputs.inputsEmbeds]);
  graph.output('logits', logits);
  graph.output('gradient', gradient!);
  return graph;
}
