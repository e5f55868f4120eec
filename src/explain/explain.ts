// Explanations of a model's predictions, one record per input text (or pair):
//   tokens (specials included), input_ids, token_type_ids, offsets, method, target (the label's
//   name), score (the target's logit), attributions (one number per token), delta (integrated
//   gradients), attentions [layer][head][from][to] (on request: the viewer draws them).
// Methods (gradient-attributions.ts, attention-rollout.ts): integrated-gradients, gradient-x-input,
// attention-rollout, attention (the raw matrices only). F is the target label's logit; the default
// target is the predicted label (regression: the output; token classification: at `targetToken`).
// The integrated-gradients baseline is Captum's BERT tutorial's: the [PAD] word vector at every
// position but [CLS] and [SEP], which keep their own.
import { basePrefixOf } from '../model/architecture.js';
import { type BertModelState, loadBert } from '../model/checkpoint.js';
import { numLabels } from '../model/config.js';
import type { SessionThreading } from '../runtime/session.js';
import { type BatchInput, BertTokenizer } from '../tokenizer/bert-tokenizer.js';
import type { Encoding } from '../tokenizer/encoding.js';
import { attentionRollout } from './attention-rollout.js';
import { ExplainSessions, type TaskHead, taskHeadOf } from './explain-graphs.js';
import { type AttributionInput, gradientTimesInput, integratedGradients } from './gradient-attributions.js';

export const EXPLAIN_METHODS = ['integrated-gradients', 'gradient-x-input', 'attention-rollout', 'attention'] as const;
export type ExplainMethod = (typeof EXPLAIN_METHODS)[number];

export function isExplainMethod(name: unknown): name is ExplainMethod {
  return typeof name === 'string' && (EXPLAIN_METHODS as readonly string[]).includes(name);
}

/** Tokens per ONNX Runtime run of integrated gradients' points (rows·T): 64 rows of 64 tokens. */
const TOKENS_PER_RUN = 4096;

export interface ExplainOptions {
  readonly method: ExplainMethod;
  /** Integrated gradients' Gauss–Legendre points (default 50). */
  readonly steps?: number;
  /** The label to explain, by name (or id); default: the predicted one. */
  readonly target?: string | number;
  /** Token classification: the token (index in `tokens`, [CLS] = 0) whose logit F is. */
  readonly targetToken?: number;
  /** Add each layer's attention matrices to the records (default: only for the 'attention' method). */
  readonly attentions?: boolean;
  /** Integrated gradients' points per ONNX Runtime run (default: 4096 tokens' worth). */
  readonly batchSize?: number;
  /** Receives warnings (inputs truncated to the model's positions); default console.warn. */
  readonly warn?: (message: string) => void;
  /** Called after each input with the number done. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface Explanation {
  readonly text: string;
  readonly text_pair?: string;
  readonly tokens: string[];
  readonly input_ids: number[];
  readonly token_type_ids: number[];
  /** UTF-16 [start, end) into its own text ([0, 0] for special tokens). */
  readonly offsets: [number, number][];
  readonly method: ExplainMethod;
  /** The explained label's name; null without a task head (or a token classifier's target token). */
  readonly target: string | null;
  /** Token classification: the explained token's index. */
  readonly target_token?: number;
  /** The target's logit (the output, for regression); null without a task head. */
  readonly score: number | null;
  /** One number per token (every method but 'attention'). */
  readonly attributions?: number[];
  /** Integrated gradients: Σ attributions − (F(x) − F(baseline)). */
  readonly delta?: number;
  /** [layer][head][from token][to token] softmax probabilities. */
  readonly attentions?: number[][][][];
}

/** `threads`: ORT intra-op threads (default: all cores); `spinWait`: see SessionOptions. */
export type ExplainerOptions = Readonly<SessionThreading>;

export class Explainer {
  private readonly maxLength: number;

  private constructor(
    readonly model: BertModelState,
    readonly tokenizer: BertTokenizer,
    private readonly sessions: ExplainSessions,
    private readonly task: TaskHead | undefined,
  ) {
    this.maxLength = Math.min(model.config.max_position_embeddings, tokenizer.config.modelMaxLength);
  }

  /** A Hugging Face model directory (config.json, weights, vocabulary). */
  static async load(dir: string, options: ExplainerOptions = {}): Promise<Explainer> {
    const model = await loadBert(dir, { warn: () => {} });
    if (model.report.missing.length > 0) throw new Error(`${dir}: the checkpoint lacks ${model.report.missing.slice(0, 5).join(', ')}; it is not a complete ${model.architecture}`);
    return Explainer.create(model, BertTokenizer.fromPretrained(dir), options);
  }

  static async create(model: BertModelState, tokenizer: BertTokenizer, options: ExplainerOptions = {}): Promise<Explainer> {
    if (model.heads.questionAnswering) throw new Error('explain: question-answering models are not supported (sequence classification, regression and token classification are; attention maps need no head)');
    if (tokenizer.vocab.size > model.config.vocab_size) throw new Error(`explain: the tokenizer has ${tokenizer.vocab.size} tokens, the model embeds only ${model.config.vocab_size}`);
    const sessions = await ExplainSessions.create(model, options);
    return new Explainer(model, tokenizer, sessions, taskHeadOf(model.heads));
  }

  /** One explanation per input, in input order. */
  async explain(inputs: readonly BatchInput[], options: ExplainOptions): Promise<Explanation[]> {
    const plan = this.checkOptions(options);
    const records: Explanation[] = [];
    for (const [index, input] of inputs.entries()) {
      records.push(await this.explainOne(input, index, options, plan));
      options.onProgress?.(index + 1, inputs.length);
    }
    return records;
  }

  async dispose(): Promise<void> {
    await this.sessions.dispose();
  }

  private checkOptions(options: ExplainOptions): { steps: number; gradient: boolean } {
    if (!isExplainMethod(options.method)) throw new Error(`explain: method must be one of ${EXPLAIN_METHODS.join(', ')}, got ${JSON.stringify(options.method)}`);
    const steps = options.steps ?? 50;
    if (!Number.isInteger(steps) || steps < 1) throw new Error(`explain: steps must be a positive integer (Gauss–Legendre points), got ${steps}`);
    if (options.batchSize !== undefined && (!Number.isInteger(options.batchSize) || options.batchSize < 1)) throw new Error(`explain: batchSize must be a positive integer, got ${options.batchSize}`);
    const gradient = options.method === 'integrated-gradients' || options.method === 'gradient-x-input';
    if (gradient && this.task === undefined) {
      throw new Error(`explain: ${options.method} needs a model with a task head (sequence classification, regression or token classification); this model has none (attention and attention-rollout need none)`);
    }
    if (options.targetToken !== undefined && this.task !== 'token') throw new Error('explain: targetToken (--target-token) applies to token-classification models only');
    if (gradient && this.task === 'token' && options.targetToken === undefined) throw new Error(`explain: a token-classification model explains one token's label: give targetToken (--target-token i, [CLS] = 0)`);
    if (options.target !== undefined) this.labelId(options.target);
    return { steps, gradient };
  }

  private async explainOne(input: BatchInput, index: number, options: ExplainOptions, plan: { steps: number; gradient: boolean }): Promise<Explanation> {
    const encoding = this.encode(input, index, options.warn ?? ((message) => console.warn(message)));
    const seqLength = encoding.ids.length;
    if (options.targetToken !== undefined && (!Number.isInteger(options.targetToken) || options.targetToken < 0 || options.targetToken >= seqLength)) {
      throw new Error(`explain: input ${index + 1} has ${seqLength} tokens ([CLS] = 0), so targetToken ${options.targetToken} is outside it`);
    }
    const x = this.wordVectors(encoding.ids);
    const baseline = this.wordVectors(this.baselineIds(encoding.ids));
    const tokenTypeIds = BigInt64Array.from(encoding.typeIds, BigInt);
    const wantAttentions = options.attentions ?? options.method === 'attention';
    const needsAttentions = wantAttentions || options.method === 'attention-rollout';
    // One forward pass of [x, x′]: the prediction, F(x), F(x′) and the attention maps of x.
    const both = new Float32Array(2 * x.length);
    both.set(x);
    both.set(baseline, x.length);
    const forward = await this.sessions.forward({ rows: 2, seqLength, inputsEmbeds: both, tokenTypeIds }, { attentions: needsAttentions });
    const heads = this.model.config.num_attention_heads;
    const attentionsOfX = forward.attentions.map((layer) => layer.subarray(0, heads * seqLength * seqLength));

    // A token classifier's logits name a target only at a chosen token.
    const explained = forward.logits !== undefined && (this.task !== 'token' || options.targetToken !== undefined);
    const picked = explained ? this.pickTarget(forward.logits!, seqLength, options) : undefined;
    const record: { -readonly [K in keyof Explanation]: Explanation[K] } = {
      ...(typeof input === 'string' ? { text: input } : { text: input[0], text_pair: input[1] }),
      tokens: encoding.tokens,
      input_ids: encoding.ids,
      token_type_ids: encoding.typeIds,
      offsets: encoding.offsets.map(([start, end]): [number, number] => [start, end]),
      method: options.method,
      target: picked === undefined ? null : this.labelName(picked.label),
      ...(options.targetToken === undefined ? {} : { target_token: options.targetToken }),
      score: picked === undefined ? null : picked.ofX,
    };
    if (plan.gradient && picked !== undefined) {
      const attributionInput: AttributionInput = { seqLength, inputsEmbeds: x, tokenTypeIds, targetWeights: picked.weights, logitDims: picked.dims };
      if (options.method === 'integrated-gradients') {
        const rowsPerRun = Math.min(plan.steps, options.batchSize ?? Math.max(1, Math.floor(TOKENS_PER_RUN / seqLength)));
        const ig = await integratedGradients(this.sessions, attributionInput, baseline, picked.ofX - picked.ofBaseline, { steps: plan.steps, rowsPerRun });
        record.attributions = ig.attributions;
        record.delta = ig.delta;
      } else {
        record.attributions = await gradientTimesInput(this.sessions, attributionInput);
      }
    }
    if (options.method === 'attention-rollout') record.attributions = attentionRollout(attentionsOfX, heads, seqLength);
    if (wantAttentions) record.attentions = attentionsOfX.map((layer) => nestedMatrices(layer, heads, seqLength));
    return record;
  }

  /** Encodes to at most the model's positions; a longer input is truncated with a warning. */
  private encode(input: BatchInput, index: number, warn: (message: string) => void): Encoding {
    const [text, pair] = typeof input === 'string' ? [input, null] : input;
    if (typeof text !== 'string' || (pair !== null && typeof pair !== 'string')) throw new Error(`explain: input ${index + 1} must be a text or a [text, text_pair] pair`);
    const whole = this.tokenizer.encode(text, pair, { truncation: false });
    if (whole.ids.length <= this.maxLength) return whole;
    warn(`explain: input ${index + 1} has ${whole.ids.length} tokens, more than the model's ${this.maxLength} positions; truncated to ${this.maxLength}`);
    return this.tokenizer.encode(text, pair, { truncation: true, maxLength: this.maxLength });
  }

  /** [PAD] everywhere but at [CLS] and [SEP]. */
  private baselineIds(ids: readonly number[]): number[] {
    const { padToken, clsToken, sepToken } = this.tokenizer.config;
    const pad = this.tokenizer.tokenToId(padToken), cls = this.tokenizer.tokenToId(clsToken), sep = this.tokenizer.tokenToId(sepToken);
    if (pad === undefined) throw new Error(`explain: the tokenizer's pad token ${padToken} is not in its vocabulary`);
    return ids.map((id) => (id === cls || id === sep ? id : pad));
  }

  /** The word-embedding rows of `ids`: [T, hidden]. */
  private wordVectors(ids: readonly number[]): Float32Array {
    const hidden = this.model.config.hidden_size;
    const table = this.model.parameters.get(`${basePrefixOf(this.model.heads)}embeddings.word_embeddings.weight`);
    const vectors = new Float32Array(ids.length * hidden);
    ids.forEach((id, position) => vectors.set(table.subarray(id * hidden, (id + 1) * hidden), position * hidden));
    return vectors;
  }

  /** The target label (given or predicted) at row 0 (x), its one-hot weights, F(x) and F(x′) (row 1). */
  private pickTarget(logits: Float32Array, seqLength: number, options: ExplainOptions): { label: number; weights: Float32Array; dims: number[]; ofX: number; ofBaseline: number } {
    const rowSize = logits.length / 2;
    const labels = this.task === 'token' ? rowSize / seqLength : rowSize;
    const at = this.task === 'token' ? options.targetToken! * labels : 0;
    const row = logits.subarray(at, at + labels);
    const label = options.target === undefined ? row.indexOf(Math.max(...row)) : this.labelId(options.target);
    const weights = new Float32Array(rowSize);
    weights[at + label] = 1;
    return { label, weights, dims: this.task === 'token' ? [seqLength, labels] : [labels], ofX: logits[at + label]!, ofBaseline: logits[rowSize + at + label]! };
  }

  private labelNames(): string[] {
    return Array.from({ length: numLabels(this.model.config) }, (_, id) => this.labelName(id));
  }

  private labelName(id: number): string {
    return this.model.config.id2label?.[String(id)] ?? `LABEL_${id}`;
  }

  /** A label's id from its name, or from an id the model has. */
  private labelId(target: string | number): number {
    const names = this.labelNames();
    const byName = names.indexOf(String(target));
    if (byName >= 0) return byName;
    const id = typeof target === 'number' ? target : /^\d+$/.test(target) ? Number(target) : NaN;
    if (Number.isInteger(id) && id >= 0 && id < names.length) return id;
    throw new Error(`explain: the model has no label ${JSON.stringify(target)}; its labels are ${names.join(', ')}`);
  }
}

/** Explains `inputs` with the model in `dir` (see Explainer for a model kept loaded). */
export async function explain(dir: string, inputs: readonly BatchInput[], options: ExplainOptions & ExplainerOptions): Promise<Explanation[]> {
  const explainer = await Explainer.load(dir, options.threads === undefined ? {} : { threads: options.threads });
  try {
    return await explainer.explain(inputs, options);
  } finally {
    await explainer.dispose();
  }
}

/** [heads, T, T] → [head][from][to], rounded to 6 digits (the JSON stays readable and small). */
function nestedMatrices(probs: Float32Array, heads: number, tokens: number): number[][][] {
  return Array.from({ length: heads }, (_, h) => Array.from({ length: tokens }, (_, i) => {
    const start = (h * tokens + i) * tokens;
    return Array.from(probs.subarray(start, start + tokens), (p) => Number(p.toPrecision(6)));
  }));
}
